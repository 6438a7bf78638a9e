import { randomBytes, randomUUID } from 'node:crypto';
import ICAL from 'ical.js';
import { localSpan } from '@app/interviews';
import { Client } from 'pg';
import { SinkMessage, SmtpSink, startSmtpSink } from '../scripts/smtp-sink';
import { ADMIN_TOKEN, createUser, HttpClient, taskForceBody, TestDatabase, useApi, useApiAndWorker, waitFor } from './support/harness';
import { InterviewMailRow, writeInterview, writeInterviewMails } from './support/interview-rows';
import { PostfixInstance, startPostfix } from './support/postfix';
import { BuiltProcess, spawnWorkerFromSource } from './support/processes';

const HOUR = 3600_000;
const unique = () => randomBytes(4).toString('hex');
/** Monday 14 January 2030, 17:00 in Sunnyvale (PST): Tuesday 09:00 in Beijing. */
const MONDAY_PST = new Date('2030-01-15T01:00:00Z');

interface Person {
  id: string | null;
  name: string;
  email: string;
}

/** A MIME entity: its headers (lower-case names, unfolded) and its body, transfer-decoded. */
interface Entity {
  headers: Record<string, string>;
  body: string;
}

function decodeBody(headers: Record<string, string>, raw: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  if (encoding === 'base64') return Buffer.from(raw.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable')
    return Buffer.from(
      raw.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
      'latin1',
    ).toString('utf8');
  return raw;
}

function headersOf(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const field of block.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = field.indexOf(':');
    if (colon > 0) headers[field.slice(0, colon).trim().toLowerCase()] = field.slice(colon + 1).trim();
  }
  return headers;
}

/** The leaf entities of a message, depth first, as a mail client walks them. */
function leaves(headers: Record<string, string>, body: string): Entity[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!/^multipart\//i.test(headers['content-type'] ?? '') || !boundary) return [{ headers, body: decodeBody(headers, body) }];
  const chunks = body.split(`--${boundary}`);
  expect(chunks.at(-1)!.startsWith('--')).toBe(true);
  return chunks.slice(1, -1).flatMap((chunk) => {
    const entity = chunk.replace(/^\r\n/, '').replace(/\r\n$/, '');
    const end = entity.indexOf('\r\n\r\n');
    return leaves(headersOf(entity.slice(0, end)), entity.slice(end + 4));
  });
}

/** A delivered invitation taken apart: its text, its calendar alternative read back by ical.js, and the attached copy. */
function invitation(message: SinkMessage) {
  const parts = leaves(message.headers, message.body);
  const text = parts.find((p) => /^text\/plain/.test(p.headers['content-type']))!;
  const calendar = parts.find((p) => /^text\/calendar/.test(p.headers['content-type']))!;
  const attached = parts.find((p) => /^application\/ics/.test(p.headers['content-type']));
  const vcalendar = new ICAL.Component(ICAL.parse(calendar.body));
  const event = vcalendar.getFirstSubcomponent('vevent')!;
  return {
    structure: [message.headers['content-type'].split(';')[0], ...parts.map((p) => p.headers['content-type'].split(';')[0])],
    text: text.body.replace(/\r\n/g, '\n'),
    calendarType: calendar.headers['content-type'],
    ics: calendar.body,
    attached,
    method: String(vcalendar.getFirstPropertyValue('method')),
    uid: String(event.getFirstPropertyValue('uid')),
    sequence: Number(event.getFirstPropertyValue('sequence')),
    status: String(event.getFirstPropertyValue('status')),
    start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
    organizer: String(event.getFirstPropertyValue('organizer')).replace(/^mailto:/i, ''),
    attendees: event
      .getAllProperties('attendee')
      .map((p) => String(p.getFirstValue()).replace(/^mailto:/i, ''))
      .sort(),
  };
}

