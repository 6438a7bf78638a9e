import { randomBytes } from 'node:crypto';
import type { EnrollmentView } from '@app/outreach/enrollments.dto';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { ADMIN_TOKEN, HttpClient, taskForceBody, useApi, waitFor } from './support/harness';
import { spawnWorkerProcess } from './support/processes';
import { freePort } from './support/redis-server';

/** What an operator sees of sending: the built worker's /metrics text and its warn lines, through the SMTP sink. */
describe('outreach metrics and logs', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    sink = await startSmtpSink();
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  afterAll(async () => {
    await sink?.close();
  });
  const suite = useApi('outreach_metrics', overrides);
  const http = () => suite.api.http;
  const workerEnv = (smtpUrl: string) => ({
    SMTP_URL: smtpUrl,
    OUTREACH_RECONCILE_INTERVAL_MS: '500',
    OUTREACH_CLAIM_GRACE_MS: '1000',
    OUTREACH_RETRY_BASE_MS: '300',
    LOG_LEVEL: 'warn',
  });
  const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
  const unique = () => randomBytes(4).toString('hex');

  async function enrolled(fullName: string) {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await http().post('/v1/sequences', {
      taskForceId: tf.id,
      name: `Sequence ${unique()}`,
      sender: { fromName: 'Jun Wang', fromAddress: `jun.${unique()}@talent.example.com` },
      steps: [{ delay: 'PT0S', subject: 'Hello {{candidate.firstName}}', body: 'Body text {{candidate.firstName}} {{unsubscribeUrl}}' }],
      sendWindow: allDay,
    });
    expect(seq.status).toBe(201);
    const email = `cand.${unique()}@lab${unique()}.example.com`;
    const c = (await http().post('/v1/candidates', { fullName, emails: [email], currentEmployer: 'OpenAI' })).body;
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).status).toBe(201);
    return {
      email,
      enroll: async () => (await http().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [c.id] })).body.enrolled[0].enrollmentId as string,
    };
  }
  const until = (id: string, check: (e: EnrollmentView) => boolean) =>
    waitFor(async () => {
      const e = (await http().get<EnrollmentView>(`/v1/enrollments/${id}`)).body;
      return check(e) ? e : undefined;
    }, 20_000);
  const scrape = async (url: string) => {
    const res = await new HttpClient(url, { checkContract: false }).get('/metrics', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    return res.text as string;
  };
  const value = (text: string, series: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('counts a refusal, a 451 retry and a delivery, and logs each failed attempt with its scrubbed reply', async () => {
    const worker = await spawnWorkerProcess(suite.config, workerEnv(overrides.SMTP_URL));
    try {
      const refused = await enrolled('Meiling Refusedname');
      sink.rejectRecipients.add(refused.email);
      const bounced = await until(await refused.enroll(), (e) => e.status === 'stopped');
      expect(bounced.stopReason).toBe('bounced');

      const later = await enrolled('Haoran Laterperson');
      sink.failNext = 1;
      sink.failCode = 451;
      const done = await until(await later.enroll(), (e) => e.status === 'completed');
      expect(done.messages.map((m) => [m.status, m.attempts])).toEqual([['sent', 2]]);

      const text = await waitFor(async () => {
        const t = await scrape(worker.url);
        return value(t, 'outreach_steps_total{outcome="sent"}') === 1 ? t : undefined;
      }, 5000);
      expect(text).toContain('# TYPE outreach_steps_total counter');
      expect(value(text, 'outreach_steps_total{outcome="bounced"}')).toBe(1);
      expect(value(text, 'outreach_steps_total{outcome="retried"}')).toBe(1);
      expect(value(text, 'outreach_steps_total{outcome="failed"}')).toBe(0);
      expect(value(text, 'outreach_steps_total{outcome="uncertain"}')).toBe(0);
      expect(value(text, 'outreach_smtp_replies_total{class="2xx"}')).toBe(1);
      expect(value(text, 'outreach_smtp_replies_total{class="4xx"}')).toBe(1);
      expect(value(text, 'outreach_smtp_replies_total{class="5xx"}')).toBe(1);
      expect(value(text, 'outreach_smtp_send_duration_seconds_count{class="2xx"}')).toBe(1);
      expect(value(text, 'outreach_smtp_send_duration_seconds_count{class="5xx"}')).toBe(1);
      expect(value(text, 'outreach_smtp_connection_failures_total{phase="connect"}')).toBe(0);
      // Small label sets: no series names a sequence, an address or a reply.
      expect(text).not.toMatch(/outreach_[a-z_]+\{[^}]*(sequence|address|@)/);

      const failures = worker
        .logLines()
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .filter((l) => l.msg === 'SMTP attempt failed');
      const rcpt = failures.find((l) => l.smtpCode === 550);
      expect(rcpt).toMatchObject({ level: 40, smtpEnhancedCode: '5.1.1', recipientRejected: true, step: 1, attempt: 1 });
      expect(rcpt.smtpReply).toContain('<[email]>: mailbox unavailable');
      expect(failures.find((l) => l.smtpCode === 451)).toMatchObject({ level: 40, smtpEnhancedCode: '4.3.0', transient: true });
      const all = worker.logLines().join('\n');
      for (const secret of [refused.email, later.email, 'Refusedname', 'Meiling', 'Laterperson', 'Body text']) expect(all).not.toContain(secret);
    } finally {
      await worker.stop();
    }
  });

  it('counts connection failures when no SMTP server answers', async () => {
    const worker = await spawnWorkerProcess(suite.config, workerEnv(`smtp://127.0.0.1:${await freePort()}`));
    try {
      const nobody = await enrolled('Xia Nobodyhome');
      const id = await nobody.enroll();
      await until(id, (e) => e.messages[0]?.attempts >= 1 && e.messages[0]?.status === 'scheduled');
      const text = await waitFor(async () => {
        const t = await scrape(worker.url);
        return (value(t, 'outreach_smtp_connection_failures_total{phase="connect"}') ?? 0) >= 1 ? t : undefined;
      }, 5000);
      expect(value(text, 'outreach_steps_total{outcome="retried"}')).toBeGreaterThanOrEqual(1);
      expect(value(text, 'outreach_smtp_replies_total{class="none"}')).toBeGreaterThanOrEqual(1);
      const line = worker
        .logLines()
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l))
        .find((l) => l.msg === 'SMTP attempt failed');
      expect(line).toMatchObject({ level: 40, smtpCode: null, transient: true });
      expect(line.smtpReply).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await worker.stop();
    }
  });
});
