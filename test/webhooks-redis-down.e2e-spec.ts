import { useApi } from './support/harness';

/** Postgres holds the delivery; an API whose Redis is away still answers a ping or a redelivery, and the reconciler enqueues later. */
describe('webhook actions while Redis is away', () => {
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
});
