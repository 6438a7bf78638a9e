import { setMaxListeners } from 'node:events';
import { AppConfig, Clock, MailDeliveryError, Mailer, MetricsService, OutgoingMail, returnedRows, scrubText } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter } from 'prom-client';
import { DataSource, QueryRunner } from 'typeorm';
import { buildInvitation, buildReminder, InterviewForInvitation, InvitationPerson } from './invitation';

export type InterviewMailKind = 'request' | 'cancel' | 'reminder_24h' | 'reminder_1h';
const MAIL_KINDS: InterviewMailKind[] = ['request', 'cancel', 'reminder_24h', 'reminder_1h'];
const MAIL_OUTCOMES = ['sent', 'failed', 'uncertain', 'retried', 'skipped'] as const;

/** What one run of the sender came to, by outcome (counts only: never an address or a name). */
export interface InterviewMailRun {
  sent: number;
  skipped: number;
  retried: number;
  failed: number;
  uncertain: number;
  /** Claims of a sender that died, marked uncertain by this run. */
  abandoned: number;
}

/** A claimed mail as its sending transaction reads it, locked. */
export interface MailRow {
  id: string;
  interview_id: string;
  recipient_user_id: string | null;
  kind: InterviewMailKind;
  sequence: number;
  attempts: number;
}

/** The interview a mail is about, as it stands when the mail goes out. */
export interface InterviewNow {
  id: string;
  status: 'scheduled' | 'cancelled';
  sequence: number;
  kind: string;
  starts_at: Date;
  ends_at: Date;
  candidate_time_zone: string;
  location: string | null;
  tf_company: string;
  tf_time_zone: string;
  /** The candidate, or the one a merge kept. */
  candidate_name: string | null;
  candidate_email: string | null;
  candidate_erased: boolean;
  organizer_name: string | null;
  organizer_email: string | null;
}

export interface PanelMember {
  interview_id: string;
  user_id: string;
  active: boolean;
  starts_at: Date;
  ends_at: Date;
  name: string;
  email: string;
  time_zone: string | null;
}

export interface MailContext {
  interview: InterviewNow | undefined;
  /** Everyone who sits or sat on the interview's panel. */
  panel: PanelMember[];
  /** Whether a request to this recipient was sent, may have been (uncertain), or is being sent. */
  invited: boolean;
}

const HOUR = 3600_000;
/** Mails one run of the schedule sends at most; the next run, a few seconds later, goes on. */
export const INTERVIEW_MAILS_PER_RUN = 200;
/** Mails claimed, sent and recorded together: also the most a process killed mid-run can leave uncertain. */
const CLAIM_BATCH = 10;

/**
 * Why a claimed mail no longer applies, or null when it is still to be sent. Invitations and
 * reminders belong to one sequence of the interview: a reschedule or a cancel makes those of older
 * sequences stale. A cancel goes to someone who may hold the event: the candidate and the panel of
 * a cancelled interview, or a panel member taken off it, and only if a request went their way.
 * Reminders are for a time still ahead: the 24-hour one is stale once the 1-hour one is due, the
 * 1-hour one once the interview has begun.
 */
export function skipReason(row: MailRow, ctx: MailContext, now: Date): string | null {
  const i = ctx.interview;
  if (!i) return 'the interview is gone';
  if (i.candidate_erased) return 'the candidate was erased';
  const member = row.recipient_user_id ? ctx.panel.find((p) => p.user_id === row.recipient_user_id) : undefined;
  if (row.recipient_user_id && !member) return 'the recipient is not on the panel';
  if (!row.recipient_user_id && !i.candidate_email) return 'the candidate has no email address';
  const onPanel = !row.recipient_user_id || member!.active;
  if (row.kind === 'cancel') {
    if (i.status === 'scheduled' && onPanel) return row.recipient_user_id ? 'the recipient is on the panel again' : 'the interview is not cancelled';
    if (!ctx.invited) return 'no invitation went to the recipient: nothing to cancel';
    if (now.getTime() >= i.ends_at.getTime()) return 'the interview is over';
    return null;
  }
  if (i.status === 'cancelled') return 'the interview is cancelled';
  if (row.sequence !== i.sequence) return `the interview was rescheduled (sequence ${i.sequence}, this mail ${row.sequence})`;
  if (!onPanel) return 'the recipient is no longer on the panel';
  if (row.kind === 'request' && now.getTime() >= i.ends_at.getTime()) return 'the interview is over';
  if (row.kind === 'reminder_24h' && now.getTime() >= i.starts_at.getTime() - HOUR) return 'too late for the 24-hour reminder';
  if (row.kind === 'reminder_1h' && now.getTime() >= i.starts_at.getTime()) return 'too late for the 1-hour reminder: the interview has begun';
  return null;
}

