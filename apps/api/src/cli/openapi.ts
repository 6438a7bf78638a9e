import 'reflect-metadata';
import { ConfigValidationError, loadConfig } from '@app/platform';
import { createHttpApp } from '@app/web';
import { ApiModule } from '../api.module';
import { describeApi } from '../openapi/document';

/** Prints the API's OpenAPI document (JSON) as the running app serves it at /docs-json. */
async function main(): Promise<void> {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...process.env, MIGRATIONS_RUN_ON_START: 'false' });
  const app = await createHttpApp(ApiModule.forRoot(config), config);
  try {
    process.stdout.write(`${JSON.stringify(describeApi(app, config), null, 2)}\n`);
  } finally {
    await app.close();
  }
}

main().catch((error) => {
  process.stderr.write(error instanceof ConfigValidationError ? `${error.message}\n` : `openapi failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
