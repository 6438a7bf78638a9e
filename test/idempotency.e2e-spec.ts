import { IdempotencyService } from '@app/platform';
import { createUser, taskForceBody, useApi } from './support/harness';

describe('Idempotency-Key on creating POSTs', () => {
  const suite = useApi('idem');

  const countNamed = async (name: string) => (await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM task_forces WHERE name = $1`, [name]))[0].n;

  it('replays the first answer for the same key and body, creating once', async () => {
    const body = taskForceBody();
    const headers = { 'idempotency-key': 'create-tf-1' };
    const first = await suite.api.http.post('/v1/task-forces', body, { headers });
    const second = await suite.api.http.post('/v1/task-forces', { ...body }, { headers });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(await countNamed(body.name)).toBe(1);
  });

  it('treats the same body with keys in another order as the same request', async () => {
    const body = taskForceBody();
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const headers = { 'idempotency-key': 'reordered' };
    const first = await suite.api.http.post('/v1/task-forces', body, { headers });
    const second = await suite.api.http.post('/v1/task-forces', reordered, { headers });
    expect(second.body.id).toBe(first.body.id);
  });

  it('refuses the same key with a different body with 422', async () => {
    const headers = { 'idempotency-key': 'create-tf-2' };
    expect((await suite.api.http.post('/v1/task-forces', taskForceBody(), { headers })).status).toBe(201);
    const other = await suite.api.http.post('/v1/task-forces', taskForceBody(), { headers });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
  });

  it('scopes keys per user', async () => {
    const admin2 = await createUser(suite.api.http, 'admin');
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await suite.api.http.post('/v1/task-forces', taskForceBody(), { headers });
    const b = await suite.api.http.post('/v1/task-forces', taskForceBody(), { headers, token: admin2.token });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('does not store failures, so a corrected retry under the same key goes through', async () => {
    const headers = { 'idempotency-key': 'fix-and-retry' };
    const bad = await suite.api.http.post('/v1/task-forces', { ...taskForceBody(), timeZone: 'Nowhere/Land' }, { headers });
    expect(bad.status).toBe(400);
    const good = await suite.api.http.post('/v1/task-forces', taskForceBody(), { headers });
    expect(good.status).toBe(201);
  });

  it('lets exactly one of several concurrent identical requests create', async () => {
    const body = taskForceBody();
    const headers = { 'idempotency-key': 'race' };
    const results = await Promise.all(Array.from({ length: 8 }, () => suite.api.http.post('/v1/task-forces', body, { headers })));
    for (const r of results) expect([201, 409]).toContain(r.status);
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(ids.size).toBe(1);
    expect(await countNamed(body.name)).toBe(1);
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('idempotency_request_in_progress');
  });

  it('validates the key and ignores it on non-creating methods', async () => {
    const bad = await suite.api.http.post('/v1/task-forces', taskForceBody(), { headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_idempotency_key');
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const headers = { 'idempotency-key': 'patch-key' };
    expect((await suite.api.http.patch(`/v1/task-forces/${tf.id}`, { status: 'paused' }, { headers })).body.status).toBe('paused');
    const second = await suite.api.http.patch(`/v1/task-forces/${tf.id}`, { status: 'closed' }, { headers });
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('closed');
  });

  it('checks the key on every POST the document lists, and on no other method', async () => {
    const doc = (await suite.api.http.get('/docs-json', { token: null })).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const headers = { 'idempotency-key': 'not a valid key' };
    const posts = Object.entries(doc.paths).filter(([, operations]) => operations.post && operations.post.security?.length !== 0);
    expect(posts.length).toBeGreaterThan(20);
    for (const [template] of posts) {
      const path = template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      const answer = await suite.api.http.post(path, {}, { headers });
      expect({ path: template, status: answer.status, code: answer.body.code }).toEqual({ path: template, status: 400, code: 'invalid_idempotency_key' });
    }
    const read = await suite.api.http.get('/v1/task-forces', { headers });
    expect(read.status).toBe(200);
  });

  it('treats ids in the path case-insensitively', async () => {
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const body = { title: 'Research Engineer', skillArea: 'llm', level: 'L5', headcount: 1 };
    const headers = { 'idempotency-key': 'case' };
    const first = await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, body, { headers });
    const again = await suite.api.http.post(`/v1/task-forces/${tf.id.toUpperCase()}/openings`, body, { headers });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
  });

  it('lets a retry take over a key whose first request died mid-way', async () => {
    const me = (await suite.api.http.get('/v1/me')).body;
    const body = taskForceBody();
    const hash = suite.api.app.get(IdempotencyService).fingerprint({ userId: me.id, key: 'orphan', method: 'POST', path: '/v1/task-forces', body });
    await suite.db.query(
      `INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, created_at, expires_at)
       VALUES ($1, 'orphan', 'POST', '/v1/task-forces', $2, now() - interval '5 minutes', now() + interval '1 day')`,
      [me.id, hash],
    );
    const retried = await suite.api.http.post('/v1/task-forces', body, { headers: { 'idempotency-key': 'orphan' } });
    expect(retried.status).toBe(201);
    const replay = await suite.api.http.post('/v1/task-forces', body, { headers: { 'idempotency-key': 'orphan' } });
    expect(replay.body.id).toBe(retried.body.id);
  });

  it('works on every creating POST, e.g. users: one user, one token, and the secret is never stored', async () => {
    const headers = { 'idempotency-key': 'new-user' };
    const body = { email: 'idem.user@example.com', name: 'Idem', role: 'recruiter' };
    const first = await suite.api.http.post('/v1/users', body, { headers });
    const again = await suite.api.http.post('/v1/users', body, { headers });
    expect(first.body.initialToken.token).toMatch(/^hk_/);
    expect(again.body).toEqual({ ...first.body, initialToken: { ...first.body.initialToken, token: null } });
    const stored = await suite.db.query<{ response_body: unknown }>(`SELECT response_body FROM idempotency_keys WHERE key = 'new-user'`);
    expect(JSON.stringify(stored)).not.toContain(first.body.initialToken.token);
    const tokens = await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM api_tokens WHERE user_id = $1`, [first.body.id]);
    expect(tokens[0].n).toBe(1);
  });
});
