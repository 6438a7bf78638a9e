import { DataSource, EntityManager, QueryFailedError, QueryRunner } from 'typeorm';

/**
 * TypeORM's `query()` answers an UPDATE or DELETE with `[rows, affectedCount]` and anything else
 * with the rows. These name the two readings so call sites stay honest about which they expect.
 */
export function returnedRows<T>(updateOrDeleteResult: unknown): T[] {
  const result = updateOrDeleteResult as [T[], number];
  return Array.isArray(result) && Array.isArray(result[0]) ? result[0] : [];
}

export function affectedCount(updateOrDeleteResult: unknown): number {
  const result = updateOrDeleteResult as [unknown[], number];
  return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : 0;
}

/** PostgreSQL's unique_violation: the database refused a second row with the same key. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: string })?.code === '23505';
}

/**
 * One read-only statement on the pool TypeORM already holds, without its query runner (a runner
 * object, an async event broadcast and a result wrapper per call). For the hottest reads only:
 * no transaction, no entity; a failure is thrown as TypeORM's QueryFailedError, as `db.query`
 * would, so error handling and log scrubbing see the same thing.
 */
export async function poolQuery<T>(db: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  const pool = (db.driver as unknown as { master?: { query(sql: string, parameters: unknown[]): Promise<{ rows: T[] }> } }).master;
  if (!pool) return db.query(sql, parameters);
  try {
    return (await pool.query(sql, parameters)).rows;
  } catch (error) {
    throw new QueryFailedError(sql, parameters, error as Error);
  }
}

/**
 * One statement as a named prepared statement on the connection of `runner` (a query runner, or
 * a transaction's entity manager): Postgres parses and plans it once per connection and keeps
 * the plan, instead of parsing and planning it at every call. For a few hot statements of fixed
 * text only; `name` must be unique to the text. Answers with the rows, as pg reads them (an
 * UPDATE's too); a failure is thrown as TypeORM's QueryFailedError, as `query` would.
 */
export async function preparedQuery<T>(runner: QueryRunner | EntityManager, name: string, sql: string, parameters: unknown[]): Promise<T[]> {
  const queryRunner = 'connect' in runner ? runner : runner.queryRunner;
  if (!queryRunner) throw new Error(`preparedQuery(${name}) needs a query runner`);
  const client = (await queryRunner.connect()) as PreparingClient<T>;
  const run = () => client.query({ name: preparedName(client, name), text: sql, values: parameters });
  try {
    return (await run()).rows;
  } catch (error) {
    if ((error as { code?: string }).code !== STALE_PLAN) throw new QueryFailedError(sql, parameters, error as Error);
    // A migration changed what the statement returns (a column's type, say) since this connection
    // prepared it, and Postgres refuses the old plan. The connection prepares it afresh under a new
    // name from now on; outside a transaction this call is retried at once, inside one the
    // transaction is already aborted and fails as any statement's error would.
    renamePrepared(client, name);
    if (queryRunner.isTransactionActive) throw new QueryFailedError(sql, parameters, error as Error);
    try {
      return (await run()).rows;
    } catch (retryError) {
      throw new QueryFailedError(sql, parameters, retryError as Error);
    }
  }
}

const generations = new WeakMap<object, Map<string, number>>();
const preparedName = (client: object, name: string) => {
  const generation = generations.get(client)?.get(name) ?? 0;
  return generation ? `${name}_${generation}` : name;
};
function renamePrepared(client: object, name: string): void {
  const byName = generations.get(client) ?? new Map<string, number>();
  byName.set(name, (byName.get(name) ?? 0) + 1);
  generations.set(client, byName);
}

/** `cached plan must not change result type` (feature_not_supported). */
const STALE_PLAN = '0A000';

interface PreparingClient<T> {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }>;
}

/**
 * Runs `read` inside the caller's transaction with the planner held to index scans, then gives
 * the settings back. For keyset reads in index order of a table that grows in bursts (the event
 * outbox): with statistics from when the table was small, the planner takes the rows after a
 * position for a handful and prefers fetching all of them and sorting, which reads the whole
 * backlog for one page of it. An index scan in the key's order stops at the page's end.
 */
export async function inIndexOrder<T>(tx: EntityManager, read: () => Promise<T>): Promise<T> {
  const [before]: { seqscan: string; bitmapscan: string }[] = await tx.query(
    `SELECT current_setting('enable_seqscan') AS seqscan, current_setting('enable_bitmapscan') AS bitmapscan,
            set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)`,
  );
  const result = await read();
  await tx.query(`SELECT set_config('enable_seqscan', $1, true), set_config('enable_bitmapscan', $2, true)`, [before.seqscan, before.bitmapscan]);
  return result;
}
