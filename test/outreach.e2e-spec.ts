import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import { Client } from 'pg';
import type { EnrollmentView } from '@app/outreach/enrollments.dto';
import { signWebhook } from '@app/web';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { ADMIN_TOKEN, createUser, dropRedisKeys, taskForceBody, useApi, waitFor } from './support/harness';
import { spawnWorkerProcess } from './support/processes';

/**
 * The outreach engine end to end: the real worker process sends through real SMTP (a sink this
 * suite starts) with second-scale delays, against the suite's own Postgres database and Redis keys.
 */
describe('outreach sending', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    sink = await startSmtpSink();
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  const suite = useApi('outreach', overrides);
  const http = () => suite.api.http;
  let worker: { stop(): Promise<void> };
  const workerEnv = () => ({
    SMTP_URL: overrides.SMTP_URL,
    OUTREACH_RECONCILE_INTERVAL_MS: '500',
    OUTREACH_CLAIM_GRACE_MS: '1000',
    OUTREACH_RETRY_BASE_MS: '300',
    SMTP_RCPT_TIMEOUT_MS: '2500',
    SMTP_DATA_END_TIMEOUT_MS: '3000',
    LOG_LEVEL: 'error',
  });
  beforeAll(async () => {
    worker = await spawnWorkerProcess(suite.config, workerEnv());
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
  });

  const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
  const unique = () => randomBytes(4).toString('hex');

  async function sequence(taskForceId: string, overrides: Record<string, unknown> = {}) {
    const res = await http().post('/v1/sequences', {
      taskForceId,
      name: `Sequence ${unique()}`,
      sender: { fromName: 'Jun Wang', fromAddress: `jun.${unique()}@talent.example.com`, replyTo: 'replies@talent.example.com' },
      steps: [
        { delay: 'PT0S', subject: '{{taskForce.company}}: hello {{candidate.firstName}}', body: 'Hi {{candidate.firstName}}\nUnsubscribe: {{unsubscribeUrl}}' },
        { delay: 'PT1S', subject: 'Second note', body: 'Still keen? {{unsubscribeUrl}}' },
        { delay: 'PT1S', subject: 'Last note', body: 'Last one. {{unsubscribeUrl}}' },
      ],
      sendWindow: allDay,
      ...overrides,
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; taskForceId: string };
  }

  async function candidateIn(taskForceId: string, fields: Record<string, unknown> = {}) {
    const email = `cand.${unique()}@lab${unique()}.example.com`;
    const c = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [email], currentEmployer: 'OpenAI', ...fields })).body;
    const application = (await http().post('/v1/applications', { candidateId: c.id, taskForceId })).body;
    return { id: c.id as string, email: (fields.emails as string[] | undefined)?.[0] ?? email, applicationId: application.id as string };
  }

  async function enroll(sequenceId: string, candidateIds: string[]) {
    const res = await http().post(`/v1/sequences/${sequenceId}/enrollments`, { candidateIds });
    expect(res.status).toBe(200);
    return res.body as { enrolled: { candidateId: string; enrollmentId: string }[]; skipped: { candidateId: string; reason: string }[] };
  }

  const enrollment = async (id: string) => (await http().get<EnrollmentView>(`/v1/enrollments/${id}`)).body;
  const until = (id: string, check: (e: EnrollmentView) => boolean, timeoutMs = 20_000) =>
    waitFor(async () => {
      const e = await enrollment(id);
      return check(e) ? e : undefined;
    }, timeoutMs);
  const mailTo = (address: string) => sink.messages.filter((m) => m.to.includes(address));

  function inbound(body: Record<string, unknown>, signature?: string) {
    const raw = JSON.stringify(body);
    return http().post('/v1/outreach/inbound', undefined, {
      token: null,
      rawBody: raw,
      headers: { 'content-type': 'application/json', 'x-hiring-signature': signature ?? signWebhook(suite.config.INBOUND_WEBHOOK_SECRET, raw) },
    });
  }

  it('runs a three-step sequence to the end through SMTP, each step once, and marks the candidate contacted', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody({ company: 'ByteDance' }))).body;
    const seq = await sequence(tf.id);
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    const done = await until(enrolled[0].enrollmentId, (e) => e.status === 'completed');

    expect(done.messages.map((m) => [m.step, m.status, m.attempts])).toEqual([
      [1, 'sent', 1],
      [2, 'sent', 1],
      [3, 'sent', 1],
    ]);
    const sentAt = done.messages.map((m) => Date.parse(m.sentAt!));
    expect(sentAt[1] - sentAt[0]).toBeGreaterThanOrEqual(1000);
    expect(sentAt[2] - sentAt[1]).toBeGreaterThanOrEqual(1000);

    const mail = mailTo(c.email);
    expect(mail.map((m) => m.subject)).toEqual(['ByteDance: hello Wei', 'Second note', 'Last note']);
    expect(mail.map((m) => m.messageId)).toEqual(done.messages.map((m) => m.messageId));
    expect(mail[0].headers['list-unsubscribe']).toMatch(/^<http:\/\/127\.0\.0\.1:3000\/v1\/unsubscribe\?token=[\w.-]+>$/);
    expect(mail[0].headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(mail[0].headers['reply-to']).toContain('replies@talent.example.com');
    expect(mail[0].body).toContain('Hi Wei');

    const application = (await http().get(`/v1/applications/${c.applicationId}`)).body;
    expect(application.stage).toBe('contacted');
    const stats = (await http().get(`/v1/sequences/${seq.id}/stats`)).body;
    expect(stats.steps.map((s: { step: number; sent: number; scheduled: number }) => [s.step, s.sent, s.scheduled])).toEqual([
      [1, 1, 0],
      [2, 1, 0],
      [3, 1, 0],
    ]);
    expect(stats.enrollments.completed).toBe(1);
  });

  it('threads follow-ups (In-Reply-To, References) unless a step starts a new thread, and keeps subjects as written', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'Hello', body: 'One {{unsubscribeUrl}}' },
        { delay: 'PT1S', subject: 'Re: Hello', body: 'Two {{unsubscribeUrl}}' },
        { delay: 'PT1S', subject: 'Something new', body: 'Three {{unsubscribeUrl}}', newThread: true },
        { delay: 'PT1S', subject: 'Following up', body: 'Four {{unsubscribeUrl}}', newThread: false },
      ],
    });
    expect((await http().get(`/v1/sequences/${seq.id}`)).body.definition.steps.map((s: { newThread?: boolean }) => s.newThread ?? false)).toEqual([
      false,
      false,
      true,
      false,
    ]);
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    const done = await until(enrolled[0].enrollmentId, (e) => e.status === 'completed', 30_000);
    const ids: string[] = done.messages.map((m) => m.messageId);
    const mail = mailTo(c.email);
    expect(mail.map((m) => m.subject)).toEqual(['Hello', 'Re: Hello', 'Something new', 'Following up']);
    expect(mail.map((m) => [m.headers['in-reply-to'] ?? null, m.headers.references ?? null])).toEqual([
      [null, null],
      [ids[0], ids[0]],
      [null, null],
      [ids[2], ids[2]],
    ]);
    const bad = await http().post('/v1/sequences', {
      taskForceId: tf.id,
      name: 'Bad thread flag',
      sender: { fromName: 'Jun Wang', fromAddress: 'jun@talent.example.com' },
      steps: [{ delay: 'PT0S', subject: 'Hi', body: 'Hi {{unsubscribeUrl}}', newThread: 'yes' }],
      sendWindow: allDay,
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('newThread');
  });

  it('stops on a signed reply matched by Message-ID: the next step never goes, the application moves to replied', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Hi {{unsubscribeUrl}}' },
        { delay: 'PT4S', subject: 'Second', body: 'Again {{unsubscribeUrl}}' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    const first = await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sent');

    const reply = {
      kind: 'reply',
      from: c.email,
      to: 'replies@talent.example.com',
      subject: 'Re: First',
      inReplyTo: first.messages[0].messageId,
      text: 'Happy to talk',
    };
    expect((await inbound(reply, 't=1,v1=' + '0'.repeat(64))).status).toBe(401);
    expect((await http().post('/v1/outreach/inbound', reply, { token: null })).body.code).toBe('invalid_signature');
    const res = await inbound(reply);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ outcome: 'replied', matchedBy: 'message_id', candidateId: c.id, enrollmentIds: [enrolled[0].enrollmentId] });
    expect((await inbound(reply)).body.id).toBe(res.body.id);

    const stopped = await enrollment(enrolled[0].enrollmentId);
    expect(stopped).toMatchObject({ status: 'stopped', stopReason: 'replied' });
    expect(stopped.messages.map((m) => [m.status, m.response])).toEqual([
      ['sent', 'replied'],
      ['skipped', null],
    ]);
    expect((await http().get(`/v1/applications/${c.applicationId}`)).body.stage).toBe('replied');
    await new Promise((r) => setTimeout(r, 5000));
    expect(mailTo(c.email).map((m) => m.subject)).toEqual(['First']);
    const stats = (await http().get(`/v1/sequences/${seq.id}/stats`)).body;
    expect(stats.steps[0]).toMatchObject({ sent: 1, replied: 1, replyRate: 1 });
  });

  it('makes a reply that arrives while a step is with SMTP wait for it, then stops everything after it', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'Slow first', body: 'Hi' },
        { delay: 'PT1S', subject: 'Never', body: 'Again' },
      ],
    });
    const c = await candidateIn(tf.id);
    sink.delayMs = 1500;
    try {
      const { enrolled } = await enroll(seq.id, [c.id]);
      const sending = await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sending');
      const started = Date.now();
      const reply = await inbound({ kind: 'reply', from: c.email, subject: 'Re: Slow first', inReplyTo: sending.messages[0].messageId });
      expect(reply.body.outcome).toBe('replied');
      // The reply needed the enrollment, which the sender held until SMTP had accepted the message.
      expect(Date.now() - started).toBeGreaterThan(300);
      const after = await enrollment(enrolled[0].enrollmentId);
      expect(after).toMatchObject({ status: 'stopped', stopReason: 'replied' });
      expect(after.messages.map((m) => [m.step, m.status, m.response])).toEqual([
        [1, 'sent', 'replied'],
        [2, 'skipped', null],
      ]);
    } finally {
      sink.delayMs = 0;
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(mailTo(c.email).map((m) => m.subject)).toEqual(['Slow first']);
  });

  it('forgets what outreach kept about a candidate who is erased', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Hi' },
        { delay: 'P1D', subject: 'Second', body: 'x' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sent');
    const reply = await inbound({ kind: 'reply', from: c.email, subject: 'Re: First, from Wei', text: 'Call me on +1 650 555 0100' });
    expect(reply.body.outcome).toBe('replied');
    expect((await http().delete(`/v1/candidates/${c.id}`)).status).toBe(204);
    const [event] = await suite.db.query<Record<string, unknown>>(`SELECT from_address, subject, text, headers FROM inbound_events WHERE id = $1`, [
      reply.body.id,
    ]);
    expect(event).toEqual({ from_address: '[erased]', subject: null, text: null, headers: {} });
    const messages = await suite.db.query(`SELECT recipient, smtp_response FROM outreach_messages WHERE enrollment_id = $1`, [enrolled[0].enrollmentId]);
    expect(messages.every((m) => m.recipient === null && m.smtp_response === null)).toBe(true);
  });

  it('ignores auto-replies, matches by sender when there is no Message-ID, and keeps what matches nothing', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Hi' },
        { delay: 'P1D', subject: 'Second', body: 'Again' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sent');

    const ooo = await inbound({ kind: 'reply', from: c.email, subject: 'Automatic reply: First', headers: { 'Auto-Submitted': 'auto-replied' } });
    expect(ooo.body).toMatchObject({ outcome: 'auto_reply_ignored', matchedBy: 'sender' });
    expect((await enrollment(enrolled[0].enrollmentId)).status).toBe('active');

    const bySender = await inbound({ kind: 'reply', from: c.email.toUpperCase(), subject: 'Re: your note', text: 'Interested' });
    expect(bySender.body).toMatchObject({ outcome: 'replied', matchedBy: 'sender' });
    expect((await enrollment(enrolled[0].enrollmentId)).stopReason).toBe('replied');

    const stranger = await inbound({ kind: 'reply', from: `nobody.${unique()}@example.org`, subject: 'Who is this?' });
    expect(stranger.body.outcome).toBe('unmatched');
    const listed = await http().get('/v1/outreach/inbound?outcome=unmatched&limit=100');
    expect(listed.body.data.map((e: { id: string }) => e.id)).toContain(stranger.body.id);
  });

  it('stops colleagues at the same employer when the sequence asks for it', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      stopRules: { onSameEmployerReply: true },
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Hi' },
        { delay: 'P1D', subject: 'Second', body: 'Again' },
      ],
    });
    const employer = `Lab ${unique()}`;
    const a = await candidateIn(tf.id, { currentEmployer: employer });
    const b = await candidateIn(tf.id, { currentEmployer: employer.toUpperCase() });
    const other = await candidateIn(tf.id, { currentEmployer: 'Elsewhere' });
    const { enrolled } = await enroll(seq.id, [a.id, b.id, other.id]);
    const byCandidate = new Map(enrolled.map((e) => [e.candidateId, e.enrollmentId]));
    await until(byCandidate.get(a.id)!, (e) => e.messages[0]?.status === 'sent');
    await inbound({ kind: 'reply', from: a.email, subject: 'Re: First' });
    expect((await enrollment(byCandidate.get(b.id)!)).stopReason).toBe('same_employer_replied');
    expect((await enrollment(byCandidate.get(other.id)!)).status).toBe('active');
  });

  it('marks a refused address bounced, stops, and skips it when enrolling again', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id);
    const c = await candidateIn(tf.id);
    sink.rejectRecipients.add(c.email.toLowerCase());
    const { enrolled } = await enroll(seq.id, [c.id]);
    const bounced = await until(enrolled[0].enrollmentId, (e) => e.status === 'stopped');
    expect(bounced.stopReason).toBe('bounced');
    expect(bounced.messages[0]).toMatchObject({ status: 'failed', response: 'bounced', detail: expect.stringContaining('550') });
    expect(mailTo(c.email)).toHaveLength(0);
    const again = await enroll((await sequence(tf.id)).id, [c.id]);
    expect(again.skipped).toEqual([{ candidateId: c.id, reason: 'bounced' }]);
  });

  it('retries a transient SMTP failure with backoff and sends once', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Retry me', body: 'Hi' }] });
    const c = await candidateIn(tf.id);
    sink.failNext = 1;
    const { enrolled } = await enroll(seq.id, [c.id]);
    const done = await until(enrolled[0].enrollmentId, (e) => e.status === 'completed');
    expect(done.messages[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(mailTo(c.email)).toHaveLength(1);
  });

  it('fails a step SMTP refuses for good at DATA, stops, and does not blame the address', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'Refused', body: 'Hi' },
        { delay: 'PT1S', subject: 'Never', body: 'x' },
      ],
    });
    const c = await candidateIn(tf.id);
    sink.failCode = 554;
    sink.failText = '5.6.0 message refused: content not accepted';
    sink.failNext = 1;
    try {
      const { enrolled } = await enroll(seq.id, [c.id]);
      const stopped = await until(enrolled[0].enrollmentId, (e) => e.status === 'stopped');
      expect(stopped.stopReason).toBe('send_failed');
      expect(stopped.messages).toEqual([
        expect.objectContaining({ step: 1, status: 'failed', response: null, attempts: 1, detail: expect.stringContaining('554') }),
      ]);
    } finally {
      sink.failNext = 0;
      sink.failCode = 451;
      sink.failText = null;
    }
    const again = await enroll((await sequence(tf.id)).id, [c.id]);
    expect(again.enrolled).toHaveLength(1);
  });

  it('unsubscribes from the link: GET only asks, POST opts the candidate out and stops every sequence', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Stop: {{unsubscribeUrl}}' },
        { delay: 'P1D', subject: 'Second', body: 'x' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sent');
    // The header carries the same link as the body (where quoted-printable may wrap it).
    const link = /^<http:\/\/127\.0\.0\.1:3000(\/v1\/unsubscribe\?token=[^>]+)>$/.exec(mailTo(c.email)[0].headers['list-unsubscribe'])![1];

    const page = await http().get(link, { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('<form method="post"');
    expect((await enrollment(enrolled[0].enrollmentId)).status).toBe('active');

    const oneClick = await http().post(link, undefined, {
      token: null,
      rawBody: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(oneClick.status).toBe(200);
    expect((await http().get(`/v1/candidates/${c.id}`)).body.consentState).toBe('opted_out');
    const stopped = await enrollment(enrolled[0].enrollmentId);
    expect(stopped).toMatchObject({ status: 'stopped', stopReason: 'unsubscribed' });
    expect(stopped.messages[0].response).toBe('unsubscribed');

    const forged = await http().post(`/v1/unsubscribe?token=${enrolled[0].enrollmentId}.AAAAAAAAAAAAAAAAAAAAAA`, undefined, { token: null });
    expect(forged.status).toBe(400);
    expect(forged.body.code).toBe('invalid_unsubscribe_token');
  });

  it('defers, never drops, what a daily cap holds back, to the next day of the task force', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody({ timeZone: 'Asia/Shanghai' }))).body;
    const seq = await sequence(tf.id, { dailyCapPerRecipientDomain: 1, steps: [{ delay: 'PT0S', subject: 'Capped', body: 'Hi' }] });
    const domain = `capped${unique()}.example.com`;
    const a = await candidateIn(tf.id, { emails: [`a@${domain}`] });
    const b = await candidateIn(tf.id, { emails: [`b@${domain}`] });
    const { enrolled } = await enroll(seq.id, [a.id, b.id]);
    const states = await waitFor(async () => {
      const all = await Promise.all(enrolled.map((e) => enrollment(e.enrollmentId)));
      const steps = all.map((e) => e.messages[0]);
      return steps.some((s) => s.status === 'sent') && steps.some((s) => s.status === 'scheduled' && /daily cap/.test(s.detail ?? '')) ? steps : undefined;
    });
    const deferred = states.find((s) => s.status === 'scheduled')!;
    // The cap's day is Shanghai's: it resets at midnight there, whatever UTC says.
    const tomorrow = DateTime.now().setZone('Asia/Shanghai').plus({ days: 1 }).startOf('day');
    expect(Date.parse(deferred.dueAt)).toBeGreaterThanOrEqual(tomorrow.toMillis());
    const [counter] = await suite.db.query<{ day: string }>(`SELECT to_char(day, 'YYYY-MM-DD') AS day FROM outreach_daily_counts WHERE counter LIKE $1`, [
      `domain:${tf.id}:%`,
    ]);
    expect(counter.day).toBe(DateTime.now().setZone('Asia/Shanghai').toISODate());
    expect(sink.messages.filter((m) => m.to[0].endsWith(domain))).toHaveLength(1);
  });

  it('keeps both caps exact when many steps are claimed together, giving back what a deferred step was counted', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const from = `capped.${unique()}@talent.example.com`;
    const seq = await sequence(tf.id, {
      sender: { fromName: 'Jun Wang', fromAddress: from },
      dailyCapPerSender: 3,
      dailyCapPerRecipientDomain: 1,
      steps: [{ delay: 'PT0S', subject: 'Capped', body: 'Hi' }],
    });
    // Eight candidates on four domains, enrolled at once: at most one per domain and three in all may go today.
    const domains = Array.from({ length: 4 }, () => `caps${unique()}.example.com`);
    const people = [];
    for (let i = 0; i < 8; i++) people.push(await candidateIn(tf.id, { emails: [`p${i}@${domains[i % 4]}`] }));
    const { enrolled } = await enroll(
      seq.id,
      people.map((p) => p.id),
    );
    const steps = await waitFor(async () => {
      const all = (await Promise.all(enrolled.map((e) => enrollment(e.enrollmentId)))).map((e) => e.messages[0]);
      const settled = all.every((s) => s.status === 'sent' || (s.status === 'scheduled' && /daily cap/.test(s.detail ?? '')));
      return settled ? all : undefined;
    });

    const sent = steps.filter((s) => s.status === 'sent');
    expect(sent).toHaveLength(3);
    const delivered = sink.messages.filter((m) => domains.some((d) => m.to[0].endsWith(`@${d}`)));
    expect(delivered).toHaveLength(3);
    expect(new Set(delivered.map((m) => m.to[0].split('@')[1])).size).toBe(3);
    // The counters say exactly what went out: nothing counted for the five deferred steps.
    const counts = await suite.db.query<{ counter: string; sent: number }>(
      `SELECT counter, sent FROM outreach_daily_counts WHERE counter LIKE $1 AND day = (now() AT TIME ZONE 'America/Los_Angeles')::date`,
      [`%:${from}%`],
    );
    const bySender = counts.filter((c) => c.counter.startsWith('sender:'));
    const byDomain = counts.filter((c) => c.counter.startsWith('domain:'));
    expect(bySender.map((c) => c.sent)).toEqual([3]);
    expect(byDomain.reduce((n, c) => n + c.sent, 0)).toBe(3);
    expect(byDomain.every((c) => c.sent <= 1)).toBe(true);
  });

  /**
   * Holds an application's row lock from a connection of the test's own, so that a sender that has
   * claimed the candidate's step waits on it, between the claim and SMTP.
   */
  async function holdApplication(applicationId: string) {
    const blocker = new Client({ connectionString: suite.db.url });
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT 1 FROM applications WHERE id = $1 FOR NO KEY UPDATE', [applicationId]);
    let released = false;
    return {
      /** The backend of the sender waiting on the lock. */
      waitingSender: () =>
        waitFor(async () => {
          const rows = await suite.db.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM applications WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE%'`,
          );
          return rows[0];
        }),
      release: async () => {
        if (released) return;
        released = true;
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
      },
    };
  }

  const firstStep = async (enrollmentId: string, status: string) =>
    waitFor(async () => {
      const step = (await enrollment(enrollmentId)).messages[0];
      return step.status === status ? step : undefined;
    });

  /**
   * A one-step enrollment whose step a sender has claimed and is holding, waiting on the
   * application's lock before SMTP, while `scenario` runs; the lock is let go afterwards.
   */
  async function withClaimHeldBeforeSmtp(
    scenario: (held: { c: { email: string }; enrollmentId: string; senderPid: number; hold: { release(): Promise<void> } }) => Promise<void>,
  ) {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Held', body: 'Hi' }] });
    const c = await candidateIn(tf.id);
    const hold = await holdApplication(c.applicationId);
    try {
      const { enrolled } = await enroll(seq.id, [c.id]);
      const sender = await hold.waitingSender();
      expect((await enrollment(enrolled[0].enrollmentId)).messages[0].status).toBe('sending');
      await scenario({ c, enrollmentId: enrolled[0].enrollmentId, senderPid: sender.pid, hold });
    } finally {
      await hold.release();
    }
  }

  it('gives claims back when the sending transaction breaks before SMTP, and sends them once on retry', async () => {
    await withClaimHeldBeforeSmtp(async ({ c, enrollmentId, senderPid, hold }) => {
      await suite.db.query('SELECT pg_terminate_backend($1)', [senderPid]);
      expect((await firstStep(enrollmentId, 'scheduled')).attempts).toBe(0);
      await hold.release();

      const done = await until(enrollmentId, (e) => e.status === 'completed');
      expect(done.messages.map((m) => [m.status, m.attempts])).toEqual([['sent', 1]]);
      expect(mailTo(c.email)).toHaveLength(1);
    });
  });

  it('gives a claim back unsent when the enrollment is paused between the claim and SMTP', async () => {
    await withClaimHeldBeforeSmtp(async ({ c, enrollmentId, hold }) => {
      expect((await http().post(`/v1/enrollments/${enrollmentId}/pause`)).status).toBe(200);
      await hold.release();
      const waiting = await firstStep(enrollmentId, 'scheduled');
      expect(waiting.attempts).toBe(0);
      expect(mailTo(c.email)).toHaveLength(0);

      expect((await http().post(`/v1/enrollments/${enrollmentId}/resume`)).status).toBe(200);
      const done = await until(enrollmentId, (e) => e.status === 'completed');
      expect(done.messages.map((m) => [m.status, m.attempts])).toEqual([['sent', 1]]);
      expect(mailTo(c.email)).toHaveLength(1);
    });
  });

  it('holds a paused enrollment at its next step and sends it once after resume', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'One', body: 'Hi' },
        { delay: 'PT2S', subject: 'Two', body: 'Again' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sent');
    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/pause`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 3500));
    const paused = await enrollment(enrolled[0].enrollmentId);
    expect(paused.messages[1]).toMatchObject({ status: 'scheduled', attempts: 0 });
    expect(mailTo(c.email).map((m) => m.subject)).toEqual(['One']);
    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/resume`)).status).toBe(200);
    const done = await until(enrolled[0].enrollmentId, (e) => e.status === 'completed');
    expect(done.messages[1]).toMatchObject({ status: 'sent', attempts: 1 });
    expect(mailTo(c.email).map((m) => m.subject)).toEqual(['One', 'Two']);
  });

  it('stops when the application is rejected', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Hi' },
        { delay: 'P1D', subject: 'Second', body: 'x' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'sent');
    expect((await http().post(`/v1/applications/${c.applicationId}/transitions`, { to: 'rejected', reason: 'not_qualified' })).status).toBe(200);
    const stopped = await enrollment(enrolled[0].enrollmentId);
    expect(stopped).toMatchObject({ status: 'stopped', stopReason: 'application_closed' });
    expect(stopped.messages[1].status).toBe('skipped');
  });

  it('retries a step whose RCPT TO timed out (nothing was handed over), saying so, and sends it once', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Slow RCPT', body: 'Hi {{unsubscribeUrl}}' }] });
    const c = await candidateIn(tf.id);
    sink.rcptDelayMs = 3500;
    try {
      const { enrolled } = await enroll(seq.id, [c.id]);
      const retrying = await until(enrolled[0].enrollmentId, (e) => /attempt 1 failed/.test(e.messages[0]?.detail ?? ''));
      expect(retrying.messages[0].detail).toMatch(/RCPT TO/);
      expect(retrying.messages[0].status).not.toBe('uncertain');
      sink.rcptDelayMs = 0;
      const done = await until(enrolled[0].enrollmentId, (e) => e.messages[0].status === 'sent');
      expect(done.messages[0].attempts).toBe(2);
    } finally {
      sink.rcptDelayMs = 0;
    }
    expect(mailTo(c.email)).toHaveLength(1);
  });

  it('marks a step uncertain when no reply came to the end of its data, saying so, and never resends it by itself', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Slow dot', body: 'Hi {{unsubscribeUrl}}' }] });
    const c = await candidateIn(tf.id);
    sink.delayMs = 4000;
    try {
      const { enrolled } = await enroll(seq.id, [c.id]);
      const uncertain = await until(enrolled[0].enrollmentId, (e) => e.messages[0]?.status === 'uncertain');
      expect(uncertain.messages[0].detail).toMatch(/may have been accepted.*end of the data/);
      expect(uncertain.messages[0].attempts).toBe(1);
      const announced = await suite.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM domain_events WHERE type = 'outreach.step_uncertain' AND payload ->> 'enrollmentId' = $1 AND payload ->> 'step' = '1'`,
        [enrolled[0].enrollmentId],
      );
      expect(announced[0].n).toBe(1);
    } finally {
      sink.delayMs = 0;
    }
    await new Promise((r) => setTimeout(r, 2000));
    expect(mailTo(c.email)).toHaveLength(1);
  });

  it('marks a claim whose sender died uncertain, never resends it by itself, and resends on request', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT2S', subject: 'Maybe sent', body: 'Hi' }] });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    // What a process leaves behind when it dies after claiming a step and before recording the SMTP answer.
    await suite.db.query(
      `UPDATE outreach_messages SET status = 'sending', claim_token = $2, claimed_at = now() - interval '1 minute', attempts = 1 WHERE enrollment_id = $1`,
      [enrolled[0].enrollmentId, randomUUID()],
    );
    const uncertain = await until(enrolled[0].enrollmentId, (e) => e.messages[0].status === 'uncertain');
    expect(uncertain.messages[0].detail).toContain('stopped before the SMTP result was recorded');
    const announced = await suite.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM domain_events WHERE type = 'outreach.step_uncertain' AND payload ->> 'enrollmentId' = $1 AND payload ->> 'step' = '1'`,
      [enrolled[0].enrollmentId],
    );
    expect(announced[0].n).toBe(1);
    await new Promise((r) => setTimeout(r, 3000));
    expect(mailTo(c.email)).toHaveLength(0);
    expect((await http().get(`/v1/sequences/${seq.id}/stats`)).body.steps[0].uncertain).toBe(1);

    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/steps/2/resend`)).status).toBe(404);
    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/steps/x/resend`)).status).toBe(400);
    await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/pause`);
    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/steps/1/resend`)).body.code).toBe('enrollment_not_active');
    await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/resume`);
    const resent = await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/steps/1/resend`);
    expect(resent.status).toBe(200);
    const done = await until(enrolled[0].enrollmentId, (e) => e.status === 'completed');
    expect(done.messages[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(mailTo(c.email).map((m) => m.messageId)).toEqual([done.messages[0].messageId]);
    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/steps/1/resend`)).body.code).toBe('step_not_uncertain');
  });

  it('loses nothing when Redis loses every job: the reconciler re-enqueues due steps from Postgres', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT3S', subject: 'After the flush', body: 'Hi' }] });
    const people = await Promise.all([1, 2, 3].map(() => candidateIn(tf.id)));
    const { enrolled } = await enroll(
      seq.id,
      people.map((p) => p.id),
    );
    await dropRedisKeys(suite.config);
    await Promise.all(enrolled.map((e) => until(e.enrollmentId, (x) => x.status === 'completed')));
    for (const p of people) expect(mailTo(p.email)).toHaveLength(1);
  });

  it('shows the queues on Bull Board to admins only, with a Basic password a browser can send', async () => {
    const basic = (token: string) => ({ authorization: `Basic ${Buffer.from(`any:${token}`).toString('base64')}` });
    const anonymous = await http().get('/admin/queues', { token: null });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    expect(anonymous.body.code).toBe('missing_token');
    const recruiter = await createUser(http(), 'recruiter');
    expect((await http().get('/admin/queues', { token: null, headers: basic(recruiter.token) })).status).toBe(403);
    const page = await http().get('/admin/queues', { token: null, headers: basic(ADMIN_TOKEN) });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const queues = await http().get('/admin/queues/api/queues', { token: ADMIN_TOKEN });
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['maintenance', 'outreach', 'webhooks']);
  });

  it('announces sequence versions, sent and bounced steps, replies, unsubscribes and every stop as events', async () => {
    type FeedEvent = { type: string; actorId: string | null; taskForceId: string | null; data: Record<string, unknown> };
    const feed = async (after?: string) => {
      const events: FeedEvent[] = [];
      for (;;) {
        const page = (await http().get(`/v1/events?limit=200${after ? `&after=${after}` : ''}`)).body;
        events.push(...page.data);
        after = page.nextCursor;
        if (!page.hasMore) return { events, cursor: after! };
      }
    };
    const start = (await feed()).cursor;
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT0S', subject: 'First', body: 'Hi {{unsubscribeUrl}}' },
        { delay: 'PT30S', subject: 'Second', body: 'Again {{unsubscribeUrl}}' },
      ],
    });
    expect((await http().patch(`/v1/sequences/${seq.id}`, { name: `Renamed ${unique()}` })).status).toBe(200);
    const [replier, bouncer, leaver, closed] = [await candidateIn(tf.id), await candidateIn(tf.id), await candidateIn(tf.id), await candidateIn(tf.id)];
    sink.rejectRecipients.add(bouncer.email.toLowerCase());
    const { enrolled } = await enroll(seq.id, [replier.id, bouncer.id, leaver.id, closed.id]);
    const enrollmentOf = (candidateId: string) => enrolled.find((e) => e.candidateId === candidateId)!.enrollmentId;
    const sentFirst = async (c: { id: string }) => (await until(enrollmentOf(c.id), (e) => e.messages[0]?.status === 'sent')).messages[0].messageId;
    const replyTo = await sentFirst(replier);
    const leaveFrom = await sentFirst(leaver);
    await sentFirst(closed);
    await until(enrollmentOf(bouncer.id), (e) => e.status === 'stopped');
    const reply = await inbound({ kind: 'reply', from: replier.email, subject: 'Re: First', inReplyTo: replyTo, text: 'Happy to talk' });
    expect(reply.body.outcome).toBe('replied');
    expect((await inbound({ kind: 'unsubscribe', from: leaver.email, inReplyTo: leaveFrom })).body.outcome).toBe('unsubscribed');
    await http().post(`/v1/applications/${closed.applicationId}/transitions`, { to: 'rejected', reason: 'not_qualified' });

    const { events } = await feed(start);
    const of = (c: { id: string }) => events.filter((e) => e.data.candidateId === c.id).map((e) => [e.type, e.data.reason ?? e.data.step ?? e.data.to ?? null]);
    expect(events.filter((e) => e.data.sequenceId === seq.id && e.type === 'sequence.version_created').map((e) => e.data.version)).toEqual([1, 2]);
    expect(of(replier)).toEqual([
      ['candidate.created', null],
      ['application.created', null],
      ['outreach.step_sent', 1],
      ['application.stage_changed', 'contacted'],
      ['application.stage_changed', 'replied'],
      ['outreach.enrollment_stopped', 'replied'],
      ['outreach.reply_received', null],
    ]);
    expect(events.find((e) => e.type === 'outreach.reply_received')?.data).toMatchObject({
      inboundEventId: reply.body.id,
      enrollmentId: enrollmentOf(replier.id),
      taskForceId: tf.id,
    });
    expect(of(bouncer).slice(2)).toEqual([
      ['outreach.step_bounced', 1],
      ['outreach.enrollment_stopped', 'bounced'],
    ]);
    expect(of(leaver).slice(4)).toEqual([
      ['outreach.unsubscribed', null],
      ['candidate.opted_out', null],
      ['outreach.enrollment_stopped', 'unsubscribed'],
    ]);
    expect(of(closed).slice(4)).toEqual([
      ['application.stage_changed', 'not_qualified'],
      ['application.rejected', 'not_qualified'],
      ['outreach.enrollment_stopped', 'application_closed'],
    ]);
    // What outreach does on its own carries no actor; every event is scoped to the task force or the person.
    for (const e of events.filter((x) => x.type.startsWith('outreach.'))) expect(e).toMatchObject({ actorId: null, taskForceId: tf.id });
  });

  it('never delivered one Message-ID twice in this whole suite', async () => {
    const ids = sink.messages.map((m) => m.messageId);
    expect(ids.length).toBeGreaterThan(10);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
