import { normalizeEmail } from '@app/candidates';
import { signWebhook } from '@app/web';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { ADMIN_TOKEN, HttpClient, taskForceBody, useApi, waitFor } from './support/harness';
import { spawnApiProcess, spawnWorkerProcess } from './support/processes';
import { tracesInDatabase, tracesInRedis } from './support/traces';

/** A person no other suite, seed or fixture would ever write, so any trace of them is theirs. */
const PERSON = {
  fullName: 'Zephyrine Quillfeather',
  nativeName: '泽菲琳',
  nativeNamePinyin: 'Zefeilin',
  emails: ['zephyrine@zqhome.example', 'zq.second@zqalt.example'],
  phone: '+1 415 555 0199',
  linkedinUrl: 'https://www.linkedin.com/in/zephyrine-qf-77',
  githubUrl: 'https://github.com/zephyrqf77',
  scholarUrl: 'https://scholar.google.com/citations?user=ZQF77xx',
  location: 'Tiburon, CA',
  timeZone: 'America/Los_Angeles',
  currentEmployer: 'Quillworks AI',
  currentTitle: 'Staff Research Engineer, Zqtitle',
  skills: ['zqskill'],
  skillAreas: ['llm'],
  tags: ['zqtag'],
  education: [{ university: 'Zqu Institute', degree: 'phd', field: 'Zqfield', year: 2019 }],
  visaStatus: 'h1b',
};
const NOTE = 'NOTE-ZQ-4417: prefers the Tiburon office, call +1 415 555 0199';
const COMMENT = 'COMMENT-ZQ-8821 spoke with Zephyrine';
const REPLY = 'REPLY-ZQ-5531 happy to talk';
const COMPETING = 'Zqcompeting Labs';

/** Every distinctive string, lower-case; a search is case-insensitive. */
const TRACES = [
  'zephyrine',
  'quillfeather',
  '泽菲琳',
  'zefeilin',
  'zqhome',
  'zqalt',
  'zq.second',
  '555 0199',
  'zephyrine-qf-77',
  'zephyrqf77',
  'zqf77xx',
  'tiburon',
  'quillworks',
  'zqtitle',
  'zqskill',
  'zqtag',
  'zqu institute',
  'zqfield',
  'note-zq-4417',
  'comment-zq-8821',
  'reply-zq-5531',
  'zqcompeting',
];

