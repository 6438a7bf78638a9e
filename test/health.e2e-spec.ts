import { JobQueue, QueueName } from '@app/platform';
import { OwnRedis } from './support/redis-server';
import { createUser, Running, startApi, startWorker, testConfig, TestDatabase, waitFor } from './support/harness';

describe('health follows the real dependencies', () => {
  let db: TestDatabase;
  let redis: OwnRedis;
  let api: Running;
  let worker: Running;

  beforeAll(async () => {
    db = await TestDatabase.create('health');
    redis = await OwnRedis.start();
    const config = testConfig(db, { REDIS_URL: redis.url });
    api = await startApi(config);
    worker = await startWorker(config);
  });
  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await redis?.down();
    await db?.drop();
  });

  it('answers 200 with each check, then 503 while Redis is down, then 200 when it returns', async () => {
    for (const app of [api, worker]) {
      const ok = await app.http.get('/health', { token: null });
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({ status: 'ok', checks: { database: { status: 'up' }, redis: { status: 'up' } } });
    }

    await redis.down();
    for (const app of [api, worker]) {
      const down = await waitFor(async () => {
        const res = await app.http.get('/health', { token: null });
        return res.status === 503 ? res : undefined;
      });
      expect(down.body).toMatchObject({ status: 'unavailable', checks: { database: { status: 'up' }, redis: { status: 'down' } } });
    }
    // The rest of the API keeps working without Redis (rate limiting fails open).
    expect((await api.http.get('/v1/me')).status).toBe(200);

    await redis.up();
    for (const app of [api, worker]) {
      await waitFor(async () => (await app.http.get('/health', { token: null })).status === 200, 20_000);
    }
    // The Redis that came back is empty; the worker declares its job schedulers again.
    const maintenance = worker.app.get(JobQueue).queue(QueueName.Maintenance);
    await waitFor(async () => (await maintenance.getJobSchedulers()).some((s) => s.key === 'purge-expired-idempotency-keys'), 20_000);
  });

  it('trusts no cached token while the revocation channel is down', async () => {
    const other = await startApi(testConfig(db, { REDIS_URL: redis.url }));
    try {
      const user = await createUser(api.http, 'recruiter');
      expect((await other.http.get('/v1/me', { token: user.token })).status).toBe(200);
      await redis.down();
      // The revocation cannot be broadcast now; the other process must still refuse the token.
      const tokens = (await api.http.get(`/v1/users/${user.id}/tokens`)).body.data;
      expect((await api.http.delete(`/v1/tokens/${tokens[0].id}`)).status).toBe(204);
      // Well inside the 5 s cache lifetime: only dropping the cache on disconnect makes this pass.
      await waitFor(async () => (await other.http.get('/v1/me', { token: user.token })).status === 401, 2000, 50);
    } finally {
      await redis.up();
      for (const app of [api, worker, other]) await waitFor(async () => (await app.http.get('/health', { token: null })).status === 200, 20_000);
      await other.close();
    }
  });
});
