import { connect } from 'node:net';
import { HttpResult, taskForceBody, useApi } from './support/harness';

const PROBLEM = /^application\/problem\+json/;

describe('errors are problem+json, never a 500 for bad input', () => {
  const suite = useApi('errors');

  function expectProblem(res: Pick<HttpResult, 'status' | 'headers' | 'body'>, status: number, code: string) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status, code, type: `urn:problem-type:hiring:${code}` });
    expect(typeof res.body.title).toBe('string');
    expect(typeof res.body.detail).toBe('string');
    expect(res.body.correlationId).toBe(res.headers.get('x-request-id'));
  }

  it('malformed JSON is a 400', async () => {
    expectProblem(await suite.api.http.post('/v1/task-forces', undefined, { rawBody: '{"name": "x",' }), 400, 'malformed_json');
  });

  it('a body that is not an object is a 400', async () => {
    expectProblem(await suite.api.http.post('/v1/task-forces', [1, 2]), 400, 'body_must_be_object');
    expectProblem(await suite.api.http.post('/v1/task-forces', undefined, { rawBody: '"text"' }), 400, 'body_must_be_object');
  });

  it('wrong types, missing and unknown fields are a 400 naming each field', async () => {
    const res = await suite.api.http.post('/v1/task-forces', {
      ...taskForceBody(),
      headcountTarget: '12',
      timeZone: 'Mars/Olympus',
      name: undefined,
      bogus: true,
    });
    expectProblem(res, 400, 'validation_failed');
    const fields = [...new Set(res.body.errors.map((e: { field: string }) => e.field))].sort();
    expect(fields).toEqual(['bogus', 'headcountTarget', 'name', 'timeZone']);
    expect(res.body.errors.find((e: { field: string }) => e.field === 'name').message).toBe('name is required');
    expect(res.body.errors.find((e: { field: string }) => e.field === 'bogus').message).toBe('bogus is not a known field');
  });

  it('names nested members in field paths', async () => {
    const res = await suite.api.http.post('/v1/candidates', {
      fullName: 'X',
      emails: ['x@example.com'],
      education: [{ university: 'Tsinghua' }, { degree: 'phd' }],
    });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors).toEqual([{ field: 'education[1].university', message: 'education[1].university is required' }]);
  });

  it('refuses null for fields that cannot be cleared, naming them', async () => {
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const res = await suite.api.http.patch(`/v1/task-forces/${tf.id}`, { name: null, targetEmployers: null, headcountTarget: null, status: 'paused' });
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['headcountTarget', 'name', 'targetEmployers']);
    const opening = (await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, { title: 't', skillArea: 'llm', level: 'L5', headcount: 1 })).body;
    expectProblem(await suite.api.http.patch(`/v1/task-forces/${tf.id}/openings/${opening.id}`, { level: null }), 400, 'validation_failed');
    expect((await suite.api.http.get(`/v1/task-forces/${tf.id}`)).body.status).toBe('active');
  });

  it('refuses blank names, NUL characters and dates that do not parse', async () => {
    expectProblem(await suite.api.http.post('/v1/task-forces', taskForceBody({ name: '   ' })), 400, 'validation_failed');
    expectProblem(await suite.api.http.post('/v1/task-forces', taskForceBody({ name: 'a\u0000b' })), 400, 'invalid_characters');
    expectProblem(await suite.api.http.get('/v1/candidates?q=a%00b'), 400, 'invalid_characters');
    const me = (await suite.api.http.get('/v1/me')).body;
    for (const expiresAt of ['2030-W01-1', '20300101T000000Z', '2030-02-30T00:00:00Z']) {
      expectProblem(await suite.api.http.post(`/v1/users/${me.id}/tokens`, { name: 'x', expiresAt }), 400, 'validation_failed');
    }
  });

  it('refuses input too deep or too large to inspect safely, quickly', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i++) deep = [deep];
    expectProblem(await suite.api.http.post('/v1/task-forces', { ...taskForceBody(), focusAreas: deep }), 400, 'input_too_deep');
    expectProblem(await suite.api.http.post('/v1/task-forces', { a: deep }, { headers: { 'idempotency-key': 'deep' } }), 400, 'input_too_deep');
    const long = Array.from({ length: 10_001 }, (_, i) => i);
    expectProblem(await suite.api.http.post('/v1/task-forces', { ...taskForceBody(), focusAreas: long }), 400, 'array_too_long');
    const wide = await suite.api.http.post('/v1/task-forces', { ...taskForceBody(), targetEmployers: Array.from({ length: 10_000 }, (_, i) => `E${i}`) });
    expectProblem(wide, 400, 'validation_failed');
  });

  it('answers malformed URLs from the router with a problem too', async () => {
    const res = await suite.api.http.get('/v1/task-forces/%E0%A4%A');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(PROBLEM);
    expect(res.body.code).toBe('malformed_url');
    const raw = await new Promise<string>((resolve) => {
      const url = new URL(suite.api.url);
      const socket = connect(Number(url.port), url.hostname, () => socket.write('GET /v1/me?q=\u00e9\u0001 HTTP/1.1\r\nHost: x\r\n\r\n'));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toMatch(/application\/problem\+json/);
  });

  it('bodies over 1 MiB are a 413', async () => {
    const big = JSON.stringify({ ...taskForceBody(), name: 'x'.repeat(1024 * 1024) });
    expectProblem(await suite.api.http.post('/v1/task-forces', undefined, { rawBody: big }), 413, 'payload_too_large');
  });

  it('a non-JSON content type is a 415', async () => {
    expectProblem(
      await suite.api.http.post('/v1/task-forces', undefined, { rawBody: 'name=x', headers: { 'content-type': 'text/plain' } }),
      415,
      'unsupported_media_type',
    );
  });

  it('a bad UUID in the path is a 400 naming the parameter', async () => {
    const res = await suite.api.http.get('/v1/task-forces/12345');
    expectProblem(res, 400, 'invalid_id');
    expect(res.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    const opening = await suite.api.http.get('/v1/task-forces/01890a5d-ac96-774b-bcce-b302099a8057/openings/nope');
    expectProblem(opening, 400, 'invalid_id');
  });

  it('a missing resource and an unknown route are 404s', async () => {
    expectProblem(await suite.api.http.get('/v1/task-forces/01890a5d-ac96-774b-bcce-b302099a8057'), 404, 'task_force_not_found');
    expectProblem(await suite.api.http.get('/v1/nothing-here'), 404, 'route_not_found');
  });

  it('bad query parameters are a 400', async () => {
    expectProblem(await suite.api.http.get('/v1/task-forces?limit=0'), 400, 'validation_failed');
    expectProblem(await suite.api.http.get('/v1/task-forces?limit=abc'), 400, 'validation_failed');
    expectProblem(await suite.api.http.get('/v1/task-forces?status=sleeping'), 400, 'validation_failed');
    expectProblem(await suite.api.http.get('/v1/task-forces?cursor=garbage'), 400, 'invalid_cursor');
  });

  it('echoes a sane incoming request id and makes one up otherwise', async () => {
    const res = await suite.api.http.get('/v1/me', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(res.headers.get('x-request-id')).toBe('trace-abc.123');
    const odd = await suite.api.http.get('/v1/me', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('an unexpected failure is a bare 500 with a correlation id and no internals', async () => {
    const tf = await suite.api.http.post('/v1/task-forces', taskForceBody());
    await suite.db.query('ALTER TABLE openings RENAME TO openings_gone');
    try {
      const res = await suite.api.http.get(`/v1/task-forces/${tf.body.id}/openings`);
      expectProblem(res, 500, 'internal_error');
      expect(res.body.detail).not.toMatch(/openings|relation "|does not exist/);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'correlationId', 'detail', 'instance', 'status', 'title', 'type']);
      expect(res.text).not.toMatch(/stack|at \w+ \(|\.ts:/);
      expect(res.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await suite.db.query('ALTER TABLE openings_gone RENAME TO openings');
    }
  });
});