const KIND_WORDS: Record<string, string> = {
  recruiter_screen: 'recruiter screen',
  technical: 'technical interview',
  research_talk: 'research talk',
  system_design: 'system design interview',
  hiring_manager: 'hiring manager interview',
  executive: 'executive interview',
};

/** 'ByteDance technical interview: Wei Zhang': the calendar event's title, the same for everyone invited. */
export function interviewTitle(kind: string, company: string, candidateName: string): string {
  return `${company} ${KIND_WORDS[kind] ?? `${kind.replace(/_/g, ' ')} interview`}: ${candidateName}`;
}

/** The right-hand side of interview Message-IDs and calendar UIDs: the host the public knows this system by. */
export function interviewMailDomain(config: AppConfig): string {
  const host = new URL(config.PUBLIC_BASE_URL).hostname;
  return HOST.test(host) ? host.toLowerCase() : 'localhost';
}

/** The Message-ID of an interview mail: the same on every attempt, so a receiving system can tell a retry from a new message. */
export function interviewMailMessageId(id: string, domain: string): string {
  return `<interview-mail.${id}@${domain}>`;
}

/** What goes before and after the mail's id in its Message-ID, for a statement that makes many. */
function interviewMailMessageIdAround(domain: string): [string, string] {
  const [before, after] = interviewMailMessageId('\u0000', domain).split('\u0000');
  return [before, after];
}

type Outcome =
  | { status: 'sent'; messageId: string }
  | { status: 'skipped' | 'failed'; detail: string; unsent: boolean }
  | { status: 'pending'; detail: string; dueAt: Date; unsent: boolean }
  | { status: 'uncertain'; detail: string; messageId: string };

const HOST = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const ABANDONED = 'the sending process stopped before the SMTP result was recorded; check and resend if it did not arrive';

