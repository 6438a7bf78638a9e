import { signWebhook } from '@app/web';
import http from 'node:http';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import {
  ADMIN_TOKEN,
  createUser,
  dropRedisKeys,
  HttpClient,
  HttpResult,
  Running,
  startApi,
  taskForceBody,
  TestDatabase,
  testConfig,
  useApi,
  waitFor,
} from './support/harness';
import { spawnApiProcess, spawnWorkerProcess } from './support/processes';
import { tracesInDatabase, tracesInRedis } from './support/traces';
import { startSmtpSink } from '../scripts/smtp-sink';

/**
 * Adversarial probes of erasure, logs, templates, rate limits and input rules. Every assertion
 * states the secure behaviour: a failing one is a finding.
 */

const hex = () => randomBytes(4).toString('hex');

function expectProblem(res: HttpResult, label = '') {
  const where = `${label} -> ${res.status} ${res.text.slice(0, 200)}`;
  expect({ where, serverError: res.status >= 500 }).toEqual({ where, serverError: false });
  if (res.status >= 400) {
    expect({ where, type: res.headers.get('content-type') }).toEqual({ where, type: expect.stringMatching(/application\/problem\+json/) });
    expect({ where, correlation: (res.body as { correlationId?: string } | null)?.correlationId }).toEqual({
      where,
      correlation: res.headers.get('x-request-id'),
    });
  }
}

const window = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };

