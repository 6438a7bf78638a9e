import { ADMIN_TOKEN, createUser, dropRedisKeys, startApi, testConfig, useApi, waitFor } from './support/harness';

describe('authentication and roles', () => {
  const suite = useApi('auth');

  it('refuses requests without a token, with a malformed header or an unknown token', async () => {
    const none = await suite.api.http.get('/v1/me', { token: null });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(none.body.code).toBe('missing_token');

    const malformed = await suite.api.http.get('/v1/me', { token: null, headers: { authorization: 'Basic abc' } });
    expect(malformed.status).toBe(401);
    expect(malformed.body.code).toBe('malformed_authorization');

    const unknown = await suite.api.http.get('/v1/me', { token: 'hk_not-a-real-token' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.code).toBe('invalid_token');
  });

  it('bootstraps exactly one admin from ADMIN_BOOTSTRAP_TOKEN, even across restarts', async () => {
    const me = await suite.api.http.get('/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.role).toBe('admin');
    const againConfig = testConfig(suite.db);
    const again = await startApi(againConfig);
    await again.close();
    await dropRedisKeys(againConfig);
    const admins = await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin'`);
    expect(admins[0].n).toBe(1);
  });

  it('stores tokens hashed and shows the secret only once', async () => {
    const user = await createUser(suite.api.http, 'recruiter', 'hash');
    const rows = await suite.db.query<{ token_hash: string }>(`SELECT token_hash FROM api_tokens WHERE user_id = $1`, [user.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    const listed = await suite.api.http.get(`/v1/users/${user.id}/tokens`);
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(user.token);
    expect(listed.body.data[0].prefix).toBe(user.token.slice(0, 9));
    const bootstrap = await suite.db.query<{ token_prefix: string }>(`SELECT token_prefix FROM api_tokens WHERE name = 'bootstrap'`);
    expect(bootstrap).toEqual([{ token_prefix: '(bootstrap)' }]);
  });

  it('gives recruiters 403 on admin-only actions', async () => {
    const recruiter = await createUser(suite.api.http, 'recruiter');
    const res = await suite.api.http.post('/v1/users', { email: 'x@example.com', name: 'X', role: 'recruiter' }, { token: recruiter.token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('admin_required');
    expect((await suite.api.http.get('/v1/users', { token: recruiter.token })).status).toBe(403);
    const tf = await suite.api.http.post(
      '/v1/task-forces',
      { name: 'n', company: 'c', location: 'l', timeZone: 'UTC', focusAreas: [], headcountTarget: 1 },
      { token: recruiter.token },
    );
    expect(tf.status).toBe(403);
  });

  it('lets a user issue and revoke their own tokens, and a revoked token stops working at once', async () => {
    const recruiter = await createUser(suite.api.http, 'recruiter');
    const issued = await suite.api.http.post(`/v1/users/${recruiter.id}/tokens`, { name: 'laptop' }, { token: recruiter.token });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^hk_/);
    expect((await suite.api.http.get('/v1/me', { token: issued.body.token })).body.id).toBe(recruiter.id);

    const revoked = await suite.api.http.delete(`/v1/tokens/${issued.body.id}`, { token: recruiter.token });
    expect(revoked.status).toBe(204);
    const after = await suite.api.http.get('/v1/me', { token: issued.body.token });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('invalid_token');
    expect((await suite.api.http.get('/v1/me', { token: recruiter.token })).status).toBe(200);
    expect((await suite.api.http.delete(`/v1/tokens/${issued.body.id}`, { token: recruiter.token })).status).toBe(204);
  });

  it('stops a revoked token on every API process at once, even one that has it cached', async () => {
    const other = await startApi(suite.config);
    try {
      const user = await createUser(suite.api.http, 'recruiter');
      const issued = (await suite.api.http.post(`/v1/users/${user.id}/tokens`, { name: 'cached' })).body;
      expect((await other.http.get('/v1/me', { token: issued.token })).status).toBe(200);
      // Revoked behind the API's back: the other process still trusts its cached check...
      await suite.db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [issued.id]);
      expect((await other.http.get('/v1/me', { token: issued.token })).status).toBe(200);
      // ...until a revocation through the API is broadcast.
      expect((await suite.api.http.delete(`/v1/tokens/${issued.id}`)).status).toBe(204);
      await waitFor(async () => (await other.http.get('/v1/me', { token: issued.token })).status === 401, 2000, 50);
    } finally {
      await other.close();
    }
  });

  it("hides other users' tokens from recruiters", async () => {
    const a = await createUser(suite.api.http, 'recruiter', 'a');
    const b = await createUser(suite.api.http, 'recruiter', 'b');
    expect((await suite.api.http.post(`/v1/users/${b.id}/tokens`, { name: 'steal' }, { token: a.token })).status).toBe(404);
    const bTokens = await suite.api.http.get(`/v1/users/${b.id}/tokens`);
    expect((await suite.api.http.delete(`/v1/tokens/${bTokens.body.data[0].id}`, { token: a.token })).status).toBe(404);
    expect((await suite.api.http.get('/v1/me', { token: b.token })).status).toBe(200);
  });

  it('refuses expired tokens and expiry dates in the past', async () => {
    const user = await createUser(suite.api.http, 'recruiter');
    const past = await suite.api.http.post(`/v1/users/${user.id}/tokens`, { name: 'old', expiresAt: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    const soon = await suite.api.http.post(`/v1/users/${user.id}/tokens`, { name: 'soon', expiresAt: new Date(Date.now() + 60_000).toISOString() });
    expect(soon.status).toBe(201);
    await suite.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [soon.body.id]);
    expect((await suite.api.http.get('/v1/me', { token: soon.body.token })).status).toBe(401);
  });

  it('rejects a duplicate email with 409, case-insensitively', async () => {
    const user = await createUser(suite.api.http, 'recruiter');
    const dup = await suite.api.http.post('/v1/users', { email: user.email.toUpperCase(), name: 'Dup', role: 'recruiter' });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('email_taken');
  });

  it('keeps health and docs public', async () => {
    expect((await suite.api.http.get('/health', { token: null })).status).toBe(200);
    expect((await suite.api.http.get('/docs-json', { token: null })).status).toBe(200);
    expect((await suite.api.http.get('/metrics', { token: null })).status).toBe(401);
    expect((await suite.api.http.get('/metrics', { token: ADMIN_TOKEN })).status).toBe(200);
  });
});
