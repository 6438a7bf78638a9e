import { randomBytes, randomUUID } from 'node:crypto';
import { InterviewMails } from '@app/interviews';
import { Client } from 'pg';
import { SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { ADMIN_TOKEN, createUser, HttpResult, taskForceBody, useApi, waitFor } from './support/harness';
import { InterviewMailRow, writeInterview, writeInterviewMails } from './support/interview-rows';

type User = { id: string; token: string; email: string };

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const unique = () => randomBytes(4).toString('hex');

/**
 * An interview's mails as a hostile or careless user attacks them: callers who do not run the
 * interview, bad ids and cursors, resend and mark-sent racing each other and the sender,
 * Idempotency-Key replays, resends of mail that no longer applies, and what an erasure leaves.
 * No worker runs here: the tests drive the sender themselves, so each race is the one they set up.
 */
describe('interview mails under attack', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = { INTERVIEW_MAIL_FROM: 'interviews@hire.example.com' };
  beforeAll(async () => {
    sink = await startSmtpSink();
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  const suite = useApi('interview_mails_attacks', overrides);
  // After the API's own teardown: the sink's close waits for the mailer's pooled connections.
  afterAll(async () => {
    await sink?.close();
  });
  const http = () => suite.api.http;
  const as = (u: { token: string }, headers: Record<string, string> = {}) => ({ token: u.token, headers });
  const sender = () => suite.api.app.get(InterviewMails, { strict: false });
  /** Runs the sender until a run finds nothing due. */
  const drain = async () => {
    for (;;) {
      const run = await sender().sendDue();
      if (run.sent + run.skipped + run.retried + run.failed + run.uncertain === 0) return;
    }
  };
  const domain = () => new URL(suite.config.PUBLIC_BASE_URL).hostname;
  const messageIdOf = (mailId: string) => `<interview-mail.${mailId}@${domain()}>`;
  const deliveries = (mailId: string) => sink.messages.filter((m) => m.messageId === messageIdOf(mailId)).length;

  const tf = { a: '', b: '' };
  let rA: User;
  let rB: User;
  let slot = 0;
  /** Start times no other test uses, from 60 days ahead, four hours apart. */
  const base = Math.ceil((Date.now() + 60 * DAY) / DAY) * DAY;
  const freshStart = () => new Date(base + ++slot * 4 * HOUR);

  const interviewer = async (label = 'iv') => createUser(http(), 'interviewer', `${label}-${unique()}`);

  /** An interview of task force `taskForceId` written as the scheduler writes it (by SQL), with its panel. */
  const interview = async (options: { panel: { id: string }[]; startsAt?: Date; taskForceId?: string; sequence?: number }) => {
    const taskForceId = options.taskForceId ?? tf.a;
    const startsAt = options.startsAt ?? freshStart();
    const email = `wei.${unique()}@lab.example.org`;
    const c = await http().post('/v1/candidates', { fullName: `Wei Zhang ${unique()}`, emails: [email] });
    expect(c.status).toBe(201);
    const app = await http().post('/v1/applications', { candidateId: c.body.id, taskForceId });
    expect(app.status).toBe(201);
    const { id, endsAt } = await writeInterview(suite.db, {
      applicationId: app.body.id,
      candidateId: c.body.id,
      taskForceId,
      createdBy: taskForceId === tf.a ? rA.id : rB.id,
      startsAt,
      panel: options.panel,
      sequence: options.sequence,
    });
    return { id, candidateId: c.body.id as string, applicationId: app.body.id as string, email, name: c.body.fullName as string, startsAt, endsAt };
  };

  /** Mail rows as the sender leaves them; `to` null is the candidate. */
  const mails = async (interviewId: string, rows: { to: string | null; kind: string; status: string; sequence?: number; dueAt?: Date; attempts?: number }[]) =>
    writeInterviewMails(
      suite.db,
      interviewId,
      rows.map((r) => ({ ...r, attempts: r.attempts ?? 1, dueAt: r.dueAt ?? new Date(Date.now() - 60_000) })),
    );
  const row = async (id: string) => (await suite.db.query<InterviewMailRow>(`SELECT * FROM interview_mails WHERE id = $1`, [id]))[0];
  const audits = async (interviewId: string) =>
    suite.db.query<{ action: string; details: Record<string, unknown> }>(
      `SELECT action, details FROM audit_log WHERE entity_id = $1 AND action LIKE 'interview_mail.%' ORDER BY at, id`,
      [interviewId],
    );
  const resend = (mailId: string, user: { token: string } | null = null, headers: Record<string, string> = {}) =>
    http().post(`/v1/interview-mails/${mailId}/resend`, undefined, user ? as(user, headers) : { headers });
  const markSent = (mailId: string, user: { token: string } | null = null, headers: Record<string, string> = {}) =>
    http().post(`/v1/interview-mails/${mailId}/mark-sent`, undefined, user ? as(user, headers) : { headers });
  const codes = (results: HttpResult[]) => results.map((r) => (r.status === 200 ? 200 : `${r.status} ${r.body.code}`));

  beforeAll(async () => {
    tf.a = (await http().post('/v1/task-forces', taskForceBody({ name: `Mails A ${unique()}` }))).body.id;
    tf.b = (await http().post('/v1/task-forces', taskForceBody({ name: `Mails B ${unique()}` }))).body.id;
    rA = await createUser(http(), 'recruiter', 'mails-ra');
    rB = await createUser(http(), 'recruiter', 'mails-rb');
    expect((await http().post(`/v1/task-forces/${tf.a}/members`, { userId: rA.id })).status).toBe(201);
    expect((await http().post(`/v1/task-forces/${tf.b}/members`, { userId: rB.id })).status).toBe(201);
  });

  describe('who may see and settle the mails', () => {
    it('answers everyone who does not run the interview as for an unknown one, and changes nothing', async () => {
      // A recruiter of A who sits on the panel but is not in A; an interviewer on the panel; one an admin made a member of A.
      const panelRecruiter = await createUser(http(), 'recruiter', 'panel-recruiter');
      const panelInterviewer = await interviewer('panel');
      const memberInterviewer = await interviewer('member');
      expect((await http().post(`/v1/task-forces/${tf.a}/members`, { userId: memberInterviewer.id })).status).toBe(201);
      const iv = await interview({ panel: [panelRecruiter, panelInterviewer, memberInterviewer] });
      const [uncertain, failed] = await mails(iv.id, [
        { to: null, kind: 'request', status: 'uncertain' },
        { to: panelInterviewer.id, kind: 'request', status: 'failed', attempts: 5 },
      ]);
      // The panel member sees the interview itself, not its mails.
      expect((await http().get(`/v1/interviews/${iv.id}`, as(panelRecruiter))).status).toBe(200);
      const bOfAnother = await interview({ taskForceId: tf.b, panel: [] });
      const [foreign] = await mails(bOfAnother.id, [{ to: null, kind: 'request', status: 'uncertain' }]);

      const calls = (mailId: string, interviewId: string) =>
        [
          ['GET', `/v1/interviews/${interviewId}/mails`],
          ['POST', `/v1/interview-mails/${mailId}/resend`],
          ['POST', `/v1/interview-mails/${mailId}/mark-sent`],
        ] as const;
      for (const [who, user] of [
        ['other task force', rB],
        ['recruiter on the panel', panelRecruiter],
      ] as const) {
        for (const [method, url] of calls(uncertain, iv.id)) {
          const res = await http().request<{ code: string; detail: string }>(method, url, undefined, as(user));
          expect([who, url, res.status, res.body.code]).toEqual([who, url, 404, method === 'GET' ? 'interview_not_found' : 'interview_mail_not_found']);
          // Nothing about the interview beyond the id the caller sent.
          for (const secret of [iv.candidateId, iv.email, iv.name, tf.a, failed]) expect(res.text).not.toContain(secret);
        }
      }
      // The same answer as for an id that names nothing.
      const nothing = randomUUID();
      const unknownAnswer = await resend(nothing, rB);
      const knownAnswer = await resend(uncertain, rB);
      expect(knownAnswer.body.detail.replace(uncertain, 'ID')).toBe(unknownAnswer.body.detail.replace(nothing, 'ID'));
      // Interviewers reach none of it, even those an admin made members of the task force.
      for (const user of [panelInterviewer, memberInterviewer])
        for (const [method, url] of calls(uncertain, iv.id)) {
          const res = await http().request<{ code: string }>(method, url, undefined, as(user));
          expect([url, res.status, res.body.code]).toEqual([url, 403, 'interviewer_not_allowed']);
        }
      // A's recruiter against B's interview and B's mail.
      for (const [method, url] of calls(foreign, bOfAnother.id)) expect((await http().request(method, url, undefined, as(rA))).status).toBe(404);
      // A recruiter of A who leaves A loses the mails at once.
      const leaver = await createUser(http(), 'recruiter', 'leaver');
      expect((await http().post(`/v1/task-forces/${tf.a}/members`, { userId: leaver.id })).status).toBe(201);
      expect((await http().get(`/v1/interviews/${iv.id}/mails`, as(leaver))).status).toBe(200);
      expect((await http().delete(`/v1/task-forces/${tf.a}/members/${leaver.id}`)).status).toBe(204);
      expect((await resend(uncertain, leaver)).status).toBe(404);

      expect((await Promise.all([uncertain, failed, foreign].map(row))).map((r) => r.status)).toEqual(['uncertain', 'failed', 'uncertain']);
      expect(await audits(iv.id)).toEqual([]);
      expect(await audits(bOfAnother.id)).toEqual([]);
    });

    it('refuses missing, forged and revoked tokens, malformed ids and bodies, and ids of other things', async () => {
      const iv = await interview({ panel: [] });
      const [uncertain] = await mails(iv.id, [{ to: null, kind: 'request', status: 'uncertain' }]);
      const url = `/v1/interview-mails/${uncertain}/resend`;
      expect((await http().post(url, undefined, { token: null })).status).toBe(401);
      expect((await http().post(url, undefined, { token: `forged-${randomBytes(24).toString('hex')}` })).status).toBe(401);
      const revoked = await createUser(http(), 'recruiter', 'revoked');
      expect((await http().post(`/v1/task-forces/${tf.a}/members`, { userId: revoked.id })).status).toBe(201);
      const tokens = await http().get(`/v1/users/${revoked.id}/tokens`);
      for (const t of tokens.body.data as { id: string }[]) expect((await http().delete(`/v1/tokens/${t.id}`)).status).toBe(204);
      for (const path of [url, `/v1/interview-mails/${uncertain}/mark-sent`, `/v1/interviews/${iv.id}/mails`]) {
        const res = await http().request(path.endsWith('mails') ? 'GET' : 'POST', path, undefined, as(revoked));
        expect([path, res.status]).toEqual([path, 401]);
      }

      for (const bad of ['not-a-uuid', `${uncertain}x`, '00000000-0000-0000-0000-00000000000g', "1' OR '1'='1", '%00']) {
        const res = await http().post(`/v1/interview-mails/${bad}/resend`);
        expect([bad, res.status]).toEqual([bad, 400]);
      }
      // An interview's id, a candidate's, the task force's: none is a mail.
      for (const other of [iv.id, iv.candidateId, tf.a]) expect((await resend(other)).body.code).toBe('interview_mail_not_found');
      // Upper case names the same mail.
      expect((await http().get(`/v1/interviews/${iv.id.toUpperCase()}/mails`)).body.data.map((m: { id: string }) => m.id)).toEqual([uncertain]);
      // The routes take no body: a body that tries to choose the outcome is refused.
      for (const body of [{ status: 'sent' }, { attempts: 0, dueAt: new Date().toISOString() }]) {
        const res = await http().post(url, body);
        expect(res.status).toBe(400);
      }
      expect((await row(uncertain)).status).toBe('uncertain');
      expect(await audits(iv.id)).toEqual([]);
    });

    it('pages the list with cursors of its own only, and shows no address', async () => {
      const members = [await interviewer('p1'), await interviewer('p2')];
      const iv = await interview({ panel: members });
      const other = await interview({ panel: [] });
      const ids = await mails(iv.id, [
        { to: null, kind: 'request', status: 'sent' },
        { to: members[0].id, kind: 'request', status: 'failed' },
        { to: members[1].id, kind: 'request', status: 'uncertain' },
      ]);
      const [otherMail] = await mails(other.id, [{ to: null, kind: 'request', status: 'sent' }]);
      await suite.db.query(`UPDATE interview_mails SET last_error = '5.1.1 [email]: Recipient address rejected' WHERE id = $1`, [ids[1]]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: HttpResult = await http().get(`/v1/interviews/${iv.id}/mails?limit=1${cursor ? `&cursor=${cursor}` : ''}`, as(rA));
        expect(page.status).toBe(200);
        for (const secret of [iv.email, ...members.map((m) => m.email), rA.email]) expect(page.text).not.toContain(secret);
        seen.push(...page.body.data.map((m: { id: string }) => m.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(seen).toEqual([...ids].sort());
      // A cursor naming another interview's mail lists only this interview's.
      const foreignCursor = Buffer.from(`v1:${otherMail}`).toString('base64url');
      const after = await http().get(`/v1/interviews/${iv.id}/mails?cursor=${foreignCursor}`, as(rA));
      expect(after.status).toBe(200);
      expect(after.body.data.every((m: { interviewId: string }) => m.interviewId === iv.id)).toBe(true);
      for (const query of ['limit=0', 'limit=201', 'limit=-1', 'limit=abc', 'cursor=%%%', `cursor=${Buffer.from('v1:nope').toString('base64url')}`]) {
        const res = await http().get(`/v1/interviews/${iv.id}/mails?${query}`, as(rA));
        expect([query, res.status]).toEqual([query, 400]);
      }
    });
  });

  describe('races: nothing goes twice', () => {
    it('lets one of many concurrent resends of a mail through; the mail then goes out once', async () => {
      const member = await interviewer();
      const iv = await interview({ panel: [member] });
      const [failed] = await mails(iv.id, [{ to: member.id, kind: 'request', status: 'failed', attempts: 5 }]);
      const results = await Promise.all(Array.from({ length: 8 }, () => resend(failed, rA)));
      expect(codes(results).filter((c) => c === 200)).toHaveLength(1);
      for (const c of codes(results)) expect([200, '409 interview_mail_sending', '422 interview_mail_not_resendable']).toContain(c);
      expect(await audits(iv.id)).toHaveLength(1);
      expect(await row(failed)).toMatchObject({ status: 'pending', attempts: 0 });
      await drain();
      expect(await row(failed)).toMatchObject({ status: 'sent', attempts: 1, smtp_message_id: messageIdOf(failed) });
      expect(deliveries(failed)).toBe(1);
    });

    it('settles a mail raced by resend and mark-sent one way only', async () => {
      const members = await Promise.all(Array.from({ length: 6 }, () => interviewer('race')));
      const iv = await interview({ panel: members });
      const ids = await mails(
        iv.id,
        members.map((m) => ({ to: m.id, kind: 'request', status: 'uncertain' })),
      );
      const results = await Promise.all(ids.flatMap((id, n) => (n % 2 ? [markSent(id, rA), resend(id, rA)] : [resend(id, rA), markSent(id, rA)])));
      await drain();
      for (const [n, id] of ids.entries()) {
        const [first, second] = results.slice(2 * n, 2 * n + 2);
        const [byResend, byMark] = n % 2 ? [second, first] : [first, second];
        expect([byResend.status, byMark.status].filter((s) => s === 200)).toHaveLength(1);
        for (const r of [byResend, byMark]) expect([200, 409, 422]).toContain(r.status);
        const state = await row(id);
        if (byMark.status === 200) {
          expect(state.status).toBe('sent');
          expect(state.last_error).toMatch(/^marked sent by /);
          expect(deliveries(id)).toBe(0);
        } else {
          expect(state.status).toBe('sent');
          expect(deliveries(id)).toBe(1);
        }
      }
      expect(await audits(iv.id)).toHaveLength(ids.length);
    });

    it('sends each resent mail once while resends race the sender', async () => {
      const members = await Promise.all(Array.from({ length: 5 }, () => interviewer('load')));
      const ids: string[] = [];
      for (let n = 0; n < 3; n++) {
        const iv = await interview({ panel: members.map((m) => ({ id: m.id })), startsAt: freshStart() });
        ids.push(
          ...(await mails(iv.id, [
            { to: null, kind: 'request', status: 'uncertain' },
            ...members.map((m) => ({ to: m.id, kind: 'request', status: n === 1 ? 'failed' : 'uncertain' })),
          ])),
        );
      }
      // Panel rows of one person may not overlap: the three interviews are four hours apart.
      const runs: Promise<unknown>[] = [];
      const stop = { now: false };
      const loop = async () => {
        while (!stop.now) await sender().sendDue();
      };
      runs.push(loop(), loop());
      const results = await Promise.all(ids.flatMap((id) => [resend(id, rA), resend(id, rA)]));
      stop.now = true;
      await Promise.all(runs);
      await drain();
      for (const c of codes(results)) expect([200, '409 interview_mail_sending', '422 interview_mail_not_resendable']).toContain(c);
      for (const [n, id] of ids.entries()) {
        expect(codes(results.slice(2 * n, 2 * n + 2)).filter((c) => c === 200)).toHaveLength(1);
        expect([id, (await row(id)).status, deliveries(id)]).toEqual([id, 'sent', 1]);
      }
      // Asked for again after it went: refused, and nothing more goes.
      const late = await Promise.all(ids.map((id) => resend(id, rA)));
      expect(new Set(codes(late))).toEqual(new Set(['422 interview_mail_not_resendable']));
      await drain();
      for (const id of ids) expect(deliveries(id)).toBe(1);
    });

    it('refuses at once to resend or mark sent a mail a sender holds in SMTP, and sends it once', async () => {
      const member = await interviewer();
      const iv = await interview({ panel: [member] });
      const [failed] = await mails(iv.id, [{ to: member.id, kind: 'request', status: 'failed', attempts: 5 }]);
      expect((await resend(failed, rA)).status).toBe(200);
      sink.delayMs = 1500;
      let running: Promise<unknown> | undefined;
      try {
        running = sender().sendDue();
        // The sender holds the row while SMTP answers.
        const holder = new Client({ connectionString: suite.db.url });
        await holder.connect();
        try {
          await waitFor(
            async () => {
              const [r] = (
                await holder
                  .query(`SELECT status FROM interview_mails WHERE id = $1 FOR UPDATE NOWAIT`, [failed])
                  .catch(() => ({ rows: [{ status: 'locked' }] }))
              ).rows as { status: string }[];
              return r.status === 'locked';
            },
            5000,
            20,
          );
        } finally {
          await holder.end();
        }
        const started = Date.now();
        const [again, marked] = await Promise.all([resend(failed, rA), markSent(failed, rA)]);
        expect(Date.now() - started).toBeLessThan(1000);
        expect(codes([again, marked])).toEqual(['409 interview_mail_sending', '409 interview_mail_sending']);
      } finally {
        await running;
        sink.delayMs = 0;
      }
      await drain();
      expect(await row(failed)).toMatchObject({ status: 'sent' });
      expect(deliveries(failed)).toBe(1);
    });

    it('refuses to resend or mark sent a claim not yet locked or abandoned, and leaves it to the sweep', async () => {
      const member = await interviewer();
      const iv = await interview({ panel: [member] });
      // Claimed a moment ago by a sender that has not locked it yet (or died): `sending`, unlocked, within the grace.
      const [claimed] = await mails(iv.id, [{ to: member.id, kind: 'request', status: 'sending' }]);
      await suite.db.query(`UPDATE interview_mails SET claimed_at = now() WHERE id = $1`, [claimed]);
      // One after the other: at once, one of them may find the row held by the other (409 interview_mail_sending).
      const answers = [await resend(claimed, rA), await markSent(claimed, rA)];
      expect(codes(answers)).toEqual(['422 interview_mail_not_resendable', '422 interview_mail_not_uncertain']);
      expect(answers.map((a) => a.body.mailStatus)).toEqual(['sending', 'sending']);
      expect(await row(claimed)).toMatchObject({ status: 'sending', attempts: 1 });
      expect(await audits(iv.id)).toEqual([]);
      await drain();
      expect(deliveries(claimed)).toBe(0);
    });

    it('replays a resend repeated under its Idempotency-Key instead of resending, and keeps replays to their user', async () => {
      const member = await interviewer();
      const iv = await interview({ panel: [member] });
      const [uncertain] = await mails(iv.id, [{ to: member.id, kind: 'request', status: 'uncertain' }]);
      const key = `resend-${unique()}`;
      // Concurrent retries of one request under one key: one runs, the others wait or replay it.
      const first = await Promise.all(Array.from({ length: 4 }, () => resend(uncertain, rA, { 'idempotency-key': key })));
      for (const c of codes(first)) expect([200, '409 idempotency_request_in_progress']).toContain(c);
      expect(await audits(iv.id)).toHaveLength(1);
      await drain();
      expect(deliveries(uncertain)).toBe(1);
      // The mail went; days later the same retry is answered as the first time, and nothing goes again.
      await suite.db.query(`UPDATE interview_mails SET status = 'uncertain' WHERE id = $1`, [uncertain]);
      const replay = await resend(uncertain, rA, { 'idempotency-key': key });
      expect([replay.status, replay.headers.get('idempotent-replayed'), replay.body.status]).toEqual([200, 'true', 'pending']);
      expect((await row(uncertain)).status).toBe('uncertain');
      // Another user with the same key gets no replay of A's answer: the outsider is refused as for an unknown mail.
      const stolen = await resend(uncertain, rB, { 'idempotency-key': key });
      expect([stolen.status, stolen.headers.get('idempotent-replayed'), stolen.body.code]).toEqual([404, null, 'interview_mail_not_found']);
      // The key on the other route is another request.
      const reused = await markSent(uncertain, rA, { 'idempotency-key': key });
      expect([reused.status, reused.body.code]).toEqual([422, 'idempotency_key_reused']);
      await drain();
      expect(deliveries(uncertain)).toBe(1);
      expect(await audits(iv.id)).toHaveLength(1);
    });
  });

  describe('resends of mail that no longer applies', () => {
    it('skips, with the reason, a resent invitation of a rescheduled interview, of one that is over, and reminders that are too late', async () => {
      const [m1, m2, m3, m4] = await Promise.all([interviewer(), interviewer(), interviewer(), interviewer()]);
      const rescheduled = await interview({ panel: [m1], sequence: 1 });
      const soon = await interview({ panel: [m2], startsAt: new Date(Date.now() + 30 * 60_000) });
      const begun = await interview({ panel: [m3], startsAt: new Date(Date.now() - 10 * 60_000) });
      const over = await interview({ panel: [m4], startsAt: new Date(Date.now() - 3 * HOUR) });
      const ids = [
        ...(await mails(rescheduled.id, [{ to: m1.id, kind: 'request', status: 'uncertain', sequence: 0 }])),
        ...(await mails(soon.id, [{ to: m2.id, kind: 'reminder_24h', status: 'uncertain' }])),
        ...(await mails(begun.id, [{ to: m3.id, kind: 'reminder_1h', status: 'failed' }])),
        ...(await mails(over.id, [{ to: m4.id, kind: 'request', status: 'uncertain' }])),
      ];
      for (const id of ids) expect((await resend(id, rA)).status).toBe(200);
      await drain();
      const rows = await Promise.all(ids.map(row));
      expect(rows.map((r) => [r.status, r.last_error])).toEqual([
        ['skipped', 'the interview was rescheduled (sequence 1, this mail 0)'],
        ['skipped', 'too late for the 24-hour reminder'],
        ['skipped', 'too late for the 1-hour reminder: the interview has begun'],
        ['skipped', 'the interview is over'],
      ]);
      for (const id of ids) expect(deliveries(id)).toBe(0);
    });

    it('skips a resent invitation of a cancelled interview and still tells the candidate it is cancelled, in either order', async () => {
      const cancelFirst = await interview({ panel: [await interviewer()] });
      const resendFirst = await interview({ panel: [await interviewer()] });
      // Each invitation to the candidate was claimed by a sender that died: it may have arrived, nobody knows.
      const invitations = [
        ...(await mails(cancelFirst.id, [{ to: null, kind: 'request', status: 'sending' }])),
        ...(await mails(resendFirst.id, [{ to: null, kind: 'request', status: 'sending' }])),
      ];
      await suite.db.query(`UPDATE interview_mails SET claimed_at = now() - interval '1 hour' WHERE id = ANY($1::uuid[])`, [invitations]);
      await drain();
      for (const id of invitations) expect((await row(id)).status).toBe('uncertain');
      // And one left uncertain before sweeps recorded a Message-ID: the resend gives it the one it may have gone out with.
      const legacy = await interview({ panel: [await interviewer()] });
      invitations.push(...(await mails(legacy.id, [{ to: null, kind: 'request', status: 'uncertain', attempts: 1 }])));
      expect((await row(invitations[2])).smtp_message_id).toBeNull();
      const cancel = (iv: { id: string }) => http().post(`/v1/interviews/${iv.id}/cancel`, { reason: 'candidate_unavailable' }, as(rA));

      // Someone asks for the invitation again before the sender gets to the cancellation, or just before the cancel.
      expect((await cancel(cancelFirst)).status).toBe(200);
      expect((await resend(invitations[0], rA)).status).toBe(200);
      expect((await resend(invitations[1], rA)).status).toBe(200);
      expect((await cancel(resendFirst)).status).toBe(200);
      expect((await resend(invitations[2], rA)).status).toBe(200);
      expect((await cancel(legacy)).status).toBe(200);
      await drain();

      for (const [n, iv] of [cancelFirst, resendFirst, legacy].entries()) {
        expect(await row(invitations[n])).toMatchObject({ status: 'skipped', last_error: 'the interview is cancelled' });
        expect(deliveries(invitations[n])).toBe(0);
        const [candidateCancel] = await suite.db.query<InterviewMailRow>(
          `SELECT * FROM interview_mails WHERE interview_id = $1 AND kind = 'cancel' AND recipient_user_id IS NULL`,
          [iv.id],
        );
        // The candidate may hold the event: the cancellation must still reach them.
        expect([n, candidateCancel.status, candidateCancel.last_error]).toEqual([n, 'sent', null]);
        expect(deliveries(candidateCancel.id)).toBe(1);
      }
    });

    it('skips a resent mail of an erased candidate and leaves nothing personal in the list or the audit', async () => {
      const member = await interviewer();
      const iv = await interview({ panel: [member] });
      const [invitation, panelMail] = await mails(iv.id, [
        { to: null, kind: 'request', status: 'pending' },
        { to: member.id, kind: 'request', status: 'pending' },
      ]);
      // The candidate's server refuses with a reply that names them.
      sink.rcptReplies.set(iv.email.toLowerCase(), { code: 550, text: `5.1.1 <${iv.email}> (${iv.name}): Recipient address rejected` });
      try {
        await drain();
      } finally {
        sink.rcptReplies.delete(iv.email.toLowerCase());
      }
      expect((await row(invitation)).status).toBe('failed');
      const before = await http().get(`/v1/interviews/${iv.id}/mails`, as(rA));
      expect(before.text).not.toContain(iv.email);
      expect((await resend(invitation, rA)).status).toBe(200);
      await drain();
      expect(deliveries(invitation)).toBe(1);
      await suite.db.query(`UPDATE interview_mails SET status = 'uncertain' WHERE id = $1`, [invitation]);

      expect((await http().delete(`/v1/candidates/${iv.candidateId}`)).status).toBeLessThan(300);
      const after = await http().get(`/v1/interviews/${iv.id}/mails`, as(rA));
      expect(after.status).toBe(200);
      const resent = await resend(invitation, rA);
      expect(resent.status).toBe(200);
      await drain();
      expect(await row(invitation)).toMatchObject({ status: 'skipped', last_error: 'the candidate was erased' });
      expect(deliveries(invitation)).toBe(1);
      expect((await row(panelMail)).status).toBe('sent');

      const listed = await http().get(`/v1/interviews/${iv.id}/mails`);
      const audit = await suite.db.query(`SELECT * FROM audit_log WHERE entity_id = $1`, [iv.id]);
      for (const text of [after.text, resent.text, listed.text, JSON.stringify(audit)]) {
        for (const secret of [iv.email, iv.name, iv.email.split('@')[0], 'Wei Zhang']) expect(text).not.toContain(secret);
      }
    });
  });

  describe('the event feed', () => {
    it('answers a cursor out of range with 400, not 500', async () => {
      for (const position of ['1:99999999999999999999', '99999999999999999999:1', '18446744073709551616:0', '1:9223372036854775808']) {
        const cursor = Buffer.from(`e1:${position}`).toString('base64url');
        const res = await fetch(`${suite.api.url}/v1/events?after=${cursor}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
        expect([position, res.status]).toEqual([position, 400]);
      }
    });
  });
});
