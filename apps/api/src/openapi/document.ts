import { AppConfig } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PROBLEM_DESCRIPTIONS } from './decorators';

type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; items?: Schema; required?: string[] };
interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: unknown[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses: Record<string, unknown>;
}

const TAGS: Record<string, string> = {
  operations: 'Liveness, readiness and Prometheus metrics',
  users: 'Admins and recruiters, and their personal API tokens',
  'task forces': 'Overseas hiring teams, their members and their openings (headcount)',
  candidates: 'The people in the pool: search, duplicates, CSV import, notes, merge, export and erasure',
  applications: 'A candidate in a task force pipeline: stages, transitions and competing offers',
  'salary bands': 'Versioned salary bands and exchange rates',
  offers: 'Offers checked against their band, approvals and the offer life cycle',
  outreach: 'Multi-step email sequences, enrollments, replies, bounces, suppressions and unsubscribe',
  events: 'Domain events in commit order, for consumers that poll (docs/events.md)',
  insight: 'Reports: the talent market per skill area, the pipeline funnel, outreach results and offers, as JSON or CSV (docs/insight.md)',
  interviews: 'Interview plans, interviewers across time zones, the slot finder, scheduling with invitations, and scorecards (docs/interviews.md)',
  webhooks: 'Signed deliveries of the same events to registered endpoints (Standard Webhooks), their log and settings (docs/webhooks.md)',
};

/**
 * The API's OpenAPI document, generated from the controllers and DTOs of the running app, with
 * what every route shares (problem answers, Idempotency-Key, security) stated once here.
 */
export function describeApi(app: NestFastifyApplication, config: Pick<AppConfig, 'PUBLIC_BASE_URL'>): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Overseas hiring API')
    .setDescription(
      'Recruiting pipeline for hiring AI engineers abroad. Every route except /health, the signed inbound-mail webhook and the ' +
        'unsubscribe link needs `Authorization: Bearer <token>`. Errors are `application/problem+json` (docs/errors.md). ' +
        'Creating POSTs honour `Idempotency-Key`. Lists take `limit` (1-200, default 50) and `cursor`, and answer `{ data, nextCursor }`.',
    )
    .setVersion('1')
    .setLicense('Proprietary', `${config.PUBLIC_BASE_URL}/docs`)
    .addServer(config.PUBLIC_BASE_URL, 'This deployment')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'Personal API token (hk_...)' }, 'bearer')
    .addSecurityRequirements('bearer');
  for (const [name, description] of Object.entries(TAGS)) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build());
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations) as [string, Operation][]) shareCommonAnswers(path, method, operation);
  }
  document.components!.headers = { ...document.components!.headers, ...HEADERS };
  for (const schema of Object.values(document.components?.schemas ?? {})) tightenSchema(schema as Schema);
  // Problems may carry extension members beyond the documented ones (RFC 9457).
  (document.components!.schemas!.ProblemSchema as Schema).additionalProperties = true;
  for (const operations of Object.values(document.paths)) {
    const patch = (operations as Record<string, Operation>).patch;
    for (const media of Object.values(patch?.requestBody?.content ?? {})) withoutDefaults(document, media.schema);
  }
  return document;
}

const problem = (status: number) => ({
  description: PROBLEM_DESCRIPTIONS[status],
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemSchema' } } },
});

function shareCommonAnswers(path: string, method: string, operation: Operation): void {
  const isPublic = !operation.security || operation.security.length === 0;
  // Public routes say so explicitly; every other route inherits the document's bearer requirement.
  if (isPublic) operation.security = [];
  if (!operation.description && operation.summary) {
    operation.description = operation.summary;
    operation.summary = firstSentence(operation.summary);
  }
  const add = (status: number) => (operation.responses[String(status)] ??= problem(status));
  if (method === 'post') {
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
        description: 'Replays the first answer for the same key and body for 24 h; another body under the same key is 422',
      },
    ];
    if (!isPublic) {
      add(409);
      add(422);
    }
  }
  // A body can be sent to any route that is not a read; one too large or of another media type is refused.
  if (method !== 'get' && method !== 'head') {
    operation.responses['413'] ??= { ...problem(413), description: 'Body over 1 MiB (16 MiB for CSV imports)' };
    add(415);
  }
  // Any request can be refused as malformed: a bad query string, unstorable text, an invalid header.
  add(400);
  // Any route that takes a token: a user with the interviewer role is refused (403) on every route not made for them.
  if (!isPublic) {
    add(401);
    add(403);
  }
  add(414);
  add(431);
  const limited = path !== '/health' && path !== '/metrics';
  if (limited) add(429);
  operation.responses['500'] ??= {
    ...problem(500),
    description: 'An unexpected failure: a bare problem with a correlationId to quote, revealing nothing else',
  };
  for (const [status, response] of Object.entries(operation.responses) as [string, { headers?: Record<string, unknown> }][]) {
    const headers: Record<string, unknown> = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
    if (limited && status !== '500') {
      for (const name of ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset']) headers[name] = { $ref: `#/components/headers/${name}` };
    }
    if (status === '429') headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
    if (method === 'post' && !isPublic && status.startsWith('2')) headers['Idempotent-Replayed'] = { $ref: '#/components/headers/Idempotent-Replayed' };
    response.headers = { ...headers, ...response.headers };
  }
}

/** Headers answers carry, stated once and referred to from every response that has them. */
const HEADERS = {
  'X-Request-Id': {
    description: 'The request id: the one sent (when it is a plain token of up to 128 characters), else a new UUID; also the correlationId of a problem',
    schema: { type: 'string' },
  },
  'X-RateLimit-Limit': { description: 'The budget this answer was counted against, per window (absent when rate limits are off)', schema: { type: 'integer' } },
  'X-RateLimit-Remaining': { description: 'What is left of that budget in this window', schema: { type: 'integer' } },
  'X-RateLimit-Reset': { description: 'Seconds until the window ends', schema: { type: 'integer' } },
  'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } },
  'Idempotent-Replayed': {
    description: '"true" when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
};

function firstSentence(text: string): string {
  const cut = text.search(/[.;:](\s|$)/);
  return cut > 0 ? text.slice(0, cut) : text;
}

/** OpenAPI 3.0 rules the generator leaves to us: a nullable enum lists null, a nullable reference is "that or null". */
function tightenSchema(schema: Schema | undefined): void {
  if (!schema || typeof schema !== 'object') return;
  if (schema.nullable === true && Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (property.nullable === true && Array.isArray(property.allOf) && property.allOf.length === 1) {
      const { allOf, nullable: _nullable, type: _type, ...rest } = property;
      schema.properties![name] = { ...rest, anyOf: [allOf[0], { type: 'object', nullable: true, enum: [null] }] };
    }
    tightenSchema(schema.properties![name]);
  }
  tightenSchema(schema.items);
}

/** A PATCH changes what it names and nothing else, so its fields have no defaults (a default would read "absent means this"). */
function withoutDefaults(document: OpenAPIObject, schema: Schema | undefined): void {
  const ref = schema?.$ref as string | undefined;
  const target = ref ? (document.components?.schemas?.[ref.split('/').pop()!] as Schema | undefined) : schema;
  for (const property of Object.values(target?.properties ?? {})) delete property.default;
}