/** The scheduling side of the contract, written as it writes it: an interview, its panel and its mail rows, by SQL. */
function interviewsOf(db: () => TestDatabase, http: () => HttpClient) {
  let taskForceId: string;
  let organizer: Person;

  async function setUp(): Promise<void> {
    taskForceId = (await http().post('/v1/task-forces', taskForceBody({ company: 'ByteDance', timeZone: 'America/Los_Angeles' }))).body.id;
    const recruiter = await createUser(http(), 'recruiter');
    await db().query(`UPDATE users SET name = 'Jun Wang' WHERE id = $1`, [recruiter.id]);
    organizer = { id: recruiter.id, name: 'Jun Wang', email: recruiter.email };
  }

  /** An interviewer; `zone` null: no interviewer profile, so the task force's zone applies. */
  async function interviewer(name: string, zone: string | null): Promise<Person> {
    const user = await createUser(http(), 'interviewer');
    await db().query(`UPDATE users SET name = $2 WHERE id = $1`, [user.id, name]);
    if (zone)
      await db().query(
        `INSERT INTO interviewer_profiles (user_id, time_zone, working_hours, holiday_calendars, task_force_ids, created_at, updated_at)
         VALUES ($1, $2, '{}'::jsonb, '{}', ARRAY[$3::uuid], now(), now())`,
        [user.id, zone, taskForceId],
      );
    return { id: user.id, name, email: user.email };
  }

  /** `candidateAddress` null: the candidate has no address. */
  async function interview(options: { startsAt: Date; panel: Person[]; sequence?: number; candidateAddress?: string | null }) {
    const email = options.candidateAddress === undefined ? `wei.${unique()}@lab.example.org` : options.candidateAddress;
    const c = await http().post('/v1/candidates', {
      fullName: 'Wei Zhang',
      emails: email ? [email] : [],
      currentEmployer: 'OpenAI',
    });
    expect(c.status).toBe(201);
    const application = await http().post('/v1/applications', { candidateId: c.body.id, taskForceId });
    expect(application.status).toBe(201);
    const { id, endsAt } = await writeInterview(db(), {
      applicationId: application.body.id,
      candidateId: c.body.id,
      taskForceId,
      createdBy: organizer.id!,
      startsAt: options.startsAt,
      panel: options.panel.map((p) => ({ id: p.id! })),
      sequence: options.sequence,
    });
    return {
      id,
      candidate: { id: null, name: 'Wei Zhang', email: email ?? '' } as Person,
      candidateId: c.body.id as string,
      startsAt: options.startsAt,
      endsAt,
    };
  }

  /** Mail rows of an interview; `to` null is the candidate. */
  async function mails(
    interviewId: string,
    rows: { to: string | null; kind: string; sequence?: number; dueAt?: Date; status?: string; attempts?: number }[],
  ): Promise<string[]> {
    return writeInterviewMails(
      db(),
      interviewId,
      rows.map((r) => ({ ...r, status: r.status ?? 'pending', attempts: r.attempts ?? 0, dueAt: r.dueAt ?? new Date() })),
    );
  }

  const row = async (id: string) => (await db().query<InterviewMailRow>(`SELECT * FROM interview_mails WHERE id = $1`, [id]))[0];
  const rowsWhen = (ids: string[], done: (r: InterviewMailRow) => boolean, timeoutMs = 15_000) =>
    waitFor(async () => {
      const rows = await Promise.all(ids.map(row));
      return rows.every(done) ? rows : undefined;
    }, timeoutMs);

  return { setUp, interviewer, interview, mails, row, rowsWhen, organizer: () => organizer };
}

