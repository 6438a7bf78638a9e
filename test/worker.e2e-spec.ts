import { AppConfig, IdempotencyService, JobQueue, QueueName } from '@app/platform';
import { ADMIN_TOKEN, dropRedisKeys, Running, startApi, startWorker, taskForceBody, testConfig, TestDatabase, waitFor } from './support/harness';

describe('worker: job schedulers on the real Redis', () => {
  let db: TestDatabase;
  let api: Running;
  let config: AppConfig;
  const workers: Running[] = [];

  beforeAll(async () => {
    db = await TestDatabase.create('worker');
    config = testConfig(db, { MAINTENANCE_INTERVAL_MS: '1000', IDEMPOTENCY_TTL_HOURS: '1' });
    api = await startApi(config);
    // Two worker processes' worth of workers against the same queues.
    workers.push(await startWorker(config), await startWorker(config));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await api?.close();
    await db?.drop();
    await dropRedisKeys(config);
  });

  it('purges expired idempotency keys on schedule and keeps live ones', async () => {
    const live = await api.http.post('/v1/task-forces', taskForceBody(), { headers: { 'idempotency-key': 'live' } });
    const stale = await api.http.post('/v1/task-forces', taskForceBody(), { headers: { 'idempotency-key': 'stale' } });
    expect(live.status).toBe(201);
    expect(stale.status).toBe(201);
    await db.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 minute' WHERE key = 'stale'`);

    await waitFor(async () => (await db.query(`SELECT 1 FROM idempotency_keys WHERE key = 'stale'`)).length === 0, 15_000);
    expect(await db.query(`SELECT key FROM idempotency_keys`)).toEqual([{ key: 'live' }]);
  });

  it('declares one scheduler however many workers start, and runs each occurrence once', async () => {
    const queue = workers[0].app.get(JobQueue).queue(QueueName.Maintenance);
    expect((await queue.getJobSchedulers()).map((s) => s.key).sort()).toEqual([
      'expire-offers',
      'project-insight',
      'purge-expired-idempotency-keys',
      'purge-old-events',
      'reconcile-outreach',
      'reconcile-webhooks',
      'refresh-market',
      'send-interview-mails',
    ]);
    expect((await workers[0].app.get(JobQueue).queue(QueueName.Webhooks).getJobSchedulers()).map((s) => s.key)).toEqual(['dispatch-webhooks']);
    const runs = workers.map((w) => jest.spyOn(w.app.get(IdempotencyService), 'purgeExpired'));
    const purges = async () => (await queue.getJobs(['completed'], 0, 1000)).filter((j) => j.name === 'purge-expired-idempotency-keys').length;
    const before = await purges();
    await new Promise((r) => setTimeout(r, 4500));
    const completed = (await purges()) - before;
    const calls = runs.reduce((sum, spy) => sum + spy.mock.calls.length, 0);
    // About one run a second between both workers: each occurrence ran once, never twice.
    expect(completed).toBeGreaterThanOrEqual(3);
    expect(completed).toBeLessThanOrEqual(6);
    expect(calls).toBe(completed);
  });

  it('exposes health and queue depths on the worker', async () => {
    expect((await workers[0].http.get('/health', { token: null })).status).toBe(200);
    const metrics = await workers[0].http.get('/metrics', { token: ADMIN_TOKEN });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/queue_jobs\{queue="maintenance",state="completed"\} \d+/);
  });
});
