import { AppConfig } from '@app/platform';
import { SIGNATURE_HEADER, signWebhook } from '@app/web';
import fc from 'fast-check';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ADMIN_TOKEN, bandBody, createUser, HttpClient, HttpResult, ResponseBody, taskForceBody, useApi, waitFor } from './support/harness';
import { freePort } from './support/redis-server';

const API_MAIN = path.join(__dirname, '../dist/apps/api/src/main.js');

const PROBLEM = /^application\/problem\+json/;

/** What a client sees for bytes no HTTP library would send: status, headers and the parsed body. */
async function rawRequest(baseUrl: string, bytes: string): Promise<{ status: number; headers: Record<string, string>; body: ResponseBody }> {
  const url = new URL(baseUrl);
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(rest.join('\r\n')) };
}

function expectProblem(res: Pick<HttpResult, 'status' | 'body'> & { headers: Headers | Record<string, string> }, status: number, code: string) {
  const header = (name: string) => (res.headers instanceof Headers ? res.headers.get(name) : res.headers[name]);
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(header('content-type')).toMatch(PROBLEM);
  expect(res.body).toMatchObject({ status, code, type: `urn:problem-type:hiring:${code}` });
  expect(typeof res.body.instance).toBe('string');
  expect(res.body.correlationId).toEqual(expect.any(String));
  expect(res.body.correlationId).toBe(header('x-request-id'));
}

