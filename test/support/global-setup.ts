import { Client } from 'pg';
import Redis from 'ioredis';

/** Fails fast, with a clear message, when the real services the suites need do not answer. */
export default async function globalSetup(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL does not answer at ${databaseUrl}: ${(error as Error).message}. Run the tests with "npm test", which starts it.`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis does not answer: ${(error as Error).message}. Run the tests with "npm test", which starts it.`, { cause: error });
  } finally {
    redis.disconnect();
  }
}
