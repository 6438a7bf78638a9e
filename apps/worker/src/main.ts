import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@app/platform';
import { buildWorkerApp } from './worker';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await buildWorkerApp(config);
  await app.listen(config.WORKER_PORT, config.HOST);
}

main().catch((error) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`worker failed to start: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
