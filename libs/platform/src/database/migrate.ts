import { DataSource } from 'typeorm';

/** Any stable 64-bit number works; every process that migrates takes the same lock. */
const MIGRATION_LOCK_KEY = 7_412_330_018;

/**
 * Runs pending migrations while holding a Postgres advisory lock, so several API processes
 * starting at once migrate one at a time and the later ones find nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}