describe('privacy', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    sink = await startSmtpSink({ dir: null });
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  const suite = useApi('privacy', overrides);
  const http = () => suite.api.http;
  let worker: { stop(): Promise<void> };
  beforeAll(async () => {
    worker = await spawnWorkerProcess(suite.config, { SMTP_URL: overrides.SMTP_URL, OUTREACH_RECONCILE_INTERVAL_MS: '500', LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
  });

  const withKey = (key: string) => ({ headers: { 'idempotency-key': `${key}-${randomBytes(4).toString('hex')}` } });

  function inbound(body: Record<string, unknown>) {
    const raw = JSON.stringify(body);
    return http().post('/v1/outreach/inbound', undefined, {
      token: null,
      rawBody: raw,
      headers: { 'content-type': 'application/json', 'x-hiring-signature': signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, raw) },
    });
  }

  it('erasure leaves no trace of the person in any table, replay store or Redis key', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await http().post('/v1/sequences', {
      taskForceId: tf.id,
      name: `Privacy ${randomBytes(3).toString('hex')}`,
      sender: { fromName: 'Jun Wang', fromAddress: `jun.${randomBytes(3).toString('hex')}@talent.example.com` },
      steps: [
        { delay: 'PT0S', subject: 'Hello {{candidate.firstName}}', body: 'Hi {{candidate.fullName}} at {{candidate.currentEmployer}}\n{{unsubscribeUrl}}' },
        { delay: 'P1D', subject: 'Following up', body: 'Still keen? {{unsubscribeUrl}}' },
      ],
      sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
    });
    expect(seq.status).toBe(201);

    // Every creating POST under an Idempotency-Key, so each answer lands in the replay store.
    const createKey = withKey('create');
    const created = await http().post('/v1/candidates', PERSON, createKey);
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect((await http().post(`/v1/candidates/${id}/notes`, { body: NOTE }, withKey('note'))).status).toBe(201);
    const application = await http().post('/v1/applications', { candidateId: id, taskForceId: tf.id }, withKey('application'));
    expect(application.status).toBe(201);
    const moved = await http().post(`/v1/applications/${application.body.id}/transitions`, { to: 'contacted', comment: COMMENT }, withKey('move'));
    expect(moved.status).toBe(200);
    const preview = await http().post(`/v1/sequences/${seq.body.id}/preview`, { candidateId: id, step: 1 }, withKey('preview'));
    expect(JSON.stringify(preview.body)).toContain('Zephyrine');
    const competing = await http().post(
      `/v1/applications/${application.body.id}/competing-offers`,
      { employer: COMPETING, base: '250000.00', currency: 'USD', period: 'annual' },
      withKey('competing'),
    );
    expect(competing.status).toBe(201);
    const enrolled = await http().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [id] }, withKey('enroll'));
    expect(enrolled.body.enrolled).toHaveLength(1);
    const enrollmentId: string = enrolled.body.enrolled[0].enrollmentId;
    const sent = await waitFor(async () => {
      const e = (await http().get(`/v1/enrollments/${enrollmentId}`)).body;
      return e.messages[0]?.status === 'sent' ? e : undefined;
    }, 30_000);
    expect(sink.messages.filter((m) => m.to.includes(PERSON.emails[0]))).toHaveLength(1);
    const messageId: string = sent.messages[0].messageId;

    // A reply, a bounce of the second address, and a later mail from the person that matches nothing running.
    expect(
      (
        await inbound({
          kind: 'reply',
          from: PERSON.emails[0],
          to: 'replies@talent.example.com',
          subject: 'Re: Hello Zephyrine',
          inReplyTo: messageId,
          text: REPLY,
        })
      ).body.outcome,
    ).toBe('replied');
    expect(
      (
        await inbound({
          kind: 'bounce',
          from: 'mailer-daemon@mx.example.com',
          recipient: PERSON.emails[1],
          subject: `Undeliverable: ${PERSON.emails[1]}`,
          inReplyTo: messageId,
        })
      ).status,
    ).toBe(200);
    const later = await inbound({ kind: 'reply', from: PERSON.emails[0], subject: 'Zephyrine again', text: `${REPLY}, once more` });
    expect(later.status).toBe(200);
    expect((await http().get(`/v1/candidates/${id}/export`)).status).toBe(200);

    const before = await tracesInDatabase(suite.db, TRACES);
    for (const table of [
      'candidates',
      'candidate_identities',
      'candidate_notes',
      'application_stage_changes',
      'idempotency_keys',
      'inbound_events',
      'outreach_messages',
      'bounced_addresses',
      'competing_offers',
    ]) {
      expect(before.some((hit) => hit.startsWith(`"public"."${table}".`))).toBe(true);
    }

    expect((await http().delete(`/v1/candidates/${id}`)).status).toBe(204);

    expect(await tracesInDatabase(suite.db, TRACES)).toEqual([]);
    const redis = await tracesInRedis(suite.config.REDIS_URL, suite.config.QUEUE_PREFIX, TRACES);
    expect(redis.keys).toBeGreaterThan(0);
    expect(redis.hits).toEqual([]);

    // The bounced address stays suppressed, without being readable.
    const again = await http().post('/v1/candidates', { fullName: 'Re-sourced', emails: [PERSON.emails[1]] });
    expect(again.status).toBe(201);
    await http().post('/v1/applications', { candidateId: again.body.id, taskForceId: tf.id });
    expect((await http().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [again.body.id] })).body.skipped).toEqual([
      { candidateId: again.body.id, reason: 'bounced' },
    ]);

    // A retry of the first request is no replay of the erased answer.
    const retry = await http().post('/v1/candidates', PERSON, createKey);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.body.id).not.toBe(id);

    for (const other of new Set([again.body.id, retry.body.id ?? retry.body.existingCandidateId]))
      expect((await http().delete(`/v1/candidates/${other}`)).status).toBe(204);
  });

  it('an address refused at SMTP leaves no trace in the job results in Redis or in the database after erasure', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await http().post('/v1/sequences', {
      taskForceId: tf.id,
      name: `Privacy bounce ${randomBytes(3).toString('hex')}`,
      sender: { fromName: 'Jun Wang', fromAddress: `jun.${randomBytes(3).toString('hex')}@talent.example.com` },
      steps: [{ delay: 'PT0S', subject: 'Hello', body: 'Hi {{unsubscribeUrl}}' }],
      sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
    });
    const address = 'zephyrine.bounce@zqhome.example';
    sink.rejectRecipients.add(address);
    const c = (await http().post('/v1/candidates', { fullName: 'Zephyrine Bounce', emails: [address] })).body;
    await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
    const enrolled = (await http().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [c.id] })).body;
    await waitFor(async () => {
      const e = (await http().get(`/v1/enrollments/${enrolled.enrolled[0].enrollmentId}`)).body;
      return e.messages[0]?.response === 'bounced';
    }, 30_000);
    // The job's result is written to Redis once the batch is recorded.
    await waitFor(
      async () => (await tracesInRedis(suite.config.REDIS_URL, suite.config.QUEUE_PREFIX, ['"result":"bounced"'])).hits.length > 0 || undefined,
      5_000,
    );

    expect((await http().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
    expect(await tracesInDatabase(suite.db, ['zephyrine.bounce', 'zephyrine bounce'])).toEqual([]);
    expect((await tracesInRedis(suite.config.REDIS_URL, suite.config.QUEUE_PREFIX, ['zephyrine.bounce', 'zephyrine bounce'])).hits).toEqual([]);
  });

  it('a template stored before the allow-list is never rendered: the step fails without reaching SMTP', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = (
      await http().post('/v1/sequences', {
        taskForceId: tf.id,
        name: `Legacy ${randomBytes(3).toString('hex')}`,
        sender: { fromName: 'Jun Wang', fromAddress: `jun.${randomBytes(3).toString('hex')}@talent.example.com` },
        steps: [{ delay: 'PT0S', subject: 'Hello', body: 'Hi {{unsubscribeUrl}}' }],
        sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
      })
    ).body;
    await suite.db.query(`UPDATE sequence_versions SET definition = jsonb_set(definition, '{steps,0,body}', to_jsonb($2::text)) WHERE sequence_id = $1`, [
      seq.id,
      '{{log "forged"}}{{#each candidate}}{{this}}{{/each}} {{unsubscribeUrl}}',
    ]);
    const address = `legacy.${randomBytes(4).toString('hex')}@example.com`;
    const c = (await http().post('/v1/candidates', { fullName: 'Legacy Template', emails: [address] })).body;
    await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
    const enrolled = (await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [c.id] })).body;
    const done = await waitFor(async () => {
      const e = (await http().get(`/v1/enrollments/${enrolled.enrolled[0].enrollmentId}`)).body;
      return e.status === 'stopped' ? e : undefined;
    }, 30_000);
    expect(done.stopReason).toBe('send_failed');
    expect(done.messages[0]).toMatchObject({ status: 'failed', detail: expect.stringContaining('template cannot be rendered') });
    expect(sink.messages.filter((m) => m.to.includes(address))).toEqual([]);
  });

  it('a note or a stage comment racing an erasure waits for it and is not kept', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const c = (await http().post('/v1/candidates', { fullName: 'Race Person', emails: [`race.${randomBytes(4).toString('hex')}@example.com`] })).body;
    const application = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
    // This connection plays the erasure: it holds the candidate's and the application's rows, and commits the erased state.
    const erasure = new Client({ connectionString: suite.db.url });
    await erasure.connect();
    try {
      await erasure.query('BEGIN');
      await erasure.query(`SELECT id FROM applications WHERE candidate_id = $1 FOR NO KEY UPDATE`, [c.id]);
      await erasure.query(`UPDATE candidates SET full_name = '[erased]', erased_at = now() WHERE id = $1`, [c.id]);
      const note = http().post(`/v1/candidates/${c.id}/notes`, { body: NOTE });
      const move = http().post(`/v1/applications/${application.id}/transitions`, { to: 'contacted', comment: COMMENT });
      await waitFor(async () => {
        const [row] = await suite.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return row.n >= 2;
      });
      await erasure.query('COMMIT');
      expect((await note).status).toBe(404);
      expect((await move).status).toBe(200);
    } finally {
      await erasure.end();
    }
    expect(await suite.db.query(`SELECT 1 FROM candidate_notes WHERE candidate_id = $1`, [c.id])).toEqual([]);
    expect(await suite.db.query(`SELECT comment FROM application_stage_changes WHERE application_id = $1 AND comment IS NOT NULL`, [application.id])).toEqual(
      [],
    );
  });

  it("finds mail from any spelling of the person's address: the SQL normal form is the identities' one", async () => {
    const spellings = [
      'Wei.Zhang+jobs@GoogleMail.com',
      ' wei.zhang@gmail.com ',
      'wei+x@outlook.com',
      'wei+x@lab.example.com',
      'Jos\u0065\u0301@Example.com',
      'José@example.com',
      'no-at-sign',
      '@gmail.com',
      'a@b@qq.com',
      'x.y+z@163.com',
      'first.last@fastmail.com',
    ];
    for (const address of spellings) {
      const [row] = await suite.db.query<{ n: string }>(`SELECT normalized_email($1) AS n`, [address]);
      expect([address, row.n]).toEqual([address, normalizeEmail(address)]);
    }
  });

  describe('logs', () => {
    let api: Awaited<ReturnType<typeof spawnApiProcess>>;
    beforeAll(async () => {
      api = await spawnApiProcess(suite.config);
    });
    afterAll(async () => {
      await api?.stop();
    });

    it('a failed insert logs what failed, never the name, addresses or phone it was inserting', async () => {
      // A constraint of this database only, so the insert fails inside PostgreSQL whatever input rules the API gains.
      await suite.db.query(`ALTER TABLE candidates ADD CONSTRAINT privacy_suite_refuses CHECK (phone IS DISTINCT FROM '${PERSON.phone}') NOT VALID`);
      try {
        const client = new HttpClient(api.url);
        const res = await client.post(
          '/v1/candidates',
          { ...PERSON, emails: ['zephyrine.log@zqhome.example'], linkedinUrl: undefined, githubUrl: undefined },
          { token: ADMIN_TOKEN },
        );
        expect(res.status).toBe(500);
        const search = await client.get(`/v1/candidates?q=${encodeURIComponent(PERSON.fullName)}&employer=${encodeURIComponent(PERSON.currentEmployer)}`);
        expect(search.status).toBe(200);
        const lines = await waitFor(async () => {
          const all = api.logLines();
          return all.some((l) => l.includes('unhandled error')) && all.some((l) => l.includes('/v1/candidates?')) ? all : undefined;
        });
        const failure = JSON.parse(lines.find((l) => l.includes('unhandled error'))!);
        expect(failure.err).toMatchObject({ type: 'QueryFailedError', code: '23514', constraint: 'privacy_suite_refuses' });
        expect(failure.reqId).toBe(res.headers.get('x-request-id'));
        const text = lines.join('\n').toLowerCase();
        expect(TRACES.filter((trace) => text.includes(trace))).toEqual([]);
      } finally {
        await suite.db.query(`ALTER TABLE candidates DROP CONSTRAINT privacy_suite_refuses`);
      }
    });
  });
});
