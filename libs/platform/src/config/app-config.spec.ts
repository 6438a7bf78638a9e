import { ConfigValidationError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      REDIS_URL: 'redis://127.0.0.1:6379',
      PORT: 3000,
      RATE_LIMIT_PER_MINUTE: 1200,
      MIGRATIONS_RUN_ON_START: true,
    });
    expect(config.ADMIN_BOOTSTRAP_TOKEN).toBeUndefined();
  });

  it('converts numbers and booleans', () => {
    const config = loadConfig({ PORT: '8080', RATE_LIMIT_PER_MINUTE: '0', MIGRATIONS_RUN_ON_START: 'false', TRUST_PROXY: '1' });
    expect(config.TRUST_PROXY).toBe(1);
    expect(config.PORT).toBe(8080);
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(0);
    expect(config.MIGRATIONS_RUN_ON_START).toBe(false);
  });

  it('gives each rate-limit budget a default and refuses a budget below 1', () => {
    expect(loadConfig({})).toMatchObject({
      RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: 30,
      RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE: 60,
      RATE_LIMIT_INBOUND_PER_MINUTE: 6000,
      RATE_LIMIT_INBOUND_REJECTED_PER_MINUTE: 60,
      RATE_LIMIT_PUBLIC_PER_MINUTE: 300,
    });
    expect(loadConfig({ RATE_LIMIT_INBOUND_PER_MINUTE: '20000' }).RATE_LIMIT_INBOUND_PER_MINUTE).toBe(20000);
    expect(() => loadConfig({ RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_AUTH_FAILURES_PER_MINUTE/);
    expect(() => loadConfig({ RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE: 'lots' })).toThrow(/RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE/);
  });

  it('validates the interview mail settings', () => {
    expect(loadConfig({})).toMatchObject({
      INTERVIEW_MAIL_INTERVAL_MS: 5000,
      INTERVIEW_MAIL_CLAIM_GRACE_MS: 30_000,
      INTERVIEW_MAIL_RETRY_BASE_MS: 60_000,
      INTERVIEW_MAIL_MAX_ATTEMPTS: 5,
      INTERVIEW_MAIL_FROM: 'interviews@localhost',
      INTERVIEW_MAIL_FROM_NAME: 'Interviews',
    });
    expect(loadConfig({ INTERVIEW_MAIL_INTERVAL_MS: '1000', INTERVIEW_MAIL_FROM: 'talent@hire.example.com' })).toMatchObject({
      INTERVIEW_MAIL_INTERVAL_MS: 1000,
      INTERVIEW_MAIL_FROM: 'talent@hire.example.com',
    });
    expect(() => loadConfig({ INTERVIEW_MAIL_INTERVAL_MS: '50' })).toThrow(/INTERVIEW_MAIL_INTERVAL_MS/);
    expect(() => loadConfig({ INTERVIEW_MAIL_INTERVAL_MS: 'often' })).toThrow(/INTERVIEW_MAIL_INTERVAL_MS/);
    expect(() => loadConfig({ INTERVIEW_MAIL_MAX_ATTEMPTS: '0' })).toThrow(/INTERVIEW_MAIL_MAX_ATTEMPTS/);
    expect(() => loadConfig({ INTERVIEW_MAIL_FROM: 'Interviews <talent@hire.example.com>' })).toThrow(/INTERVIEW_MAIL_FROM must be an address/);
    expect(() => loadConfig({ INTERVIEW_MAIL_FROM_NAME: 'Talent\r\nBcc: x@y.example' })).toThrow(/INTERVIEW_MAIL_FROM_NAME/);
  });

  it('refuses URLs that do not parse, such as an impossible port', () => {
    expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:99999' })).toThrow(/REDIS_URL/);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        LOG_LEVEL: 'loud',
        ADMIN_BOOTSTRAP_TOKEN: 'short',
        SMTP_URL: 'smtp://[bad',
        PUBLIC_BASE_URL: 'ftp://files.example.com',
        MIGRATIONS_RUN_ON_START: 'yes',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.join('\n');
    for (const name of ['DATABASE_URL', 'PORT', 'LOG_LEVEL', 'ADMIN_BOOTSTRAP_TOKEN', 'SMTP_URL', 'PUBLIC_BASE_URL', 'MIGRATIONS_RUN_ON_START']) {
      expect(problems).toContain(name);
    }
    expect(problems).not.toContain('REDIS_URL');
  });

  it('refuses the development secrets once the public base URL is not a local address', () => {
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://localhost:3000' })).not.toThrow();
    let error: unknown;
    try {
      loadConfig({ PUBLIC_BASE_URL: 'https://hiring.example.com', UNSUBSCRIBE_SECRET: 'x'.repeat(32) });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigValidationError).problems).toEqual([
      'INBOUND_WEBHOOK_SECRET: must be set (32+ characters) when PUBLIC_BASE_URL is not a local address',
    ]);
    expect(() =>
      loadConfig({ PUBLIC_BASE_URL: 'https://hiring.example.com', UNSUBSCRIBE_SECRET: 'x'.repeat(32), INBOUND_WEBHOOK_SECRET: 'y'.repeat(32) }),
    ).not.toThrow();
    expect(() => loadConfig({ INBOUND_WEBHOOK_SECRET: 'short' })).toThrow(/INBOUND_WEBHOOK_SECRET must be at least 32 characters/);
  });

  it('refuses an http public base URL outside local development (RFC 8058 needs https for one-click unsubscribe)', () => {
    const secrets = { UNSUBSCRIBE_SECRET: 'x'.repeat(32), INBOUND_WEBHOOK_SECRET: 'y'.repeat(32) };
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://hiring.example.com', ...secrets })).toThrow(/PUBLIC_BASE_URL: must be an https:\/\/ URL/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://hiring.example.com', NODE_ENV: 'production', ...secrets })).toThrow(/PUBLIC_BASE_URL/);
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'https://hiring.example.com', ...secrets })).not.toThrow();
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://127.0.0.1:3000' })).not.toThrow();
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://hiring.test:3000', NODE_ENV: 'development', ...secrets })).not.toThrow();
    expect(() => loadConfig({ PUBLIC_BASE_URL: 'http://hiring.test:3000', NODE_ENV: 'test', ...secrets })).not.toThrow();
  });

  it('has per-stage SMTP timeouts as RFC 5321 recommends, each settable and validated', () => {
    expect(loadConfig({})).toMatchObject({
      SMTP_GREETING_TIMEOUT_MS: 300_000,
      SMTP_MAIL_TIMEOUT_MS: 300_000,
      SMTP_RCPT_TIMEOUT_MS: 300_000,
      SMTP_DATA_INIT_TIMEOUT_MS: 120_000,
      SMTP_DATA_BLOCK_TIMEOUT_MS: 180_000,
      SMTP_DATA_END_TIMEOUT_MS: 600_000,
    });
    expect(loadConfig({ SMTP_RCPT_TIMEOUT_MS: '200', SMTP_DATA_END_TIMEOUT_MS: '900000' })).toMatchObject({
      SMTP_RCPT_TIMEOUT_MS: 200,
      SMTP_DATA_END_TIMEOUT_MS: 900_000,
    });
    expect(() => loadConfig({ SMTP_DATA_END_TIMEOUT_MS: 'long' })).toThrow(/SMTP_DATA_END_TIMEOUT_MS/);
    expect(() => loadConfig({ SMTP_MAIL_TIMEOUT_MS: '10' })).toThrow(/SMTP_MAIL_TIMEOUT_MS/);
    expect(() => loadConfig({ SMTP_IDLE_TIMEOUT_MS: '-1' })).toThrow(/SMTP_IDLE_TIMEOUT_MS/);
  });

  it('takes the EHLO name from SMTP_EHLO_NAME, a host name', () => {
    expect(loadConfig({}).SMTP_EHLO_NAME).toBeUndefined();
    expect(loadConfig({ SMTP_EHLO_NAME: 'mail.hiring.example.com' }).SMTP_EHLO_NAME).toBe('mail.hiring.example.com');
    expect(() => loadConfig({ SMTP_EHLO_NAME: '[127.0.0.1]' })).toThrow(/SMTP_EHLO_NAME must be a host name/);
    expect(() => loadConfig({ SMTP_EHLO_NAME: 'bad name\r\nRSET' })).toThrow(/SMTP_EHLO_NAME/);
  });
});
