import { ApplicationsService, isOpen, Stage, stopOutreach } from '@app/candidates';
import { AppConfig, Clock, MailDeliveryError, Mailer, newId, returnedRows } from '@app/platform';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime, Duration } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { notBounced, recordBounce } from './bounces';
import { messageIdFor, OutreachJobs } from './outreach-jobs';
import { nextSendTime } from './send-window';
import { SequenceDefinition } from './sequences.dto';
import { render, templateContext } from './templates';
import { unsubscribeToken, unsubscribeUrl } from './unsubscribe-token';

export type SendOutcome =
  | { result: 'sent'; nextStepDueAt: Date | null }
  | { result: 'skipped'; reason: string }
  | { result: 'not_due'; dueAt: Date }
  | { result: 'deferred'; until: Date; reason: string }
  | { result: 'retry'; at: Date; reason: string }
  | { result: 'bounced' | 'failed'; reason: string };

interface StepContext {
  id: string;
  enrollment_id: string;
  step: number;
  status: string;
  due_at: Date;
  message_id: string;
  enrollment_status: string;
  application_id: string;
  candidate_id: string;
  time_zone: string;
  definition: SequenceDefinition;
  full_name: string;
  native_name: string | null;
  current_employer: string | null;
  current_title: string | null;
  /** The candidate's first address that has not bounced. */
  recipient: string | null;
  tf_name: string;
  tf_company: string;
  tf_location: string;
}

const EARLY_TOLERANCE_MS = 1000;

/**
 * Sends one step exactly once. Postgres decides, in this order:
 * 1. claim: scheduled -> sending with a fresh token, committed before anything leaves, and the
 *    daily caps counted in the same commit (a cap that is full defers the step, never drops it);
 * 2. a transaction that locks the application and the enrollment for the length of the SMTP
 *    exchange, re-checks that nothing stopped the sequence meanwhile, hands the message to SMTP
 *    and records the result and the next step in one commit.
 * A stop (reply, bounce, rejection ...) needs the enrollment's lock, so it either lands before the
 * re-check (the step is skipped) or after SMTP accepted the message. A process that dies between
 * the claim and the commit leaves the step in `sending` without a lock holder; the reconciler
 * marks it `uncertain`, and it is never resent without a person asking for it.
 */
@Injectable()
export class OutreachSender {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly applications: ApplicationsService,
    private readonly jobs: OutreachJobs,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async send(outreachMessageId: string): Promise<SendOutcome> {
    const ctx = await this.context(outreachMessageId);
    if (!ctx) return { result: 'skipped', reason: 'no such step' };
    if (ctx.status !== 'scheduled') return { result: 'skipped', reason: `the step is ${ctx.status}` };
    if (ctx.enrollment_status !== 'active') return { result: 'skipped', reason: `the enrollment is ${ctx.enrollment_status}` };
    const now = this.clock.now();
    if (ctx.due_at.getTime() > now.getTime() + EARLY_TOLERANCE_MS) return { result: 'not_due', dueAt: ctx.due_at };

    const recipient = ctx.recipient;
    if (!recipient) {
      await this.db.transaction((tx) => stopOutreach(tx, { enrollmentIds: [ctx.enrollment_id] }, 'bounced'));
      return { result: 'skipped', reason: 'every address of the candidate has bounced' };
    }

    const token = newId();
    const claimed = await this.claim(ctx, recipient, token, now);
    if (claimed !== true) return claimed;
    const outcome = await this.deliver(ctx, recipient, token);
    if (outcome.result === 'retry') await this.jobs.enqueue([{ id: ctx.id, dueAt: outcome.at }]);
    return outcome;
  }

