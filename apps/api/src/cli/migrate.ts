import 'reflect-metadata';
import { ConfigValidationError, dataSourceOptions, loadConfig, runMigrationsLocked } from '@app/platform';
import { DataSource } from 'typeorm';

/** `npm run migration:run`: applies pending migrations under the advisory lock, then exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL)).initialize();
  try {
    const applied = await runMigrationsLocked(dataSource);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(error instanceof ConfigValidationError ? `${error.message}\n` : `migration failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
