import { createUser, dropRedisKeys, startApi, testConfig, useApi } from './support/harness';

describe('rate limiting per token', () => {
  const suite = useApi('ratelimit', { RATE_LIMIT_PER_MINUTE: '5' });

  it('answers 429 with Retry-After past the limit, counting each token separately', async () => {
    const other = await createUser(suite.api.http, 'recruiter');
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 4; i++) {
      last = await suite.api.http.get('/v1/me');
      statuses.push(last.status);
    }
    // createUser above was the first of the admin's five.
    expect(statuses).toEqual([200, 200, 200, 200]);
    const limited = await suite.api.http.get('/v1/me');
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expect(limited.headers.get('content-type')).toMatch(/problem\+json/);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    expect((await suite.api.http.get('/v1/me', { token: other.token })).status).toBe(200);
    // Probes are never limited, however often they come.
    for (let i = 0; i < 8; i++) expect((await suite.api.http.get('/health', { token: null })).status).toBe(200);
  });

  it('is off when the limit is 0', async () => {
    const config = testConfig(suite.db, { RATE_LIMIT_PER_MINUTE: '0' });
    const unlimited = await startApi(config);
    try {
      const results = await Promise.all(Array.from({ length: 30 }, () => unlimited.http.get('/v1/me')));
      expect(results.every((r) => r.status === 200)).toBe(true);
    } finally {
      await unlimited.close();
      await dropRedisKeys(config);
    }
  });
});
