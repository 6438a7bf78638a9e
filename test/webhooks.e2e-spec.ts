import { Webhook } from 'standardwebhooks';
import { createUser, taskForceBody, useApiAndWorker, waitFor } from './support/harness';
import { FAST_WEBHOOKS, Received, WebhookReceiver } from './support/webhook-receiver';

interface Delivered {
  type: string;
  timestamp: string;
  data: { id: string; type: string; taskForceId: string | null; data: Record<string, unknown> };
}

const parse = (r: Received) => JSON.parse(r.body) as Delivered;
const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  });

describe('outbound webhooks', () => {
  const stack = useApiAndWorker('webhooks', FAST_WEBHOOKS);
  let receiver: WebhookReceiver;
  const http = () => stack.api.http;
  let path = 0;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const allowLoopback = async () => expect((await http().put('/v1/webhook-settings', { allowedNetworks: ['127.0.0.1'] })).status).toBe(200);
  const register = async (body: Record<string, unknown> = {}) => {
    const p = `/hook-${++path}`;
    const res = await http().post('/v1/webhooks', { url: receiver.url(p), ...body });
    expect(res.status).toBe(201);
    return { path: p, id: res.body.id as string, secret: res.body.secret as string };
  };
  const feedCursor = async () => {
    let after: string | undefined;
    for (;;) {
      const res = await http().get(`/v1/events?limit=200${after ? `&after=${after}` : ''}`);
      after = res.body.nextCursor;
      if (!res.body.hasMore) return after!;
    }
  };
  const feedSince = async (after: string) => {
    const events: { id: string; type: string }[] = [];
    for (;;) {
      const res = await http().get(`/v1/events?limit=200&after=${after}`);
      events.push(...res.body.data);
      after = res.body.nextCursor;
      if (!res.body.hasMore) return events;
    }
  };

  it('refuses private, loopback, link-local and metadata targets until an admin allows their network', async () => {
    expect((await http().put('/v1/webhook-settings', { allowedNetworks: [] })).status).toBe(200);
    for (const url of [
      receiver.url('/x'),
      'http://localhost:8080/hook',
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.7/hook',
      'http://192.168.1.1/hook',
      'http://[::1]:8080/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://[fd00::1]/hook',
      'http://100.64.0.1/hook',
      'http://0.0.0.0/hook',
    ]) {
      const res = await http().post('/v1/webhooks', { url });
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'webhook_target_refused' });
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    for (const url of ['ftp://example.com/x', 'not a url', 'http://user:pw@example.com/', 'https://example.com/#frag', 'file:///etc/passwd']) {
      const res = await http().post('/v1/webhooks', { url });
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'invalid_webhook_url' });
    }
    const bad = await http().put('/v1/webhook-settings', { allowedNetworks: ['10.0.0.0/33'] });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_network');
    await allowLoopback();
    expect((await http().get('/v1/webhook-settings')).body.allowedNetworks).toEqual(['127.0.0.1/32']);
    const ok = await http().post('/v1/webhooks', { url: receiver.url('/allowed') });
    expect(ok.status).toBe(201);
    expect(ok.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    // Still refused: an allowed network opens only itself.
    expect((await http().post('/v1/webhooks', { url: 'http://127.0.0.2/hook' })).status).toBe(400);
    expect((await http().delete(`/v1/webhooks/${ok.body.id}`)).status).toBe(204);
  });

  it('delivers every event once, signed per Standard Webhooks, with the event id as webhook-id', async () => {
    await allowLoopback();
    const start = await feedCursor();
    const hook = await register();
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const candidate = (await http().post('/v1/candidates', { fullName: 'Wei Hooks', emails: [`hooks.${Date.now()}@example.com`] })).body;
    expect((await http().patch(`/v1/candidates/${candidate.id}`, { currentTitle: 'Research Engineer' })).status).toBe(200);
    const application = (await http().post('/v1/applications', { candidateId: candidate.id, taskForceId: tf.id })).body;
    expect((await http().post(`/v1/applications/${application.id}/transitions`, { to: 'contacted' })).status).toBe(200);
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.139', asOf: '2026-11-20' })).status).toBe(200);

    const published = (await feedSince(start)).filter((e) => !e.type.startsWith('webhook.'));
    expect(published.length).toBeGreaterThanOrEqual(5);
    const got = await waitFor(() => Promise.resolve(receiver.at(hook.path).length >= published.length && receiver.at(hook.path)), 15000);
    await new Promise((r) => setTimeout(r, 400)); // nothing more comes
    const ids = receiver.at(hook.path).map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(ids)).toEqual(new Set(published.map((e) => e.id)));
    for (const r of got) {
      const payload = verify(hook.secret, r) as Delivered;
      expect(payload.data.id).toBe(r.headers['webhook-id']);
      expect(payload.type).toBe(payload.data.type);
      expect(r.headers['content-type']).toBe('application/json');
    }
    // A wrong secret or a changed body does not verify.
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, got[0])).toThrow();
    expect(() => verify(hook.secret, { ...got[0], body: got[0].body.replace('}', ' }') })).toThrow();
    const types = got.map((r) => parse(r).type);
    expect(types).toEqual(
      expect.arrayContaining(['candidate.created', 'candidate.updated', 'application.created', 'application.stage_changed', 'fx_rate.set']),
    );
    // The log says the same.
    const log = await http().get(`/v1/webhooks/${hook.id}/deliveries?limit=200`);
    expect(log.status).toBe(200);
    expect(log.body.data.every((d: { status: string; attempts: number }) => d.status === 'succeeded' && d.attempts === 1)).toBe(true);
  });

  it('retries a failing receiver with the same event id until it recovers, and logs each attempt', async () => {
    await allowLoopback();
    const hook = await register({ eventTypes: ['candidate.created'] });
    receiver.respond = (r, seenBefore) =>
      r.path === hook.path && seenBefore < 2 ? { status: 503, body: 'down for maintenance' } : { status: 200, body: 'ok' };
    try {
      const candidate = (await http().post('/v1/candidates', { fullName: 'Retry Me', emails: [`retry.${Date.now()}@example.com`] })).body;
      const tries = await waitFor(() => Promise.resolve(receiver.at(hook.path).length >= 3 && receiver.at(hook.path)), 15000);
      expect(new Set(tries.map((r) => r.headers['webhook-id'])).size).toBe(1);
      expect(parse(tries[0]).data.data).toEqual({ candidateId: candidate.id, source: 'sourced', ownerId: expect.any(String) });
      const [delivery] = (await http().get(`/v1/webhooks/${hook.id}/deliveries`)).body.data;
      const detail = await waitFor(async () => {
        const d = (await http().get(`/v1/webhooks/${hook.id}/deliveries/${delivery.id}`)).body;
        return d.status === 'succeeded' && d;
      });
      expect(detail.attempts).toBe(3);
      expect(detail.attemptLog.map((a: { status: number }) => a.status)).toEqual([503, 503, 200]);
      expect(detail.attemptLog[0].responseExcerpt).toBe('down for maintenance');
      expect(detail.attemptLog[0].error).toBe('answered 503');
      expect((await http().get(`/v1/webhooks/${hook.id}`)).body.failingSince).toBeNull();
    } finally {
      receiver.respond = () => ({ status: 204 });
    }
  });

  it('sends an endpoint only the events that occurred after it was registered, even those still waiting in the outbox', async () => {
    await allowLoopback();
    const hook = await register({ eventTypes: ['candidate.created'] });
    // An event from an hour before the endpoint existed, reaching the outbox only now.
    const early = '00000000-0000-7000-8000-00000000e0e0';
    await stack.db.query(
      `INSERT INTO domain_events (id, type, version, occurred_at, payload) VALUES ($1, 'candidate.created', 1, now() - interval '1 hour', $2)`,
      [early, { candidateId: early, source: 'sourced', ownerId: null }],
    );
    const candidate = (await http().post('/v1/candidates', { fullName: 'After Registration', emails: [`after.${Date.now()}@example.com`] })).body;
    const [got] = await waitFor(() => Promise.resolve(receiver.at(hook.path).length >= 1 && receiver.at(hook.path)), 15000);
    expect(parse(got).data.data.candidateId).toBe(candidate.id);
    // Dispatch reads the outbox in order, so the earlier event was passed over, not left for later.
    expect(receiver.at(hook.path).map((r) => parse(r).data.data.candidateId)).toEqual([candidate.id]);
    const log = (await http().get(`/v1/webhooks/${hook.id}/deliveries`)).body.data as { eventId: string }[];
    expect(log.map((d) => d.eventId)).not.toContain(early);
  });

  it('follows no redirect, caps what it reads and gives up on an endpoint that does not answer', async () => {
    await allowLoopback();
    const redirecting = await register({ eventTypes: ['candidate.created'] });
    const huge = await register({ eventTypes: ['candidate.created'] });
    const silent = await register({ eventTypes: ['candidate.created'] });
    receiver.respond = (r) =>
      r.path === redirecting.path
        ? { status: 302 }
        : r.path === huge.path
          ? { status: 200, body: 'x'.repeat(3_000_000) }
          : r.path === silent.path
            ? 'hang'
            : { status: 204 };
    try {
      await http().post('/v1/candidates', { fullName: 'Edge Cases', emails: [`edges.${Date.now()}@example.com`] });
      const last = async (id: string) => {
        const [d] = (await http().get(`/v1/webhooks/${id}/deliveries`)).body.data;
        return d && (await http().get(`/v1/webhooks/${id}/deliveries/${d.id}`)).body;
      };
      const redirected = await waitFor(async () => (await last(redirecting.id))?.attemptLog?.[0]);
      expect(redirected.status).toBe(302);
      expect(redirected.error).toContain('redirects are not followed');
      expect(receiver.received.some((r) => r.path === '/elsewhere')).toBe(false);
      const big = await waitFor(async () => (await last(huge.id))?.attemptLog?.[0]);
      expect(big.status).toBe(200);
      expect(big.error).toBeNull();
      expect(big.responseExcerpt).toHaveLength(1000);
      const timedOut = await waitFor(async () => (await last(silent.id))?.attemptLog?.[0]);
      expect(timedOut.status).toBeNull();
      expect(timedOut.error).toBe('no complete answer within 1500 ms');
      expect(timedOut.durationMs).toBeGreaterThanOrEqual(1400);
    } finally {
      receiver.respond = () => ({ status: 204 });
      for (const h of [redirecting, huge, silent]) await http().delete(`/v1/webhooks/${h.id}`);
    }
  });

  it('delivers only the chosen types and task forces', async () => {
    await allowLoopback();
    const tfA = (await http().post('/v1/task-forces', taskForceBody())).body;
    const tfB = (await http().post('/v1/task-forces', taskForceBody())).body;
    const hook = await register({ eventTypes: ['application.created', 'application.stage_changed'], taskForceIds: [tfA.id] });
    const c = (await http().post('/v1/candidates', { fullName: 'Filter Case', emails: [`filter.${Date.now()}@example.com`] })).body;
    const inA = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tfA.id })).body;
    await http().post('/v1/applications', { candidateId: c.id, taskForceId: tfB.id });
    await http().post(`/v1/applications/${inA.id}/transitions`, { to: 'contacted' });
    const got = await waitFor(() => Promise.resolve(receiver.at(hook.path).length >= 2 && receiver.at(hook.path)));
    await new Promise((r) => setTimeout(r, 500));
    // Deliveries run concurrently: no order is promised.
    expect(
      receiver
        .at(hook.path)
        .map((r) => [parse(r).type, parse(r).data.taskForceId])
        .sort(),
    ).toEqual([
      ['application.created', tfA.id],
      ['application.stage_changed', tfA.id],
    ]);
    expect(got).toHaveLength(2);
    const unknownTf = await http().post('/v1/webhooks', { url: receiver.url('/nope'), taskForceIds: ['00000000-0000-7000-8000-000000000000'] });
    expect([unknownTf.status, unknownTf.body.code]).toEqual([400, 'unknown_task_force']);
    const badType = await http().post('/v1/webhooks', { url: receiver.url('/nope'), eventTypes: ['candidate.exploded'] });
    expect(badType.status).toBe(400);
  });

  it('disables an endpoint that fails through its whole schedule, announces it, and redelivers once enabled', async () => {
    await allowLoopback();
    const watcher = await register({ eventTypes: ['webhook.endpoint_disabled'] });
    const broken = await register({ eventTypes: ['candidate.created'] });
    receiver.respond = (r) => (r.path === broken.path ? { status: 500, body: 'boom' } : { status: 204 });
    try {
      await http().post('/v1/candidates', { fullName: 'Never Lands', emails: [`never.${Date.now()}@example.com`] });
      const endpoint = await waitFor(async () => {
        const e = (await http().get(`/v1/webhooks/${broken.id}`)).body;
        return !e.enabled && e;
      }, 20000);
      expect(endpoint.disabledReason).toContain('answered 500');
      expect(receiver.at(broken.path)).toHaveLength(4); // the first attempt and three retries
      const alert = await waitFor(() => Promise.resolve(receiver.at(watcher.path)[0]));
      expect(parse(alert).data.data).toEqual({ endpointId: broken.id, reason: endpoint.disabledReason });
      const [failed] = (await http().get(`/v1/webhooks/${broken.id}/deliveries?status=failed`)).body.data;
      expect(failed.attempts).toBe(4);
      const refused = await http().post(`/v1/webhooks/${broken.id}/deliveries/${failed.id}/redeliver`);
      expect([refused.status, refused.body.code]).toEqual([409, 'webhook_disabled']);
      // While disabled, nothing new is delivered to it: once an enabled endpoint got an event, it is past.
      const observer = await register({ eventTypes: ['candidate.created'] });
      const meanwhile = (await http().post('/v1/candidates', { fullName: 'While Disabled', emails: [`disabled.${Date.now()}@example.com`] })).body;
      await waitFor(() => Promise.resolve(receiver.at(observer.path).some((r) => r.body.includes(meanwhile.id))));
      receiver.respond = () => ({ status: 204 });
      expect((await http().patch(`/v1/webhooks/${broken.id}`, { enabled: true })).body.enabled).toBe(true);
      expect((await http().post(`/v1/webhooks/${broken.id}/deliveries/${failed.id}/redeliver`)).status).toBe(202);
      const ok = await waitFor(async () => {
        const d = (await http().get(`/v1/webhooks/${broken.id}/deliveries/${failed.id}`)).body;
        return d.status === 'succeeded' && d;
      });
      expect(ok.attempts).toBe(5);
      expect(receiver.at(broken.path).map((r) => r.headers['webhook-id'])).toEqual(Array(5).fill(failed.eventId));
    } finally {
      receiver.respond = () => ({ status: 204 });
    }
  });

  it('signs with both secrets while a rotation overlaps, and answers a test ping', async () => {
    await allowLoopback();
    const hook = await register({ eventTypes: ['candidate.created'] });
    const rotated = await http().post(`/v1/webhooks/${hook.id}/rotate-secret`, { overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(hook.secret);
    expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
    const ping = await http().post(`/v1/webhooks/${hook.id}/test`);
    expect(ping.status).toBe(202);
    const r = await waitFor(() => Promise.resolve(receiver.at(hook.path).find((x) => x.headers['webhook-id'] === ping.body.eventId)));
    expect(String(r.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect((verify(rotated.body.secret, r) as Delivered).type).toBe('webhook.test');
    expect((verify(hook.secret, r) as Delivered).data.data).toEqual({ endpointId: hook.id });
    // Without overlap the old secret stops at once.
    const again = await http().post(`/v1/webhooks/${hook.id}/rotate-secret`, { overlapSeconds: 0 });
    const ping2 = await http().post(`/v1/webhooks/${hook.id}/test`);
    const r2 = await waitFor(() => Promise.resolve(receiver.at(hook.path).find((x) => x.headers['webhook-id'] === ping2.body.eventId)));
    expect(() => verify(rotated.body.secret, r2)).toThrow();
    expect(verify(again.body.secret, r2)).toBeTruthy();
    const detail = await waitFor(async () => {
      const d = (await http().get(`/v1/webhooks/${hook.id}/deliveries/${ping2.body.deliveryId}`)).body;
      return d.status === 'succeeded' && d;
    });
    expect(detail.eventType).toBe('webhook.test');
  });

  it('is for admins only, never shows a secret again, and answers bad input with problems', async () => {
    await allowLoopback();
    const hook = await register();
    const recruiter = await createUser(http(), 'recruiter');
    for (const [method, url, body] of [
      ['GET', '/v1/webhooks'],
      ['GET', `/v1/webhooks/${hook.id}`],
      ['POST', '/v1/webhooks', { url: receiver.url('/r') }],
      ['PATCH', `/v1/webhooks/${hook.id}`, { enabled: false }],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`, {}],
      ['POST', `/v1/webhooks/${hook.id}/test`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
      ['GET', '/v1/webhook-settings'],
      ['PUT', '/v1/webhook-settings', { allowedNetworks: ['10.0.0.0/8'] }],
    ] as [string, string, unknown?][]) {
      const res = await http().request(method, url, body, { token: recruiter.token });
      expect({ method, url, status: res.status }).toEqual({ method, url, status: 403 });
    }
    expect((await http().get(`/v1/webhooks/${hook.id}`)).body).not.toHaveProperty('secret');
    const listed = (await http().get('/v1/webhooks?limit=200')).body.data;
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    // A replayed creation does not hold the secret.
    const key = { headers: { 'idempotency-key': `wh-${Date.now()}` } };
    const first = await http().post('/v1/webhooks', { url: receiver.url('/replayed') }, key);
    const replay = await http().post('/v1/webhooks', { url: receiver.url('/replayed') }, key);
    expect(first.body.secret).toMatch(/^whsec_/);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.secret).toBeNull();
    const missing = '00000000-0000-7000-8000-000000000000';
    expect((await http().get(`/v1/webhooks/${missing}`)).status).toBe(404);
    expect((await http().get(`/v1/webhooks/${hook.id}/deliveries/${missing}`)).status).toBe(404);
    expect((await http().post(`/v1/webhooks/${missing}/test`)).status).toBe(404);
    expect((await http().get('/v1/webhooks/not-a-uuid')).status).toBe(400);
    expect((await http().patch(`/v1/webhooks/${hook.id}`, { expectedVersion: 99, enabled: false })).status).toBe(409);
    expect((await http().post(`/v1/webhooks/${hook.id}/rotate-secret`, { overlapSeconds: 10 ** 9 })).status).toBe(400);
    expect((await http().post('/v1/webhooks', { url: receiver.url('/x'), surprise: true })).status).toBe(400);
    expect((await http().get(`/v1/webhooks/${hook.id}/deliveries?status=lost`)).status).toBe(400);
  });
});