/** Each promise's settlement, or undefined for those still pending after `ms`. */
async function settledWithin<T>(promises: Promise<T>[], ms: number): Promise<(PromiseSettledResult<T> | undefined)[]> {
  const settled: (PromiseSettledResult<T> | undefined)[] = new Array(promises.length).fill(undefined);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(
      promises.map((p, i) =>
        p.then(
          (value) => void (settled[i] = { status: 'fulfilled', value }),
          (reason: unknown) => void (settled[i] = { status: 'rejected', reason }),
        ),
      ),
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
  return settled;
}

/**
 * Turns `interview_mails` rows into mail, each exactly once, with any number of workers racing
 * (docs/interviews.md, "Invitations and reminders"). Postgres decides, as for outreach:
 * 1. claim: due `pending` rows become `sending` (attempts + 1) in one statement committed on its
 *    own, before anything leaves; a row waits while an earlier mail to the same person about the
 *    same interview is pending or being sent, so a cancel never overtakes its invitation;
 * 2. a transaction locks the claimed rows and the interviews (FOR SHARE: a reschedule or cancel
 *    waits for it), re-reads the interview, the panel and the people, skips what no longer
 *    applies, hands the rest to SMTP and records every outcome in the same commit.
 * A process that dies between the claim and that commit leaves rows `sending` and unlocked; a
 * later run marks those older than INTERVIEW_MAIL_CLAIM_GRACE_MS `uncertain`, never resending them.
 */
@Injectable()
export class InterviewMails {
  private readonly logger = new Logger(InterviewMails.name);
  /** The right-hand side of Message-IDs and calendar UIDs: the host the public knows this system by. */
  private readonly domain: string;

  /** What became of each mail a sender took, for alerting on the failed and the uncertain. */
  private readonly outcomes: Counter<'kind' | 'outcome'>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    metrics: MetricsService,
  ) {
    this.domain = interviewMailDomain(config);
    this.outcomes = new Counter({
      name: 'interview_mails_total',
      help: 'Interview mails by kind and what a send came to: sent, failed, uncertain (a claim of a sender that died included), retried, skipped',
      labelNames: ['kind', 'outcome'],
      registers: [metrics.registry],
    });
    for (const kind of MAIL_KINDS) for (const outcome of MAIL_OUTCOMES) this.outcomes.inc({ kind, outcome }, 0);
  }

  /**
   * Sends up to `limit` due mails, a batch of CLAIM_BATCH at a time (each batch its own claim and
   * commit, so a process killed mid-run leaves at most one batch uncertain); answers with what
   * became of them.
   */
  async sendDue(limit = INTERVIEW_MAILS_PER_RUN): Promise<InterviewMailRun> {
    const run: InterviewMailRun = { sent: 0, skipped: 0, retried: 0, failed: 0, uncertain: 0, abandoned: await this.markAbandonedClaims() };
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      for (let done = 0; done < limit;) {
        const claims = await this.claim(runner, Math.min(CLAIM_BATCH, limit - done));
        if (!claims.length) break;
        done += claims.length;
        const batch = { handedToSmtp: false };
        try {
          await this.deliver(runner, claims, batch, run);
        } catch (error) {
          if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
          // Nothing reached SMTP: the claims go back and the next run sends them. After the hand-off they stay `sending`.
          if (!batch.handedToSmtp)
            await this.giveBack(runner, claims).catch((e: Error) =>
              this.logger.warn(`interview mail claims not given back (${e.message}); they will be marked uncertain`),
            );
          throw error;
        }
      }
    } finally {
      await runner.release();
    }
    if (run.sent + run.skipped + run.retried + run.failed + run.uncertain) this.logger.log({ ...run }, 'interview mails sent');
    return run;
  }

  /** Claims whose process died: `sending`, older than the grace, and not locked by a live sender. */
  private async markAbandonedClaims(): Promise<number> {
    const rows = returnedRows<{ id: string; kind: InterviewMailKind }>(
      await this.db.query(
        // With the Message-ID it may have gone out with: a request that has one counts as an
        // invitation that may have arrived, even once resent and skipped.
        `UPDATE interview_mails m SET status = 'uncertain', last_error = $2,
                smtp_message_id = COALESCE(m.smtp_message_id, $3::text || m.id || $4::text)
          WHERE m.status = 'sending' AND m.id IN (
                SELECT id FROM interview_mails WHERE status = 'sending' AND claimed_at < now() - make_interval(secs => $1::float8 / 1000)
                 ORDER BY claimed_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
          RETURNING m.id, m.kind`,
        [this.config.INTERVIEW_MAIL_CLAIM_GRACE_MS, ABANDONED, ...interviewMailMessageIdAround(this.domain)],
      ),
    );
    for (const r of rows) {
      this.logger.error({ interviewMailId: r.id }, 'an interview mail claim was abandoned by its sender; marked uncertain');
      this.outcomes.inc({ kind: r.kind, outcome: 'uncertain' });
    }
    return rows.length;
  }

  private async claim(runner: QueryRunner, limit: number): Promise<{ id: string; attempts: number }[]> {
    return returnedRows<{ id: string; attempts: number }>(
      await runner.query(
        `WITH due AS (
           SELECT m.id FROM interview_mails m
            WHERE m.status = 'pending' AND m.due_at <= $1
              AND NOT EXISTS (
                  SELECT 1 FROM interview_mails o
                   WHERE o.interview_id = m.interview_id AND o.recipient_user_id IS NOT DISTINCT FROM m.recipient_user_id AND o.id <> m.id
                     AND (o.status = 'sending' OR (o.status = 'pending' AND (o.due_at, o.id) < (m.due_at, m.id))))
            ORDER BY m.due_at, m.id
            LIMIT $2
              FOR UPDATE OF m SKIP LOCKED)
         UPDATE interview_mails m SET status = 'sending', claimed_at = now(), attempts = m.attempts + 1
           FROM due WHERE m.id = due.id AND m.status = 'pending'
         RETURNING m.id, m.attempts`,
        [this.clock.now(), limit],
      ),
    );
  }

  private async deliver(
    runner: QueryRunner,
    claims: { id: string; attempts: number }[],
    batch: { handedToSmtp: boolean },
    run: InterviewMailRun,
  ): Promise<void> {
    await runner.startTransaction();
    const locked: MailRow[] = await runner.query(
      `SELECT id, interview_id, recipient_user_id, kind, sequence, attempts FROM interview_mails
        WHERE id = ANY($1::uuid[]) AND status = 'sending' ORDER BY id FOR UPDATE`,
      [claims.map((c) => c.id)],
    );
    const attemptsOf = new Map(claims.map((c) => [c.id, c.attempts]));
    // Only claims still as this run made them: the sweep may have taken one that waited too long for its lock.
    const rows = locked.filter((r) => attemptsOf.get(r.id) === r.attempts);
    if (!rows.length) return runner.commitTransaction();
    const interviewIds = [...new Set(rows.map((r) => r.interview_id))].sort();
    const interviews = new Map(
      (
        (await runner.query(
          `SELECT i.id, i.status, i.sequence, i.kind, i.starts_at, i.ends_at, i.candidate_time_zone, i.location,
                  t.company AS tf_company, t.time_zone AS tf_time_zone,
                  c.full_name AS candidate_name, c.emails[1] AS candidate_email, (c.id IS NULL OR c.erased_at IS NOT NULL) AS candidate_erased,
                  u.name AS organizer_name, u.email AS organizer_email
             FROM interviews i
             JOIN task_forces t ON t.id = i.task_force_id
             LEFT JOIN candidates c0 ON c0.id = i.candidate_id
             LEFT JOIN candidates c ON c.id = COALESCE(c0.merged_into, c0.id)
             LEFT JOIN users u ON u.id = i.created_by
            WHERE i.id = ANY($1::uuid[]) ORDER BY i.id FOR SHARE OF i`,
          [interviewIds],
        )) as InterviewNow[]
      ).map((i) => [i.id, i]),
    );
    const panel: PanelMember[] = await runner.query(
      `SELECT p.interview_id, p.user_id, p.active, p.starts_at, p.ends_at, u.name, u.email, ip.time_zone
         FROM interview_panel p JOIN users u ON u.id = p.user_id LEFT JOIN interviewer_profiles ip ON ip.user_id = p.user_id
        WHERE p.interview_id = ANY($1::uuid[]) ORDER BY p.interview_id, u.name, p.user_id`,
      [interviewIds],
    );
    // A request that went to SMTP once keeps its Message-ID whatever befalls it later: resent by
    // someone, then skipped as the interview was cancelled, it may still have arrived the first time.
    const invited = new Set(
      (
        (await runner.query(
          `SELECT DISTINCT interview_id, recipient_user_id FROM interview_mails
            WHERE interview_id = ANY($1::uuid[]) AND kind = 'request' AND (status IN ('sent', 'uncertain', 'sending') OR smtp_message_id IS NOT NULL)`,
          [interviewIds],
        )) as { interview_id: string; recipient_user_id: string | null }[]
      ).map((r) => `${r.interview_id}/${r.recipient_user_id}`),
    );

    const now = this.clock.now();
    const outcomes = new Map<string, Outcome>();
    const sendable: { row: MailRow; mail: OutgoingMail }[] = [];
    for (const row of rows) {
      const ctx: MailContext = {
        interview: interviews.get(row.interview_id),
        panel: panel.filter((p) => p.interview_id === row.interview_id),
        invited: invited.has(`${row.interview_id}/${row.recipient_user_id}`),
      };
      const reason = skipReason(row, ctx, now);
      if (reason) {
        outcomes.set(row.id, { status: 'skipped', detail: reason, unsent: true });
        continue;
      }
      try {
        sendable.push({ row, mail: this.compose(row, ctx.interview!, ctx.panel, now) });
      } catch (error) {
        // Data no mail can be made of (a zone that is not an IANA zone, say): no retry would help.
        outcomes.set(row.id, { status: 'failed', detail: `the mail cannot be built: ${(error as Error).message}`, unsent: true });
      }
    }

    // A hung server could hold these locks (and a reschedule waiting for one) for many timeouts in a row:
    // at the deadline, mails still waiting for a connection are called off; those past the final dot stay unknown.
    const deadlineMs = this.config.SMTP_TIMEOUT_MS * 2;
    const stop = new AbortController();
    setMaxListeners(sendable.length * 2 + 1, stop.signal);
    batch.handedToSmtp = sendable.length > 0;
    const sending = sendable.map(({ mail }) => this.mailer.send(mail, stop.signal));
    let results = await settledWithin(sending, deadlineMs);
    if (results.some((r) => !r)) {
      stop.abort();
      results = await settledWithin(sending, 100);
    }
    const settledAt = this.clock.now();
    for (const [n, result] of results.entries()) {
      const { row, mail } = sendable[n];
      const outcome = this.outcomeOf(row, mail.messageId, result, settledAt, deadlineMs);
      outcomes.set(row.id, outcome);
      if (outcome.status !== 'sent' && !(outcome.status === 'pending' && outcome.unsent)) {
        const error = result?.status === 'rejected' ? result.reason : null;
        const smtp = error instanceof MailDeliveryError ? error : null;
        this.logger.warn(
          {
            interviewMailId: row.id,
            kind: row.kind,
            attempt: row.attempts,
            outcome: outcome.status,
            smtpCode: smtp?.response ? Number(/^\s*(\d{3})/.exec(smtp.response)?.[1]) || null : null,
            smtpReply: scrubText(smtp?.response ?? (error as Error | null)?.message ?? `no answer within ${deadlineMs} ms`).slice(0, 500),
            transient: smtp?.transient ?? null,
            outcomeUnknown: smtp?.outcomeUnknown ?? null,
          },
          'interview mail SMTP attempt failed',
        );
      }
    }
    await this.record(runner, outcomes, settledAt);
    await runner.commitTransaction();
    const kindOf = new Map(rows.map((r) => [r.id, r.kind]));
    for (const [id, o] of outcomes) {
      const outcome = o.status === 'pending' ? 'retried' : o.status;
      run[outcome] += 1;
      this.outcomes.inc({ kind: kindOf.get(id), outcome });
    }
  }

  private outcomeOf(row: MailRow, messageId: string, result: PromiseSettledResult<string> | undefined, at: Date, deadlineMs: number): Outcome {
    if (result?.status === 'fulfilled') return { status: 'sent', messageId };
    const error = result?.reason as unknown;
    if (!(error instanceof MailDeliveryError) || error.outcomeUnknown) {
      const what = error instanceof Error ? error.message : `SMTP did not answer within ${deadlineMs} ms`;
      return { status: 'uncertain', messageId, detail: `the message may have been accepted (${what}); check and resend if it did not arrive` };
    }
    const detail = error.response ?? error.message;
    if (error.cancelled) return { status: 'pending', detail: `not sent: ${detail}`, dueAt: new Date(at.getTime() + 1000), unsent: true };
    if (!error.transient) return { status: 'failed', detail, unsent: error.notAttempted };
    if (row.attempts >= this.config.INTERVIEW_MAIL_MAX_ATTEMPTS)
      return { status: 'failed', detail: `gave up after ${row.attempts} attempts: ${detail}`, unsent: false };
    const dueAt = new Date(at.getTime() + this.config.INTERVIEW_MAIL_RETRY_BASE_MS * 2 ** (row.attempts - 1));
    return { status: 'pending', detail: `attempt ${row.attempts} failed: ${detail}`, dueAt, unsent: false };
  }

  /** Every outcome of the batch in one statement; an attempt that never reached SMTP is not counted as one. */
  private async record(runner: QueryRunner, outcomes: Map<string, Outcome>, at: Date): Promise<void> {
    const list = [...outcomes.entries()];
    if (!list.length) return;
    const detail = (o: Outcome) => ('detail' in o ? scrubText(o.detail).slice(0, 1000) : null);
    await runner.query(
      `UPDATE interview_mails m
          SET status = r.status, last_error = r.detail, due_at = COALESCE(r.due_at, m.due_at), attempts = m.attempts - r.unsent,
              sent_at = CASE WHEN r.status = 'sent' THEN $7::timestamptz END, smtp_message_id = COALESCE(r.message_id, m.smtp_message_id)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[]) AS r(id, status, detail, due_at, unsent, message_id)
        WHERE m.id = r.id AND m.status = 'sending'`,
      [
        list.map(([id]) => id),
        list.map(([, o]) => o.status),
        list.map(([, o]) => detail(o)),
        list.map(([, o]) => (o.status === 'pending' ? o.dueAt : null)),
        list.map(([, o]) => ('unsent' in o && o.unsent ? 1 : 0)),
        list.map(([, o]) => ('messageId' in o ? o.messageId : null)),
        at,
      ],
    );
  }

  private async giveBack(runner: QueryRunner, claims: { id: string; attempts: number }[]): Promise<void> {
    // The run's own connection once its transaction is rolled back; the pool's if that connection broke.
    const manager = await runner.query('SELECT 1').then(
      () => runner.manager,
      () => this.db.manager,
    );
    await manager.query(
      `UPDATE interview_mails m SET status = 'pending', attempts = m.attempts - 1
         FROM unnest($1::uuid[], $2::int[]) AS c(id, attempts)
        WHERE m.id = c.id AND m.status = 'sending' AND m.attempts = c.attempts`,
      [claims.map((c) => c.id), claims.map((c) => c.attempts)],
    );
  }

  private compose(row: MailRow, i: InterviewNow, panel: PanelMember[], now: Date): OutgoingMail {
    const member = row.recipient_user_id ? panel.find((p) => p.user_id === row.recipient_user_id)! : undefined;
    const asPerson = (p: PanelMember): InvitationPerson => ({ name: p.name, email: p.email, zone: p.time_zone ?? i.tf_time_zone, role: 'interviewer' });
    const candidate: InvitationPerson | null = i.candidate_email
      ? { name: i.candidate_name!, email: i.candidate_email, zone: i.candidate_time_zone, role: 'candidate' }
      : null;
    const recipient = member ? asPerson(member) : candidate!;
    const organizer = i.organizer_email
      ? { name: i.organizer_name!, email: i.organizer_email }
      : { name: this.config.INTERVIEW_MAIL_FROM_NAME, email: this.config.INTERVIEW_MAIL_FROM };
    const attendees = [...(candidate ? [candidate] : []), ...panel.filter((p) => p.active || p === member).map(asPerson)];
    // A member taken off the panel holds the event at the time they were invited to.
    const [start, end] = member && !member.active ? [member.starts_at, member.ends_at] : [i.starts_at, i.ends_at];
    const interview: InterviewForInvitation = {
      id: i.id,
      title: interviewTitle(i.kind, i.tf_company, i.candidate_name ?? 'candidate'),
      start,
      end,
      sequence: row.sequence,
      location: i.location ?? undefined,
      organizer,
      attendees,
    };
    const envelope = {
      from: { name: organizer.name, address: this.config.INTERVIEW_MAIL_FROM },
      replyTo: organizer.email.toLowerCase() === this.config.INTERVIEW_MAIL_FROM.toLowerCase() ? null : organizer.email,
      to: recipient.email,
      messageId: interviewMailMessageId(row.id, this.domain),
      headers: { 'X-Hiring-Interview': i.id },
    };
    if (row.kind === 'reminder_24h' || row.kind === 'reminder_1h') {
      const reminder = buildReminder(interview, recipient, row.kind === 'reminder_24h' ? '24h' : '1h');
      return { ...envelope, subject: reminder.subject, text: reminder.text };
    }
    const invitation = buildInvitation(interview, recipient, row.kind === 'cancel' ? 'CANCEL' : 'REQUEST', { domain: this.domain, now });
    return {
      ...envelope,
      subject: invitation.subject,
      text: invitation.text,
      // Outlook and Gmail read the text/calendar alternative; the same calendar as an attachment (application/ics,
      // so no client takes it for a second iTIP message) serves clients that only offer attachments.
      alternatives: [{ contentType: invitation.contentType, content: invitation.ics }],
      attachments: [{ filename: 'invite.ics', contentType: 'application/ics', content: invitation.ics }],
    };
  }
}
