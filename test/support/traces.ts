import Redis from 'ioredis';
import { Client } from 'pg';
import { TestDatabase } from './harness';

/** Where personal data may be kept, searched for distinctive strings (lower-case): what erasure must leave empty. */

/** Every column of every table, each value cast to text, searched for the traces. */
export async function tracesInDatabase(db: TestDatabase, traces: string[]): Promise<string[]> {
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    const { rows: columns } = await client.query<{ table_schema: string; table_name: string; column_name: string }>(
      `SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
        WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2, c.ordinal_position`,
    );
    if (new Set(columns.map((c) => c.table_name)).size < 20) throw new Error(`only ${columns.length} columns found: is this the suite's database?`);
    const hits: string[] = [];
    for (const c of columns) {
      const table = `"${c.table_schema}"."${c.table_name}"`;
      const { rows } = await client.query<{ value: string }>(
        `SELECT lower(t."${c.column_name}"::text) AS value FROM ${table} t WHERE lower(t."${c.column_name}"::text) LIKE ANY($1)`,
        [traces.map((s) => `%${s}%`)],
      );
      for (const r of rows) for (const trace of traces.filter((s) => r.value.includes(s))) hits.push(`${table}.${c.column_name}: ${trace}`);
    }
    return [...new Set(hits)].sort();
  } finally {
    await client.end();
  }
}

/** Every key under a queue prefix, every value of whatever type, searched for the traces; `keys` counts what was read. */
export async function tracesInRedis(url: string, prefix: string, traces: string[]): Promise<{ hits: string[]; keys: number }> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  const hits: string[] = [];
  let keys = 0;
  try {
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      for (const key of batch) {
        keys++;
        const type = await redis.type(key);
        const values: string[] =
          type === 'string'
            ? [(await redis.get(key)) ?? '']
            : type === 'hash'
              ? Object.entries(await redis.hgetall(key)).flat()
              : type === 'list'
                ? await redis.lrange(key, 0, -1)
                : type === 'set'
                  ? await redis.smembers(key)
                  : type === 'zset'
                    ? await redis.zrange(key, 0, -1)
                    : type === 'stream'
                      ? (await redis.xrange(key, '-', '+')).flatMap(([id, fields]) => [id, ...fields])
                      : [];
        const text = [key, ...values].join('\n').toLowerCase();
        for (const trace of traces) if (text.includes(trace)) hits.push(`${key}: ${trace}`);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return { hits, keys };
}
