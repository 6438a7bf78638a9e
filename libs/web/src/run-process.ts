import { AppConfig, ConfigValidationError, loadConfig } from '@app/platform';
import { INestApplication } from '@nestjs/common';

/** Exit code for a configuration error (EX_CONFIG), so supervisors can tell it from a crash. */
const EX_CONFIG = 78;

/** Starts a process: validated config first, then the app; a clear message and exit on failure. */
export function runProcess(name: string, start: (config: AppConfig) => Promise<INestApplication>): void {
  (async () => {
    const config = loadConfig();
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
