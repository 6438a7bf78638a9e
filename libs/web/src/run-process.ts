import { AppConfig, ConfigValidationError, loadConfig } from '@app/platform';
import { INestApplication } from '@nestjs/common';
import { existsSync } from 'node:fs';

/** Exit code for a configuration error (EX_CONFIG), so supervisors can tell it from a crash. */
const EX_CONFIG = 78;

/**
 * Starts a process: a local .env (if any) under the real environment, validated config, then the
 * app. A stop signal gets SHUTDOWN_TIMEOUT_MS to drain; after that the process exits anyway,
 * so a dependency that hangs can never keep a stopping process alive.
 */
export function runProcess(name: string, start: (config: AppConfig) => Promise<INestApplication>): void {
  let timeoutMs = 10_000;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`${name} did not stop within ${timeoutMs} ms; exiting\n`);
        process.exit(1);
      }, timeoutMs).unref();
    });
  }
  (async () => {
    if (existsSync('.env')) process.loadEnvFile('.env');
    const config = loadConfig();
    timeoutMs = config.SHUTDOWN_TIMEOUT_MS;
    await start(config);
  })().catch((error: unknown) => {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(EX_CONFIG);
    }
    process.stderr.write(`${name} failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
