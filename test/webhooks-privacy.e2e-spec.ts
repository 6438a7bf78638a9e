import { taskForceBody, useApiAndWorker, waitFor } from './support/harness';
import { WebhookReceiver } from './support/webhook-receiver';

/** What a receiver and the delivery log hold about a person who is erased while deliveries about them wait. */
describe('webhooks and erasure', () => {
  const stack = useApiAndWorker('webhooks_privacy', {
    WEBHOOK_RETRY_SCHEDULE: '0.5,0.5,0.5,0.5,0.5,0.5',
    WEBHOOK_DISPATCH_INTERVAL_MS: '100',
    WEBHOOK_RECONCILE_INTERVAL_MS: '500',
  });
  let receiver: WebhookReceiver;
  const http = () => stack.api.http;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it("delivers an erased person's pending events without their data, and keeps none of it in the log", async () => {
    expect((await http().put('/v1/webhook-settings', { allowedNetworks: ['127.0.0.1'] })).status).toBe(200);
    const hook = (await http().post('/v1/webhooks', { url: receiver.url('/privacy') })).body;
    // The receiver is down while the person is created, moved and erased: everything about them waits.
    let down = true;
    receiver.respond = () => (down ? { status: 503, body: 'later' } : { status: 204 });
    const name = 'Qian Erasable';
    const email = `erasable.${Date.now()}@example.com`;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const c = (await http().post('/v1/candidates', { fullName: name, emails: [email], currentEmployer: 'Anthropic', phone: '+1 415 555 0199' })).body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
    await http().post(`/v1/applications/${app.id}/transitions`, { to: 'contacted' });
    await waitFor(async () => (await http().get(`/v1/webhooks/${hook.id}/deliveries?status=pending`)).body.data.length >= 3);
    expect((await http().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
    down = false;
    await waitFor(async () => {
      const log = (await http().get(`/v1/webhooks/${hook.id}/deliveries?limit=200`)).body.data;
      return log.length >= 4 && log.every((d: { status: string }) => d.status === 'succeeded');
    }, 20_000);
    const bodies = receiver.at('/privacy').map((r) => r.body);
    expect(bodies.some((b) => b.includes('candidate.erased'))).toBe(true);
    for (const secret of [name, 'Qian', email, 'Anthropic', '555 0199']) {
      expect(bodies.filter((b) => b.includes(secret))).toEqual([]);
      const stored = await stack.db.query(
        `SELECT 'delivery' AS t FROM webhook_deliveries d WHERE d::text ILIKE $1 UNION ALL SELECT 'attempt' FROM webhook_attempts a WHERE a::text ILIKE $1
         UNION ALL SELECT 'event' FROM domain_events e WHERE e::text ILIKE $1`,
        [`%${secret}%`],
      );
      expect({ secret, stored }).toEqual({ secret, stored: [] });
    }
  });
});
