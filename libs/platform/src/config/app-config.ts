import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, registerDecorator, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const BOOLEANS: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };
const toBool = ({ value }: { value: unknown }) => (typeof value === 'string' && value.toLowerCase() in BOOLEANS ? BOOLEANS[value.toLowerCase()] : value);
const toHops = ({ value }: { value: unknown }) => {
  if (typeof value !== 'string') return value;
  const lower = value.trim().toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false' || lower === '') return 0;
  return /^\d{1,2}$/.test(lower) ? Number(lower) : value;
};

/** A URL that really parses, with one of the given schemes and a valid port. */
function IsServiceUrl(schemes: string[], example: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isServiceUrl',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a ${schemes.map((s) => `${s}//`).join(' or ')} URL such as ${example}` },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          try {
            const url = new URL(value);
            return schemes.includes(url.protocol) && url.hostname.length > 0;
          } catch {
            return false;
          }
        },
      },
    });
}
/** A comma-separated list of 1 to 30 waits in seconds (fractions allowed), each at most a day. */
function IsWaitList(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isWaitList',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be 1 to 30 comma-separated waits in seconds, each from 0 to 86400, such as 5,300,1800` },
      validator: {
        validate(value: unknown) {
          if (typeof value !== 'string') return false;
          const waits = value.split(',').map((w) => w.trim());
          return waits.length >= 1 && waits.length <= 30 && waits.every((w) => /^\d{1,5}(\.\d{1,3})?$/.test(w) && Number(w) <= 86_400);
        },
      },
    });
}

/** The waits of WEBHOOK_RETRY_SCHEDULE, in milliseconds. */
export function retryWaitsMs(config: Pick<AppConfig, 'WEBHOOK_RETRY_SCHEDULE'>): number[] {
  return config.WEBHOOK_RETRY_SCHEDULE.split(',').map((w) => Math.round(Number(w.trim()) * 1000));
}

/** Usable on a developer's machine only: a deployment with a public base URL must set its own. */
export const DEVELOPMENT_SECRETS = {
  INBOUND_WEBHOOK_SECRET: 'development-inbound-webhook-secret-not-for-production',
  UNSUBSCRIBE_SECRET: 'development-unsubscribe-secret-not-for-production',
} as const;
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const LOCAL_ENVIRONMENTS = new Set(['development', 'test']);

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every setting the processes read from the environment. Validated once, before any module is
 * built, so a typo fails the start with a message naming the variable instead of a late crash.
 */
export class AppConfig {
  @IsServiceUrl(['postgres:', 'postgresql:'], 'postgres://user@127.0.0.1:5432/db')
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  @IsServiceUrl(['redis:', 'rediss:'], 'redis://127.0.0.1:6379')
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Postgres connections per process; a worker takes at least one per concurrent job plus a few. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  @Max(1000)
  DATABASE_POOL_SIZE = 20;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  WORKER_PORT = 3001;

  @IsString()
  @Matches(/^[\w.:-]+$/, { message: 'HOST must be a host name or address' })
  HOST = '127.0.0.1';

  @IsServiceUrl(['smtp:', 'smtps:'], 'smtp://127.0.0.1:1025')
  SMTP_URL = 'smtp://127.0.0.1:1025';

