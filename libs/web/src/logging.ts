import { AppConfig, scrubText } from '@app/platform';

export { scrubText };
import type { FastifyInstance } from 'fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import type { LoggerOptions } from 'pino';

/**
 * Logs never carry personal data. Bodies are never logged; errors are logged by an allow-list
 * of fields (a database error's SQL parameters, `detail` and `where` hold the row it failed on,
 * an SMTP error's response names the recipient); messages and URLs are scrubbed of addresses,
 * quoted values and query values. docs/privacy.md says what is kept.
 */

/**
 * The words routes are made of. A path segment that is one of them, a UUID, a number or a
 * currency code is logged; anything else (a name typed into an unknown route, an email where an
 * id belongs) becomes [redacted]. A new route's word missing here only over-redacts.
 */
const ROUTE_WORDS = new Set([
  'v1',
  'candidates',
  'applications',
  'task-forces',
  'members',
  'openings',
  'salary-bands',
  'versions',
  'fx-rates',
  'offers',
  'history',
  'competing-offers',
  'outreach',
  'inbound',
  'unsubscribe',
  'sequences',
  'preview',
  'stats',
  'enrollments',
  'pause',
  'resume',
  'stop',
  'steps',
  'resend',
  'users',
  'tokens',
  'me',
  'duplicates',
  'import',
  'export',
  'merge',
  'notes',
  'transitions',
  'interviews',
  'scorecards',
  'interview-progress',
  'interviewers',
  'blocks',
  'interview-plan',
  'interview-slots',
  'interview-mails',
  'mails',
  'mark-sent',
  'cancel',
  'submit',
  'approve',
  'reject',
  'send',
  'accept',
  'decline',
  'withdraw',
  'docs',
  'docs-json',
  'health',
  'metrics',
  'admin',
  'queues',
  'api',
  'static',
  'audit-trail',
  'audit',
  'json',
  'yaml',
]);
const SAFE_SEGMENT = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d{1,10}|[A-Z]{3})$/i;

/** Query values kept as sent, by key: numbers, UUIDs and days. Other values, and other keys, are dropped. */
const QUERY_VALUES: Record<string, RegExp> = {
  limit: /^\d{1,6}$/,
  version: /^\d{1,6}$/,
  step: /^\d{1,6}$/,
  taskForceId: SAFE_SEGMENT,
  ownerId: SAFE_SEGMENT,
  sequenceId: SAFE_SEGMENT,
  candidateId: SAFE_SEGMENT,
  applicationId: SAFE_SEGMENT,
  asOf: /^\d{4}-\d{2}-\d{2}$/,
  updatedSince: /^\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/,
};
const PLAIN_QUERY_KEYS = new Set([
  ...Object.keys(QUERY_VALUES),
  'cursor',
  'status',
  'stage',
  'skillArea',
  'visa',
  'currency',
  'period',
  'outcome',
  'jobFamily',
  'level',
  'zone',
  'kind',
  'q',
  'employer',
  'skill',
  'tag',
  'token',
]);

const decoded = (text: string): string | null => {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
};

export function scrubUrl(url: unknown): unknown {
  if (typeof url !== 'string') return url;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q))
    .split('/')
    .map((segment) => {
      const plain = decoded(segment);
      return segment === '' || (plain !== null && (ROUTE_WORDS.has(plain) || SAFE_SEGMENT.test(plain))) ? segment : '[redacted]';
    })
    .join('/');
  if (q < 0) return path;
  const params = url
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = decoded(eq < 0 ? pair : pair.slice(0, eq));
      if (key === null || !PLAIN_QUERY_KEYS.has(key)) return '[redacted]';
      const value = eq < 0 ? '' : decoded(pair.slice(eq + 1).replace(/\+/g, ' '));
      return value !== null && QUERY_VALUES[key]?.test(value) ? `${key}=${value}` : `${key}=[redacted]`;
    });
  return `${path}?${params.join('&')}`;
}