  private async claim(ctx: StepContext, recipient: string, token: string, now: Date): Promise<true | SendOutcome> {
    const d = ctx.definition;
    const day = now.toISOString().slice(0, 10);
    const domain = recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase();
    const caps: [string, number][] = [
      [`sender:${d.sender.fromAddress.toLowerCase()}`, d.dailyCapPerSender],
      [`domain:${d.sender.fromAddress.toLowerCase()}:${domain}`, d.dailyCapPerRecipientDomain],
    ];
    // One statement, committed on its own: the claim, then both counters (hot rows last). The
    // counter rows stay locked only while Postgres runs it, never across a round trip to Node.
    const [row]: { claimed: number; counted: string[] | null }[] = await this.db.query(
      `WITH claimed AS (
         UPDATE outreach_messages SET status = 'sending', claim_token = $2, claimed_at = $3, attempts = attempts + 1, recipient = $4,
                cap_day = $5, cap_keys = $6, updated_at = $3
          WHERE id = $1 AND status = 'scheduled' RETURNING id),
       counted AS (
         INSERT INTO outreach_daily_counts (day, counter, sent)
         SELECT $5::date, counter, 1 FROM unnest($6::text[]) AS counter WHERE EXISTS (SELECT 1 FROM claimed)
         ON CONFLICT (day, counter) DO UPDATE SET sent = outreach_daily_counts.sent + 1
          WHERE outreach_daily_counts.sent < CASE WHEN EXCLUDED.counter = $7 THEN $8::int ELSE $9::int END
         RETURNING counter)
       SELECT (SELECT count(*) FROM claimed)::int AS claimed, (SELECT array_agg(counter) FROM counted) AS counted`,
      [ctx.id, token, now, recipient, day, caps.map(([key]) => key), caps[0][0], caps[0][1], caps[1][1]],
    );
    if (!row.claimed) return { result: 'skipped', reason: 'the step was claimed by another worker' };
    const full = caps.find(([key]) => !row.counted?.includes(key));
    if (!full) return true;

    // A cap is full: give back the claim and the count that did go through. The cap resets at
    // midnight UTC; the step goes out in the recipient's first window after it.
    const tomorrow = DateTime.fromJSDate(now, { zone: 'utc' }).plus({ days: 1 }).startOf('day').toJSDate();
    const until = nextSendTime(tomorrow, ctx.time_zone, d.sendWindow, d.holidayCalendars);
    const reason = `daily cap reached (${full[0]}); deferred to ${until.toISOString()}`;
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE outreach_messages SET status = 'scheduled', claim_token = NULL, attempts = attempts - 1, cap_keys = '{}', due_at = $3, detail = $4, updated_at = now()
          WHERE id = $1 AND claim_token = $2`,
        [ctx.id, token, until, reason],
      );
      await tx.query(`UPDATE outreach_daily_counts SET sent = sent - 1 WHERE day = $1 AND counter = ANY($2::text[]) AND sent > 0`, [day, row.counted ?? []]);
    });
    await this.jobs.enqueue([{ id: ctx.id, dueAt: until }]);
    return { result: 'deferred', until, reason };
  }

  private async deliver(ctx: StepContext, recipient: string, token: string): Promise<SendOutcome> {
    const { outcome, next } = await this.db.transaction(async (tx): Promise<{ outcome: SendOutcome; next?: { id: string; dueAt: Date } }> => {
      // Should this process hang here, Postgres ends the transaction after idle_in_transaction_session_timeout
      // (see the database module), which frees the enrollment for the reconciler.
      const [application]: { stage: Stage }[] = await tx.query(`SELECT stage FROM applications WHERE id = $1 FOR NO KEY UPDATE`, [ctx.application_id]);
      // The step itself needs no lock: while this transaction holds its enrollment, only this claim may change it.
      const [{ enrollment, ...message }]: { enrollment: string; status: string; claim_token: string | null; attempts: number }[] = await tx.query(
        `SELECT e.status AS enrollment, m.status, m.claim_token, m.attempts FROM enrollments e JOIN outreach_messages m ON m.id = $2
          WHERE e.id = $1 FOR NO KEY UPDATE OF e`,
        [ctx.enrollment_id, ctx.id],
      );
      if (message.status !== 'sending' || message.claim_token !== token) return { outcome: { result: 'skipped', reason: `the claim was lost (the step is ${message.status})` } };
      if (enrollment !== 'active' || !isOpen(application.stage)) {
        const reason = enrollment === 'active' ? `the application is ${application.stage}` : `the enrollment is ${enrollment}`;
        await this.release(tx, ctx.id, enrollment === 'paused' ? 'scheduled' : 'skipped', reason, undefined, true);
        if (enrollment === 'active') await stopOutreach(tx, { enrollmentIds: [ctx.enrollment_id] }, 'application_closed');
        return { outcome: { result: 'skipped', reason } };
      }

      let response: string;
      try {
        response = await this.mailer.send(this.compose(ctx, recipient));
      } catch (error) {
        if (!(error instanceof MailDeliveryError)) throw error;
        return { outcome: await this.failed(tx, ctx, recipient, message.attempts, error) };
      }

      const sentAt = this.clock.now();
      const d = ctx.definition;
      const next =
        ctx.step < d.steps.length
          ? {
              id: newId(),
              dueAt: nextSendTime(new Date(sentAt.getTime() + Duration.fromISO(d.steps[ctx.step].delay).toMillis()), ctx.time_zone, d.sendWindow, d.holidayCalendars),
            }
          : null;
      // Sent, and the next step planned (or the enrollment completed), in one statement.
      await tx.query(
        `WITH sent AS (
           UPDATE outreach_messages SET status = 'sent', sent_at = $2, smtp_response = $3, detail = NULL, updated_at = $2 WHERE id = $1 RETURNING enrollment_id),
         planned AS (
           INSERT INTO outreach_messages (id, enrollment_id, step, due_at, message_id)
           SELECT $4::uuid, enrollment_id, $5, $6, $7 FROM sent WHERE $4::uuid IS NOT NULL RETURNING id)
         UPDATE enrollments SET status = 'completed', updated_at = $2 WHERE id = $8 AND $4::uuid IS NULL`,
        [
          ctx.id,
          sentAt,
          response.slice(0, 1000),
          next?.id ?? null,
          ctx.step + 1,
          next?.dueAt ?? null,
          messageIdFor(ctx.enrollment_id, ctx.step + 1, this.config.PUBLIC_BASE_URL),
          ctx.enrollment_id,
        ],
      );
      if (ctx.step === 1) await this.applications.advanceByOutreach(tx, ctx.application_id, 'contacted', 'first outreach message sent', application.stage);
      return { outcome: { result: 'sent', nextStepDueAt: next?.dueAt ?? null }, next: next ?? undefined };
    });
    // A lost enqueue is not a lost step: the reconciler finds due steps without a job.
    if (next) await this.jobs.enqueueAfterCommit([next]);
    return outcome;
  }

  private async failed(tx: EntityManager, ctx: StepContext, recipient: string, attempts: number, error: MailDeliveryError): Promise<SendOutcome> {
    const detail = (error.response ?? error.message).slice(0, 1000);
    if (error.recipientRejected) {
      await tx.query(`UPDATE outreach_messages SET status = 'failed', response = 'bounced', response_at = now(), smtp_response = $2, detail = $2, updated_at = now() WHERE id = $1`, [
        ctx.id,
        detail,
      ]);
      await recordBounce(tx, ctx.candidate_id, recipient, detail);
      return { result: 'bounced', reason: detail };
    }
    if (!error.transient || attempts >= this.config.OUTREACH_MAX_ATTEMPTS) {
      await tx.query(`UPDATE outreach_messages SET status = 'failed', smtp_response = $2, detail = $3, updated_at = now() WHERE id = $1`, [
        ctx.id,
        detail,
        error.transient ? `gave up after ${attempts} attempts: ${detail}` : detail,
      ]);
      await stopOutreach(tx, { enrollmentIds: [ctx.enrollment_id] }, 'send_failed');
      return { result: 'failed', reason: detail };
    }
    const at = new Date(this.clock.now().getTime() + this.config.OUTREACH_RETRY_BASE_MS * 2 ** (attempts - 1));
    await this.release(tx, ctx.id, 'scheduled', `attempt ${attempts} failed: ${detail}`, at);
    return { result: 'retry', at, reason: detail };
  }

  /** Gives a claim back (to scheduled or skipped) and returns its cap counts; `unsent`: no SMTP attempt was made. */
  private async release(tx: EntityManager, id: string, status: 'scheduled' | 'skipped', detail: string, dueAt?: Date, unsent = false): Promise<void> {
    const [row] = returnedRows<{ cap_day: string; cap_keys: string[] }>(
      await tx.query(
        `UPDATE outreach_messages m SET status = $2, detail = $3, due_at = COALESCE($4, m.due_at), claim_token = NULL,
                attempts = m.attempts - CASE WHEN $5 THEN 1 ELSE 0 END, updated_at = now()
          FROM (SELECT cap_day, cap_keys FROM outreach_messages WHERE id = $1) old
          WHERE m.id = $1 RETURNING to_char(old.cap_day, 'YYYY-MM-DD') AS cap_day, old.cap_keys`,
        [id, status, detail, dueAt ?? null, unsent],
      ),
    );
    if (row?.cap_day && row.cap_keys.length) {
      await tx.query(`UPDATE outreach_daily_counts SET sent = sent - 1 WHERE day = $1 AND counter = ANY($2::text[]) AND sent > 0`, [row.cap_day, row.cap_keys]);
    }
  }

  private compose(ctx: StepContext, recipient: string) {
    const d = ctx.definition;
    const step = d.steps[ctx.step - 1];
    const link = unsubscribeUrl(this.config, unsubscribeToken(this.config.UNSUBSCRIBE_SECRET, ctx.enrollment_id));
    const context = templateContext(ctx, { name: ctx.tf_name, company: ctx.tf_company, location: ctx.tf_location }, d.sender, link);
    return {
      from: { name: d.sender.fromName, address: d.sender.fromAddress },
      replyTo: d.sender.replyTo,
      to: recipient,
      subject: render(step.subject, context),
      text: render(step.body, context),
      messageId: ctx.message_id,
      headers: {
        'List-Unsubscribe': `<${link}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Hiring-Enrollment': ctx.enrollment_id,
      },
    };
  }

  private async context(id: string): Promise<StepContext | null> {
    const [row]: StepContext[] = await this.db.query(
      `SELECT m.id, m.enrollment_id, m.step, m.status, m.due_at, m.message_id, e.status AS enrollment_status, e.application_id, e.candidate_id, e.time_zone,
              v.definition, c.full_name, c.native_name, c.current_employer, c.current_title,
              (SELECT address FROM unnest(c.emails) WITH ORDINALITY AS u(address, n)
                WHERE ${notBounced('u.address')} ORDER BY n LIMIT 1) AS recipient,
              t.name AS tf_name, t.company AS tf_company, t.location AS tf_location
         FROM outreach_messages m
         JOIN enrollments e ON e.id = m.enrollment_id
         JOIN sequence_versions v ON v.sequence_id = e.sequence_id AND v.version = e.sequence_version
         JOIN candidates c ON c.id = e.candidate_id
         JOIN task_forces t ON t.id = e.task_force_id
        WHERE m.id = $1`,
      [id],
    );
    return row ?? null;
  }
}