describe('interview mails: invitations, cancellations and reminders through SMTP', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {
    INTERVIEW_MAIL_INTERVAL_MS: '300',
    INTERVIEW_MAIL_RETRY_BASE_MS: '300',
    INTERVIEW_MAIL_MAX_ATTEMPTS: '3',
    INTERVIEW_MAIL_CLAIM_GRACE_MS: '1000',
    INTERVIEW_MAIL_FROM: 'interviews@hire.example.com',
    SMTP_DATA_END_TIMEOUT_MS: '1500',
  };
  beforeAll(async () => {
    sink = await startSmtpSink();
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  afterAll(async () => {
    await sink?.close();
  });
  const suite = useApiAndWorker('interview_mails', overrides);
  const fx = interviewsOf(
    () => suite.db,
    () => suite.api.http,
  );
  beforeAll(() => fx.setUp());
  const domain = () => new URL(suite.config.PUBLIC_BASE_URL).hostname;
  const to = (address: string) => sink.messages.filter((m) => m.to.includes(address));
  /** interview_mails_total from the worker's /metrics, by "kind/outcome". */
  const mailCounts = async (): Promise<Record<string, number>> => {
    const res = await new HttpClient(suite.worker.url, { checkContract: false }).get('/metrics', { token: ADMIN_TOKEN });
    expect(res.status).toBe(200);
    const counts: Record<string, number> = {};
    for (const m of String(res.text).matchAll(/^interview_mails_total\{kind="(\w+)",outcome="(\w+)"\} (\d+)$/gm)) counts[`${m[1]}/${m[2]}`] = Number(m[3]);
    expect(Object.keys(counts)).toHaveLength(20);
    return counts;
  };
  const diff = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(after)
        .filter(([k, v]) => v !== before[k])
        .map(([k, v]) => [k, v - before[k]]),
    );

  it('invites the candidate and each interviewer once, each in their own zone, with an iTIP REQUEST that ical.js reads back', async () => {
    const wang = await fx.interviewer('王小明', 'Asia/Shanghai');
    const lee = await fx.interviewer('Sam Lee', null);
    const iv = await fx.interview({ startsAt: MONDAY_PST, panel: [wang, lee] });
    const requests = await fx.mails(iv.id, [
      { to: null, kind: 'request' },
      { to: wang.id, kind: 'request' },
      { to: lee.id, kind: 'request' },
    ]);
    const reminders = await fx.mails(iv.id, [
      { to: null, kind: 'reminder_24h', dueAt: new Date(MONDAY_PST.getTime() - 24 * HOUR) },
      { to: wang.id, kind: 'reminder_1h', dueAt: new Date(MONDAY_PST.getTime() - HOUR) },
    ]);
    const sent = await fx.rowsWhen(requests, (r) => r.status === 'sent');

    const organizer = fx.organizer();
    for (const [n, person] of [iv.candidate, wang, lee].entries()) {
      const state = sent[n];
      expect(state).toMatchObject({ attempts: 1, last_error: null, smtp_message_id: `<interview-mail.${state.id}@${domain()}>` });
      expect(state.sent_at).not.toBeNull();
      const mail = to(person.email);
      expect(mail.map((m) => m.messageId)).toEqual([state.smtp_message_id]);
      expect(mail[0].from).toBe('interviews@hire.example.com');
      expect(mail[0].headers.from).toBe('Jun Wang <interviews@hire.example.com>');
      expect(mail[0].headers['reply-to']).toBe(`<${organizer.email}>`);

      const inv = invitation(mail[0]);
      expect(inv.structure).toEqual(['multipart/mixed', 'text/plain', 'text/calendar', 'application/ics']);
      expect(inv.calendarType).toBe('text/calendar; charset=utf-8; method=REQUEST');
      expect(inv.attached!.headers['content-disposition']).toBe('attachment; filename="invite.ics"');
      expect(inv.attached!.body).toBe(inv.ics);
      expect(inv).toMatchObject({ method: 'REQUEST', uid: `${iv.id}@${domain()}`, sequence: 0, status: 'CONFIRMED', start: MONDAY_PST.toISOString() });
      expect(inv.organizer).toBe(organizer.email);
      expect(inv.attendees).toEqual([iv.candidate.email, wang.email, lee.email].sort());
    }
    const [candidateMail, wangMail, leeMail] = [iv.candidate, wang, lee].map((p) => to(p.email)[0]);
    expect(candidateMail.subject).toBe('Invitation: ByteDance technical interview: Wei Zhang (Mon 14 Jan 2030, 17:00 PST)');
    expect(invitation(candidateMail).text).toContain('When: Monday 14 January 2030, 17:00–18:00 (America/Los_Angeles, PST)\n');
    expect(invitation(candidateMail).text).toContain('- Tuesday 15 January 2030, 09:00–10:00 in Asia/Shanghai (GMT+8): 王小明 (interviewer)\n');
    expect(wangMail.subject).toBe('Invitation: ByteDance technical interview: Wei Zhang (Tue 15 Jan 2030, 09:00 GMT+8)');
    expect(invitation(wangMail).text).toContain('Hello 王小明,\n');
    expect(invitation(wangMail).text).toContain('When: Tuesday 15 January 2030, 09:00–10:00 (Asia/Shanghai, GMT+8)\n');
    // No interviewer profile: the task force's zone.
    expect(invitation(leeMail).text).toContain('When: Monday 14 January 2030, 17:00–18:00 (America/Los_Angeles, PST)\n');

    // Reminders wait for their time; nothing goes twice meanwhile.
    await new Promise((r) => setTimeout(r, 1000));
    expect((await Promise.all(reminders.map(fx.row))).map((r) => r.status)).toEqual(['pending', 'pending']);
    for (const person of [iv.candidate, wang, lee]) expect(to(person.email)).toHaveLength(1);
  });

  it('on a reschedule skips the older sequence, sends the update, and cancels the member taken off the panel', async () => {
    const kept = await fx.interviewer('Ana Ruiz', 'America/New_York');
    const removed = await fx.interviewer('Li Wei', 'Asia/Shanghai');
    const added = await fx.interviewer('Priya Nair', 'America/Los_Angeles');
    const movedTo = new Date(MONDAY_PST.getTime() + 7 * 24 * HOUR + 3 * HOUR);
    const iv = await fx.interview({ startsAt: movedTo, panel: [kept, added], sequence: 1 });
    // The member taken off still has the panel row of the time they were invited to.
    await suite.db.query(`INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) VALUES ($1, $2, $3, $4, false)`, [
      iv.id,
      removed.id,
      MONDAY_PST,
      new Date(MONDAY_PST.getTime() + HOUR),
    ]);
    const earlier = new Date(Date.now() - 60_000);
    // Sequence 0 went out before the move (to the removed member too); its request to the candidate was still waiting.
    await fx.mails(iv.id, [
      { to: removed.id, kind: 'request', status: 'sent', attempts: 1, dueAt: earlier },
      { to: kept.id, kind: 'request', status: 'sent', attempts: 1, dueAt: earlier },
    ]);
    const [stale, staleReminder, update, keptUpdate, addedRequest, cancel] = await fx.mails(iv.id, [
      { to: null, kind: 'request', sequence: 0, dueAt: earlier },
      { to: kept.id, kind: 'reminder_1h', sequence: 0, dueAt: earlier },
      { to: null, kind: 'request', sequence: 1 },
      { to: kept.id, kind: 'request', sequence: 1 },
      { to: added.id, kind: 'request', sequence: 1 },
      { to: removed.id, kind: 'cancel', sequence: 1 },
    ]);
    const rows = await fx.rowsWhen([stale, staleReminder, update, keptUpdate, addedRequest, cancel], (r) => !['pending', 'sending'].includes(r.status));
    expect(rows.map((r) => r.status)).toEqual(['skipped', 'skipped', 'sent', 'sent', 'sent', 'sent']);
    expect(rows[0]).toMatchObject({ last_error: 'the interview was rescheduled (sequence 1, this mail 0)', attempts: 0, smtp_message_id: null });
    expect(rows[1].last_error).toBe('the interview was rescheduled (sequence 1, this mail 0)');

    const candidateMail = to(iv.candidate.email);
    expect(candidateMail).toHaveLength(1);
    expect(candidateMail[0].subject).toBe('Updated: ByteDance technical interview: Wei Zhang (Mon 21 Jan 2030, 20:00 PST)');
    const update0 = invitation(candidateMail[0]);
    expect(update0).toMatchObject({ method: 'REQUEST', uid: `${iv.id}@${domain()}`, sequence: 1, start: movedTo.toISOString() });
    expect(update0.text).toContain('has been moved to a new time.');
    expect(update0.attendees).toEqual([iv.candidate.email, kept.email, added.email].sort());
    // 04:00 UTC is 23:00 the evening before in New York: the text names both days.
    expect(invitation(to(kept.email)[0]).text).toContain('When: Monday 21 January 2030, 23:00 – Tuesday 22 January 2030, 00:00 (America/New_York, EST)\n');

    const cancelMail = to(removed.email);
    expect(cancelMail).toHaveLength(1);
    const withdrawn = invitation(cancelMail[0]);
    expect(withdrawn).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', uid: `${iv.id}@${domain()}`, sequence: 2, start: MONDAY_PST.toISOString() });
    expect(withdrawn.calendarType).toBe('text/calendar; charset=utf-8; method=CANCEL');
    expect(withdrawn.attendees).toContain(removed.email);
    expect(cancelMail[0].subject).toBe('Cancelled: ByteDance technical interview: Wei Zhang (Tue 15 Jan 2030, 09:00 GMT+8)');
  });

  it('cancels to everyone invited, skips the reminders and a request the cancel overtook, and a cancel to someone never invited', async () => {
    const wang = await fx.interviewer('王小明', 'Asia/Shanghai');
    const startsAt = new Date(MONDAY_PST.getTime() + 14 * 24 * HOUR);
    const iv = await fx.interview({ startsAt, panel: [wang] });
    const [candidateRequest, wangRequest] = await fx.mails(iv.id, [
      { to: null, kind: 'request' },
      { to: wang.id, kind: 'request' },
    ]);
    await fx.rowsWhen([candidateRequest, wangRequest], (r) => r.status === 'sent');
    const later = await fx.interviewer('Ana Ruiz', 'America/New_York');
    await suite.db.query(`INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) VALUES ($1, $2, $3, $4, true)`, [
      iv.id,
      later.id,
      startsAt,
      iv.endsAt,
    ]);
    const [reminder, lateRequest] = await fx.mails(iv.id, [
      { to: wang.id, kind: 'reminder_24h', dueAt: new Date(startsAt.getTime() - 24 * HOUR) },
      { to: later.id, kind: 'request', dueAt: new Date(Date.now() + 60 * 60_000) },
    ]);

    // The cancel as the scheduling code writes it: status, pending reminders skipped, cancel rows at the interview's sequence.
    await suite.db.query(`UPDATE interviews SET status = 'cancelled', cancel_reason = 'candidate withdrew', updated_at = now() WHERE id = $1`, [iv.id]);
    await suite.db.query(`UPDATE interview_mails SET status = 'skipped' WHERE id = $1 AND status = 'pending'`, [reminder]);
    await suite.db.query(`UPDATE interview_mails SET due_at = now() WHERE id = $1`, [lateRequest]);
    const cancels = await fx.mails(iv.id, [
      { to: null, kind: 'cancel' },
      { to: wang.id, kind: 'cancel' },
      { to: later.id, kind: 'cancel' },
    ]);
    const rows = await fx.rowsWhen([lateRequest, ...cancels], (r) => !['pending', 'sending'].includes(r.status));
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([
      ['skipped', 'the interview is cancelled'],
      ['sent', null],
      ['sent', null],
      ['skipped', 'no invitation went to the recipient: nothing to cancel'],
    ]);
    for (const person of [iv.candidate, wang]) {
      const mails = to(person.email);
      expect(mails.map((m) => m.subject.split(':')[0])).toEqual(['Invitation', 'Cancelled']);
      const c = invitation(mails[1]);
      expect(c).toMatchObject({ method: 'CANCEL', status: 'CANCELLED', uid: `${iv.id}@${domain()}`, sequence: 1, start: startsAt.toISOString() });
      expect(c.text).toContain('has been cancelled.');
    }
    expect(invitation(to(wang.email)[1]).text).toContain('It was scheduled for: Tuesday 29 January 2030, 09:00–10:00 (Asia/Shanghai, GMT+8)');
    expect(to(later.email)).toHaveLength(0);
  });

  it('sends due reminders as plain text in the recipient’s zone, and skips those too late or of an older sequence', async () => {
    const wang = await fx.interviewer('王小明', 'Asia/Shanghai');
    const startsAt = new Date(Math.ceil((Date.now() + 40 * 60_000) / 60_000) * 60_000);
    // Rescheduled once: the reminders of sequence 0 that the reschedule did not catch are stale.
    const iv = await fx.interview({ startsAt, panel: [wang], sequence: 1 });
    const [dayBefore, hourBefore, wangHour, older] = await fx.mails(iv.id, [
      { to: null, kind: 'reminder_24h', sequence: 1, dueAt: new Date(startsAt.getTime() - 24 * HOUR) },
      { to: null, kind: 'reminder_1h', sequence: 1, dueAt: new Date(startsAt.getTime() - HOUR) },
      { to: wang.id, kind: 'reminder_1h', sequence: 1, dueAt: new Date(startsAt.getTime() - HOUR) },
      { to: wang.id, kind: 'reminder_1h', sequence: 0, dueAt: new Date(startsAt.getTime() - HOUR - 60_000) },
    ]);
    const begun = await fx.interview({ startsAt: new Date(Date.now() - 5 * 60_000), panel: [] });
    const [afterStart] = await fx.mails(begun.id, [{ to: null, kind: 'reminder_1h', dueAt: new Date(Date.now() - 65 * 60_000) }]);

    const rows = await fx.rowsWhen([dayBefore, hourBefore, wangHour, older, afterStart], (r) => !['pending', 'sending'].includes(r.status));
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([
      ['skipped', 'too late for the 24-hour reminder'],
      ['sent', null],
      ['sent', null],
      ['skipped', 'the interview was rescheduled (sequence 1, this mail 0)'],
      ['skipped', 'too late for the 1-hour reminder: the interview has begun'],
    ]);
    const [candidateMail] = to(iv.candidate.email);
    expect(to(iv.candidate.email)).toHaveLength(1);
    expect(candidateMail.subject).toBe('Reminder: ByteDance technical interview: Wei Zhang in 1 hour');
    expect(candidateMail.headers['content-type']).toBe('text/plain; charset=utf-8');
    const la = localSpan(startsAt, iv.endsAt, 'America/Los_Angeles');
    const body = leaves(candidateMail.headers, candidateMail.body)[0].body.replace(/\r\n/g, '\n');
    expect(body).toContain('This is a reminder: the interview "ByteDance technical interview: Wei Zhang" starts in 1 hour.\n');
    expect(body).toContain(`When: ${la.range} (America/Los_Angeles, ${la.abbreviation})\n`);
    expect(body).toContain('Where: https://meet.example.com/abc-defg-hij\n');
    const [wangMail] = to(wang.email);
    const beijing = localSpan(startsAt, iv.endsAt, 'Asia/Shanghai');
    expect(leaves(wangMail.headers, wangMail.body)[0].body).toContain(`When: ${beijing.range} (Asia/Shanghai, GMT+8)\r\n`);
    expect(to(wang.email)).toHaveLength(1);
    expect(wangMail.messageId).toBe(rows[2].smtp_message_id);
    expect(to(begun.candidate.email)).toHaveLength(0);
  });

  it('fails a mail refused for good, retries a transient refusal with backoff and sends it once, and gives up after the last attempt', async () => {
    const greylisted = await fx.interviewer('Sam Lee', 'America/Los_Angeles');
    const full = await fx.interviewer('Ana Ruiz', 'America/New_York');
    const iv = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + 21 * 24 * HOUR), panel: [greylisted, full] });
    sink.rcptReplies.set(iv.candidate.email.toLowerCase(), { code: 550, text: `5.1.1 <${iv.candidate.email}>: Recipient address rejected: User unknown` });
    sink.rcptReplies.set(greylisted.email.toLowerCase(), { code: 451, text: '4.7.1 Greylisted, try again later', times: 2 });
    sink.rcptReplies.set(full.email.toLowerCase(), { code: 452, text: '4.2.2 Mailbox full' });
    const counted = await mailCounts();
    try {
      const ids = await fx.mails(iv.id, [
        { to: null, kind: 'request' },
        { to: greylisted.id, kind: 'request' },
        { to: full.id, kind: 'request' },
      ]);
      const retrying = await waitFor(async () => {
        const r = await fx.row(ids[1]);
        return r.status === 'pending' && r.attempts === 1 ? r : undefined;
      });
      expect(retrying.last_error).toBe('attempt 1 failed: 451 4.7.1 Greylisted, try again later');
      expect(retrying.due_at.getTime()).toBeGreaterThan(Date.now() - 1000);

      const [refused, retried, gaveUp] = await fx.rowsWhen(ids, (r) => !['pending', 'sending'].includes(r.status));
      expect(refused).toMatchObject({ status: 'failed', attempts: 1, sent_at: null });
      // What is kept names no address.
      expect(refused.last_error).toBe('550 5.1.1 <[email]>: Recipient address rejected: User unknown');
      expect(retried).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
      expect(gaveUp).toMatchObject({ status: 'failed', attempts: 3, last_error: 'gave up after 3 attempts: 452 4.2.2 Mailbox full' });
      expect(to(greylisted.email).map((m) => m.messageId)).toEqual([retried.smtp_message_id]);
      expect(to(iv.candidate.email)).toHaveLength(0);
      expect(to(full.email)).toHaveLength(0);
      // The worker's /metrics counts each attempt's outcome by kind: two failed, four retries, one sent.
      expect(diff(counted, await mailCounts())).toEqual({ 'request/failed': 2, 'request/retried': 4, 'request/sent': 1 });
    } finally {
      sink.rcptReplies.clear();
    }
  });

  it('marks a mail uncertain when no answer came to its final dot, and never resends it by itself', async () => {
    const iv = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + 28 * 24 * HOUR), panel: [] });
    sink.delayMs = 3000;
    let id: string;
    try {
      [id] = await fx.mails(iv.id, [{ to: null, kind: 'request' }]);
      const [uncertain] = await fx.rowsWhen([id], (r) => r.status === 'uncertain');
      expect(uncertain.attempts).toBe(1);
      expect(uncertain.last_error).toMatch(/^the message may have been accepted \(.*end of the data.*\); check and resend if it did not arrive$/);
      expect(uncertain.smtp_message_id).toBe(`<interview-mail.${id}@${domain()}>`);
    } finally {
      sink.delayMs = 0;
    }
    await new Promise((r) => setTimeout(r, 3500));
    expect((await fx.row(id)).status).toBe('uncertain');
    expect(to(iv.candidate.email)).toHaveLength(1);
  });

  it('marks a claim whose sender died uncertain, and sends the later mails to that person after it', async () => {
    const iv = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + 35 * 24 * HOUR), panel: [] });
    // What a process leaves behind when it dies between the claim and recording the SMTP answer.
    const [abandoned] = await fx.mails(iv.id, [{ to: null, kind: 'request', status: 'sending', attempts: 1, dueAt: new Date(Date.now() - 120_000) }]);
    await suite.db.query(`UPDATE interview_mails SET claimed_at = now() - interval '1 minute' WHERE id = $1`, [abandoned]);
    const [reminder] = await fx.mails(iv.id, [{ to: null, kind: 'reminder_24h', dueAt: new Date(Date.now() - 60_000) }]);
    await suite.db.query(`UPDATE interview_mails SET due_at = now() - interval '1 minute' WHERE id = $1`, [reminder]);
    const [marked, after] = await fx.rowsWhen([abandoned, reminder], (r) => !['pending', 'sending'].includes(r.status));
    expect(marked).toMatchObject({ status: 'uncertain', attempts: 1 });
    expect(marked.last_error).toContain('stopped before the SMTP result was recorded');
    expect(after.status).toBe('sent');
    expect(to(iv.candidate.email).map((m) => m.messageId)).toEqual([after.smtp_message_id]);
  });

  it('skips mail about an erased candidate, and mail to a candidate without an address', async () => {
    const wang = await fx.interviewer('王小明', 'Asia/Shanghai');
    const erased = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + 42 * 24 * HOUR), panel: [wang] });
    expect((await suite.api.http.delete(`/v1/candidates/${erased.candidateId}`)).status).toBeLessThan(300);
    const lee = await fx.interviewer('Sam Lee', null);
    const noAddress = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + 43 * 24 * HOUR), panel: [lee], candidateAddress: null });
    const ids = [
      ...(await fx.mails(erased.id, [
        { to: null, kind: 'request' },
        { to: wang.id, kind: 'request' },
      ])),
      ...(await fx.mails(noAddress.id, [
        { to: null, kind: 'request' },
        { to: lee.id, kind: 'request' },
      ])),
    ];
    const rows = await fx.rowsWhen(ids, (r) => !['pending', 'sending'].includes(r.status));
    expect(rows.map((r) => [r.status, r.last_error])).toEqual([
      ['skipped', 'the candidate was erased'],
      ['skipped', 'the candidate was erased'],
      ['skipped', 'the candidate has no email address'],
      ['sent', null],
    ]);
    expect(to(wang.email)).toHaveLength(0);
    // Without the candidate's address the invitation lists the panel only.
    expect(invitation(to(lee.email)[0]).attendees).toEqual([lee.email]);
  });

  it('shows the task force each mail’s state, and lets it send an uncertain or failed mail again (same Message-ID) or mark one sent', async () => {
    const http = suite.api.http;
    const lee = await fx.interviewer('Sam Lee', 'America/Los_Angeles');
    const iv = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + 49 * 24 * HOUR), panel: [lee] });
    // As the sender leaves them: an invitation nobody knows arrived, one refused for good, a reminder
    // nobody knows arrived, and an invitation that went out.
    const [uncertain, failed, reminder, sent] = await fx.mails(iv.id, [
      { to: null, kind: 'request', status: 'uncertain', attempts: 1 },
      { to: lee.id, kind: 'request', status: 'failed', attempts: 3 },
      { to: lee.id, kind: 'reminder_24h', status: 'uncertain', attempts: 1 },
      { to: null, kind: 'reminder_1h', status: 'sent', attempts: 1 },
    ]);
    await suite.db.query(`UPDATE interview_mails SET last_error = 'gave up after 3 attempts: 452 4.2.2 Mailbox full' WHERE id = $1`, [failed]);

    const listed = await http.get(`/v1/interviews/${iv.id}/mails?limit=3`);
    expect(listed.status).toBe(200);
    const rest = await http.get(`/v1/interviews/${iv.id}/mails?limit=3&cursor=${listed.body.nextCursor}`);
    const all = [...listed.body.data, ...rest.body.data];
    expect(rest.body.nextCursor).toBeNull();
    expect(all.map((m: { id: string }) => m.id)).toEqual([uncertain, failed, reminder, sent].sort());
    expect(all.find((m: { id: string }) => m.id === failed)).toEqual({
      id: failed,
      interviewId: iv.id,
      kind: 'request',
      recipient: 'interviewer',
      recipientUserId: lee.id,
      sequence: 0,
      status: 'failed',
      attempts: 3,
      dueAt: expect.any(String),
      sentAt: null,
      messageId: null,
      detail: 'gave up after 3 attempts: 452 4.2.2 Mailbox full',
    });
    expect(all.find((m: { id: string }) => m.id === uncertain)).toMatchObject({ recipient: 'candidate', recipientUserId: null, status: 'uncertain' });

    // Another task force's recruiter, and an unknown id, get the same 404; nothing changes.
    const outsider = await createUser(http, 'recruiter', 'outsider');
    for (const [method, url] of [
      ['GET', `/v1/interviews/${iv.id}/mails`],
      ['POST', `/v1/interview-mails/${uncertain}/resend`],
      ['POST', `/v1/interview-mails/${uncertain}/mark-sent`],
    ] as const) {
      const res = await http.request<{ code: string }>(method, url, undefined, { token: outsider.token });
      expect([url, res.status, res.body.code]).toEqual([url, 404, method === 'GET' ? 'interview_not_found' : 'interview_mail_not_found']);
    }
    expect((await http.post(`/v1/interview-mails/${randomUUID()}/resend`)).body.code).toBe('interview_mail_not_found');
    expect((await fx.row(uncertain)).status).toBe('uncertain');

    // A mail a sender holds (its row locked until SMTP answers) is refused at once, not waited for.
    const holder = new Client({ connectionString: suite.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT 1 FROM interview_mails WHERE id = $1 FOR UPDATE`, [uncertain]);
      const busy = await http.post(`/v1/interview-mails/${uncertain}/resend`);
      expect([busy.status, busy.body.code]).toEqual([409, 'interview_mail_sending']);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }

    // Only what is unsettled can be settled.
    const again = await http.post(`/v1/interview-mails/${sent}/resend`);
    expect([again.status, again.body.code, again.body.mailStatus]).toEqual([422, 'interview_mail_not_resendable', 'sent']);
    const marked = await http.post(`/v1/interview-mails/${failed}/mark-sent`);
    expect([marked.status, marked.body.code]).toEqual([422, 'interview_mail_not_uncertain']);

    const settled = await http.post(`/v1/interview-mails/${reminder}/mark-sent`);
    expect(settled.status).toBe(200);
    expect(settled.body).toMatchObject({ status: 'sent', detail: expect.stringMatching(/^marked sent by /) });
    expect(settled.body.sentAt).not.toBeNull();
    // The uncertain one keeps the Message-ID it may have gone out with; the refused one never had one.
    for (const [id, messageId] of [
      [uncertain, `<interview-mail.${uncertain}@${domain()}>`],
      [failed, null],
    ]) {
      const res = await http.post(`/v1/interview-mails/${id}/resend`);
      expect([res.status, res.body.status, res.body.attempts, res.body.messageId]).toEqual([200, 'pending', 0, messageId]);
    }
    // The sender takes them like any other mail, with the Message-IDs they always had; the reminder marked sent stays put.
    const [candidateMail, leeMail] = await fx.rowsWhen([uncertain, failed], (r) => r.status === 'sent');
    expect(candidateMail.smtp_message_id).toBe(`<interview-mail.${uncertain}@${domain()}>`);
    expect(to(iv.candidate.email).map((m) => m.messageId)).toEqual([candidateMail.smtp_message_id]);
    expect(to(lee.email).map((m) => m.messageId)).toEqual([leeMail.smtp_message_id]);
    expect((await fx.row(reminder)).status).toBe('sent');
    const audit = await suite.db.query<{ action: string }>(`SELECT action FROM audit_log WHERE entity_id = $1`, [iv.id]);
    expect(audit.map((a) => a.action).sort()).toEqual(['interview_mail.marked_sent', 'interview_mail.resent', 'interview_mail.resent']);
  });

  it('never delivered one Message-ID twice in this whole suite', () => {
    const ids = sink.messages.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('interview mails when a worker process is killed (kill -9) in the middle of sending', () => {
  let sink: SmtpSink;
  const overrides: Record<string, string> = {};
  beforeAll(async () => {
    sink = await startSmtpSink();
    overrides.SMTP_URL = `smtp://127.0.0.1:${sink.port}`;
  });
  const suite = useApi('interview_mails_kill', overrides);
  const fx = interviewsOf(
    () => suite.db,
    () => suite.api.http,
  );
  beforeAll(() => fx.setUp());
  const workers: BuiltProcess[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await sink?.close();
  });
  const workerEnv = {
    INTERVIEW_MAIL_INTERVAL_MS: '200',
    INTERVIEW_MAIL_CLAIM_GRACE_MS: '1000',
    INTERVIEW_MAIL_FROM: 'interviews@hire.example.com',
    SMTP_MAX_CONNECTIONS: '2',
    LOG_LEVEL: 'error',
  };

  it('sends no mail twice and loses none: the dead worker’s claims become uncertain, the rest go out once', async () => {
    const panel = [await fx.interviewer('王小明', 'Asia/Shanghai'), await fx.interviewer('Sam Lee', null)];
    const ids: string[] = [];
    for (let n = 0; n < 20; n++) {
      const iv = await fx.interview({ startsAt: new Date(MONDAY_PST.getTime() + n * 2 * HOUR), panel });
      ids.push(
        ...(await fx.mails(iv.id, [
          { to: null, kind: 'request' },
          { to: panel[0].id, kind: 'request' },
          { to: panel[1].id, kind: 'request' },
        ])),
      );
    }
    // Slow enough that the worker is in the middle of a batch when it dies.
    sink.delayMs = 150;
    const doomed = await spawnWorkerFromSource(suite.config, { ...overrides, ...workerEnv });
    workers.push(doomed);
    const sendingNow = async () => (await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM interview_mails WHERE status = 'sending'`))[0].n;
    await waitFor(async () => sink.messages.length >= 5 && (await sendingNow()) > 0, 30_000, 20);
    process.kill(doomed.pid, 'SIGKILL');
    await doomed.stop();
    workers.splice(workers.indexOf(doomed), 1);
    // What the dead worker held: claimed, some handed to SMTP, none recorded. A claim it had sent
    // just before dying may still commit on the server: count once the number stops moving.
    let abandoned = await sendingNow();
    for (let still = 0; still < 3;) {
      await new Promise((r) => setTimeout(r, 200));
      const now = await sendingNow();
      still = now === abandoned ? still + 1 : 0;
      abandoned = now;
    }
    expect(abandoned).toBeGreaterThan(0);
    sink.delayMs = 0;

    workers.push(await spawnWorkerFromSource(suite.config, { ...overrides, ...workerEnv }));
    const rows = await fx.rowsWhen(ids, (r) => r.status === 'sent' || r.status === 'uncertain', 60_000);
    // Whatever arrives late from the dead worker's connections has arrived by now.
    await new Promise((r) => setTimeout(r, 500));

    const copies = new Map<string, number>();
    for (const m of sink.messages) copies.set(m.messageId!, (copies.get(m.messageId!) ?? 0) + 1);
    expect([...copies.values()].every((n) => n === 1)).toBe(true);
    const sent = rows.filter((r) => r.status === 'sent');
    const uncertain = rows.filter((r) => r.status === 'uncertain');
    for (const r of sent) expect(copies.get(r.smtp_message_id!)).toBe(1);
    for (const r of uncertain) {
      expect(r.last_error).toContain('stopped before the SMTP result was recorded');
      expect(copies.get(`<interview-mail.${r.id}@${new URL(suite.config.PUBLIC_BASE_URL).hostname}>`) ?? 0).toBeLessThanOrEqual(1);
    }
    // One batch per run the dead worker had going (its maintenance jobs overlap when a run outlasts the interval).
    expect(uncertain).toHaveLength(abandoned);
    expect(sent.length + uncertain.length).toBe(60);
    // Every message that arrived belongs to a row the database calls sent or uncertain.
    const known = new Set(rows.map((r) => `<interview-mail.${r.id}@${new URL(suite.config.PUBLIC_BASE_URL).hostname}>`));
    expect(sink.messages.every((m) => known.has(m.messageId!))).toBe(true);
  });
});

describe('interview mails against a real Postfix', () => {
  let postfix: PostfixInstance;
  const overrides: Record<string, string> = { INTERVIEW_MAIL_INTERVAL_MS: '300', INTERVIEW_MAIL_FROM: 'interviews@hire.example.com' };
  beforeAll(async () => {
    postfix = await startPostfix();
    overrides.SMTP_URL = postfix.smtpUrl;
  }, 120_000);
  afterAll(async () => {
    await postfix?.close();
  });
  const suite = useApiAndWorker('interview_mails_postfix', overrides);
  const fx = interviewsOf(
    () => suite.db,
    () => suite.api.http,
  );
  beforeAll(() => fx.setUp());

  it('delivers an invitation once into each Maildir, its calendar intact', async () => {
    const wang = await fx.interviewer('王小明', 'Asia/Shanghai');
    wang.email = await postfix.addMailbox(`wang.${unique()}`);
    await suite.db.query(`UPDATE users SET email = $2 WHERE id = $1`, [wang.id, wang.email]);
    const iv = await fx.interview({ startsAt: MONDAY_PST, panel: [wang], candidateAddress: await postfix.addMailbox(`wei.${unique()}`) });
    const ids = await fx.mails(iv.id, [
      { to: null, kind: 'request' },
      { to: wang.id, kind: 'request' },
    ]);
    const rows = await fx.rowsWhen(ids, (r) => r.status === 'sent', 20_000);
    for (const [n, person] of [iv.candidate, wang].entries()) {
      await waitFor(async () => postfix.delivered(person.email).length > 0, 10_000);
      const [delivered] = postfix.delivered(person.email);
      expect(delivered.headers['message-id']).toBe(rows[n].smtp_message_id);
      expect(delivered.headers['return-path']).toBe('<interviews@hire.example.com>');
      // Postfix writes the Maildir with LF line ends; SMTP carried CRLF.
      const raw = delivered.raw.replace(/\r?\n/g, '\r\n');
      const end = raw.indexOf('\r\n\r\n');
      const inv = invitation({ headers: headersOf(raw.slice(0, end)), body: raw.slice(end + 4) } as SinkMessage);
      expect(inv).toMatchObject({
        method: 'REQUEST',
        uid: `${iv.id}@${new URL(suite.config.PUBLIC_BASE_URL).hostname}`,
        sequence: 0,
        start: MONDAY_PST.toISOString(),
      });
      expect(inv.attendees).toEqual([iv.candidate.email, wang.email].sort());
      expect(inv.attached!.body).toBe(inv.ics);
      expect(inv.text).toContain(person === wang ? 'Hello 王小明,\n' : 'Hello Wei Zhang,\n');
    }
    // A late second copy would land within Postfix's queue run; none may come.
    await new Promise((r) => setTimeout(r, 1500));
    expect(postfix.delivered(iv.candidate.email)).toHaveLength(1);
    expect(postfix.delivered(wang.email)).toHaveLength(1);
    expect(await postfix.queued()).toBe(0);
  });
});