describe('hardening', () => {
  const suite = useApi('hardening');
  const api = () => suite.api.http;

  function inbound(body: Record<string, unknown>) {
    const raw = JSON.stringify(body);
    return api().post('/v1/outreach/inbound', undefined, {
      token: null,
      rawBody: raw,
      headers: { 'content-type': 'application/json', 'x-hiring-signature': signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, raw) },
    });
  }

  describe('erasure', () => {
    it('merge then erase of the keeper: nothing of the merged-away duplicate survives (replay store, audit log, any table)', async () => {
      const tag = hex();
      const keeperEmail = `mergekeeper.${tag}@zmkeep.example`;
      const dupEmail = `mergedup.${tag}@zmdup.example`;
      const dupPhone = `+1 650 555 ${String(Date.now() % 10000).padStart(4, '0')}`;
      const keeper = await api().post(
        '/v1/candidates',
        { fullName: `Ximena Mergekeep${tag}`, emails: [keeperEmail] },
        { headers: { 'idempotency-key': `k-${tag}` } },
      );
      expect(keeper.status).toBe(201);
      const dup = await api().post(
        '/v1/candidates',
        { fullName: `Ximena Mergedup${tag}`, emails: [dupEmail], phone: dupPhone, currentEmployer: `Dupcorp${tag}` },
        { headers: { 'idempotency-key': `d-${tag}` } },
      );
      expect(dup.status).toBe(201);
      expect((await api().post(`/v1/candidates/${dup.body.id}/notes`, { body: `DUPNOTE-${tag}` }, { headers: { 'idempotency-key': `n-${tag}` } })).status).toBe(
        201,
      );
      const merged = await api().post(`/v1/candidates/${keeper.body.id}/merge`, { duplicateId: dup.body.id });
      expect(merged.status).toBe(200);
      expect((await api().delete(`/v1/candidates/${keeper.body.id}`)).status).toBe(204);

      const traces = [
        `mergedup${tag}`,
        `mergedup.${tag}`,
        `zmdup`,
        `dupcorp${tag}`,
        `dupnote-${tag}`,
        dupPhone.toLowerCase(),
        `mergekeep${tag}`,
        `mergekeeper.${tag}`,
      ].map((s) => s.toLowerCase());
      expect(await tracesInDatabase(suite.db, traces)).toEqual([]);

      // A replay of the duplicate's creation must not hand its data back.
      const replay = await api().post(
        '/v1/candidates',
        { fullName: `Ximena Mergedup${tag}`, emails: [dupEmail], phone: dupPhone, currentEmployer: `Dupcorp${tag}` },
        { headers: { 'idempotency-key': `d-${tag}` } },
      );
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
    });

    it("an unmatched mail from a plus/dot variant of the person's gmail address is erased with them", async () => {
      const tag = hex();
      const email = `wren.q${tag}@gmail.com`;
      const c = await api().post('/v1/candidates', { fullName: `Wren Plusaddr${tag}`, emails: [email] });
      expect(c.status).toBe(201);
      // The system treats these as the same person's address (normalised as for duplicates).
      const variant = `Wren.Q${tag}+jobs@gmail.com`;
      const dupe = await api().post('/v1/candidates', { fullName: 'someone', emails: [variant] });
      expect(dupe.status).toBe(409);
      const r = await inbound({ kind: 'reply', from: variant, to: 'replies@talent.example.com', subject: `Wren here ${tag}`, text: `PLUSMAIL-${tag} call me` });
      expect(r.status).toBe(200);
      const bounce = await inbound({
        kind: 'bounce',
        from: 'mailer-daemon@mx.example.com',
        recipient: `WREN.Q${tag}@GMAIL.COM`,
        subject: `Undeliverable ${tag}`,
      });
      expect(bounce.status).toBe(200);
      expect((await api().delete(`/v1/candidates/${c.body.id}`)).status).toBe(204);
      expect(await tracesInDatabase(suite.db, [`wren.q${tag}`, `wrenq${tag}`, `plusmail-${tag}`, `plusaddr${tag}`])).toEqual([]);
    });

    it("an idempotency key replayed by another user never returns the first user's stored answer", async () => {
      const tag = hex();
      const a = await createUser(api(), 'recruiter', 'idemA');
      const b = await createUser(api(), 'recruiter', 'idemB');
      const key = `shared-${tag}`;
      const body = { fullName: `Idem Person${tag}`, emails: [`idem.${tag}@idem.example`], phone: '+1 212 555 0100' };
      const first = await api().post('/v1/candidates', body, { token: a.token, headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      const second = await api().post('/v1/candidates', body, { token: b.token, headers: { 'idempotency-key': key } });
      expect(second.headers.get('idempotent-replayed')).toBeNull();
      expect(second.text).not.toContain('555 0100');
      expect(second.text).not.toContain(first.body.id);
      // After erasure, the same user's retry is a fresh request.
      expect((await api().delete(`/v1/candidates/${first.body.id}`)).status).toBe(204);
      const retry = await api().post('/v1/candidates', body, { token: a.token, headers: { 'idempotency-key': key } });
      expect(retry.headers.get('idempotent-replayed')).toBeNull();
      expect(retry.body.id).not.toBe(first.body.id);
    });

    it('an offer comment and a competing offer on the erased person leave no trace', async () => {
      const tag = hex();
      const tf = (await api().post('/v1/task-forces', taskForceBody())).body;
      const c = (await api().post('/v1/candidates', { fullName: `Offer Person${tag}`, emails: [`offerp.${tag}@offerp.example`] })).body;
      const app = (await api().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
      await api().post(
        `/v1/applications/${app.id}/competing-offers`,
        { employer: `Rivalco${tag}`, base: '1.00', currency: 'USD', period: 'annual' },
        { headers: { 'idempotency-key': `co-${tag}` } },
      );
      expect((await api().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
      expect(await tracesInDatabase(suite.db, [`offerp${tag}`, `offerp.${tag}`, `offer person${tag}`, `rivalco${tag}`])).toEqual([]);
    });
    it('an SMTP refusal of an address the scrubber does not recognise (apostrophe before @) leaves nothing in Redis after erasure', async () => {
      const sink = await startSmtpSink({ dir: null });
      const worker = await spawnWorkerProcess(suite.config, {
        SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
        OUTREACH_RECONCILE_INTERVAL_MS: '500',
        LOG_LEVEL: 'error',
      });
      try {
        const tag = hex();
        // A valid address (RFC 5322 atext allows ' { } / before the @).
        const address = `zqscrub.${tag}'@zqscrub.example`;
        sink.rejectRecipients.add(address);
        const tf = (await api().post('/v1/task-forces', taskForceBody())).body;
        const seq = await api().post('/v1/sequences', {
          taskForceId: tf.id,
          name: `Scrub ${tag}`,
          sender: { fromName: 'Jun', fromAddress: `jun.${tag}@talent.example.com` },
          steps: [{ delay: 'PT0S', subject: 'Hi', body: 'Hi {{unsubscribeUrl}}' }],
          sendWindow: window,
        });
        const c = await api().post('/v1/candidates', { fullName: `Scrub Person${tag}`, emails: [address] });
        expect(c.status).toBe(201);
        await api().post('/v1/applications', { candidateId: c.body.id, taskForceId: tf.id });
        const enrolled = (await api().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [c.body.id] })).body;
        await waitFor(async () => (await api().get(`/v1/enrollments/${enrolled.enrolled[0].enrollmentId}`)).body.messages?.[0]?.response === 'bounced', 30_000);
        await waitFor(
          async () => (await tracesInRedis(suite.config.REDIS_URL, suite.config.QUEUE_PREFIX, ['"result":"bounced"'])).hits.length > 0 || undefined,
          5_000,
        ).catch(() => undefined);
        expect((await api().delete(`/v1/candidates/${c.body.id}`)).status).toBe(204);
        const { hits: redis } = await tracesInRedis(suite.config.REDIS_URL, suite.config.QUEUE_PREFIX, [`zqscrub.${tag}`]);
        const database = await tracesInDatabase(suite.db, [`zqscrub.${tag}`, `scrub person${tag}`]);
        expect({ redis, database }).toEqual({ redis: [], database: [] });
      } finally {
        await worker.stop();
        await sink.close();
      }
    });

    it('a duplicate answer stored for a recruiter who cannot see the person is forgotten with the person', async () => {
      const tag = hex();
      const email = `dupans.${tag}@dupans.example`;
      const c = (await api().post('/v1/candidates', { fullName: `Dupans Person${tag}`, emails: [email], phone: '+1 303 555 0188' })).body;
      const outsider = await createUser(api(), 'recruiter', 'outsider');
      const tf = (await api().post('/v1/task-forces', taskForceBody())).body;
      await api().post(`/v1/task-forces/${tf.id}/members`, { userId: outsider.id });
      const answers: HttpResult[] = [];
      answers.push(
        await api().post(
          '/v1/candidates',
          { fullName: `Dupans Person${tag}`, emails: [email.toUpperCase()] },
          { token: outsider.token, headers: { 'idempotency-key': `dupans-${tag}` } },
        ),
      );
      answers.push(
        await api().post('/v1/candidates/import', undefined, {
          token: outsider.token,
          rawBody: `full_name,email\nDupans Person${tag},${email}`,
          headers: { 'content-type': 'text/csv; charset=utf-8', 'idempotency-key': `dupans-csv-${tag}` },
        }),
      );
      expect(answers[0].status).toBe(409);
      expect((await api().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
      expect(await tracesInDatabase(suite.db, [`dupans.${tag}`, `dupans person${tag}`, '303 555 0188'])).toEqual([]);
    });

    it('edits, consent changes and an owner hand-over before erasure leave nothing in audit_log or elsewhere', async () => {
      const tag = hex();
      const other = await createUser(api(), 'recruiter', 'newowner');
      const c = (await api().post('/v1/candidates', { fullName: `Audit Person${tag}`, emails: [`auditp.${tag}@auditp.example`] })).body;
      const patched = await api().patch(`/v1/candidates/${c.id}`, {
        fullName: `Auditrenamed ${tag}`,
        phone: '+1 303 555 0142',
        emails: [`auditp.${tag}@auditp.example`, `auditnew.${tag}@auditp.example`],
        tags: [`audittag${tag}`],
        currentEmployer: `Auditemployer${tag}`,
        ownerId: other.id,
      });
      expect(patched.status).toBe(200);
      await api().patch(`/v1/candidates/${c.id}`, { consentState: 'opted_out' });
      expect((await api().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
      expect(
        await tracesInDatabase(suite.db, [
          `auditp${tag}`,
          `auditp.${tag}`,
          `auditrenamed ${tag}`,
          `auditnew.${tag}`,
          '303 555 0142',
          `audittag${tag}`,
          `auditemployer${tag}`,
          `audit person${tag}`,
        ]),
      ).toEqual([]);
    });

    it('a CSV import under an Idempotency-Key keeps nothing of an erased person, also in rows that failed', async () => {
      const tag = hex();
      const email = `csvp.${tag}@csvp.example`;
      const csv = [
        'full_name,email,phone,current_employer',
        `Csvperson ${tag},${email},+1 303 555 0177,Csvemployer${tag}`,
        `Csvperson ${tag},${email.toUpperCase()},,`,
        `Csvperson ${tag},not-an-email-${tag},x${tag},`,
      ].join('\n');
      const imported = await api().post('/v1/candidates/import', undefined, {
        rawBody: csv,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'idempotency-key': `csv-${tag}` },
      });
      expect(imported.status).toBeLessThan(300);
      const id = imported.body.results.find((r: { outcome: string }) => r.outcome === 'created').candidateId;
      expect((await api().delete(`/v1/candidates/${id}`)).status).toBe(204);
      expect(await tracesInDatabase(suite.db, [`csvp.${tag}`, `csvperson ${tag}`, '303 555 0177', `csvemployer${tag}`])).toEqual([]);
      const replay = await api().post('/v1/candidates/import', undefined, {
        rawBody: csv,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'idempotency-key': `csv-${tag}` },
      });
      expect(replay.headers.get('idempotent-replayed')).toBeNull();
    });

    it("a merged-away duplicate's finished outreach (recipient, SMTP answer) is erased with the keeper", async () => {
      const sink = await startSmtpSink({ dir: null });
      const worker = await spawnWorkerProcess(suite.config, {
        SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
        OUTREACH_RECONCILE_INTERVAL_MS: '500',
        LOG_LEVEL: 'error',
      });
      try {
        const tag = hex();
        const tf = (await api().post('/v1/task-forces', taskForceBody())).body;
        const seq = await api().post('/v1/sequences', {
          taskForceId: tf.id,
          name: `Merge outreach ${tag}`,
          sender: { fromName: 'Jun', fromAddress: `jun.${tag}@talent.example.com` },
          steps: [
            { delay: 'PT0S', subject: 'Hi {{candidate.firstName}}', body: 'Hi {{candidate.fullName}} {{unsubscribeUrl}}' },
            { delay: 'P1D', subject: 'again', body: '{{unsubscribeUrl}}' },
          ],
          sendWindow: window,
        });
        expect(seq.status).toBe(201);
        const keeper = (await api().post('/v1/candidates', { fullName: `Keeper Mo${tag}`, emails: [`keepmo.${tag}@keepmo.example`] })).body;
        const dup = (await api().post('/v1/candidates', { fullName: `Dupmo Person${tag}`, emails: [`dupmo.${tag}@dupmo.example`] })).body;
        await api().post('/v1/applications', { candidateId: dup.id, taskForceId: tf.id });
        const enrolled = (await api().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [dup.id] })).body;
        const enrollmentId = enrolled.enrolled[0].enrollmentId;
        await waitFor(async () => (await api().get(`/v1/enrollments/${enrollmentId}`)).body.messages?.[0]?.status === 'sent', 30_000);
        expect((await api().post(`/v1/enrollments/${enrollmentId}/stop`, {})).status).toBeLessThan(300);
        const merged = await api().post(`/v1/candidates/${keeper.id}/merge`, { duplicateId: dup.id });
        expect(merged.status).toBe(200);
        expect((await api().delete(`/v1/candidates/${keeper.id}`)).status).toBe(204);
        const view = await api().get(`/v1/enrollments/${enrollmentId}`);
        expect({ enrollmentViewShowsAddress: view.text.toLowerCase().includes(`dupmo.${tag}`) }).toEqual({ enrollmentViewShowsAddress: false });
        expect((await tracesInRedis(suite.config.REDIS_URL, suite.config.QUEUE_PREFIX, [`dupmo.${tag}`, `dupmo person${tag}`, `keepmo.${tag}`])).hits).toEqual(
          [],
        );
        expect(await tracesInDatabase(suite.db, [`dupmo.${tag}`, `dupmo person${tag}`, `keepmo.${tag}`, `keeper mo${tag}`])).toEqual([]);
      } finally {
        await worker.stop();
        await sink.close();
      }
    });
  });

  describe('templates', () => {
    let taskForceId: string;
    beforeAll(async () => {
      taskForceId = (await api().post('/v1/task-forces', taskForceBody())).body.id;
    });
    const sequence = (body: string, subject = 'Hello') => ({
      taskForceId,
      name: `Tpl ${hex()}`,
      sender: { fromName: 'Jun', fromAddress: `jun.${hex()}@talent.example.com` },
      steps: [{ delay: 'PT5S', subject, body }],
      sendWindow: window,
    });

    const refused: Array<[string, string]> = [
      ['partial', '{{> evil}}'],
      ['partial block', '{{#> evil}}x{{/evil}}'],
      ['inline partial', '{{#*inline "x"}}{{candidate.firstName}}{{/inline}}'],
      ['decorator', '{{* evil}}'],
      ['raw block', '{{{{raw}}}}{{candidate.firstName}}{{{{/raw}}}}'],
      ['subexpression in if', '{{#if (lookup candidate "x")}}y{{/if}}'],
      ['../', '{{#if candidate.firstName}}{{../candidate.firstName}}{{/if}}'],
      ['./ path', '{{./candidate.firstName}}'],
      ['this. path', '{{this.candidate.firstName}}'],
      ['slash path', '{{candidate/firstName}}'],
      ['@root', '{{@root.candidate.firstName}}'],
      ['this', '{{this}}'],
      ['triple', '{{{candidate.firstName}}}'],
      ['ampersand', '{{& candidate.firstName}}'],
      ['hash arg on if', '{{#if candidate.firstName includeZero=true}}x{{/if}}'],
      ['else with chain', '{{#if candidate.firstName}}x{{else with candidate}}{{firstName}}{{/if}}'],
      ['else each chain', '{{#if candidate.firstName}}x{{else each candidate}}{{this}}{{/if}}'],
      ['else if with hash', '{{#if candidate.firstName}}x{{else if candidate.lastName includeZero=true}}y{{/if}}'],
      ['block params', '{{#if candidate.firstName as |x|}}{{x}}{{/if}}'],
      ['greek lookalike', '{{candidate.first\u039dame}}'],
      ['fullwidth dot', '{{candidate\uFF0EfirstName}}'],
      ['__proto__', '{{candidate.__proto__}}'],
      ['constructor', '{{candidate.constructor}}'],
      ['whole object', '{{candidate}}'],
      ['if on object', '{{#if candidate}}x{{/if}}'],
      ['section on variable', '{{#candidate.firstName}}x{{/candidate.firstName}}'],
      ['inverse section', '{{^candidate.firstName}}x{{/candidate.firstName}}'],
      ['log', '{{log "forged"}}'],
      ['helper with literal', '{{candidate.firstName "x"}}'],
      ['number literal', '{{1}}'],
      ['lookup in else if', '{{#if candidate.firstName}}x{{else if (lookup candidate "salary")}}y{{/if}}'],
    ];
    it.each(refused)('refuses %s on save (POST and PATCH)', async (_label, template) => {
      const created = await api().post('/v1/sequences', sequence(`${template} {{unsubscribeUrl}}`));
      expect({ template, status: created.status, code: created.body.code }).toEqual({ template, status: 422, code: 'invalid_template' });
      const good = await api().post('/v1/sequences', sequence('Hi {{candidate.firstName}} {{unsubscribeUrl}}'));
      expect(good.status).toBe(201);
      const patched = await api().patch(`/v1/sequences/${good.body.id}`, { steps: [{ delay: 'PT5S', subject: template, body: '{{unsubscribeUrl}}' }] });
      expect({ template, status: patched.status }).toEqual({ template, status: 422 });
    });

    it('accepts what the docs allow (else-if chains, ~ whitespace control, comments)', async () => {
      const ok = await api().post(
        '/v1/sequences',
        sequence(
          '{{~#if candidate.firstName~}}Hi {{candidate.firstName}}{{else if candidate.lastName}}{{candidate.lastName}}{{else}}there{{/if}}{{! c }}{{!-- {{log "x"}} --}} {{unsubscribeUrl}}',
        ),
      );
      expect(ok.status).toBe(201);
    });

    it('very deep nesting is answered quickly with a 4xx and the API stays responsive', async () => {
      const depth = 25_000;
      const body = '{{#if candidate.firstName}}'.repeat(depth) + 'x' + '{{/if}}'.repeat(depth) + ' {{unsubscribeUrl}}';
      const started = Date.now();
      const res = await api().post('/v1/sequences', sequence(body));
      const took = Date.now() - started;
      expectProblem(res, 'deep nesting');
      expect(took).toBeLessThan(5_000);
      expect((await api().get('/v1/me')).status).toBe(200);
    });

    it('a huge template of 10 steps is refused or saved within a bounded time', async () => {
      const step = {
        delay: 'PT5S',
        subject: 'x',
        body: '{{#if candidate.firstName}}{{candidate.fullName}}{{else}}{{taskForce.name}}{{/if}}'.repeat(1000) + '{{unsubscribeUrl}}',
      };
      const started = Date.now();
      const res = await api().post('/v1/sequences', { ...sequence('x'), steps: Array.from({ length: 10 }, () => step) });
      expect(Date.now() - started).toBeLessThan(5_000);
      expectProblem(res, 'huge template');
    });
  });

  describe('input', () => {
    const uuid = '00000000-0000-4000-8000-000000000000';
    const gets = [
      '/v1/candidates?limit=1&limit=2',
      '/v1/candidates?limit=99999999999999999999999999',
      '/v1/candidates?limit=9007199254740993',
      '/v1/candidates?limit[]=1',
      '/v1/candidates?limit%5B%5D=1',
      '/v1/candidates?q=%ED%A0%80',
      '/v1/candidates?q=%C0%AF',
      `/v1/candidates?q=${'a'.repeat(12000)}`,
      `/v1/candidates?q=${encodeURIComponent('Å'.repeat(3000))}`,
      '/v1/candidates?q=&q=',
      '/v1/candidates?q=%00',
      '/v1/candidates?cursor=%FF%FE',
      '/v1/candidates?cursor=eyJ4IjoxfQ',
      '/v1/candidates?updatedSince=2026-02-30T00:00:00Z',
      '/v1/candidates?updatedSince=275760-09-13T00:00:00.001Z',
      '/v1/candidates?updatedSince=0001-01-01T00:00:00Z',
      '/v1/candidates?updatedSince=2026-01-01T00:00:00%2B99:99',
      `/v1/candidates/${uuid}/`,
      `/v1/candidates/${uuid.toUpperCase()}`,
      `/v1/candidates/${uuid}%20`,
      `/v1/candidates/%7B${uuid}%7D`,
      `/v1/candidates/${uuid}%00`,
      '/v1/candidates/%2e%2e%2fusers',
      '/v1/candidates/%E0%A4%A',
      `/v1/candidates/${uuid}/notes?limit=1&limit=1`,
      '/v1/sequences/00000000-0000-4000-8000-000000000000/versions/99999999999999999999',
      '/v1/sequences/00000000-0000-4000-8000-000000000000/versions/0',
      '/v1/candidates/duplicates?limit=0',
      '/v1/fx-rates?asOf=2026-02-29',
      '/v1/fx-rates?asOf=99999-01-01',
    ];
    it.each(gets)('GET %s answers a problem, never a 5xx', async (path) => {
      expectProblem(await api().get(path), path);
    });

    const bodies: Array<[string, string, string]> = [
      ['json charset utf-16', 'application/json; charset=utf-16', JSON.stringify(taskForceBody())],
      ['JSON upper-case', 'APPLICATION/JSON', JSON.stringify(taskForceBody())],
      ['merge-patch', 'application/merge-patch+json', JSON.stringify(taskForceBody())],
      ['text/plain', 'text/plain', JSON.stringify(taskForceBody())],
      ['form', 'application/x-www-form-urlencoded', 'name=x&company=y'],
      ['multipart', 'multipart/form-data; boundary=xyz', '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--xyz--\r\n'],
      ['BOM', 'application/json', '\uFEFF' + JSON.stringify(taskForceBody())],
      ['huge number', 'application/json', JSON.stringify(taskForceBody()).replace('"headcountTarget":10', '"headcountTarget":1e400')],
      ['unsafe integer', 'application/json', JSON.stringify(taskForceBody()).replace('"headcountTarget":10', '"headcountTarget":9007199254740993')],
      ['negative zero', 'application/json', JSON.stringify(taskForceBody()).replace('"headcountTarget":10', '"headcountTarget":-0')],
      ['__proto__', 'application/json', JSON.stringify(taskForceBody()).replace('{', '{"__proto__":{"polluted":true},')],
      ['constructor', 'application/json', JSON.stringify(taskForceBody()).replace('{', '{"constructor":{"prototype":{"polluted":true}},')],
      ['deep array', 'application/json', '['.repeat(150_000) + ']'.repeat(150_000)],
      ['deep object', 'application/json', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
      ['reversed surrogates', 'application/json', JSON.stringify(taskForceBody()).replace('"company":"ByteDance"', '"company":"\\udfff\\ud800"')],
      ['escaped NUL in key', 'application/json', JSON.stringify(taskForceBody()).replace('"company"', '"comp\\u0000any"')],
      ['duplicate keys', 'application/json', JSON.stringify(taskForceBody()).replace('{', '{"headcountTarget":"x",')],
      ['empty body', 'application/json', ''],
      ['null', 'application/json', 'null'],
      ['string', 'application/json', '"x"'],
    ];
    it.each(bodies)('POST /v1/task-forces with %s answers a problem, never a 5xx', async (label, type, raw) => {
      const res = await api().post('/v1/task-forces', undefined, { rawBody: raw, headers: { 'content-type': type } });
      expectProblem(res, label);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it('an NFD spelling of a known email is a duplicate, not a second person', async () => {
      const tag = hex();
      const nfc = `jos\u00e9.${tag}@example.com`;
      const nfd = nfc.normalize('NFD');
      const first = await api().post('/v1/candidates', { fullName: 'José Nfc', emails: [nfc] });
      expectProblem(first, 'nfc');
      if (first.status !== 201) return; // non-ASCII addresses refused outright: nothing to duplicate
      const second = await api().post('/v1/candidates', { fullName: 'José Nfd', emails: [nfd] });
      expect(second.status).toBe(409);
    });

    const longValues: Array<[string, Record<string, unknown>]> = [
      ['long tag', { tags: ['t'.repeat(4000)] }],
      ['long skill', { skills: ['s'.repeat(4000)] }],
      ['long employer', { currentEmployer: 'e'.repeat(6000) }],
      ['long title', { currentTitle: 'T'.repeat(6000) }],
      ['long name', { fullName: 'N'.repeat(9000) }],
      ['long native name', { nativeName: '名'.repeat(5000) }],
      ['long linkedin', { linkedinUrl: `https://www.linkedin.com/in/${'a'.repeat(6000)}` }],
      ['long github', { githubUrl: `https://github.com/${'g'.repeat(6000)}` }],
      ['long scholar', { scholarUrl: `https://scholar.google.com/citations?user=${'u'.repeat(6000)}` }],
      ['long location', { location: 'L'.repeat(6000) }],
      [
        'many unique words',
        {
          skills: Array.from({ length: 400 }, (_, i) =>
            Array.from({ length: 60 }, (__, j) => `w${i}x${j}${randomBytes(3).toString('hex')}`)
              .join(' ')
              .slice(0, 1900),
          ),
        },
      ],
      ['long education', { education: [{ university: 'U'.repeat(6000), degree: 'phd', field: 'F'.repeat(6000), year: 2019 }] }],
      ['turkish dotted I email', { emails: [`K\u0130m.${hex()}@example.com`] }],
      ['sharp s email', { emails: [`stra\u00dfe.${hex()}@example.com`] }],
    ];
    it.each(longValues)('POST /v1/candidates with %s answers 201 or a problem, never a 5xx', async (label, extra) => {
      const res = await api().post('/v1/candidates', { fullName: `Long ${label}`, emails: [`long.${hex()}@example.com`], ...extra });
      expectProblem(res, label);
      if (res.status === 201) {
        const again = await api().get(`/v1/candidates?q=${encodeURIComponent(String(Object.values(extra)[0]).slice(0, 3000))}`);
        expectProblem(again, `${label} search`);
      }
    });

    it('sequence delays past 365 days in any spelling are refused', async () => {
      const tf = (await api().post('/v1/task-forces', taskForceBody())).body;
      for (const delay of ['P365DT1S', 'PT31536001S', 'P1Y1D', 'P13M', 'P53W', 'PT525601M', 'P0.5Y', 'P1,5D', 'P366D', 'P1Y0M0DT0H0M1S']) {
        const res = await api().post('/v1/sequences', {
          taskForceId: tf.id,
          name: `Delay ${hex()}`,
          sender: { fromName: 'Jun', fromAddress: `jun.${hex()}@talent.example.com` },
          steps: [{ delay, subject: 'x', body: '{{unsubscribeUrl}}' }],
          sendWindow: window,
        });
        expect({ delay, status: res.status }).toEqual({ delay, status: expect.any(Number) });
        expect({ delay, accepted: res.status < 300 }).toEqual({ delay, accepted: false });
        expectProblem(res, delay);
      }
    });

    it('an Idempotency-Key holding non-ASCII bytes is refused with a problem', async () => {
      const url = new URL(suite.api.url);
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request(
          {
            host: url.hostname,
            port: url.port,
            path: '/v1/task-forces',
            method: 'POST',
            headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', 'idempotency-key': 'caf\u00e9' },
          },
          (r) => {
            let body = '';
            r.on('data', (c) => (body += c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(taskForceBody()));
      });
      expect(res.status).toBe(400);
      expect(res.body).toContain('invalid_idempotency_key');
    });
  });

  describe('logs of the built API', () => {
    let proc: Awaited<ReturnType<typeof spawnApiProcess>>;
    beforeAll(async () => {
      proc = await spawnApiProcess(suite.config);
    });
    afterAll(async () => {
      await proc?.stop();
    });

    const TRACES = ['zephyrine', 'quillfeather', 'zqhome', '555 0199', '5550199', 'zq-note'];
    const probes: Array<[string, string]> = [
      ['query key without value', '/v1/candidates?Zephyrine%20Quillfeather'],
      ['email in a plain key', '/v1/candidates?status=zephyrine%40zqhome.example'],
      ['name in limit', '/v1/candidates?limit=Quillfeather'],
      ['email as a query key', '/v1/candidates?zephyrine%40zqhome.example=1'],
      ['encoded email in path id', '/v1/candidates/zephyrine%40zqhome.example'],
      ['name in unknown route', '/v1/people/Zephyrine%20Quillfeather'],
      ['phone in cursor', '/v1/candidates?cursor=%2B1%20415%20555%200199'],
      ['email in employer', '/v1/candidates?employer=zephyrine%40zqhome.example&q=Zephyrine'],
      ['email in taskForceId', '/v1/candidates?taskForceId=zephyrine%40zqhome.example'],
      ['semicolon separated', '/v1/candidates?limit=1;q=Zephyrine'],
    ];
    it.each(probes)('%s: no personal data in any log line', async (_label, path) => {
      const client = new HttpClient(proc.url);
      const reqId = `probe-${hex()}`;
      const res = await client.get(path, { token: ADMIN_TOKEN, headers: { 'x-request-id': reqId } });
      expect(res.status).toBeLessThan(500);
      // The request's own lines (the router logs refused paths under the same correlation id).
      const lines = await waitFor(async () => {
        const mine = proc.logLines().filter((l) => l.includes(reqId) || l.includes(res.headers.get('x-request-id') ?? reqId));
        return mine.length ? mine : undefined;
      }, 5_000).catch(() => [] as string[]);
      expect(lines.length).toBeGreaterThan(0);
      const text = lines.join('\n').toLowerCase();
      expect({ path, leaked: TRACES.filter((t) => text.includes(t)), lines: TRACES.some((t) => text.includes(t)) ? lines : [] }).toEqual({
        path,
        leaked: [],
        lines: [],
      });
    });

    const rawLines: Array<[string, string]> = [
      ['unencoded space in path', 'GET /v1/candidates/Zephyrine Quillfeather HTTP/1.1\r\nHost: x\r\n\r\n'],
      ['control character after an encoded email', 'GET /v1/candidates/zephyrine%40zqhome.example\x01 HTTP/1.1\r\nHost: x\r\n\r\n'],
      [
        'oversized header with an encoded email in the path',
        `GET /v1/candidates/zephyrine%40zqhome.example HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(17_000)}\r\n\r\n`,
      ],
      ['bad percent-encoding after a name', 'GET /v1/Quillfeather/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ];
    it.each(rawLines)('%s: a refused request logs no personal data', async (label, raw) => {
      const url = new URL(proc.url);
      const before = proc.logLines().length;
      const answer = await new Promise<string>((resolve) => {
        const socket = net.connect(Number(url.port), url.hostname, () => socket.write(raw));
        let text = '';
        socket.on('data', (c) => (text += c.toString('latin1')));
        socket.on('end', () => resolve(text));
        socket.on('error', () => resolve(text));
        setTimeout(() => {
          socket.destroy();
          resolve(text);
        }, 1500);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
      await new Promise((r) => setTimeout(r, 300));
      const lines = proc.logLines().slice(before);
      const text = lines.join('\n').toLowerCase();
      expect({ label, leaked: TRACES.filter((t) => text.includes(t)), lines: TRACES.some((t) => text.includes(t)) ? lines : [] }).toEqual({
        label,
        leaked: [],
        lines: [],
      });
    });

    it('bad bodies (validation, malformed JSON, unknown fields) never echo values into the log', async () => {
      const client = new HttpClient(proc.url);
      const before = proc.logLines().length;
      const opts = { token: ADMIN_TOKEN };
      await client.post('/v1/candidates', undefined, { ...opts, rawBody: '{"fullName":"Zephyrine Quillfeather","phone":"+1 415 555 0199",' });
      await client.post('/v1/candidates', { fullName: 'Zephyrine Quillfeather', emails: ['zephyrine@zqhome'], phone: '+1 415 555 0199', zqx: 'ZQ-NOTE' });
      await client.post('/v1/candidates', { fullName: 'Zephyrine Quillfeather', emails: ['zephyrine@zqhome.example'], visaStatus: 'Quillfeather' });
      await client.post('/v1/users', { email: 'zephyrine@zqhome.example', name: 'Zephyrine Quillfeather', role: 'Quillfeather' });
      await client.post('/v1/candidates', undefined, {
        ...opts,
        rawBody: 'fullName,emails\nZephyrine Quillfeather,zephyrine@zqhome.example',
        headers: { 'content-type': 'text/csv' },
      });
      await client.post('/v1/outreach/inbound', { kind: 'reply', from: 'zephyrine@zqhome.example', text: 'ZQ-NOTE' }, { token: null });
      await client.get('/v1/me', { token: 'Zephyrine-Quillfeather-not-a-token' });
      await new Promise((r) => setTimeout(r, 500));
      const lines = proc.logLines().slice(before);
      const text = lines.join('\n').toLowerCase();
      expect({ leaked: TRACES.filter((t) => text.includes(t)), lines: TRACES.some((t) => text.includes(t)) ? lines : [] }).toEqual({ leaked: [], lines: [] });
    });
  });
});

describe('hardening: rate limits', () => {
  const db = {} as { db: TestDatabase };
  beforeAll(async () => {
    db.db = await TestDatabase.create('hardening_rl');
  });
  afterAll(async () => {
    await db.db?.drop();
  });

  async function withApi(overrides: Record<string, string>, run: (api: Running) => Promise<void>) {
    const config = testConfig(db.db, overrides);
    const api = await startApi(config);
    try {
      await run(api);
    } finally {
      await api.close();
      await dropRedisKeys(config);
    }
  }

  it('TRUST_PROXY=true behind an appending proxy: a client-chosen first X-Forwarded-For address buys no fresh failure budget', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'true' }, async (api) => {
      const statuses: number[] = [];
      // The proxy appends the real peer (203.0.113.9) to whatever the client sent.
      for (let i = 0; i < 6; i++)
        statuses.push((await api.http.get('/v1/me', { token: `bad-${i}`, headers: { 'x-forwarded-for': `10.9.${i}.1, 203.0.113.9` } })).status);
      expect(statuses.slice(3)).toEqual([429, 429, 429]);
    });
  });

  it("TRUST_PROXY=true: an attacker cannot lock a victim out by naming the victim's address first in X-Forwarded-For", async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'true' }, async (api) => {
      const victim = await createUser(api.http, 'recruiter', 'victim');
      for (let i = 0; i < 5; i++) await api.http.get('/v1/me', { token: `bad-${i}`, headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.66' } });
      const res = await api.http.get('/v1/me', { token: victim.token, headers: { 'x-forwarded-for': '198.51.100.7' } });
      expect(res.status).toBe(200);
    });
  });

  it('TRUST_PROXY=true: IPv6 addresses of one /64 and IPv4-mapped spellings share one failure budget', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'true' }, async (api) => {
      const six = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:DB8:1:2:0:0:0:3', '2001:db8:1:2:ffff::4', '2001:db8:1:2::5'];
      const s6: number[] = [];
      for (const ip of six) s6.push((await api.http.get('/v1/me', { token: 'bad', headers: { 'x-forwarded-for': ip } })).status);
      expect(s6.slice(3)).toEqual([429, 429]);
      const four = ['192.0.2.44', '::ffff:192.0.2.44', '::ffff:c000:22c', '192.0.2.44', '::FFFF:192.0.2.44'];
      const s4: number[] = [];
      for (const ip of four) s4.push((await api.http.get('/v1/me', { token: 'bad', headers: { 'x-forwarded-for': ip } })).status);
      expect(s4.slice(3)).toEqual([429, 429]);
    });
  });

  it('TRUST_PROXY=false: X-Forwarded-For rotation, header case and scheme case buy nothing', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' }, async (api) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const headers: Record<string, string> = { 'x-forwarded-for': `10.0.0.${i}`, 'x-real-ip': `10.1.0.${i}`, forwarded: `for=10.2.0.${i}` };
        headers[i % 2 ? 'AUTHORIZATION' : 'Authorization'] = `${i % 2 ? 'bearer' : 'BEARER'} bad-${i}`;
        statuses.push((await api.http.get('/v1/me', { token: null, headers })).status);
      }
      expect(statuses.slice(3)).toEqual([429, 429, 429]);
    });
  });

  it('the per-user budget also covers the queue board and every answer of a token route carries the headers', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '4' }, async (api) => {
      const user = await createUser(api.http, 'admin', 'boardadmin');
      const answers: HttpResult[] = [];
      answers.push(await api.http.get('/v1/candidates?limit=abc', { token: user.token }));
      answers.push(await api.http.get('/v1/candidates/00000000-0000-4000-8000-000000000000', { token: user.token }));
      for (const r of answers) expect({ status: r.status, limit: r.headers.get('x-ratelimit-limit') }).toEqual({ status: r.status, limit: '4' });
      const board: number[] = [];
      for (let i = 0; i < 6; i++) board.push((await api.http.get('/admin/queues/api/queues', { token: user.token })).status);
      expect(board).toContain(429);
    });
  });

  it('HEAD and OPTIONS requests with a valid token spend the per-user budget too', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '3' }, async (api) => {
      const user = await createUser(api.http, 'recruiter', 'header');
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await api.http.request('HEAD', '/v1/me', undefined, { token: user.token })).status);
      for (let i = 0; i < 3; i++) statuses.push((await api.http.request('OPTIONS', '/v1/me', undefined, { token: user.token })).status);
      expect(statuses.filter((s) => s < 400).length).toBeLessThanOrEqual(3);
    });
  });

  it('failed logins to the queue board spend the failure budget and are refused once it is spent', async () => {
    await withApi({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '3' }, async (api) => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const basic = Buffer.from(`admin:guess-${i}`).toString('base64');
        statuses.push((await api.http.get('/admin/queues/api/queues', { token: null, headers: { authorization: `Basic ${basic}` } })).status);
      }
      expect(statuses.slice(3)).toEqual([429, 429, 429]);
      // And an address locked out on the board is locked out of the API too (one budget).
      expect((await api.http.get('/v1/me', { token: ADMIN_TOKEN })).status).toBe(429);
    });
  });

  it('floods of bad unsubscribes, forged webhooks and bad tokens never make the signed webhook answer 429', async () => {
    await withApi(
      {
        RATE_LIMIT_PER_MINUTE: '100',
        RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: '2',
        RATE_LIMIT_UNSUBSCRIBE_PER_MINUTE: '2',
        RATE_LIMIT_INBOUND_REJECTED_PER_MINUTE: '2',
        RATE_LIMIT_PUBLIC_PER_MINUTE: '2',
      },
      async (api) => {
        const config = testConfig(db.db);
        for (let i = 0; i < 4; i++) {
          await api.http.post('/v1/unsubscribe?token=x', { token: 'x' }, { token: null });
          await api.http.get('/v1/unsubscribe?token=x', { token: null });
          await api.http.post('/v1/outreach/inbound', { kind: 'reply', from: 'a@b.example' }, { token: null, headers: { 'x-hiring-signature': 't=1,v1=00' } });
          // A signature header naming the right timestamp but garbage HMAC, and an oversized one.
          await api.http.post(
            '/v1/outreach/inbound',
            { kind: 'reply', from: 'a@b.example' },
            { token: null, headers: { 'x-hiring-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}` } },
          );
          await api.http.get('/v1/me', { token: 'bad' });
          await api.http.get('/docs-json', { token: null });
        }
        void config;
        const raw = JSON.stringify({ kind: 'reply', from: `x.${hex()}@example.com`, to: 'replies@talent.example.com', text: 'hi' });
        // The signed webhook signs with the API's own secret (the default for tests).
        const signed = await api.http.post('/v1/outreach/inbound', undefined, {
          token: null,
          rawBody: raw,
          headers: { 'content-type': 'application/json', 'x-hiring-signature': signWebhook(testConfig(db.db).INBOUND_WEBHOOK_SECRET, raw) },
        });
        expect(signed.status).toBe(200);
        expect(signed.headers.get('x-ratelimit-limit')).not.toBeNull();
        // A signed post with a malformed body (counted where?) must not spend the rejected budget's victims either.
        const again = await api.http.post('/v1/outreach/inbound', undefined, {
          token: null,
          rawBody: raw,
          headers: { 'content-type': 'application/json', 'x-hiring-signature': signWebhook(testConfig(db.db).INBOUND_WEBHOOK_SECRET, raw) },
        });
        expect(again.status).toBe(200);
      },
    );
  });
});
