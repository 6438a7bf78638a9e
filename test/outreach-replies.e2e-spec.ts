import { randomBytes, randomUUID } from 'node:crypto';
import type { EnrollmentView } from '@app/outreach/enrollments.dto';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { createUser, taskForceBody, useApi, waitFor } from './support/harness';
import { spawnWorkerProcess } from './support/processes';

/**
 * What each SMTP refusal does: a refusal of the recipient bounces the address; a refusal of the
 * sender or the configuration (Postfix reports these at RCPT too) pauses the enrollment and leaves
 * the candidate alone; a 4xx retries. The daily counters count only what went out. Admins manage
 * the suppression list, and a person can mark an uncertain step sent.
 */
describe('outreach: SMTP replies, suppressions, uncertain steps', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    sink = await startSmtpSink();
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  const suite = useApi('outreach-replies', overrides);
  const http = () => suite.api.http;
  let worker: { stop(): Promise<void> };
  beforeAll(async () => {
    worker = await spawnWorkerProcess(suite.config, {
      SMTP_URL: overrides.SMTP_URL,
      OUTREACH_RECONCILE_INTERVAL_MS: '500',
      OUTREACH_CLAIM_GRACE_MS: '1000',
      OUTREACH_RETRY_BASE_MS: '300',
      LOG_LEVEL: 'error',
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await sink?.close();
  });

  const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
  const unique = () => randomBytes(4).toString('hex');

  async function sequence(taskForceId: string, fields: Record<string, unknown> = {}) {
    const from = `recruiter.${unique()}@talent.example.com`;
    const res = await http().post('/v1/sequences', {
      taskForceId,
      name: `Sequence ${unique()}`,
      sender: { fromName: 'Jun Wang', fromAddress: from },
      steps: [
        { delay: 'PT0S', subject: 'Hello {{candidate.firstName}}', body: 'Hi {{unsubscribeUrl}}' },
        { delay: 'PT1S', subject: 'Second note', body: 'Again {{unsubscribeUrl}}' },
      ],
      sendWindow: allDay,
      ...fields,
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, from: (res.body.sender?.fromAddress as string | undefined) ?? from };
  }

  async function candidateIn(taskForceId: string) {
    const email = `cand.${unique()}@lab${unique()}.example.com`;
    const c = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [email], currentEmployer: 'OpenAI' })).body;
    const application = (await http().post('/v1/applications', { candidateId: c.id, taskForceId })).body;
    return { id: c.id as string, email, applicationId: application.id as string };
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
  const sentToday = async (from: string) => {
    const rows = await suite.db.query<{ counter: string; sent: number }>(
      `SELECT counter, sent FROM outreach_daily_counts WHERE counter LIKE $1 AND day = (now() AT TIME ZONE 'America/Los_Angeles')::date`,
      [`%:${from}%`],
    );
    return {
      sender: rows.filter((r) => r.counter.startsWith('sender:')).reduce((n, r) => n + r.sent, 0),
      domain: rows.filter((r) => r.counter.startsWith('domain:')).reduce((n, r) => n + r.sent, 0),
    };
  };
  const suppressed = async (address: string) => (await http().get(`/v1/outreach/suppressions?address=${encodeURIComponent(address)}`)).body.data;

  it('pauses the enrollment when the server refuses the sender at RCPT, never suppresses the candidate, and sends after resume', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id);
    const c = await candidateIn(tf.id);
    sink.rcptReplies.set(c.email, { code: 554, text: `5.7.1 <${seq.from}>: Sender address rejected: not permitted to relay` });
    const { enrolled } = await enroll(seq.id, [c.id]);
    const paused = await until(enrolled[0].enrollmentId, (e) => e.status === 'paused');
    expect(paused.stopReason).toBeNull();
    expect(paused.pauseReason).toContain('refused the sender');
    expect(paused.pauseReason).toContain('554 5.7.1');
    expect(paused.messages).toEqual([
      expect.objectContaining({ step: 1, status: 'scheduled', response: null, detail: expect.stringContaining('not the candidate') }),
    ]);
    expect(mailTo(c.email)).toHaveLength(0);
    expect(await suppressed(c.email)).toEqual([]);
    expect((await http().get(`/v1/candidates/${c.id}`)).body.consentState).not.toBe('opted_out');
    expect(await sentToday(seq.from)).toEqual({ sender: 0, domain: 0 });

    // Someone fixes the relay and resumes: the step goes out once and the sequence goes on.
    sink.rcptReplies.delete(c.email);
    expect((await http().post(`/v1/enrollments/${enrolled[0].enrollmentId}/resume`)).body.pauseReason).toBeNull();
    const done = await until(enrolled[0].enrollmentId, (e) => e.status === 'completed');
    expect(done.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(mailTo(c.email)).toHaveLength(2);
    expect(await sentToday(seq.from)).toEqual({ sender: 2, domain: 2 });
  });

  it('pauses, without blaming anyone, when the message is refused by policy at DATA (554 5.7.1)', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id);
    const c = await candidateIn(tf.id);
    sink.failCode = 554;
    sink.failNext = 1;
    try {
      const { enrolled } = await enroll(seq.id, [c.id]);
      const paused = await until(enrolled[0].enrollmentId, (e) => e.status === 'paused');
      expect(paused.pauseReason).toContain('554 5.7.1');
      expect(paused.messages[0]).toMatchObject({ status: 'scheduled', response: null });
    } finally {
      sink.failNext = 0;
      sink.failCode = 451;
    }
    expect(await suppressed(c.email)).toEqual([]);
    expect(await sentToday(seq.from)).toEqual({ sender: 0, domain: 0 });
  });

  it('bounces a 550 5.1.1 at RCPT, counts only what went out after 5xx refusals and a 451, and lets an admin take the address off the list', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Only note', body: 'Hi {{unsubscribeUrl}}' }] });
    const [ok, unknown, greylisted, refusedAtData] = await Promise.all([0, 1, 2, 3].map(() => candidateIn(tf.id)));
    sink.rcptReplies.set(unknown.email, { code: 550, text: `5.1.1 <${unknown.email}>: Recipient address rejected: User unknown in local recipient table` });
    sink.rcptReplies.set(greylisted.email, { code: 451, text: `4.7.1 <${greylisted.email}>: Recipient address rejected: Greylisted`, times: 1 });
    sink.rcptReplies.set(refusedAtData.email, { code: 554, text: '5.6.0 message refused: invalid content' });
    const { enrolled } = await enroll(seq.id, [ok.id, unknown.id, greylisted.id, refusedAtData.id]);
    const [eOk, eUnknown, eGrey, eData] = enrolled.map((e) => e.enrollmentId);
    expect((await until(eOk, (e) => e.status === 'completed')).messages[0].status).toBe('sent');
    const bounced = await until(eUnknown, (e) => e.status === 'stopped');
    expect(bounced).toMatchObject({ stopReason: 'bounced', messages: [expect.objectContaining({ status: 'failed', response: 'bounced' })] });
    expect((await until(eGrey, (e) => e.status === 'completed')).messages[0]).toMatchObject({ status: 'sent', attempts: 2 });
    const failed = await until(eData, (e) => e.status === 'stopped');
    expect(failed).toMatchObject({ stopReason: 'send_failed', messages: [expect.objectContaining({ status: 'failed', response: null })] });
    sink.rcptReplies.delete(refusedAtData.email);
    expect(await suppressed(refusedAtData.email)).toEqual([]);

    // Two went out (one of them after a 451): the two 5xx refusals and the 451 gave their counts back.
    expect(await sentToday(seq.from)).toEqual({ sender: 2, domain: 2 });

    const [entry] = await suppressed(unknown.email);
    expect(entry).toMatchObject({
      address: unknown.email,
      erased: false,
      enrollmentId: eUnknown,
      sequenceId: seq.id,
      step: 1,
      smtpResponse: expect.stringContaining('550 5.1.1'),
    });
    expect((await http().get(`/v1/outreach/suppressions/${entry.id}`)).body).toEqual(entry);

    sink.rcptReplies.delete(unknown.email);
    const again = await sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Again', body: 'Hi {{unsubscribeUrl}}' }] });
    expect((await enroll(again.id, [unknown.id])).skipped).toEqual([{ candidateId: unknown.id, reason: 'bounced' }]);
    expect((await http().delete(`/v1/outreach/suppressions/${entry.id}`)).status).toBe(204);
    expect((await http().get(`/v1/outreach/suppressions/${entry.id}`)).status).toBe(404);
    expect((await http().delete(`/v1/outreach/suppressions/${entry.id}`)).body.code).toBe('suppression_not_found');
    const audit = await suite.db.query<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log WHERE entity_id = $1`, [
      entry.id,
    ]);
    expect(audit).toEqual([{ action: 'suppression.removed', details: expect.objectContaining({ enrollmentId: eUnknown }) }]);
    expect(JSON.stringify(audit)).not.toContain(unknown.email);
    const { enrolled: reenrolled } = await enroll(again.id, [unknown.id]);
    await until(reenrolled[0].enrollmentId, (e) => e.status === 'completed');
    expect(mailTo(unknown.email)).toHaveLength(1);
  });

  it("lists suppressions to admins only, in pages, and finds an erased person's entry by address", async () => {
    const addresses = [0, 1, 2].map(() => `gone.${unique()}@lab.example.com`);
    for (const a of addresses)
      await suite.db.query(`INSERT INTO bounced_addresses (id, email, detail) VALUES ($1, $2, '550 5.1.1 unknown')`, [randomUUID(), a]);
    const recruiter = await createUser(http(), 'recruiter', 'supp');
    const as = { token: recruiter.token };
    const first = (await http().get(`/v1/outreach/suppressions?address=${addresses[0]}`)).body.data[0];
    expect((await http().get('/v1/outreach/suppressions', as)).status).toBe(403);
    expect((await http().get(`/v1/outreach/suppressions/${first.id}`, as)).status).toBe(403);
    expect((await http().delete(`/v1/outreach/suppressions/${first.id}`, as)).body.code).toBe('admin_required');
    expect((await http().get('/v1/outreach/suppressions?address=not-an-address')).status).toBe(400);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: { address: string }[]; nextCursor: string | null } = (
        await http().get(`/v1/outreach/suppressions?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((s: { address: string }) => s.address));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expect.arrayContaining(addresses));
    expect(new Set(seen).size).toBe(seen.length);

    // A bounced person who is erased stays suppressed, as a hash: found by the address, never shown.
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const c = await candidateIn(tf.id);
    await suite.db.query(`INSERT INTO bounced_addresses (id, email, detail) VALUES ($1, lower($2), '550 5.1.1 unknown')`, [randomUUID(), c.email]);
    expect((await http().delete(`/v1/candidates/${c.id}`)).status).toBeLessThan(300);
    const [erased] = await suppressed(c.email.toUpperCase());
    expect(erased).toMatchObject({ address: null, erased: true, smtpResponse: null });
    expect(JSON.stringify(erased)).not.toContain(c.email);
  });

  it("gives an uncertain step's counts back when a person resends it, so the counters say what went out", async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, { steps: [{ delay: 'PT2S', subject: 'Lost', body: 'Hi {{unsubscribeUrl}}' }] });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    const id = enrolled[0].enrollmentId;
    // A claim counted against both caps whose process died before the SMTP answer was recorded.
    const keys = [`sender:${tf.id}:${seq.from}`, `domain:${tf.id}:${seq.from}:lost`];
    await suite.db.query(
      `UPDATE outreach_messages SET status = 'sending', claim_token = $2, claimed_at = now() - interval '1 minute', attempts = 1,
              cap_day = (now() AT TIME ZONE 'America/Los_Angeles')::date, cap_keys = $3 WHERE enrollment_id = $1`,
      [id, randomUUID(), keys],
    );
    for (const key of keys)
      await suite.db.query(
        `INSERT INTO outreach_daily_counts (day, counter, sent, granted) VALUES ((now() AT TIME ZONE 'America/Los_Angeles')::date, $1, 1, 1)`,
        [key],
      );
    await until(id, (e) => e.messages[0].status === 'uncertain');
    expect(await sentToday(seq.from)).toEqual({ sender: 1, domain: 1 });
    expect((await http().post(`/v1/enrollments/${id}/steps/1/resend`)).status).toBe(200);
    await until(id, (e) => e.status === 'completed');
    expect(mailTo(c.email)).toHaveLength(1);
    expect(await sentToday(seq.from)).toEqual({ sender: 1, domain: 1 });
  });

  it('marks an uncertain step sent on request, audited, and the sequence goes on', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await sequence(tf.id, {
      steps: [
        { delay: 'PT2S', subject: 'Maybe sent', body: 'Hi {{unsubscribeUrl}}' },
        { delay: 'PT1S', subject: 'Follow-up', body: 'Again {{unsubscribeUrl}}' },
      ],
    });
    const c = await candidateIn(tf.id);
    const { enrolled } = await enroll(seq.id, [c.id]);
    const id = enrolled[0].enrollmentId;
    expect((await http().post(`/v1/enrollments/${id}/steps/1/mark-sent`)).body).toMatchObject({ code: 'step_not_uncertain', stepStatus: 'scheduled' });
    await suite.db.query(
      `UPDATE outreach_messages SET status = 'sending', claim_token = $2, claimed_at = now() - interval '1 minute', attempts = 1 WHERE enrollment_id = $1`,
      [id, randomUUID()],
    );
    await until(id, (e) => e.messages[0].status === 'uncertain');

    const other = await createUser(http(), 'recruiter', 'outsider');
    expect((await http().post(`/v1/enrollments/${id}/steps/1/mark-sent`, undefined, { token: other.token })).status).toBe(404);
    expect((await http().post(`/v1/enrollments/${id}/steps/2/mark-sent`)).status).toBe(404);
    const marked = await http().post(`/v1/enrollments/${id}/steps/1/mark-sent`);
    expect(marked.status).toBe(200);
    expect(marked.body.messages[0]).toMatchObject({ status: 'sent', detail: expect.stringContaining('marked sent') });
    expect(marked.body.messages[1]).toMatchObject({ step: 2, status: 'scheduled' });
    expect((await http().get(`/v1/applications/${c.applicationId}`)).body.stage).toBe('contacted');

    const done = await until(id, (e) => e.status === 'completed');
    expect(done.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    expect(mailTo(c.email).map((m) => m.subject)).toEqual(['Follow-up']);
    const audit = await suite.db.query<{ action: string; details: unknown }>(`SELECT action, details FROM audit_log WHERE entity_id = $1`, [id]);
    expect(audit).toEqual([{ action: 'outreach_step.marked_sent', details: { step: 1 } }]);
    expect((await http().post(`/v1/enrollments/${id}/steps/1/mark-sent`)).body).toMatchObject({ code: 'step_not_uncertain', stepStatus: 'sent' });
  });
});
