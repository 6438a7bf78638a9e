import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@app/platform';
import { buildApiApp } from './api';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildApiApp(config);
  await app.listen(config.PORT, config.HOST);
}

main().catch((error) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`api failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