/** Error fields that say what failed without holding the data it failed on. */
const ERROR_FIELDS = [
  'code',
  'errno',
  'syscall',
  'address',
  'port',
  'severity',
  'constraint',
  'table',
  'column',
  'schema',
  'dataType',
  'routine',
  'file',
  'line',
  'responseCode',
  'command',
  'statusCode',
  'status',
  'kind',
  'transient',
  'recipientRejected',
  'outcomeUnknown',
  'notAttempted',
  'cancelled',
] as const;
const MAX_QUERY_CHARS = 2000;

export function safeError(value: unknown, depth = 0): unknown {
  // pino-http hands serializers pino's own copy of the error (every field of it), the original in `raw`.
  const raw = (value as { raw?: unknown } | null)?.raw;
  if (!(value instanceof Error) && raw instanceof Error) return safeError(raw, depth);
  if (!(value instanceof Error)) {
    if (value && typeof value === 'object') return { type: 'non-error', message: '[object]' };
    return typeof value === 'string' ? scrubText(value) : value;
  }
  const err = value as Error & Record<string, unknown>;
  const out: Record<string, unknown> = { type: err.constructor?.name ?? err.name, message: scrubText(String(err.message ?? '')) };
  if (typeof err.stack === 'string') out.stack = scrubText(err.stack);
  for (const key of ERROR_FIELDS) {
    const field = err[key];
    if (typeof field === 'number' || typeof field === 'boolean') out[key] = field;
    else if (typeof field === 'string') out[key] = scrubText(field);
  }
  // The statement's text is the code's own; its parameters, the data, are never logged.
  if (typeof err.query === 'string') out.query = scrubText(err.query.slice(0, MAX_QUERY_CHARS));
  if (Array.isArray(err.parameters)) out.parameterCount = err.parameters.length;
  if (depth < 3 && err.cause !== undefined) out.cause = safeError(err.cause, depth + 1);
  if (depth < 3 && Array.isArray(err.errors)) out.errors = err.errors.slice(0, 10).map((e) => safeError(e, depth + 1));
  return out;
}

/** The pino options both processes use; exported so the redaction can be tested on its own. */
export function pinoOptions(level: string): LoggerOptions {
  return {
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.body',
        'res.body',
        'body',
        '*.body',
        'parameters',
        '*.parameters',
        'driverError',
        '*.driverError',
        'detail',
        'where',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: scrubUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      err: (err: unknown) => safeError(err),
      error: (err: unknown) => safeError(err),
      url: scrubUrl,
      path: scrubUrl,
    },
    hooks: {
      // Messages are often built from an error's message (`... ${e.message}`).
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
      },
    },
  };
}

/**
 * Structured JSON logs; each request's lines carry its request id. Secrets and personal data are
 * redacted. The module provides the loggers only (`forRoutes: []`): requests are logged by
 * Fastify hooks (`installRequestLogging`), which cost a fraction of pino-http run as Nest
 * middleware through middie on every request.
 */
export const loggingModule = () =>
  LoggerModule.forRootAsync({
    inject: [AppConfig],
    useFactory: (config: AppConfig) => ({ pinoHttp: pinoOptions(config.LOG_LEVEL), forRoutes: [] }),
  });

const UNLOGGED_ROUTES = /^\/(health|metrics)(\?|$)/;

/**
 * Every line logged while a request is handled carries its `reqId` (the logger of the request's
 * context, as `PinoLogger` finds it), and one line closes each request but /health and /metrics:
 * "request completed" with the request (method, scrubbed URL), the status and the time in ms, or
 * "request errored" at error level for a 5xx, as pino-http wrote them.
 */
export function installRequestLogging(fastify: FastifyInstance, logger: PinoLogger): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    logger.runInContext(done, { bindings: { reqId: request.id } });
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!UNLOGGED_ROUTES.test(request.url)) {
      const line = {
        reqId: request.id,
        req: { id: request.id, method: request.method, url: request.url },
        res: { statusCode: reply.statusCode },
        responseTime: Math.round(reply.elapsedTime),
      };
      if (reply.statusCode >= 500) PinoLogger.root.error({ ...line, err: new Error(`failed with status code ${reply.statusCode}`) }, 'request errored');
      else PinoLogger.root.info(line, 'request completed');
    }
    done();
  });
}
