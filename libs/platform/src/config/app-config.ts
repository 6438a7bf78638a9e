import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync } from 'class-validator';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Every setting the processes read from the environment. Validated once, before any module is
 * built, so a typo fails the start with a message naming the variable instead of a late crash.
 */
export class AppConfig {
  @Matches(/^postgres(ql)?:\/\/.+/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  WORKER_PORT = 3001;

  @IsString() @Matches(/^[\w.:-]+$/, { message: 'HOST must be a host name or address' })
  HOST = '127.0.0.1';

  @Matches(/^smtps?:\/\/.+/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL = 'smtp://127.0.0.1:1025';

  @IsUrl({ require_tld: false, require_protocol: true }, { message: 'PUBLIC_BASE_URL must be an absolute http(s) URL' })
  PUBLIC_BASE_URL = 'http://127.0.0.1:3000';

  @IsOptional() @IsString() @MinLength(16, { message: 'ADMIN_BOOTSTRAP_TOKEN must be at least 16 characters' })
  ADMIN_BOOTSTRAP_TOKEN?: string;

  @Matches(/^[a-zA-Z0-9_-]{1,32}$/, { message: 'QUEUE_PREFIX must be 1-32 letters, digits, "_" or "-"' })
  QUEUE_PREFIX = 'hiring';

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  /** Requests per token per minute; 0 turns limiting off (benchmarks). */
  @Transform(toInt) @IsInt() @Min(0)
  RATE_LIMIT_PER_MINUTE = 1200;

  /** How long a stored Idempotency-Key answer is replayed, in hours. */
  @Transform(toInt) @IsInt() @Min(1) @Max(24 * 30)
  IDEMPOTENCY_TTL_HOURS = 24;

  @Transform(toInt) @IsInt() @Min(1000)
  MAINTENANCE_INTERVAL_MS = 60 * 60 * 1000;

  @Transform(toInt) @IsInt() @Min(1) @Max(200)
  WORKER_CONCURRENCY = 8;

  @Transform(({ value }) => (value === undefined || value === '' ? undefined : value === 'true' || value === '1'))
  @IsOptional()
  MIGRATIONS_RUN_ON_START = true;
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
  for (const key of [...known, 'ADMIN_BOOTSTRAP_TOKEN']) {
    const value = env[key];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      // One line per variable: the first rule it breaks (class-validator lists them last-first).
      errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).at(-1)} (got ${JSON.stringify(raw[e.property])})`),
    );
  }
  return config;
}
