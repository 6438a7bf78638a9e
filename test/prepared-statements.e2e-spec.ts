import { dataSourceOptions, preparedQuery } from '@app/platform';
import { DataSource } from 'typeorm';
import { TestDatabase } from './support/harness';

/** Named prepared statements outlive migrations on long-lived connections (the worker's). */
describe('prepared statements', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await TestDatabase.create('prepared');
    ds = await new DataSource({ ...dataSourceOptions(db.url), migrations: [], extra: { max: 1 } }).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('prepares a statement again when a migration changed what it returns, instead of failing until a restart', async () => {
    await ds.query(`CREATE TABLE counts (id int PRIMARY KEY, n int NOT NULL)`);
    await ds.query(`INSERT INTO counts VALUES (1, 41)`);
    const runner = ds.createQueryRunner();
    try {
      const read = () => preparedQuery<{ n: unknown }>(runner, 'read_count', 'SELECT n FROM counts WHERE id = $1', [1]);
      expect(await read()).toEqual([{ n: 41 }]);
      // Another process migrates meanwhile; this connection keeps its prepared plan.
      await db.query(`ALTER TABLE counts ALTER COLUMN n TYPE bigint`);
      await db.query(`UPDATE counts SET n = 42`);
      expect(await read()).toEqual([{ n: '42' }]);
      expect(await read()).toEqual([{ n: '42' }]);
      // Inside a transaction the failing call fails (the transaction is aborted), and the next one works.
      await db.query(`ALTER TABLE counts ALTER COLUMN n TYPE numeric`);
      await runner.startTransaction();
      await expect(read()).rejects.toThrow(/cached plan must not change result type/);
      await runner.rollbackTransaction();
      await runner.startTransaction();
      expect(await read()).toEqual([{ n: '42' }]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
  });
});
