import { signWebhook } from '@app/web';
import { ADMIN_TOKEN, createUser, dropRedisKeys, HttpResult, Running, startApi, startWorker, testConfig, useApi, waitFor } from './support/harness';
import { OwnRedis } from './support/redis-server';

function expectBudgetHeaders(res: HttpResult, limit: number, remaining: number) {
  expect(res.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(res.headers.get('x-ratelimit-remaining')).toBe(String(remaining));
  expect(Number(res.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
  expect(Number(res.headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(60);
}

function expectRateLimited(res: HttpResult, limit: number) {
  expect(res.status).toBe(429);
  expect(res.body.code).toBe('rate_limited');
  expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  expectBudgetHeaders(res, limit, 0);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect(Number(res.headers.get('retry-after'))).toBeLessThanOrEqual(60);
}

describe('rate limiting', () => {
  const suite = useApi('ratelimit', { RATE_LIMIT_PER_MINUTE: '5' });

  /** An API of its own: its counters live under a fresh Redis prefix, so earlier tests spent nothing. */
  async function withApi(overrides: Record<string, string>, run: (api: Running) => Promise<void>) {
    const config = testConfig(suite.db, overrides);
    const api = await startApi(config);
    try {
      await run(api);
    } finally {
      await api.close();
      await dropRedisKeys(config);
    }
  }

  it('answers 429 past the limit with Retry-After and X-RateLimit-* headers, which every limited answer carries', async () => {
    const other = await createUser(suite.api.http, 'recruiter');
    const answers: HttpResult[] = [];
    for (let i = 0; i < 4; i++) answers.push(await suite.api.http.get('/v1/me'));
    // createUser above was the first of the admin's five.
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    answers.forEach((r, i) => expectBudgetHeaders(r, 5, 3 - i));
    expectRateLimited(await suite.api.http.get('/v1/me'), 5);

    expect((await suite.api.http.get('/v1/me', { token: other.token })).status).toBe(200);
    // Probes are never limited, however often they come.
    for (let i = 0; i < 8; i++) expect((await suite.api.http.get('/health', { token: null })).status).toBe(200);
  });

  it('counts per user: a second token of the same user spends the same budget', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '5' }, async (api) => {
      const user = await createUser(api.http, 'recruiter', 'minter');
      const second = await api.http.post(`/v1/users/${user.id}/tokens`, { name: 'second' }, { token: user.token });
      expect(second.status).toBe(201);
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await api.http.get('/v1/me', { token: i % 2 ? user.token : second.body.token })).status);
      expect(statuses).toEqual([200, 200, 200, 200]);
      expectRateLimited(await api.http.get('/v1/me', { token: second.body.token }), 5);
      expectRateLimited(await api.http.get('/v1/me', { token: user.token }), 5);
    });
  });

  it('refuses a token past the cap of live tokens per user; revoking one makes room', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '0' }, async (api) => {
      const user = await createUser(api.http, 'recruiter', 'hoarder');
      const ids: string[] = [];
      for (let i = 1; i < 20; i++) {
        const res = await api.http.post(`/v1/users/${user.id}/tokens`, { name: `t${i}` }, { token: user.token });
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
      const refused = await api.http.post(`/v1/users/${user.id}/tokens`, { name: 'one too many' }, { token: user.token });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('token_limit_reached');
      expect(refused.headers.get('content-type')).toMatch(/problem\+json/);
      // Admins are held to the same cap when they issue tokens for someone.
      expect((await api.http.post(`/v1/users/${user.id}/tokens`, { name: 'by admin' })).body.code).toBe('token_limit_reached');
      expect((await api.http.delete(`/v1/tokens/${ids[0]}`, { token: user.token })).status).toBe(204);
      expect((await api.http.post(`/v1/users/${user.id}/tokens`, { name: 'replacement' }, { token: user.token })).status).toBe(201);
    });
  });

  it('limits failed authentication per address: missing, unknown and revoked tokens spend one budget, then the address is refused', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '4' }, async (api) => {
      const user = await createUser(api.http, 'recruiter', 'revoked');
      const tokens = (await api.http.get(`/v1/users/${user.id}/tokens`, { token: user.token })).body.data;
      expect((await api.http.delete(`/v1/tokens/${tokens[0].id}`, { token: user.token })).status).toBe(204);
      const basic = (password: string) => ({ token: null, headers: { authorization: `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}` } });

      const missing = await api.http.get('/v1/me', { token: null });
      expect(missing.status).toBe(401);
      expectBudgetHeaders(missing, 4, 3);
      const revoked = await api.http.get('/v1/me', { token: user.token });
      expect(revoked.status).toBe(401);
      expectBudgetHeaders(revoked, 4, 2);
      const unknown = await api.http.get('/v1/me', { token: 'hk_guessed_token_0001' });
      expect(unknown.status).toBe(401);
      expectBudgetHeaders(unknown, 4, 1);
      // The queue board's password prompt is one more place to guess, on the same budget.
      const board = await api.http.get('/admin/queues', basic('hk_guessed_token_0002'));
      expect(board.status).toBe(401);
      expectBudgetHeaders(board, 4, 0);
      expectRateLimited(await api.http.get('/v1/me', { token: 'hk_guessed_token_0003' }), 4);
      // A right guess from this address is refused too, or the limit would not slow guessing.
      expectRateLimited(await api.http.get('/v1/me'), 4);
      expectRateLimited(await api.http.get('/admin/queues', basic(ADMIN_TOKEN)), 4);
      // Public routes keep their own budgets.
      expect((await api.http.get('/health', { token: null })).status).toBe(200);
    });
  });

  it("counts failed authentication on the worker's /metrics as well", async () => {
    const config = testConfig(suite.db, { RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '2' });
    const worker = await startWorker(config);
    try {
      expect((await worker.http.get('/metrics', { token: 'hk_guess_1' })).status).toBe(401);
      expect((await worker.http.get('/metrics', { token: 'hk_guess_2' })).status).toBe(401);
      expectRateLimited(await worker.http.get('/metrics'), 2);
      expect((await worker.http.get('/health', { token: null })).status).toBe(200);
    } finally {
      await worker.close();
      await dropRedisKeys(config);
    }
  });

  it('gives public routes budgets of their own: bad unsubscribe and unsigned posts never make a signed inbound webhook 429', async () => {
    await withApi(
      {
        RATE_LIMIT_PER_MINUTE: '5',
        RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE: '5',
        RATE_LIMIT_INBOUND_REJECTED_PER_MINUTE: '5',
        RATE_LIMIT_INBOUND_PER_MINUTE: '3',
        RATE_LIMIT_PUBLIC_PER_MINUTE: '2',
      },
      async (api) => {
        const unsubscribes: number[] = [];
        for (let i = 0; i < 8; i++) unsubscribes.push((await api.http.post(`/v1/unsubscribe?token=forged-${i}`, undefined, { token: null })).status);
        expect(unsubscribes.slice(0, 5).every((s) => s === 400)).toBe(true);
        expect(unsubscribes.slice(5)).toEqual([429, 429, 429]);
        const page = await api.http.get('/v1/unsubscribe?token=forged', { token: null });
        expect(page.status).toBe(400);
        expectBudgetHeaders(page, 5, 4);

        const post = (raw: string, signature: string) =>
          api.http.post('/v1/outreach/inbound', undefined, {
            token: null,
            rawBody: raw,
            headers: { 'content-type': 'application/json', 'x-hiring-signature': signature },
          });
        const event = (i: number) => JSON.stringify({ kind: 'reply', from: `someone.${i}@example.com`, text: 'interested' });
        const unsigned: number[] = [];
        for (let i = 0; i < 7; i++)
          unsigned.push((await post(event(i), i % 2 ? 'nonsense' : signWebhook('a-secret-that-is-not-the-right-one!!', event(i)))).status);
        expect(unsigned).toEqual([401, 401, 401, 401, 401, 429, 429]);

        const signed = [];
        for (let i = 0; i < 4; i++) signed.push(await post(event(100 + i), signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, event(100 + i))));
        expect(signed.slice(0, 3).map((r) => r.status)).toEqual([200, 200, 200]);
        signed.slice(0, 3).forEach((r, i) => expectBudgetHeaders(r, 3, 2 - i));
        // Signed posts have a budget too, but only signed posts spend it.
        expectRateLimited(signed[3], 3);

        // The docs (Fastify routes, not Nest's) count on their own as well.
        const docs: HttpResult[] = [];
        for (let i = 0; i < 3; i++) docs.push(await api.http.get('/docs-json', { token: null }));
        expect(docs.map((r) => r.status)).toEqual([200, 200, 429]);
        expectBudgetHeaders(docs[0], 2, 1);
        expectRateLimited(docs[2], 2);
      },
    );
  });

  it('lets requests through while Redis is down, and counts again once it is back', async () => {
    const redis = await OwnRedis.start();
    try {
      await withApi(
        { REDIS_URL: redis.url, RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1', RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE: '1' },
        async (api) => {
          await redis.down();
          for (let i = 0; i < 4; i++) {
            const ok = await api.http.get('/v1/me');
            expect(ok.status).toBe(200);
            expect(ok.headers.get('x-ratelimit-limit')).toBeNull();
            expect((await api.http.get('/v1/me', { token: 'hk_guessed_while_down' })).status).toBe(401);
            expect((await api.http.get('/v1/unsubscribe?token=forged', { token: null })).status).toBe(400);
          }
          await redis.up();
          await waitFor(async () => (await api.http.get('/v1/me')).headers.get('x-ratelimit-remaining') === '1', 20_000);
          expect((await api.http.get('/v1/me')).status).toBe(200);
          expectRateLimited(await api.http.get('/v1/me'), 2);
        },
      );
    } finally {
      await redis.down();
    }
  });

  it('is off when the limit is 0', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '1' }, async (api) => {
      const results = await Promise.all(Array.from({ length: 30 }, () => api.http.get('/v1/me')));
      expect(results.every((r) => r.status === 200)).toBe(true);
      expect(results[0].headers.get('x-ratelimit-limit')).toBeNull();
      const failures = await Promise.all(Array.from({ length: 5 }, () => api.http.get('/v1/me', { token: null })));
      expect(failures.every((r) => r.status === 401)).toBe(true);
    });
  });
});
