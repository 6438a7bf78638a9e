import { signWebhook } from '@app/web';
import { connect } from 'node:net';
import { HttpResult, taskForceBody, useApi } from './support/harness';

const PROBLEM = /^application\/problem\+json/;

/** What a client sees for bytes no HTTP library would send: status, headers and the parsed body. */
async function rawRequest(baseUrl: string, bytes: string): Promise<{ status: number; headers: Record<string, string>; body: any }> {
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
    const band = (await http().get('/v1/salary-bands')).status;
    expect(band).toBe(200);
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    for (const version of ['0x1', '1e0', '%201', '+1', '0']) {
      expectProblem(await http().get(`/v1/salary-bands/${id}/versions/${version}`), 400, 'invalid_version');
      expectProblem(await http().get(`/v1/sequences/${id}/versions/${version}`), 400, 'invalid_version');
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
      headers: { 'content-type': 'application/json', 'x-hiring-signature': signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, raw), 'idempotency-key': 'k'.repeat(256) },
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
