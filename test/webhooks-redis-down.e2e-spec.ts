import { bandBody, taskForceBody, useApi } from './support/harness';

/** Postgres holds the delivery; an API whose Redis is away still answers a ping or a redelivery, and the reconciler enqueues later. */
describe('actions that enqueue after their commit, while Redis is away', () => {
  const suite = useApi('webhooks_redis_down', { REDIS_URL: 'redis://127.0.0.1:1' });
  const http = () => suite.api.http;

  it('answers a test ping and a redelivery at once and leaves the delivery pending in Postgres', async () => {
    expect((await http().put('/v1/webhook-settings', { allowedNetworks: ['127.0.0.1'] })).status).toBe(200);
    const hook = (await http().post('/v1/webhooks', { url: 'http://127.0.0.1:9/hook' })).body;
    let started = Date.now();
    const ping = await http().post(`/v1/webhooks/${hook.id}/test`);
    expect(ping.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(10_000);
    const delivery = (await http().get(`/v1/webhooks/${hook.id}/deliveries/${ping.body.deliveryId}`)).body;
    expect([delivery.status, delivery.attempts]).toEqual(['pending', 0]);
    started = Date.now();
    const again = await http().post(`/v1/webhooks/${hook.id}/deliveries/${ping.body.deliveryId}/redeliver`);
    expect(again.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('answers a new exchange rate at once and keeps the re-check of a pinned offer queued in Postgres', async () => {
    expect((await http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01' }))).status).toBe(201);
    const band = (await http().get('/v1/salary-bands')).body.data[0];
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-01' })).status).toBe(200);
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const c = (await http().post('/v1/candidates', { fullName: 'Rate Check', emails: [`rate.check.${Date.now()}@example.com`] })).body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
    for (const to of ['contacted', 'replied', 'screening', 'interviewing'])
      expect((await http().post(`/v1/applications/${app.id}/transitions`, { to })).status).toBe(200);
    const offer = (
      await http().post('/v1/offers', {
        applicationId: app.id,
        salaryBandId: band.id,
        base: '95000.00',
        currency: 'USD',
        period: 'annual',
        startDate: '2027-03-01',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      })
    ).body;
    expect((await http().post(`/v1/offers/${offer.id}/submit`, {})).body.status).toBe('approved');
    const started = Date.now();
    const put = await http().put('/v1/fx-rates/CNY/USD', { rate: '0.125', asOf: '2026-11-20' });
    expect(put.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(put.body.offersToRecheck).toBe(1);
    expect(await suite.db.query(`SELECT offer_id FROM offer_rate_checks`)).toEqual([{ offer_id: offer.id }]);
  });
});
