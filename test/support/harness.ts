import 'reflect-metadata';
import { AppConfig, loadConfig } from '@app/platform';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import Redis from 'ioredis';
import { Client } from 'pg';
import { buildApiApp } from '../../apps/api/src/api';
import { buildWorkerApp } from '../../apps/worker/src/worker';
import { ApiContract } from './contract';

export const ADMIN_TOKEN = 'test-admin-bootstrap-token-0123456789';
const baseDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database of its own for one suite, dropped afterwards. */
export class TestDatabase {
  private constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  static async create(label: string): Promise<TestDatabase> {
    const name = `hiring_test_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${name}`);
    const url = new URL(baseDatabaseUrl);
    url.pathname = `/${name}`;
    return new TestDatabase(name, url.toString());
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    await adminQuery(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new Client({ connectionString: baseDatabaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function testConfig(db: TestDatabase, overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    ...process.env,
    DATABASE_URL: db.url,
    QUEUE_PREFIX: `t${randomBytes(5).toString('hex')}`,
    ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    PORT: '0',
    WORKER_PORT: '0',
    ...overrides,
  });
}

export interface Running {
  app: NestFastifyApplication;
  url: string;
  http: HttpClient;
  close(): Promise<void>;
}

/** Registers a suite's own database and API (started before its tests, torn down after). */
export function useApi(label: string, overrides: Record<string, string> = {}): { db: TestDatabase; api: Running; config: AppConfig } {
  const suite = {} as { db: TestDatabase; api: Running; config: AppConfig };
  beforeAll(async () => {
    suite.db = await TestDatabase.create(label);
    suite.config = testConfig(suite.db, overrides);
    suite.api = await startApi(suite.config);
  });
  afterAll(async () => {
    await suite.api?.close();
    await suite.db?.drop();
    if (suite.config) await dropRedisKeys(suite.config);
  });
  return suite;
}

/**
 * A suite's own database, API and worker (in this process), started before its tests; afterwards
 * the worker stops first, then the API, then the database and the Redis keys go.
 */
export function useApiAndWorker(label: string, overrides: Record<string, string> = {}): { db: TestDatabase; api: Running; worker: Running; config: AppConfig } {
  const suite = {} as { db: TestDatabase; api: Running; worker: Running; config: AppConfig };
  beforeAll(async () => {
    suite.db = await TestDatabase.create(label);
    suite.config = testConfig(suite.db, overrides);
    suite.api = await startApi(suite.config);
    suite.worker = await startWorker(suite.config);
  });
  afterAll(async () => {
    await suite.worker?.close();
    await suite.api?.close();
    await suite.db?.drop();
    if (suite.config) await dropRedisKeys(suite.config);
  });
  return suite;
}

/** Removes every Redis key a suite's queue prefix wrote, so runs leave the shared Redis as found. */
export async function dropRedisKeys(config: AppConfig): Promise<void> {
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  try {
    await redis.connect();
    for (const prefix of [`${config.QUEUE_PREFIX}:*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', prefix, 'COUNT', 1000);
        if (keys.length) await redis.unlink(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
  } catch {
    // The suite's own Redis may already be gone (health suite); nothing to clean there.
  } finally {
    redis.disconnect();
  }
}

export async function startApi(config: AppConfig): Promise<Running> {
  const app = await buildApiApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, http: new HttpClient(url), close: () => app.close() };
}

export async function startWorker(config: AppConfig): Promise<Running> {
  const app = await buildWorkerApp(config);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return { app, url, http: new HttpClient(url, { checkContract: false }), close: () => app.close() };
}

/**
 * A response body as the suites read it: parsed JSON, loosely typed, because every answer's shape
 * is checked against the OpenAPI document by HttpClient and the assertions check its values. This
 * is the one place the suites allow `any`; a suite that knows a shape passes it as T, and
 * test/client.e2e-spec.ts reads the same API through the generated, fully typed client.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above: the contract check, not the compiler, holds the suites' answers to their shape
export type ResponseBody = any;

export interface HttpResult<T = ResponseBody> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
  rawBody?: string | Buffer;
}

/**
 * Real HTTP over loopback: what a client of the API sees, bytes and headers included. A client of
 * the API checks every answer against the OpenAPI document that API serves, so a drift between the
 * code and its contract fails the test that met it.
 */
export class HttpClient {
  private contract?: Promise<ApiContract>;

  constructor(
    readonly baseUrl: string,
    private readonly options: { checkContract: boolean } = { checkContract: true },
  ) {}

  get<T = ResponseBody>(path: string, options: RequestOptions = {}) {
    return this.request<T>('GET', path, undefined, options);
  }
  post<T = ResponseBody>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('POST', path, body, options);
  }
  patch<T = ResponseBody>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PATCH', path, body, options);
  }
  put<T = ResponseBody>(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request<T>('PUT', path, body, options);
  }
  delete<T = ResponseBody>(path: string, options: RequestOptions = {}) {
    return this.request<T>('DELETE', path, undefined, options);
  }

  async request<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<HttpResult<T>> {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    const token = options.token === undefined ? ADMIN_TOKEN : options.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | Buffer | undefined;
    if (options.rawBody !== undefined) payload = options.rawBody;
    else if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    const response = await fetch(this.baseUrl + path, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.includes('json') && text.length > 0) parsed = JSON.parse(text);
    if (this.options.checkContract) {
      this.contract ??= ApiContract.load(this.baseUrl);
      // Matched on the path as sent: the URL parser resolves dot segments (%2E%2E) before the request leaves.
      const sent = new URL(this.baseUrl + path);
      const violation = (await this.contract).violation({ method, path: sent.pathname + sent.search, status: response.status, contentType, body: parsed });
      if (violation && process.env.CONTRACT_VIOLATIONS_FILE)
        appendFileSync(process.env.CONTRACT_VIOLATIONS_FILE, `${JSON.stringify({ test: expect.getState().currentTestName, violation })}\n`);
      else if (violation) throw new Error(`the answer breaks the API's OpenAPI contract: ${violation}`);
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
}

/** Creates a user through the API and returns its id and first token. */
export async function createUser(
  http: HttpClient,
  role: 'admin' | 'recruiter' | 'interviewer',
  label: string = role,
): Promise<{ id: string; token: string; email: string }> {
  const email = `${label}.${randomBytes(4).toString('hex')}@example.com`;
  const res = await http.post('/v1/users', { email, name: label, role });
  if (res.status !== 201) throw new Error(`could not create user: ${res.status} ${res.text}`);
  return { id: res.body.id, token: res.body.initialToken.token, email };
}

export const taskForceBody = (overrides: Record<string, unknown> = {}) => ({
  name: `ByteDance / Doubao ${randomBytes(3).toString('hex')}`,
  company: 'ByteDance',
  location: 'San Jose, CA',
  timeZone: 'America/Los_Angeles',
  focusAreas: ['llm'],
  headcountTarget: 10,
  targetEmployers: ['OpenAI'],
  ...overrides,
});

export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 15000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A CNY monthly band for P8 LLM engineers in Beijing, anchored on 42,874 a month. */
export const bandBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  jobFamily: 'llm',
  level: 'P8',
  zone: 'cn-beijing',
  currency: 'CNY',
  period: 'monthly',
  monthsPerYear: 14,
  baseMin: '36000.00',
  baseMid: '42874.00',
  baseMax: '52000.00',
  ...overrides,
});
