import { createServer, Server, Socket } from 'node:net';
import { AddressInfo } from 'node:net';
import { createUser, taskForceBody, useApiAndWorker, waitFor } from './support/harness';
import { FAST_WEBHOOKS, WebhookReceiver } from './support/webhook-receiver';

/**
 * A receiver that speaks raw bytes: what a hostile or broken endpoint can answer that an HTTP
 * server library would never send. The request line's path picks the behaviour.
 */
class RawReceiver {
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  port = 0;
  readonly hits: string[] = [];

  static async start(): Promise<RawReceiver> {
    const raw = new RawReceiver();
    raw.server = createServer((socket) => {
      raw.sockets.add(socket);
      socket.on('close', () => raw.sockets.delete(socket));
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', (chunk) => {
        if (head.includes('\r\n\r\n')) return;
        head += chunk.toString('latin1');
        if (!head.includes('\r\n\r\n')) return;
        const path = head.split(' ')[1] ?? '/';
        raw.hits.push(path);
        raw.answer(path.split('?')[0], socket);
      });
    });
    await new Promise<void>((resolve) => raw.server.listen(0, '127.0.0.1', resolve));
    raw.port = (raw.server.address() as AddressInfo).port;
    return raw;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private drip(socket: Socket, byte: string) {
    const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(byte)), 100);
    this.timers.add(timer);
  }

  private answer(path: string, socket: Socket) {
    switch (path.replace(/-\d+$/, '')) {
      case '/drip-body':
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n');
        return this.drip(socket, 'x');
      case '/drip-headers':
        socket.write('HTTP/1.1 200 OK\r\n');
        return this.drip(socket, 'x-slow: 1\r\n');
      case '/huge-header':
        return socket.end(`HTTP/1.1 200 OK\r\nx-big: ${'a'.repeat(200_000)}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
      case '/upgrade':
        return socket.write('HTTP/1.1 101 Switching Protocols\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n');
      case '/processing':
        return socket.write('HTTP/1.1 102 Processing\r\n\r\n');
      case '/garbage':
        return socket.end('SMTP READY\r\n\r\n');
      case '/hang-up':
        return socket.destroy();
      case '/truncated':
        return socket.end('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\nconnection: close\r\n\r\nonly ten b');
      case '/control-chars':
        return socket.end(
          Buffer.concat([
            Buffer.from('HTTP/1.1 500 Internal Server Error\r\nlocation: /x\r\ncontent-length: 12\r\nconnection: close\r\n\r\n', 'latin1'),
            Buffer.from([0x61, 0x00, 0x62, 0x01, 0xff, 0xfe, 0xc3, 0x28, 0x7f, 0x1b, 0x0d, 0x0a]),
          ]),
        );
      case '/redirect-odd':
        return socket.end(
          `HTTP/1.1 307 Temporary Redirect\r\nlocation: http://169.254.169.254/${'\xe9'.repeat(400)}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
        );
      default:
        return socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n');
    }
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Control characters but tab and newline, which the delivery log never keeps. */
const hasControl = (text: string | null) =>
  Array.from(text ?? '').some((ch) => {
    const code = ch.codePointAt(0)!;
    return (code < 32 && code !== 9 && code !== 10) || code === 127;
  });

describe('outbound webhooks under attack', () => {
  const stack = useApiAndWorker('webhook_attacks', FAST_WEBHOOKS);
  let receiver: WebhookReceiver;
  let raw: RawReceiver;
  const http = () => stack.api.http;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    raw = await RawReceiver.start();
  });
  afterAll(async () => {
    await receiver?.close();
    await raw?.close();
  });

  const allow = async (allowedNetworks: string[]) => expect((await http().put('/v1/webhook-settings', { allowedNetworks })).status).toBe(200);
  const register = async (url: string, body: Record<string, unknown> = {}) => {
    const res = await http().post('/v1/webhooks', { url, ...body });
    expect({ url, status: res.status, body: res.status === 201 ? undefined : res.body }).toEqual({ url, status: 201, body: undefined });
    return { id: res.body.id as string, secret: res.body.secret as string };
  };
  /** Pings the endpoint and waits for the one attempt a ping gets. */
  const pingAttempt = async (id: string) => {
    const ping = await http().post(`/v1/webhooks/${id}/test`);
    expect(ping.status).toBe(202);
    return waitFor(async () => {
      const d = (await http().get(`/v1/webhooks/${id}/deliveries/${ping.body.deliveryId}`)).body;
      return d.status !== 'pending' && d.status !== 'delivering' && d;
    }, 10000);
  };

  it('refuses private targets however their address is spelled', async () => {
    await allow([]);
    for (const url of [
      'http://2130706433/',
      'http://0x7f000001/',
      'http://017700000001/',
      'http://127.1/',
      'http://0x7f.1/',
      'http://127.0.0.1./',
      'http://0/',
      'http://[::]/',
      'http://[0:0:0:0:0:ffff:7f00:1]/',
      'http://[::ffff:169.254.169.254]/latest/meta-data/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[::127.0.0.1]/',
      'http://[::a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[64:ff9b:1::a00:1]/',
      'http://[2002:7f00:1::]/',
      'http://[fec0::1]/',
      'http://[2001:db8::1]/',
      'HTTP://LOCALHOST:8080/',
      'http://localhost./',
      'http://LocalHost.:80/',
      'http://169.254.169.254./',
      'http://0251.0376.0251.0376/',
      'http://100.127.255.255/',
      'http://198.18.0.1/',
      'http://255.255.255.255/',
      'http://224.0.0.1/',
      'https://10.1.2.3:8443/hook',
    ]) {
      const res = await http().post('/v1/webhooks', { url });
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'webhook_target_refused' });
    }
    for (const url of [
      'http://[fe80::1%25eth0]/',
      'javascript:alert(1)',
      'data:text/plain,hi',
      'http://%75ser:x@example.com/',
      'http://example.com@127.0.0.1/',
      'ws://example.com/',
      'http:///',
      `https://example.com/${'a'.repeat(3000)}`,
    ]) {
      const res = await http().post('/v1/webhooks', { url });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(['invalid_webhook_url', 'validation_failed', 'webhook_target_refused']).toContain(res.body.code);
    }
    expect((await http().get('/v1/webhooks')).body.data).toEqual([]);
  });

  it('refuses a change of url to a private target, and any url at all that is not one', async () => {
    await allow(['127.0.0.1']);
    const hook = await register(receiver.url('/patched'));
    await allow([]);
    for (const url of ['http://10.0.0.1/', 'http://[::1]/', 'http://localhost/', receiver.url('/still-private')]) {
      const res = await http().patch(`/v1/webhooks/${hook.id}`, { url });
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'webhook_target_refused' });
    }
    for (const url of [null, '', 42, ['http://example.com/'], { href: 'http://example.com/' }]) {
      const res = await http().patch(`/v1/webhooks/${hook.id}`, { url });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
    }
    const after = (await http().get(`/v1/webhooks/${hook.id}`)).body;
    expect(after.url).toBe(receiver.url('/patched'));
    expect(after.version).toBe(1);
    expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('takes null for the filters and the description, as documented: every type, every task force, no description', async () => {
    await allow(['127.0.0.1']);
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const created = await http().post('/v1/webhooks', { url: receiver.url('/nulls'), eventTypes: null, taskForceIds: null, description: null });
    expect(created.status).toBe(201);
    expect([created.body.eventTypes, created.body.taskForceIds, created.body.description]).toEqual([null, null, null]);
    const id = created.body.id as string;
    const narrowed = await http().patch(`/v1/webhooks/${id}`, { eventTypes: ['candidate.created'], taskForceIds: [tf.id], description: 'narrow' });
    expect(narrowed.status).toBe(200);
    const widened = await http().patch(`/v1/webhooks/${id}`, { eventTypes: null, taskForceIds: null, description: null });
    expect(widened.status).toBe(200);
    expect([widened.body.eventTypes, widened.body.taskForceIds, widened.body.description]).toEqual([null, null, null]);
    // The rest still refuses null.
    for (const field of ['url', 'enabled', 'expectedVersion']) {
      const res = await http().patch(`/v1/webhooks/${id}`, { [field]: null });
      expect({ field, status: res.status }).toEqual({ field, status: 400 });
    }
    expect((await http().delete(`/v1/webhooks/${id}`)).status).toBe(204);
  });

  it('reads the bodies of its actions as every other action does: optional where all is optional, refused where there is nothing to say', async () => {
    await allow(['127.0.0.1']);
    const hook = await register(receiver.url('/actions'));
    const json = { 'content-type': 'application/json' };
    // curl -X POST .../rotate-secret: no body, the default overlap.
    const rotated = await http().post(`/v1/webhooks/${hook.id}/rotate-secret`, undefined, { headers: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.previousSecretExpiresAt).toEqual(expect.any(String));
    expect((await http().post(`/v1/webhooks/${hook.id}/rotate-secret`, undefined, { headers: json, rawBody: '' })).status).toBe(200);
    const ping = await http().post(`/v1/webhooks/${hook.id}/test`);
    expect(ping.status).toBe(202);
    await waitFor(async () => (await http().get(`/v1/webhooks/${hook.id}/deliveries/${ping.body.deliveryId}`)).body.status === 'succeeded');
    // A parameter these actions do not have is refused, not ignored.
    for (const url of [`/v1/webhooks/${hook.id}/test`, `/v1/webhooks/${hook.id}/deliveries/${ping.body.deliveryId}/redeliver`]) {
      const res = await http().post(url, { eventType: 'application.hired' });
      expect({ url, status: res.status, code: res.body.code }).toEqual({ url, status: 400, code: 'body_not_allowed' });
      expect((await http().post(url, {})).status).toBe(202);
    }
    expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('reads an allowed network written as IPv4-mapped IPv6 as the IPv4 network it is', async () => {
    for (const [entry, stored] of [
      ['::ffff:127.0.0.1', '127.0.0.1/32'],
      ['::ffff:127.0.0.0/104', '127.0.0.0/8'],
      ['::ffff:7f00:1/128', '127.0.0.1/32'],
    ]) {
      const res = await http().put('/v1/webhook-settings', { allowedNetworks: [entry] });
      expect({ entry, status: res.status, allowed: res.body.allowedNetworks }).toEqual({ entry, status: 200, allowed: [stored] });
      const hook = await register(receiver.url('/mapped'));
      expect((await pingAttempt(hook.id)).status).toBe('succeeded');
      expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
    }
    // A mapped network shorter than /96 is not an IPv4 network: refused as written.
    const wide = await http().put('/v1/webhook-settings', { allowedNetworks: ['::ffff:0:0/95'] });
    expect(wide.status).toBe(200);
    expect((await http().post('/v1/webhooks', { url: receiver.url('/mapped') })).status).toBe(400);
  });

  it('refuses at connect time a target whose network is no longer allowed, also over a kept-alive connection', async () => {
    await allow(['127.0.0.1', '::1']);
    const literal = await register(receiver.url('/narrow-literal'));
    const named = await register(`http://localhost:${receiver.port}/narrow-name`);
    // A first delivery opens a kept-alive connection.
    expect((await pingAttempt(literal.id)).status).toBe('succeeded');
    expect((await pingAttempt(named.id)).status).toBe('succeeded');
    const before = receiver.received.length;
    await allow([]);
    for (const hook of [literal, named]) {
      const refused = await pingAttempt(hook.id);
      expect(refused.status).toBe('failed');
      expect(refused.attemptLog[0].error).toMatch(/^target refused: /);
      expect(refused.attemptLog[0].status).toBeNull();
    }
    expect(receiver.received.length).toBe(before);
    for (const hook of [literal, named]) expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('keeps its deadline and its log sane whatever a hostile receiver answers', async () => {
    await allow(['127.0.0.1']);
    const cases: Record<string, { ok: boolean; error?: RegExp; status?: number | null; maxMs?: number }> = {
      '/drip-body': { ok: false, error: /^no complete answer within 1500 ms$/, maxMs: 2500 },
      '/drip-headers': { ok: false, error: /^no complete answer within 1500 ms$/, maxMs: 2500 },
      '/huge-header': { ok: false, status: null },
      '/upgrade': { ok: false, status: null, maxMs: 2500 },
      '/processing': { ok: false, status: null, maxMs: 2500 },
      '/garbage': { ok: false, status: null },
      '/hang-up': { ok: false, status: null },
      '/truncated': { ok: false, status: 200, error: /^answered 200, but the answer broke off after 10 bytes$/ },
      '/control-chars': { ok: false, status: 500 },
      '/redirect-odd': { ok: false, status: 307, error: /redirects are not followed/ },
    };
    const hooks = await Promise.all(Object.keys(cases).map(async (p) => ({ p, hook: await register(raw.url(p)) })));
    const results = await Promise.all(hooks.map(async ({ p, hook }) => ({ p, d: await pingAttempt(hook.id) })));
    for (const { p, d } of results) {
      const want = cases[p];
      const attempt = d.attemptLog[0];
      expect({ p, status: d.status }).toEqual({ p, status: want.ok ? 'succeeded' : 'failed' });
      if (want.error) expect({ p, error: attempt.error }).toEqual({ p, error: expect.stringMatching(want.error) });
      if (want.status !== undefined) expect({ p, status: attempt.status }).toEqual({ p, status: want.status });
      if (want.maxMs) expect(attempt.durationMs).toBeLessThan(want.maxMs);
      expect({ p, control: [attempt.error, attempt.responseExcerpt].some(hasControl) }).toEqual({ p, control: false });
    }
    for (const { hook } of hooks) expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('answers redelivery of an attempt in flight with a conflict, and forged delivery ids with 404', async () => {
    await allow(['127.0.0.1']);
    const slow = await register(raw.url('/drip-body-1'));
    const other = await register(receiver.url('/other'));
    const ping = await http().post(`/v1/webhooks/${slow.id}/test`);
    await waitFor(async () => (await http().get(`/v1/webhooks/${slow.id}/deliveries/${ping.body.deliveryId}`)).body.status === 'delivering');
    const busy = await http().post(`/v1/webhooks/${slow.id}/deliveries/${ping.body.deliveryId}/redeliver`);
    expect([busy.status, busy.body.code]).toEqual([409, 'delivery_in_progress']);
    // Another endpoint's delivery, an unknown one, an event id in place of a delivery id.
    for (const [endpoint, delivery] of [
      [other.id, ping.body.deliveryId],
      [slow.id, '00000000-0000-7000-8000-000000000000'],
      [slow.id, ping.body.eventId],
      ['00000000-0000-7000-8000-000000000000', ping.body.deliveryId],
    ]) {
      expect((await http().get(`/v1/webhooks/${endpoint}/deliveries/${delivery}`)).status).toBe(404);
      expect((await http().post(`/v1/webhooks/${endpoint}/deliveries/${delivery}/redeliver`)).status).toBe(404);
    }
    expect((await http().post(`/v1/webhooks/${slow.id}/deliveries/not-a-uuid/redeliver`)).status).toBe(400);
    expect((await http().get(`/v1/webhooks/${slow.id}/deliveries?cursor=garbage`)).status).toBe(400);
    expect((await http().get(`/v1/webhooks/${slow.id}/deliveries?cursor=${Buffer.from('v1:zzz').toString('base64url')}`)).status).toBe(400);
    expect((await http().get(`/v1/webhooks/${slow.id}/deliveries?limit=100000`)).status).toBe(400);
    await waitFor(async () => (await http().get(`/v1/webhooks/${slow.id}/deliveries/${ping.body.deliveryId}`)).body.status === 'failed');
    for (const hook of [slow, other]) expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('lets a recruiter reach none of it', async () => {
    await allow(['127.0.0.1']);
    const hook = await register(receiver.url('/recruiter'));
    const ping = await http().post(`/v1/webhooks/${hook.id}/test`);
    const recruiter = await createUser(http(), 'recruiter');
    const d = `/v1/webhooks/${hook.id}/deliveries/${ping.body.deliveryId}`;
    for (const [method, url, body] of [
      ['GET', '/v1/webhooks'],
      ['POST', '/v1/webhooks', { url: receiver.url('/r') }],
      ['GET', `/v1/webhooks/${hook.id}`],
      ['PATCH', `/v1/webhooks/${hook.id}`, { url: receiver.url('/stolen') }],
      ['DELETE', `/v1/webhooks/${hook.id}`],
      ['POST', `/v1/webhooks/${hook.id}/rotate-secret`, {}],
      ['POST', `/v1/webhooks/${hook.id}/test`],
      ['GET', `/v1/webhooks/${hook.id}/deliveries`],
      ['GET', d],
      ['POST', `${d}/redeliver`],
      ['GET', '/v1/webhook-settings'],
      ['PUT', '/v1/webhook-settings', { allowedNetworks: ['0.0.0.0/0'] }],
    ] as [string, string, unknown?][]) {
      const res = await http().request(method, url, body, { token: recruiter.token });
      expect({ method, url, status: res.status }).toEqual({ method, url, status: 403 });
      const anonymous = await http().request(method, url, body, { token: null });
      expect({ method, url, status: anonymous.status }).toEqual({ method, url, status: 401 });
    }
    const still = (await http().get(`/v1/webhooks/${hook.id}`)).body;
    expect([still.url, still.version]).toEqual([receiver.url('/recruiter'), 1]);
    expect((await http().get('/v1/webhook-settings')).body.allowedNetworks).toEqual(['127.0.0.1/32']);
    expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });

  it('answers bad bodies with 400s, never a 500', async () => {
    await allow(['127.0.0.1']);
    const registered = (await http().get('/v1/webhooks?limit=100')).body.data.length;
    const url = receiver.url('/bad');
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const bodies: Record<string, unknown>[] = [
      { url, description: 'nul \u0000 byte' },
      { url, description: 'x'.repeat(501) },
      { url: `${url}?${'a'.repeat(3000)}` },
      // Under 2,000 characters as sent, 7,500 and 5,400 once percent-encoded.
      { url: `${url}/${'\u00e9'.repeat(500)}${'\u4e2d'.repeat(500)}` },
      { url: `${url}?q=${'<>'.repeat(900)}` },
      { url: `${url}\u0000` },
      { url, eventTypes: Array(10_000).fill('candidate.created') },
      { url, eventTypes: Array(10_001).fill('candidate.created') },
      { url, eventTypes: [] },
      { url, eventTypes: ['webhook.test'] },
      { url, eventTypes: ['candidate.created', 'candidate.created'] },
      { url, eventTypes: 'candidate.created' },
      { url, taskForceIds: ['not-a-uuid'] },
      { url, taskForceIds: [tf.id, tf.id] },
      {
        url,
        taskForceIds: Array(101)
          .fill(0)
          .map((_, i) => `00000000-0000-7000-8000-${String(i).padStart(12, '0')}`),
      },
      { url, taskForceIds: ['00000000-0000-7000-8000-000000000000'] },
      { url, enabled: 'yes' },
      { url, description: { $ne: 1 } },
      { url: { toString: 'http://example.com' } },
    ];
    for (const body of bodies) {
      const res = await http().post('/v1/webhooks', body);
      expect({ body: JSON.stringify(body).slice(0, 120), status: res.status }).toEqual({ body: JSON.stringify(body).slice(0, 120), status: 400 });
    }
    for (const settings of [
      {
        allowedNetworks: Array(51)
          .fill(0)
          .map((_, i) => `10.0.0.${i}`),
      },
      { allowedNetworks: ['10.0.0.0/33'] },
      { allowedNetworks: ['::1/129'] },
      { allowedNetworks: ['example.com'] },
      { allowedNetworks: [''] },
      { allowedNetworks: '127.0.0.1' },
      { allowedNetworks: null },
      {},
    ]) {
      const res = await http().put('/v1/webhook-settings', settings);
      expect({ settings, status: res.status }).toEqual({ settings, status: 400 });
    }
    expect((await http().post('/v1/webhooks', { url }, { rawBody: '{"url": "' })).status).toBe(400);
    expect((await http().get('/v1/webhooks?limit=0')).status).toBe(400);
    expect((await http().get('/v1/webhooks?cursor=%00')).status).toBe(400);
    expect((await http().get('/v1/webhooks?limit=100')).body.data).toHaveLength(registered);
  });

  it('holds the cap of 50 endpoints under concurrent creation', async () => {
    await allow(['127.0.0.1']);
    const existing = (await http().get('/v1/webhooks?limit=100')).body.data.length;
    const made: string[] = [];
    for (let i = existing; i < 46; i++) made.push((await register(receiver.url(`/cap-${i}`), { enabled: false })).id);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => http().post('/v1/webhooks', { url: receiver.url(`/race-${i}`), enabled: false })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(statuses.filter((s) => s !== 201).every((s) => s === 422)).toBe(true);
    expect((await http().get('/v1/webhooks?limit=100')).body.data).toHaveLength(50);
    for (const r of results) if (r.status === 201) made.push(r.body.id);
    for (const id of made) expect((await http().delete(`/v1/webhooks/${id}`)).status).toBe(204);
  });

  it('sends and logs no personal data, and nothing of an erased candidate', async () => {
    await allow(['127.0.0.1']);
    const hook = await register(receiver.url('/pii'));
    const marker = `Zhang Privacy ${Date.now()}`;
    const email = `privacy.${Date.now()}@example.com`;
    const candidate = (await http().post('/v1/candidates', { fullName: marker, emails: [email], currentTitle: 'Staff Engineer' })).body;
    expect((await http().patch(`/v1/candidates/${candidate.id}`, { currentTitle: 'Principal Engineer', location: 'Beijing' })).status).toBe(200);
    expect((await http().delete(`/v1/candidates/${candidate.id}`)).status).toBe(204);
    const got = await waitFor(() => {
      const bodies = receiver.at('/pii').map((r) => r.body);
      return Promise.resolve(bodies.some((b) => b.includes('candidate.erased')) && bodies);
    });
    const log = (await http().get(`/v1/webhooks/${hook.id}/deliveries?limit=200`)).body.data;
    const details = await Promise.all(log.map(async (d: { id: string }) => (await http().get(`/v1/webhooks/${hook.id}/deliveries/${d.id}`)).body));
    for (const text of [...got, JSON.stringify(log), JSON.stringify(details)]) {
      for (const secret of [marker, email, 'Zhang', 'Principal', 'Beijing']) expect(text).not.toContain(secret);
    }
    expect((await http().delete(`/v1/webhooks/${hook.id}`)).status).toBe(204);
  });
});