  @IsServiceUrl(['http:', 'https:'], 'https://hiring.example.com')
  PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'ADMIN_BOOTSTRAP_TOKEN must be at least 16 characters' })
  ADMIN_BOOTSTRAP_TOKEN?: string;

  @Matches(/^[a-zA-Z0-9_-]{1,32}$/, { message: 'QUEUE_PREFIX must be 1-32 letters, digits, "_" or "-"' })
  QUEUE_PREFIX = 'hiring';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Requests per user per minute, whichever of the user's tokens they carry; 0 turns every limit below off too (benchmarks, tests). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  RATE_LIMIT_PER_MINUTE = 1200;

  /** Requests per client address per minute that fail authentication (missing, unknown, revoked or expired token); past it the address is refused. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE = 30;

  /** Per client address per minute, for the unsubscribe page and the unsubscribe action each. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE = 60;

  /** Correctly signed inbound webhook posts per client address per minute. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_INBOUND_PER_MINUTE = 6000;

  /** Inbound webhook posts per client address per minute whose signature is missing or wrong; they never spend the signed budget. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_INBOUND_REJECTED_PER_MINUTE = 60;

  /** Per client address per minute for each other public route (the API docs), each route counted on its own. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_PUBLIC_PER_MINUTE = 300;

  /** How long a stored Idempotency-Key answer is replayed, in hours. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  IDEMPOTENCY_TTL_HOURS = 24;

  /** How long domain events stay in the event feed, in days; older ones are purged by the worker. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3650)
  EVENT_RETENTION_DAYS = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1000)
  MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  WORKER_CONCURRENCY = 8;

  /** How often the worker marks sent offers past their expiry as expired. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  OFFER_EXPIRY_INTERVAL_MS = 60_000;

  @Transform(toBool)
  @IsBoolean({ message: 'MIGRATIONS_RUN_ON_START must be true or false' })
  MIGRATIONS_RUN_ON_START = true;

  /**
   * How many proxies stand in front of the API (0: none). The client address is then the one the
   * outermost of them saw: that many entries from the right of X-Forwarded-For, never the
   * left-most, which the client writes itself. `false` is 0 and `true` is 1.
   */
  @Transform(toHops)
  @IsInt({ message: 'TRUST_PROXY must be false, true or a number of proxy hops from 0 to 10' })
  @Min(0)
  @Max(10)
  TRUST_PROXY = 0;

  /** How long a process trusts a token it has checked (revocations reach every process at once via Redis); 0 disables. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60_000)
  TOKEN_CACHE_TTL_MS = 5_000;

  /** Shared with the mail provider that posts inbound replies and bounces; signs their bodies (HMAC-SHA256). */
  @IsString()
  @MinLength(32, { message: 'INBOUND_WEBHOOK_SECRET must be at least 32 characters' })
  INBOUND_WEBHOOK_SECRET = DEVELOPMENT_SECRETS.INBOUND_WEBHOOK_SECRET;

  /** Signs the one-click unsubscribe links in outreach mail. */
  @IsString()
  @MinLength(32, { message: 'UNSUBSCRIBE_SECRET must be at least 32 characters' })
  UNSUBSCRIBE_SECRET = DEVELOPMENT_SECRETS.UNSUBSCRIBE_SECRET;

  /** Outreach jobs one worker process holds at once (they are sent in batches of up to OUTREACH_BATCH_SIZE). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  OUTREACH_CONCURRENCY = 128;

  /** Steps claimed, sent and recorded together: one claim statement and one commit per batch, not per step. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  OUTREACH_BATCH_SIZE = 64;

  /** How long a job waits for others to join its batch. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(1000)
  OUTREACH_BATCH_WAIT_MS = 20;

  /** How often the worker re-enqueues due steps that have no job and marks abandoned claims uncertain. */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  OUTREACH_RECONCILE_INTERVAL_MS = 30_000;

  /** A step claimed this long ago, whose sender no longer holds its enrollment, is marked uncertain. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  OUTREACH_CLAIM_GRACE_MS = 30_000;

  /** First wait after a transient SMTP failure; doubles with each attempt. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  OUTREACH_RETRY_BASE_MS = 60_000;

  /** SMTP attempts per step before it is marked failed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  OUTREACH_MAX_ATTEMPTS = 5;

  /** Pooled SMTP connections per worker process (a step waiting for one holds its enrollment meanwhile). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  SMTP_MAX_CONNECTIONS = 8;

  /** TCP connection (and TLS) to the SMTP server, and the replies to EHLO, AUTH, RSET and QUIT; the batch deadline is twice this. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(120_000)
  SMTP_TIMEOUT_MS = 30_000;

  /** The greeting; this and the waits below for each SMTP reply follow RFC 5321 section 4.5.3.2 (docs/outreach.md). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_GREETING_TIMEOUT_MS = 300_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_MAIL_TIMEOUT_MS = 300_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_RCPT_TIMEOUT_MS = 300_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_DATA_INIT_TIMEOUT_MS = 120_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_DATA_BLOCK_TIMEOUT_MS = 180_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_DATA_END_TIMEOUT_MS = 600_000;

  /** Pooled SMTP connections idle this long are closed with QUIT. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SMTP_IDLE_TIMEOUT_MS = 60_000;

  /** The name this host gives in EHLO; the host name when unset. */
  @IsOptional()
  @Matches(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, {
    message: 'SMTP_EHLO_NAME must be a host name such as mail.example.com',
  })
  SMTP_EHLO_NAME?: string;

  /** The whole of one webhook request: connecting, sending, and reading the answer (up to its size cap). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60_000)
  WEBHOOK_TIMEOUT_MS = 10_000;

  /**
   * Seconds to wait before each retry of a failed webhook delivery (each wait varies by up to a fifth
   * either way); the default retries for about three days. A delivery still failing after the last is
   * marked failed, and an endpoint that has not succeeded since that delivery began is disabled.
   */
  @IsWaitList()
  WEBHOOK_RETRY_SCHEDULE = '5,30,120,600,1800,3600,7200,14400,28800,57600,86400,86400';

  /** Webhook deliveries one worker process runs at once (each waits on a remote server). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  WEBHOOK_CONCURRENCY = 16;

  /** How often the worker turns new events into webhook deliveries. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  @Max(60_000)
  WEBHOOK_DISPATCH_INTERVAL_MS = 1000;

  /** How often the worker looks for deliveries whose job was lost or whose sender died. */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  WEBHOOK_RECONCILE_INTERVAL_MS = 30_000;

  /** How often the worker brings the insight reports' facts up to date from the event outbox (docs/insight.md). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  INSIGHT_PROJECTION_INTERVAL_MS = 10_000;

  /** How often the worker recounts the talent market (a pass reads every candidate). */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(86_400_000)
  INSIGHT_MARKET_INTERVAL_MS = 300_000;

  /** How often the worker sends the interview invitations, cancellations and reminders that are due (docs/interviews.md). */
  @Transform(toInt)
  @IsInt()
  @Min(200)
  @Max(3_600_000)
  INTERVIEW_MAIL_INTERVAL_MS = 5000;

  /** An interview mail claimed this long ago, whose sender no longer holds it, is marked uncertain. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  INTERVIEW_MAIL_CLAIM_GRACE_MS = 30_000;

  /** First wait after a transient SMTP failure of an interview mail; doubles with each attempt. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  INTERVIEW_MAIL_RETRY_BASE_MS = 60_000;

  /** SMTP attempts per interview mail before it is marked failed. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(20)
  INTERVIEW_MAIL_MAX_ATTEMPTS = 5;

  /** The envelope sender and From address of interview mail; the From name is the organizer's, and replies go to the organizer. */
  @Matches(/^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/, {
    message: 'INTERVIEW_MAIL_FROM must be an address such as interviews@hiring.example.com',
  })
  INTERVIEW_MAIL_FROM = 'interviews@localhost';

  /** The organizer named in an invitation whose creator's user account is gone. */
  @Matches(/^[^\r\n]{1,100}$/, { message: 'INTERVIEW_MAIL_FROM_NAME must be 1 to 100 characters on one line' })
  INTERVIEW_MAIL_FROM_NAME = 'Interviews';

  /** How long a stopping process waits for in-flight work before it exits anyway. */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  @Max(120_000)
  SHUTDOWN_TIMEOUT_MS = 10_000;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Reads and validates the environment; throws one error listing every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = Object.keys(new AppConfig());
  const raw: Record<string, string> = {};
  for (const key of [...known, 'ADMIN_BOOTSTRAP_TOKEN', 'SMTP_EHLO_NAME']) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  // One line per variable: the first rule it breaks (class-validator lists them last-first).
  const problems = errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).at(-1)} (got ${JSON.stringify(raw[e.property])})`);
  if (!errors.some((e) => e.property === 'PUBLIC_BASE_URL') && !LOCAL_HOSTS.has(new URL(config.PUBLIC_BASE_URL).hostname)) {
    // RFC 8058: a one-click unsubscribe URI in List-Unsubscribe must be https.
    if (new URL(config.PUBLIC_BASE_URL).protocol !== 'https:' && !LOCAL_ENVIRONMENTS.has(env.NODE_ENV ?? '')) {
      problems.push(
        'PUBLIC_BASE_URL: must be an https:// URL (RFC 8058 one-click unsubscribe) unless it is a local address or NODE_ENV is development or test',
      );
    }
    for (const [key, value] of Object.entries(DEVELOPMENT_SECRETS)) {
      if (config[key as keyof typeof DEVELOPMENT_SECRETS] === value)
        problems.push(`${key}: must be set (32+ characters) when PUBLIC_BASE_URL is not a local address`);
    }
  }
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return config;
}