describe('bad input: the findings of the input review', () => {
  const suite = useApi('bad_input');
  const http = () => suite.api.http;

  const sequence = (taskForceId: string, overrides: Record<string, unknown> = {}) => ({
    taskForceId,
    name: `Doubao ${Math.random().toString(36).slice(2, 7)}`,
    sender: { fromName: 'Jun Wang', fromAddress: 'jun.wang@example.com' },
    steps: [{ delay: 'P1D', subject: 'Hello {{candidate.firstName}}', body: 'Hi\n{{unsubscribeUrl}}' }],
    sendWindow: { days: ['mon', 'tue'], start: '09:00', end: '17:00' },
    ...overrides,
  });
  let taskForceId: string;
  beforeAll(async () => {
    taskForceId = (await http().post('/v1/task-forces', taskForceBody())).body.id;
  });

  it('a sequence without sender or sendWindow is a 400 naming the field', async () => {
    for (const field of ['sender', 'sendWindow']) {
      const body: Record<string, unknown> = sequence(taskForceId);
      delete body[field];
      const res = await http().post('/v1/sequences', body);
      expectProblem(res, 400, 'validation_failed');
      expect(res.body.errors).toEqual([{ field, message: `${field} is required` }]);
      expectProblem(await http().post('/v1/sequences', { ...sequence(taskForceId), [field]: [] }), 400, 'validation_failed');
    }
  });

  it('a lone UTF-16 surrogate anywhere in the input is a 400 unstorable_text', async () => {
    const lone = '\ud800';
    const seq = (await http().post('/v1/sequences', sequence(taskForceId))).body;
    const cases: [string, string, unknown][] = [
      ['POST', '/v1/users', { email: `a${lone}@example.com`, name: 'x', role: 'recruiter' }],
      ['POST', '/v1/sequences', sequence(taskForceId, { sender: { fromName: 'x', fromAddress: `a${lone}@example.com` } })],
      ['POST', '/v1/sequences', sequence(taskForceId, { name: `n${lone}` })],
      ['POST', '/v1/sequences', sequence(taskForceId, { steps: [{ delay: 'P1D', subject: `s${lone}`, body: 'b {{unsubscribeUrl}}' }] })],
      ['POST', '/v1/sequences', sequence(taskForceId, { steps: [{ delay: 'P1D', subject: 's', body: `b${lone} {{unsubscribeUrl}}` }] })],
      ['PATCH', `/v1/sequences/${seq.id}`, { name: `${lone}x` }],
      ['POST', '/v1/candidates', { fullName: 'Wei', emails: ['wei@example.com'], education: [{ university: `T${lone}`, degree: 'phd' }] }],
      ['POST', '/v1/task-forces', { ...taskForceBody(), [`k${lone}`]: 1 }],
      ['POST', '/v1/task-forces', taskForceBody({ targetEmployers: [`\udc00`] })],
    ];
    for (const [method, path, body] of cases) {
      const res = await http().request(method, path, body, {});
      expectProblem(res, 400, 'unstorable_text');
    }
    const raw = JSON.stringify({ kind: 'reply', from: `x${lone}@example.com`, text: 'hi' });
    const inbound = await http().post('/v1/outreach/inbound', undefined, {
      token: null,
      rawBody: raw,
      headers: { 'content-type': 'application/json', 'x-hiring-signature': signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, raw) },
    });
    expectProblem(inbound, 400, 'unstorable_text');
  });

  it('requests Node cannot parse still carry instance, correlationId and x-request-id', async () => {
    const long = await rawRequest(suite.api.url, `GET /v1/candidates?q=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expectProblem(long, 414, 'uri_too_long');
    expect(long.body.instance).toBe('/v1/candidates');
    const spaced = await rawRequest(suite.api.url, 'GET /v1/candidates?q=a b c HTTP/1.1\r\nHost: x\r\n\r\n');
    expectProblem(spaced, 400, 'malformed_request');
    expect(spaced.body.instance).toBe('/v1/candidates');
    const spacedPath = await rawRequest(suite.api.url, 'GET /v1/task forces HTTP/1.1\r\nHost: x\r\n\r\n');
    expectProblem(spacedPath, 400, 'malformed_request');
    expect(spacedPath.body.instance).toBe(`urn:uuid:${spacedPath.body.correlationId}`);
    const headers = await rawRequest(suite.api.url, `GET /v1/me HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(17 * 1024)}\r\n\r\n`);
    expectProblem(headers, 431, 'headers_too_large');
    expect(headers.body.instance).toBe('/v1/me');
  });

  it('router errors carry the id of their x-request-id header, and the 414 names the path once', async () => {
    const bad = await http().get('/v1/task-forces/%E0%A4%A');
    expectProblem(bad, 400, 'malformed_url');
    expect(bad.body.detail).not.toContain('%E0');
    const echoed = await http().get('/v1/task-forces/%E0%A4%A', { headers: { 'x-request-id': 'trace-bad-url' } });
    expect(echoed.body.correlationId).toBe('trace-bad-url');
    const long = `/v1/task-forces/${'a'.repeat(150)}`;
    const tooLong = await http().get(long);
    expectProblem(tooLong, 414, 'uri_too_long');
    expect(tooLong.body.instance).toBe(long);
    expect(tooLong.text.split('a'.repeat(150)).length).toBe(2);
  });

  it('integers in the query and the path are plain decimal digits', async () => {
    for (const limit of ['0x10', '1e2', '%201', '1%20', '+5', '1.0', '-1', '00000000000000000000001', '']) {
      expectProblem(await http().get(`/v1/task-forces?limit=${limit}`), 400, 'validation_failed');
    }
    expect((await http().get('/v1/task-forces?limit=007')).status).toBe(200);
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    for (const n of ['0x1', '1e0', '%201', '+1', '1.0', '0']) {
      expectProblem(await http().get(`/v1/salary-bands/${id}/versions/${n}`), 400, 'invalid_version');
      expectProblem(await http().get(`/v1/sequences/${id}/versions/${n}`), 400, 'invalid_version');
      expectProblem(await http().get(`/v1/offers/${id}/versions/${n}`), 400, 'invalid_version');
      expectProblem(await http().post(`/v1/enrollments/${id}/steps/${n}/resend`), 400, 'invalid_step');
    }
  });

  it('dates must be days of the calendar, whatever else the query holds', async () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    expectProblem(await http().get(`/v1/salary-bands/${id}?asOf=2026-02-30`), 400, 'validation_failed');
    expectProblem(await http().get('/v1/salary-bands?inForceOn=2027-02-29'), 400, 'validation_failed');
    expectProblem(await http().put('/v1/fx-rates/CNY/USD', { rate: '0.1381', asOf: '2026-04-31' }), 400, 'validation_failed');
  });

  it('an invalid Idempotency-Key is refused on the signed inbound webhook too', async () => {
    const raw = JSON.stringify({ kind: 'reply', from: 'someone@example.com', text: 'hi' });
    const inbound = await http().post('/v1/outreach/inbound', undefined, {
      token: null,
      rawBody: raw,
      headers: {
        'content-type': 'application/json',
        'x-hiring-signature': signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, raw),
        'idempotency-key': 'k'.repeat(256),
      },
    });
    expectProblem(inbound, 400, 'invalid_idempotency_key');
  });

  it('a step delay is at most 365 days', async () => {
    for (const delay of ['P99999999D', 'P366D', 'P53W', 'PT8785H', 'P2Y', 'P99999999999999999999D']) {
      const res = await http().post('/v1/sequences', sequence(taskForceId, { steps: [{ delay, subject: 's', body: 'b {{unsubscribeUrl}}' }] }));
      expectProblem(res, 422, 'invalid_delay');
      expect(res.body.field).toBe('steps[0].delay');
    }
    for (const delay of ['P365D', 'P1Y', 'P52W', 'PT8760H']) {
      expect((await http().post('/v1/sequences', sequence(taskForceId, { steps: [{ delay, subject: 's', body: 'b {{unsubscribeUrl}}' }] }))).status).toBe(201);
    }
  });
});

/** The built API as deployed, logging at info to a pipe the test reads. */
async function spawnLoggingApi(config: AppConfig): Promise<{ url: string; lines: () => Record<string, unknown>[]; stop(): Promise<void> }> {
  if (!existsSync(API_MAIN)) throw new Error(`${API_MAIN} is missing: run "npm run -s build" first (npm test does)`);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [API_MAIN], {
    cwd: tmpdir(),
    env: {
      ...process.env,
      DATABASE_URL: config.DATABASE_URL,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      MIGRATIONS_RUN_ON_START: 'false',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`api process exited with ${child.exitCode}`);
    return fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
  }, 20_000);
  return {
    url,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

describe('bad input: every problem answer can be found in the log by its correlationId', () => {
  const suite = useApi('bad_input_logs');

  it('logs the id of requests refused by the HTTP parser, the router and the app', async () => {
    const api = await spawnLoggingApi(suite.config);
    try {
      const client = new HttpClient(api.url);
      const answers = [
        await rawRequest(api.url, `GET /v1/candidates?q=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`),
        await rawRequest(api.url, 'GET /v1/candidates?q=a b HTTP/1.1\r\nHost: x\r\n\r\n'),
        await client.get('/v1/task-forces/%E0%A4%A'),
        await client.get(`/v1/task-forces/${'a'.repeat(150)}`),
        await client.get('/v1/task-forces?limit=0x10'),
        await client.post('/v1/users', { email: 'a\ud800@example.com', name: 'x', role: 'recruiter' }),
        await client.get('/v1/nothing-here'),
        await client.get('/v1/me', { token: null }),
      ];
      const ids = answers.map((a) => a.body.correlationId as string);
      expect(answers.map((a) => a.status)).toEqual([414, 400, 400, 414, 400, 400, 404, 401]);
      await waitFor(
        async () => ids.every((id) => api.lines().some((line) => line.reqId === id || (line.req as { id?: string } | undefined)?.id === id)),
        5_000,
      );
    } finally {
      await api.stop();
    }
  });
});

/*
 * The sweep: every operation of the OpenAPI document, called with an admin token and a request
 * that starts valid (ids of real records, the document's examples) and is then broken in one to
 * three ways. Any 5xx fails, and so does an error that is not a problem with its request id.
 * A route added to the document is swept without anyone listing it here.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: Json[];
  example?: Json;
  default?: Json;
  minimum?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
/** The parts of the OpenAPI document the sweep reads. */
interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, Schema> };
}
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  mediaType?: string;
  bodySchema?: Schema;
}

type Mutation =
  | { kind: 'drop'; at: (string | number)[] }
  | { kind: 'set'; at: (string | number)[]; value: unknown }
  | { kind: 'body'; value: unknown }
  | { kind: 'raw'; text: string }
  | { kind: 'query'; name: string; raw: string[] }
  | { kind: 'param'; name: string; raw: string }
  | { kind: 'header'; name: string; value: string };

/** Random runs per operation, after its fixed examples; BAD_INPUT_RUNS raises it for a longer hunt. */
const RUNS_PER_OPERATION = Number(process.env.BAD_INPUT_RUNS ?? 20);
/** About 20 s on a shared two-core machine at the default; a longer hunt gets a longer budget. */
const SWEEP_BUDGET_MS = Math.max(50_000, RUNS_PER_OPERATION * 2_500);

/** Bytes as a client could send them: lone surrogates become the (invalid) UTF-8 of their code unit. */
function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const cp = char.codePointAt(0)!;
    const bytes = cp >= 0xd800 && cp <= 0xdfff ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)] : [...Buffer.from(char, 'utf8')];
    out += /^[A-Za-z0-9\-_.~]$/.test(char) ? char : bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

const nastyChar = fc.oneof(
  fc.constantFrom('\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '\uffff', '"', '\\', '%', '\n', '\t', ' ', '\u00e9', '\u5f20', '\u{1f600}'),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((u) => String.fromCharCode(u)),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }),
);
const nastyString = fc.string({ unit: nastyChar, maxLength: 40 });

const weirdScalars: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  -0,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  '',
  ' ',
  '\u0000',
  '\ud800',
  'a\udc00b',
  '\u{1f600}',
  '0x10',
  '1e2',
  ' 1',
  'NaN',
  'Infinity',
  '-1',
  'true',
  'null',
  '2026-02-30',
  '2026-02-30T00:00:00Z',
  '9999-12-31',
  '0000-01-01',
  '275760-09-13T00:00:01Z',
  'P99999999D',
  'PT0S',
  '__proto__',
  'constructor',
  '01890a5d-ac96-774b-bcce-b302099a8057',
  '00000000-0000-0000-0000-000000000000',
  'x'.repeat(10_000),
  'x'.repeat(300_000),
  '{{unsubscribeUrl}}',
  '{{#each x}}{{/each}}',
  "' OR 1=1 --",
  '<script>',
  'a@b',
  '@',
  'a@b.c'.repeat(100),
];
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...weirdScalars) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(
      [],
      {},
      [null],
      [[[]]],
      { a: { b: { c: [] } } },
      Array.from({ length: 10_001 }, () => 0),
      ['\ud800'],
      { '\u0000': 1 },
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 30, max: 40 }).map((depth) => Array.from({ length: depth }).reduce<unknown>((v) => [v], 1)) },
);

const weirdQueryValues = [
  '',
  '%20',
  '%201',
  '1%20',
  '0x10',
  '1e2',
  '+5',
  '-1',
  '0',
  '1.0',
  '99999999999999999999',
  'abc',
  '%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '%ED%A0%80',
  '%C0%AF',
  '2026-02-30',
  '2026-13-01',
  'null',
  'true',
  '[]',
  '{}',
  'a'.repeat(3000),
  encodeURIComponent('\u202e\ufeff'),
];
const weirdSegments = [
  '0',
  '-1',
  '0x1',
  '1e2',
  '%201',
  '+1',
  '1.5',
  '99999999999',
  '2147483648',
  'x'.repeat(101),
  'x'.repeat(4000),
  '%00',
  '%E0%A4%A',
  '%ED%A0%80',
  '%2F',
  '%2E%2E',
  'null',
  'undefined',
  '%20',
  '01890A5D-AC96-774B-BCCE-B302099A8057',
  '01890a5d-ac96-774b-bcce-b302099a8057x',
  '{id}',
  '%7B%7D',
];
const headerValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'k'.repeat(256),
    'k'.repeat(5000),
    'a b',
    'application/json; charset=latin1',
    'text/csv',
    'text/plain',
    'multipart/form-data',
    'application/x-www-form-urlencoded',
    't=1,v1=00',
  ),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 300 }),
);

function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  return schema?.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema;
}

function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const [mediaType, media] = (Object.entries(op.requestBody?.content ?? {})[0] ?? []) as [string | undefined, { schema?: Schema } | undefined];
      ops.push({ method: method.toUpperCase(), path, parameters: op.parameters ?? [], mediaType, bodySchema: media?.schema });
    }
  }
  // Deleting last keeps the records the other operations are called on.
  return ops.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

/** Every key path of a value (objects and arrays), for drops and sets. */
function pathsOf(value: unknown, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (value === null || typeof value !== 'object' || depth > 4) return [];
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...pathsOf(v, [...prefix, k], depth + 1)]);
}

/** An object or array of a request body, indexed by key or position. */
type Container = Record<string | number, unknown>;

function applyAt(target: unknown, at: (string | number)[], change: (parent: Container, key: string | number) => void): void {
  let node: unknown = target;
  for (const key of at.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return;
    node = (node as Container)[key];
  }
  if (node !== null && typeof node === 'object') change(node as Container, at[at.length - 1]);
}

describe('bad input: a generated sweep of every operation in the OpenAPI document', () => {
  const suite = useApi('bad_input_sweep');
  const http = () => suite.api.http;
  const ids: Record<string, string> = {};

  async function made(res: Promise<HttpResult>, what: string): Promise<ResponseBody> {
    const r = await res;
    if (r.status >= 300) throw new Error(`could not make the ${what}: ${r.status} ${r.text}`);
    return r.body;
  }

  beforeAll(async () => {
    const recruiter = await createUser(http(), 'recruiter', 'sweep');
    ids.user = recruiter.id;
    ids.token = (await made(http().post(`/v1/users/${recruiter.id}/tokens`, { name: 'sweep' }), 'token')).id;
    ids.taskForce = (await made(http().post('/v1/task-forces', taskForceBody()), 'task force')).id;
    await made(http().post(`/v1/task-forces/${ids.taskForce}/members`, { userId: recruiter.id }), 'member');
    ids.opening = (
      await made(
        http().post(`/v1/task-forces/${ids.taskForce}/openings`, { title: 'Research Engineer', skillArea: 'llm', level: 'P8', headcount: 2 }),
        'opening',
      )
    ).id;
    ids.candidate = (
      await made(http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: ['wei.sweep@example.com'], timeZone: 'America/Los_Angeles' }), 'candidate')
    ).id;
    ids.duplicate = (await made(http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: ['wei.sweep2@example.com'] }), 'second candidate')).id;
    ids.application = (
      await made(http().post('/v1/applications', { candidateId: ids.candidate, taskForceId: ids.taskForce, openingId: ids.opening }), 'application')
    ).id;
    ids.band = (await made(http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01' })), 'band')).id;
    await made(http().put('/v1/fx-rates/CNY/USD', { rate: '0.1380', asOf: '2026-01-01' }), 'rate');
    ids.offer = (
      await made(
        http().post('/v1/offers', {
          applicationId: ids.application,
          salaryBandId: ids.band,
          base: '85000.00',
          currency: 'USD',
          period: 'annual',
          startDate: '2027-03-01',
          expiresAt: '2027-02-01T00:00:00Z',
        }),
        'offer',
      )
    ).id;
    ids.sequence = (
      await made(
        http().post('/v1/sequences', {
          taskForceId: ids.taskForce,
          name: 'Sweep',
          sender: { fromName: 'Jun Wang', fromAddress: 'jun.wang@example.com' },
          steps: [{ delay: 'P1D', subject: 'Hello {{candidate.firstName}}', body: 'Hi\n{{unsubscribeUrl}}' }],
          sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
        }),
        'sequence',
      )
    ).id;
    ids.enrollment = (
      await made(http().post(`/v1/sequences/${ids.sequence}/enrollments`, { candidateIds: [ids.candidate] }), 'enrollment')
    ).enrolled[0].enrollmentId;
  });

  /** The id a path parameter names: by the collection before it, else by its own name. */
  function paramValue(op: Operation, param: Parameter): string {
    if (param.schema?.enum?.length) return String(param.schema.enum[0]);
    const segments = op.path.split('/');
    const before = segments[segments.indexOf(`{${param.name}}`) - 1];
    const byCollection: Record<string, string | undefined> = {
      users: ids.user,
      tokens: ids.token,
      'task-forces': ids.taskForce,
      members: ids.user,
      openings: ids.opening,
      candidates: ids.candidate,
      applications: ids.application,
      'salary-bands': ids.band,
      offers: ids.offer,
      sequences: ids.sequence,
      enrollments: ids.enrollment,
      versions: '1',
      steps: '1',
      'fx-rates': 'CNY',
    };
    const byName: Record<string, string> = { base: 'CNY', quote: 'USD', version: '1', step: '1', userId: ids.user };
    return byCollection[before] ?? byName[param.name] ?? randomUUID();
  }

  /** A valid-looking value for a schema: real ids for known *Id fields, else the document's examples. */
  function sample(doc: OpenApiDocument, raw: Schema | undefined, name = '', depth = 0): Json | undefined {
    const schema = resolve(doc, raw);
    if (!schema || depth > 6) return undefined;
    const idByField: Record<string, string> = {
      taskForceId: ids.taskForce,
      candidateId: ids.candidate,
      applicationId: ids.application,
      salaryBandId: ids.band,
      userId: ids.user,
      openingId: ids.opening,
      duplicateId: ids.duplicate,
      ownerId: ids.user,
    };
    if (schema.format === 'uuid') return idByField[name] ?? randomUUID();
    if (name === 'candidateIds') return [ids.candidate];
    if (schema.example !== undefined) return schema.example;
    if (schema.enum?.length) return schema.enum[0];
    if (schema.default !== undefined) return schema.default;
    if (schema.properties) {
      const out: Record<string, Json> = {};
      for (const [key, child] of Object.entries(schema.properties)) {
        const value = sample(doc, child, key, depth + 1);
        if (value !== undefined) out[key] = value;
      }
      return out;
    }
    switch (schema.type) {
      case 'array': {
        const item = sample(doc, schema.items, name, depth + 1);
        return item === undefined ? [] : [item];
      }
      case 'number':
      case 'integer':
        return schema.minimum ?? 1;
      case 'boolean':
        return false;
      case 'string':
        return schema.format === 'date-time' ? '2027-06-30T00:00:00Z' : 'x';
      default:
        return undefined;
    }
  }

  function mutationsFor(op: Operation, base: unknown): fc.Arbitrary<Mutation> {
    const choices: fc.Arbitrary<Mutation>[] = [];
    const keyPaths = pathsOf(base);
    if (op.mediaType === 'application/json') {
      const unknownField: (string | number)[] = ['bogus'];
      const anywhere = fc.constantFrom(...keyPaths, unknownField);
      if (keyPaths.length) choices.push(fc.constantFrom(...keyPaths).map((at): Mutation => ({ kind: 'drop', at })));
      choices.push(fc.record({ at: anywhere, value: weirdValue }).map(({ at, value }): Mutation => ({ kind: 'set', at, value })));
      choices.push(weirdValue.map((value): Mutation => ({ kind: 'body', value })));
    }
    if (op.mediaType) {
      const rawText = fc.oneof(
        fc.constantFrom(
          '',
          '{',
          '{"a":',
          'null',
          '[]',
          '"\\ud800"',
          '{"a":"\\u0000"}',
          '{"__proto__":{"admin":true}}',
          '{"constructor":{"prototype":{"x":1}}}',
          '\u0000',
          'a,b\n"x',
          '\ufeffname\n',
        ),
        nastyString,
      );
      choices.push(rawText.map((text): Mutation => ({ kind: 'raw', text })));
    }
    const queryNames = [...op.parameters.filter((p) => p.in === 'query').map((p) => p.name), 'bogus'];
    const queryValue = fc.oneof(fc.constantFrom(...weirdQueryValues), nastyString.map(percentEncode));
    choices.push(
      fc
        .record({ name: fc.constantFrom(...queryNames), raw: fc.array(queryValue, { minLength: 1, maxLength: 2 }) })
        .map(({ name, raw }): Mutation => ({ kind: 'query', name, raw })),
    );
    const pathNames = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
    if (pathNames.length) {
      const segment = fc.oneof(fc.constantFrom(...weirdSegments), nastyString.filter((s) => s.length > 0).map(percentEncode));
      choices.push(fc.record({ name: fc.constantFrom(...pathNames), raw: segment }).map(({ name, raw }): Mutation => ({ kind: 'param', name, raw })));
    }
    const headerNames = [
      'idempotency-key',
      'x-request-id',
      'content-type',
      'accept',
      ...op.parameters.filter((p) => p.in === 'header').map((p) => p.name.toLowerCase()),
    ];
    choices.push(
      fc.record({ name: fc.constantFrom(...headerNames), value: headerValue }).map(({ name, value }): Mutation => ({ kind: 'header', name, value })),
    );
    return fc.oneof(...choices);
  }

  /**
   * The breakages the review found, tried on every operation before the random runs: each
   * required field missing, each text value holding a lone surrogate or NUL, each value of the
   * wrong type, loose numbers and impossible days in the query, loose numbers in the path.
   */
  function examplesFor(doc: OpenApiDocument, op: Operation, base: unknown): Mutation[][] {
    const out: Mutation[][] = [];
    const schema = resolve(doc, op.bodySchema);
    if (op.mediaType === 'application/json') {
      for (const field of schema?.required ?? []) out.push([{ kind: 'drop', at: [field] }]);
      for (const at of pathsOf(base)) {
        let value: unknown = base;
        for (const key of at) value = (value as Container)[key];
        if (typeof value === 'string') out.push([{ kind: 'set', at, value: `${value}\ud800` }], [{ kind: 'set', at, value: `${value}\u0000` }]);
        out.push([{ kind: 'set', at, value: typeof value === 'object' && value !== null ? 'x' : {} }]);
      }
    } else if (op.mediaType) {
      out.push([{ kind: 'raw', text: `${base}\ud800` }], [{ kind: 'raw', text: '\u0000' }]);
    }
    for (const param of op.parameters) {
      if (param.in === 'query') out.push([{ kind: 'query', name: param.name, raw: ['0x10'] }], [{ kind: 'query', name: param.name, raw: ['2026-02-30'] }]);
      if (param.in === 'path') out.push([{ kind: 'param', name: param.name, raw: '0x1' }], [{ kind: 'param', name: param.name, raw: '%ED%A0%80' }]);
      if (param.in === 'header') out.push([{ kind: 'header', name: param.name.toLowerCase(), value: 'k'.repeat(256) }]);
    }
    return out;
  }

  function buildRequest(op: Operation, base: unknown, mutations: Mutation[]) {
    const params = Object.fromEntries(op.parameters.filter((p) => p.in === 'path').map((p) => [p.name, encodeURIComponent(paramValue(op, p))]));
    const query: [string, string][] = op.parameters.filter((p) => p.in === 'query' && p.required).map((p) => [p.name, 'x']);
    const headers: Record<string, string> = op.mediaType ? { 'content-type': op.mediaType } : {};
    let body: unknown = structuredClone(base);
    let raw: string | undefined;
    for (const m of mutations) {
      if (m.kind === 'drop') applyAt(body, m.at, (parent, key) => (Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key]));
      // Generated values are shared between runs and mutations: each request works on copies.
      else if (m.kind === 'set') applyAt(body, m.at, (parent, key) => (parent[key] = structuredClone(m.value)));
      else if (m.kind === 'body') body = structuredClone(m.value);
      else if (m.kind === 'raw') raw = m.text;
      else if (m.kind === 'query') for (const value of m.raw) query.push([m.name, value]);
      else if (m.kind === 'param') params[m.name] = m.raw;
      else headers[m.name] = m.value;
    }
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name]);
    const url = query.length ? `${path}?${query.map(([k, v]) => `${k}=${v}`).join('&')}` : path;
    const payload =
      raw ?? (op.mediaType === undefined ? undefined : typeof body === 'string' && op.mediaType !== 'application/json' ? body : JSON.stringify(body));
    const signed = op.parameters.find((p) => p.in === 'header' && p.name.toLowerCase() === SIGNATURE_HEADER);
    if (signed && headers[SIGNATURE_HEADER] === undefined) headers[SIGNATURE_HEADER] = signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, payload ?? '');
    return { url, headers, payload };
  }

  it(
    "answers every operation's bad input with a 4xx problem, never a 5xx",
    async () => {
      const doc = (await http().get<OpenApiDocument>('/docs-json', { token: null })).body;
      const operations = operationsOf(doc);
      expect(operations.length).toBeGreaterThan(60);
      const started = Date.now();
      const seen = new Map<string, number>();
      for (const op of operations) {
        const base = op.mediaType === 'application/json' ? sample(doc, op.bodySchema) : op.mediaType ? (op.bodySchema?.example ?? '') : undefined;
        const examples = examplesFor(doc, op, base).map((m): [Mutation[]] => [m]);
        await fc.assert(
          fc.asyncProperty(fc.array(mutationsFor(op, base), { minLength: 1, maxLength: 3 }), async (mutations) => {
            const { url, headers, payload } = buildRequest(op, base, mutations);
            let res: HttpResult;
            try {
              res = await http().request(op.method, url, undefined, { headers, rawBody: payload });
            } catch (error) {
              // The client itself refused to send it (fetch checks header bytes): nothing reached the API.
              if (error instanceof TypeError) return;
              throw error;
            }
            seen.set(`${op.method} ${op.path}`, (seen.get(`${op.method} ${op.path}`) ?? 0) + 1);
            const where = `${op.method} ${url.slice(0, 300)} -> ${res.status} ${res.text.slice(0, 300)}`;
            if (res.status >= 500) throw new Error(`server error: ${where}`);
            if (res.status >= 400) {
              if (!/^application\/problem\+json/.test(res.headers.get('content-type') ?? '')) throw new Error(`not a problem: ${where}`);
              if (typeof res.body.code !== 'string' || typeof res.body.instance !== 'string') throw new Error(`problem without code or instance: ${where}`);
              if (!res.body.correlationId || res.body.correlationId !== res.headers.get('x-request-id'))
                throw new Error(`correlationId is not the x-request-id: ${where}`);
            }
          }),
          // Examples count towards numRuns in fast-check; the random runs come on top of them.
          { numRuns: examples.length + RUNS_PER_OPERATION, examples },
        );
      }
      expect(seen.size).toBe(operations.length);
      expect(Date.now() - started).toBeLessThan(SWEEP_BUDGET_MS);
    },
    SWEEP_BUDGET_MS + 10_000,
  );
});
