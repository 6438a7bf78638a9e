import { randomBytes } from 'node:crypto';
import type { EnrollmentView } from '@app/outreach/enrollments.dto';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { taskForceBody, useApi, waitFor } from './support/harness';
import { PostfixInstance, startPostfix } from './support/postfix';
import { spawnWorkerProcess } from './support/processes';

/**
 * Outreach against a real Postfix (Debian's package, installed when missing) running as an
 * instance of the suite's own: the built worker process sends to it, and what Postfix delivered
 * is read from its Maildirs. The in-process sink (scripts/smtp-sink.js) stays for the fast suites.
 */
describe('outreach against a real Postfix', () => {
  let postfix: PostfixInstance;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    postfix = await startPostfix();
    overrides.SMTP_URL = postfix.smtpUrl;
  }, 120_000);
  const suite = useApi('postfix', overrides);
  const http = () => suite.api.http;
  let worker: Awaited<ReturnType<typeof spawnWorkerProcess>>;
  beforeAll(async () => {
    worker = await spawnWorkerProcess(suite.config, {
      SMTP_URL: postfix.smtpUrl,
      OUTREACH_RECONCILE_INTERVAL_MS: '500',
      OUTREACH_CLAIM_GRACE_MS: '1000',
      OUTREACH_RETRY_BASE_MS: '300',
      OUTREACH_MAX_ATTEMPTS: '8',
      // Postfix holds the replies to pipelined MAIL, RCPT and DATA until the slowest is done:
      // a slow recipient check runs out the wait for the reply to MAIL FROM.
      SMTP_MAIL_TIMEOUT_MS: '1500',
      SMTP_RCPT_TIMEOUT_MS: '1500',
      LOG_LEVEL: 'warn',
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await postfix?.close();
  });

  const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
  const unique = () => randomBytes(4).toString('hex');

  async function sequence(steps: { delay: string; subject: string; body: string }[]) {
    const tf = (await http().post('/v1/task-forces', taskForceBody({ company: 'ByteDance' }))).body;
    const fromAddress = `jun.${unique()}@talent.example.com`;
    const res = await http().post('/v1/sequences', {
      taskForceId: tf.id,
      name: `Sequence ${unique()}`,
      sender: { fromName: 'Jun Wang', fromAddress, replyTo: 'replies@talent.example.com' },
      steps,
      sendWindow: allDay,
    });
    expect(res.status).toBe(201);
    return { id: res.body.id as string, taskForceId: tf.id as string, fromAddress };
  }
  const oneStep = () =>
    sequence([
      { delay: 'PT0S', subject: '{{taskForce.company}}: hello {{candidate.firstName}}', body: 'Hi {{candidate.firstName}}\nUnsubscribe: {{unsubscribeUrl}}' },
    ]);

  /** A candidate in the task force's pipeline whose address is a mailbox of the instance (or, with `mailbox: false`, an unknown user). */
  async function candidate(taskForceId: string, { mailbox = true } = {}) {
    const email = mailbox ? await postfix.addMailbox(`cand.${unique()}`) : `nobody.${unique()}@${postfix.domain}`;
    const c = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [email], currentEmployer: 'OpenAI' })).body;
    expect(c.id).toBeDefined();
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId })).status).toBe(201);
    return { id: c.id as string, email };
  }
  async function enroll(sequenceId: string, candidateIds: string[]): Promise<string[]> {
    const res = await http().post(`/v1/sequences/${sequenceId}/enrollments`, { candidateIds });
    expect(res.status).toBe(200);
    return candidateIds.map((id) => res.body.enrolled.find((e: { candidateId: string }) => e.candidateId === id).enrollmentId);
  }
  const enrollment = async (id: string) => (await http().get<EnrollmentView>(`/v1/enrollments/${id}`)).body;
  /** Waits for an enrollment's state; on a timeout says what the state was and what Postfix logged. */
  async function until(id: string, check: (e: EnrollmentView) => boolean, timeoutMs = 20_000) {
    let last: unknown;
    try {
      return await waitFor(async () => {
        const e = await enrollment(id);
        last = e;
        return check(e) ? e : undefined;
      }, timeoutMs);
    } catch (error) {
      throw new Error(`${(error as Error).message}; the enrollment: ${JSON.stringify(last)}\nPostfix log:\n${postfix.log().slice(-4000)}`, { cause: error });
    }
  }

  it('delivers a step once into the Maildir, with the headers it was sent with', async () => {
    const seq = await oneStep();
    const c = await candidate(seq.taskForceId);
    const [id] = await enroll(seq.id, [c.id]);
    const done = await until(id, (e) => e.status === 'completed');
    expect(done.messages.map((m) => [m.step, m.status, m.attempts])).toEqual([[1, 'sent', 1]]);

    const mail = await waitFor(async () => (postfix.delivered(c.email).length ? postfix.delivered(c.email) : undefined), 10_000);
    // A late second copy would land within Postfix's queue run; none may come.
    await new Promise((r) => setTimeout(r, 1500));
    expect(postfix.delivered(c.email)).toHaveLength(1);
    expect(await postfix.queued()).toBe(0);
    const { headers, body } = mail[0];
    expect(headers['message-id']).toBe(done.messages[0].messageId);
    expect(headers['subject']).toBe('ByteDance: hello Wei');
    expect(headers['to']).toContain(c.email);
    expect(headers['from']).toMatch(/^"?Jun Wang"? <jun\.[0-9a-f]+@talent\.example\.com>$/);
    expect(headers['reply-to']).toContain('replies@talent.example.com');
    expect(headers['return-path']).toMatch(/^<jun\.[0-9a-f]+@talent\.example\.com>$/);
    expect(headers['delivered-to']).toBe(c.email);
    expect(headers['list-unsubscribe']).toMatch(/^<https?:\/\/[^>]+\/v1\/unsubscribe\?token=[\w.-]+>$/);
    expect(headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    expect(headers['x-hiring-enrollment']).toBe(id);
    expect(headers['mime-version']).toBe('1.0');
    expect(headers['date']).toBeDefined();
    expect(body).toContain('Hi Wei');
    expect(postfix.log()).toMatch(new RegExp(`to=<${c.email.replace(/\./g, '\\.')}>, relay=virtual, .*status=sent \\(delivered to maildir\\)`));
  });

  it('delivers to a non-ASCII local part with SMTPUTF8', async () => {
    const seq = await oneStep();
    const email = await postfix.addMailbox(`张伟.${unique()}`);
    const c = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [email], currentEmployer: 'OpenAI' })).body;
    expect(c.id).toBeDefined();
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: seq.taskForceId })).status).toBe(201);
    const [id] = await enroll(seq.id, [c.id]);
    const done = await until(id, (e) => e.status === 'completed');
    const mail = await waitFor(async () => (postfix.delivered(email).length ? postfix.delivered(email) : undefined), 10_000);
    expect(mail).toHaveLength(1);
    expect(mail[0].headers['message-id']).toBe(done.messages[0].messageId);
  });

  it('stops the enrollment as bounced when Postfix refuses an unknown user at RCPT (550 5.1.1)', async () => {
    const seq = await oneStep();
    const c = await candidate(seq.taskForceId, { mailbox: false });
    const [id] = await enroll(seq.id, [c.id]);
    const stopped = await until(id, (e) => e.status === 'stopped');
    expect(stopped.stopReason).toBe('bounced');
    expect(stopped.messages[0]).toMatchObject({
      status: 'failed',
      response: 'bounced',
      attempts: 1,
      detail: expect.stringMatching(/^550 5\.1\.1 .*User unknown/),
    });
    expect(postfix.log()).toMatch(/NOQUEUE: reject: RCPT from [^:]*: 550 5\.1\.1 /);

    const again = await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [c.id] });
    expect(again.body.skipped).toEqual([{ candidateId: c.id, reason: 'bounced' }]);
  });

  it('retries a greylisted recipient (451 4.7.1 at RCPT) with backoff, keeping the step scheduled and the enrollment active', async () => {
    const seq = await oneStep();
    const c = await candidate(seq.taskForceId);
    await postfix.greylist(c.email);
    const [id] = await enroll(seq.id, [c.id]);
    const retrying = await until(id, (e) => e.messages[0]?.attempts >= 3 && e.messages[0]?.status === 'scheduled');
    expect(retrying.status).toBe('active');
    expect(retrying.messages[0].detail).toMatch(/^attempt \d+ failed: 451 4\.7\.1 .*greylisted/);
    expect(Date.parse(retrying.messages[0].dueAt)).toBeGreaterThan(Date.now() - 5000);
    expect(postfix.delivered(c.email)).toHaveLength(0);
    expect(postfix.log()).toMatch(/NOQUEUE: reject: RCPT from [^:]*: 451 4\.7\.1 /);
  });

  it('retries while the server is gone (stopped in the middle of a batch of sequences) and delivers each step once when it is back', async () => {
    const seq = await sequence([
      { delay: 'PT0S', subject: 'First note', body: 'Hello {{unsubscribeUrl}}' },
      { delay: 'PT6S', subject: 'Second note', body: 'Still keen? {{unsubscribeUrl}}' },
    ]);
    const people = await Promise.all([1, 2, 3, 4].map(() => candidate(seq.taskForceId)));
    const ids = await enroll(
      seq.id,
      people.map((p) => p.id),
    );
    await Promise.all(ids.map((id) => until(id, (e) => e.messages[0]?.status === 'sent')));
    await postfix.stop();
    try {
      // Step 2 of every enrollment came due while nothing listened: each was tried, and will be again.
      const waiting = await Promise.all(ids.map((id) => until(id, (e) => e.messages[1]?.attempts >= 2 && e.messages[1]?.status === 'scheduled')));
      for (const e of waiting) {
        expect(e.status).toBe('active');
        expect(e.messages[1].detail).toMatch(/^attempt \d+ failed: .*ECONNREFUSED/);
      }
    } finally {
      await postfix.start();
    }
    const done = await Promise.all(ids.map((id) => until(id, (e) => e.status === 'completed', 30_000)));
    for (const e of done) expect(e.messages.map((m) => m.status)).toEqual(['sent', 'sent']);
    await waitFor(async () => people.every((p) => postfix.delivered(p.email).length === 2), 10_000);
    await new Promise((r) => setTimeout(r, 1000));
    for (const [i, p] of people.entries()) {
      const mail = postfix.delivered(p.email);
      expect(mail.map((m) => m.headers['subject'])).toEqual(['First note', 'Second note']);
      expect(mail.map((m) => m.headers['message-id'])).toEqual(done[i].messages.map((m) => m.messageId));
    }
  });

  it('refuses a chosen sender with 554 5.7.1 at RCPT and answers RCPT slowly for a chosen recipient (helpers for the classification cases)', async () => {
    const to = await postfix.addMailbox();
    const slow = await postfix.addMailbox();
    await postfix.rejectSender('blocked@talent.example.com');
    await postfix.slowRcpt(slow, 2);
    const send = (from: string, rcpt: string) =>
      new Promise<{ error: { responseCode?: number; response?: string; command?: string } | null; ms: number }>((resolve, reject) => {
        const connection = new SMTPConnection({ host: '127.0.0.1', port: postfix.port });
        connection.once('error', reject);
        connection.connect(() => {
          const started = Date.now();
          connection.send({ from, to: [rcpt] }, 'Subject: probe\r\n\r\nprobe\r\n', (error) => {
            connection.quit();
            resolve({ error: error || null, ms: Date.now() - started });
          });
        });
      });
    try {
      const refused = await send('blocked@talent.example.com', to);
      expect(refused.error).toMatchObject({ responseCode: 554, command: 'RCPT TO' });
      expect(refused.error!.response).toBe('554 5.7.1 <blocked@talent.example.com>: Sender address rejected: not permitted to relay');
      const slowed = await send('jun@talent.example.com', slow);
      expect(slowed.error).toBeNull();
      expect(slowed.ms).toBeGreaterThanOrEqual(1900);
    } finally {
      await postfix.clearRules();
    }
    expect((await send('blocked@talent.example.com', to)).error).toBeNull();
  });

  it("pauses on a sender refused at RCPT (554 5.7.1, smtpd_delay_reject) without touching the candidate's standing, and sends once resumed", async () => {
    const seq = await oneStep();
    const c = await candidate(seq.taskForceId);
    await postfix.rejectSender(seq.fromAddress);
    try {
      const [id] = await enroll(seq.id, [c.id]);
      const paused = await until(id, (e) => e.status === 'paused');
      expect(paused.pauseReason).toMatch(/554 5\.7\.1 .*Sender address rejected/);
      expect(paused.messages[0]).toMatchObject({ status: 'scheduled' });
      expect(postfix.log()).toMatch(/NOQUEUE: reject: RCPT from [^:]*: 554 5\.7\.1 /);
      expect((await http().get(`/v1/outreach/suppressions?address=${encodeURIComponent(c.email)}`)).body.data).toEqual([]);
      expect((await http().get(`/v1/candidates/${c.id}`)).body.consentState).not.toBe('opted_out');
      await postfix.clearRules();
      expect((await http().post(`/v1/enrollments/${id}/resume`)).status).toBe(200);
      const done = await until(id, (e) => e.status === 'completed');
      expect(done.messages[0]).toMatchObject({ status: 'sent' });
      const mail = await waitFor(async () => (postfix.delivered(c.email).length ? postfix.delivered(c.email) : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(postfix.delivered(c.email)).toHaveLength(1);
      expect(mail[0].headers['message-id']).toBe(done.messages[0].messageId);
    } finally {
      await postfix.clearRules();
    }
  });

  it('retries a RCPT slower than its timeout as a transient failure, never uncertain, and delivers once when it answers in time', async () => {
    const seq = await oneStep();
    const c = await candidate(seq.taskForceId);
    await postfix.slowRcpt(c.email, 5);
    try {
      const [id] = await enroll(seq.id, [c.id]);
      const retrying = await until(
        id,
        (e) => e.messages[0]?.attempts >= 1 && e.messages[0]?.status === 'scheduled' && /RCPT/.test(e.messages[0]?.detail ?? ''),
      );
      expect(retrying.status).toBe('active');
      expect(retrying.messages[0].detail).toMatch(/timed out .*RCPT TO/);
      await postfix.clearRules();
      const done = await until(id, (e) => e.status === 'completed', 30_000);
      expect(done.messages[0]).toMatchObject({ status: 'sent' });
      await waitFor(async () => (postfix.delivered(c.email).length ? true : undefined), 10_000);
      await new Promise((r) => setTimeout(r, 1000));
      expect(postfix.delivered(c.email)).toHaveLength(1);
    } finally {
      await postfix.clearRules();
    }
  });
});
