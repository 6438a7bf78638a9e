import { setMaxListeners } from 'node:events';
import { ApplicationsService, isOpen, LockedApplication, outreachMoveCtes } from '@app/candidates';
import { EnrollmentRefs, stepEvent } from './outreach-events';
import { stopOutreach } from './outreach-stop';
import { AppConfig, Clock, DomainEvents, insertEvents, MailDeliveryError, Mailer, newId, preparedQuery, returnedRows } from '@app/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime, Duration } from 'luxon';
import { toASCII } from 'nodemailer/lib/punycode';
import { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { notBounced, recordBounce } from './bounces';
import { capDomainKey } from './cap-keys';
import { messageIdFor, OutreachJobs } from './outreach-jobs';
import { OutreachSendMetrics } from './send-metrics';
import { nextSendTime } from './send-window';
import { SequenceDefinition } from './sequences.dto';
import { settledWithin } from './settled-within';
import { classifySmtpReply, ReplyClass } from './smtp-replies';
import { EarlierMessage, threadHeaders } from './threading';
import { render, templateContext } from './templates';
import { unsubscribeToken, unsubscribeUrl } from './unsubscribe-token';

export type SendOutcome =
  | { result: 'sent'; nextStepDueAt: Date | null }
  | { result: 'skipped'; reason: string }
  | { result: 'not_due'; dueAt: Date }
  | { result: 'deferred'; until: Date; reason: string }
  | { result: 'retry'; at: Date; reason: string }
  | { result: 'bounced' | 'failed'; reason: string }
  /** The server refused the sender or the configuration: the step waits and the enrollment is paused. */
  | { result: 'paused'; reason: string }
  /** Handed to SMTP, answer unknown: the step stays `sending` and the reconciler marks it `uncertain`. */
  | { result: 'unknown'; reason: string };

/** Cap counts to give back, per day and counter. */
type CountsBack = Map<string, Map<string, number>>;

interface StepRow {
  id: string;
  enrollment_id: string;
  step: number;
  status: string;
  due_at: Date;
  message_id: string;
  enrollment_status: string;
  application_id: string;
  candidate_id: string;
  task_force_id: string;
  time_zone: string;
  sequence_id: string;
  sequence_version: number;
  full_name: string;
  native_name: string | null;
  current_employer: string | null;
  current_title: string | null;
  /** The candidate's first address that has not bounced. */
  recipient: string | null;
  tf_name: string;
  tf_company: string;
  tf_location: string;
  /** The task force's zone: its senders' caps run by its days. */
  tf_time_zone: string;
  earlier_messages: EarlierMessage[];
}

interface Step extends StepRow {
  definition: SequenceDefinition;
}

/** A claimed step as the batch's transaction reads it under its enrollment's lock. */
interface LockedStep {
  id: string;
  enrollment: string;
  status: string;
  claim_token: string | null;
  attempts: number;
}

/** A claimed step on its way to SMTP. */
interface Claim extends Step {
  recipient: string;
  capKeys: [sender: string, domain: string];
}

const EARLY_TOLERANCE_MS = 1000;
const DEFINITION_CACHE_SIZE = 1000;

/** The day a cap counts in: the date at `now` in the task force's zone. */
export function capDay(now: Date, zone: string): string {
  return DateTime.fromJSDate(now, { zone }).toISODate()!;
}

function addCounts(countsBack: CountsBack, day: string, keys: string[], n = 1): void {
  const forDay = countsBack.get(day) ?? new Map<string, number>();
  for (const key of keys) forDay.set(key, (forDay.get(key) ?? 0) + n);
  countsBack.set(day, forDay);
}

/**
 * Sends steps exactly once, several at a time. Postgres decides, in this order:
 * 1. claim: scheduled -> sending with a fresh token, committed before anything leaves, and the
 *    daily caps counted in the same commit (a cap that is full defers the step, never drops it);
 * 2. a transaction that locks the applications and the enrollments for the length of the SMTP
 *    exchanges, re-checks that nothing stopped a sequence meanwhile, hands the messages to SMTP
 *    and records the results and the next steps in one commit.
 * A stop (reply, bounce, rejection ...) needs the enrollment's lock, so it either lands before the
 * re-check (the step is skipped) or after SMTP accepted the message. A process that dies between
 * the claim and the commit leaves its steps in `sending` without a lock holder; the reconciler
 * marks them `uncertain`, and they are never resent without a person asking for it.
 * A batch costs the same handful of statements and two commits whatever its size, which is what
 * makes sending fast; each step keeps its own claim, checks and outcome.
 */
@Injectable()
export class OutreachSender {
  private readonly logger = new Logger(OutreachSender.name);
  /** Sequence versions never change once written, so their definitions can be kept. */
  private readonly definitions = new Map<string, SequenceDefinition>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly mailer: Mailer,
    private readonly applications: ApplicationsService,
    private readonly jobs: OutreachJobs,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: OutreachSendMetrics,
    private readonly events: DomainEvents,
  ) {}

  /** Sends the given steps; answers with one outcome per id, in order. */
  async sendMany(ids: readonly string[]): Promise<SendOutcome[]> {
    const outcomes = new Map<string, SendOutcome>();
    // One connection for the whole batch: a claimed step never waits for the pool to be delivered.
    const runner = this.db.createQueryRunner();
    try {
      await runner.connect();
      const unique = [...new Set(ids)];
      const steps = await this.load(runner, unique);
      const now = this.clock.now();
      const ready: Claim[] = [];
      const noAddress: string[] = [];
      for (const id of unique) {
        const step = steps.get(id);
        const outcome = this.precheck(step, now);
        if (outcome) outcomes.set(id, outcome);
        else if (!step!.recipient) {
          noAddress.push(step!.enrollment_id);
          outcomes.set(id, { result: 'skipped', reason: 'every address of the candidate has bounced' });
        } else ready.push({ ...step!, recipient: step!.recipient, capKeys: this.capKeys(step!, step!.recipient) });
      }
      if (noAddress.length) await runner.manager.transaction((tx) => stopOutreach(this.events, tx, { enrollmentIds: noAddress }, 'bounced'));
      if (ready.length) {
        const batch = { token: newId(), handedToSmtp: false };
        try {
          const claimed = await this.claim(runner, ready, batch.token, now, outcomes);
          if (claimed.length) await this.deliver(runner, claimed, batch, outcomes);
        } catch (error) {
          // Nothing reached SMTP (a deferral failed, a lock wait ended in a deadlock, the connection
          // broke): the claims go back, so the jobs' retries can send them. After a hand-off they stay `sending`.
          if (!batch.handedToSmtp) {
            await this.giveBack(runner, ready, batch.token).catch((e: Error) =>
              this.logger.warn(`claims not given back (${e.message}); the reconciler will mark them uncertain`),
            );
          }
          throw error;
        }
      }
    } finally {
      await runner.release();
    }
    this.metrics.outcomes(outcomes.values());
    const seen = new Set<string>();
    return ids.map((id) => {
      if (seen.has(id)) return { result: 'skipped', reason: 'the step was sent by another job' };
      seen.add(id);
      return outcomes.get(id) ?? { result: 'unknown', reason: 'no outcome was recorded for the step' };
    });
  }

  private precheck(step: Step | undefined, now: Date): SendOutcome | null {
    if (!step) return { result: 'skipped', reason: 'no such step' };
    if (step.status !== 'scheduled') return { result: 'skipped', reason: `the step is ${step.status}` };
    if (step.enrollment_status !== 'active') return { result: 'skipped', reason: `the enrollment is ${step.enrollment_status}` };
    if (step.due_at.getTime() > now.getTime() + EARLY_TOLERANCE_MS) return { result: 'not_due', dueAt: step.due_at };
    return null;
  }

  /** Counted per task force, so one team's sends never spend another's budget, whatever address it names. */
  private capKeys(step: Step, recipient: string): [string, string] {
    const sender = `${step.task_force_id}:${step.definition.sender.fromAddress.toLowerCase()}`;
    const domain = recipient.slice(recipient.lastIndexOf('@') + 1).toLowerCase();
    return [`sender:${sender}`, `domain:${sender}:${capDomainKey(domain)}`];
  }

  /**
   * One statement, committed on its own: the claims, then the counters, each counted once for all
   * its steps (in key order, so two claims never wait on each other's counters in a cycle). The
   * counter rows stay locked only while Postgres runs it, never across a round trip to Node.
   * A counter may grant fewer than asked: the steps it cannot take are given back and deferred.
   */
  private async claim(runner: QueryRunner, steps: Claim[], token: string, now: Date, outcomes: Map<string, SendOutcome>): Promise<Claim[]> {
    // A counter's key names its task force, so one key always has one zone and one day. The day is
    // worked out once per zone for the batch (luxon's zone arithmetic was a visible share of a step's CPU).
    const days = new Map<string, string>();
    const dayOf = (s: Claim) => {
      let day = days.get(s.tf_time_zone);
      if (day === undefined) days.set(s.tf_time_zone, (day = capDay(now, s.tf_time_zone)));
      return day;
    };
    // Sequences sharing a sender address share its counter; the smaller cap holds.
    const caps = new Map<string, number>();
    for (const s of steps) {
      const [sender, domain] = s.capKeys;
      caps.set(sender, Math.min(caps.get(sender) ?? Infinity, s.definition.dailyCapPerSender));
      caps.set(domain, Math.min(caps.get(domain) ?? Infinity, s.definition.dailyCapPerRecipientDomain));
    }
    const [row] = await preparedQuery<{ claimed: string[] | null; granted: Record<string, number> | null }>(
      runner,
      'outreach-claim',
      `WITH input AS (SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $7::date[]) AS i(id, recipient, sender_key, domain_key, day)),
       claimed AS (
         UPDATE outreach_messages m SET status = 'sending', claim_token = $5, claimed_at = $6, attempts = m.attempts + 1, recipient = i.recipient,
                cap_day = i.day, cap_keys = ARRAY[i.sender_key, i.domain_key], updated_at = $6
           FROM input i WHERE m.id = i.id AND m.status = 'scheduled'
         RETURNING m.id, i.sender_key, i.domain_key, i.day),
       wanted AS (
         SELECT k.counter, min(c.day) AS day, count(*)::int AS n, min(caps.cap) AS cap
           FROM claimed c CROSS JOIN LATERAL (VALUES (c.sender_key), (c.domain_key)) AS k(counter)
           JOIN unnest($8::text[], $9::int[]) AS caps(counter, cap) USING (counter)
          GROUP BY k.counter),
       counted AS (
         INSERT INTO outreach_daily_counts AS c (day, counter, sent, granted)
         SELECT day, counter, LEAST(n, cap), LEAST(n, cap) FROM wanted ORDER BY counter
         ON CONFLICT (day, counter) DO UPDATE
            SET sent = c.sent + (SELECT GREATEST(0, LEAST(w.n, w.cap - c.sent)) FROM wanted w WHERE w.counter = EXCLUDED.counter),
                granted = (SELECT GREATEST(0, LEAST(w.n, w.cap - c.sent)) FROM wanted w WHERE w.counter = EXCLUDED.counter)
         RETURNING c.counter, c.granted)
       SELECT (SELECT array_agg(id) FROM claimed) AS claimed, (SELECT json_object_agg(counter, granted) FROM counted) AS granted`,
      [
        steps.map((s) => s.id),
        steps.map((s) => s.recipient),
        steps.map((s) => s.capKeys[0]),
        steps.map((s) => s.capKeys[1]),
        token,
        now,
        steps.map(dayOf),
        [...caps.keys()],
        [...caps.values()],
      ],
    );
    const claimedIds = new Set(row.claimed ?? []);
    const left = new Map(Object.entries(row.granted ?? {}));
    const kept: Claim[] = [];
    const deferred: { step: Claim; full: string }[] = [];
    for (const step of steps) {
      if (!claimedIds.has(step.id)) {
        outcomes.set(step.id, { result: 'skipped', reason: 'the step was claimed by another worker' });
        continue;
      }
      const full = step.capKeys.find((key) => !left.get(key));
      if (full) {
        deferred.push({ step, full });
        continue;
      }
      for (const key of step.capKeys) left.set(key, left.get(key)! - 1);
      kept.push(step);
    }
    if (deferred.length)
      await this.defer(runner, deferred, token, new Map(steps.flatMap((s) => s.capKeys.map((k) => [k, dayOf(s)] as const))), left, now, outcomes);
    return kept;
  }

  /**
   * A cap is full: the claims it could not take are given back, with any count granted but not
   * used. The cap resets at midnight in the task force's zone; each step goes out in its
   * recipient's first window after it.
   */
  private async defer(
    runner: QueryRunner,
    deferred: { step: Claim; full: string }[],
    token: string,
    dayOfKey: Map<string, string>,
    unused: Map<string, number>,
    now: Date,
    outcomes: Map<string, SendOutcome>,
  ): Promise<void> {
    const plans = deferred.map(({ step, full }) => {
      const d = step.definition;
      const tomorrow = DateTime.fromJSDate(now, { zone: step.tf_time_zone }).plus({ days: 1 }).startOf('day').toJSDate();
      const until = nextSendTime(tomorrow, step.time_zone, d.sendWindow, d.holidayCalendars);
      return { step, until, reason: `daily cap reached (${full}); deferred to ${until.toISOString()}` };
    });
    // The deferred steps' own counts were never granted; what was granted and not used goes back.
    const unusedCounts: CountsBack = new Map();
    for (const [key, n] of unused) if (n > 0) addCounts(unusedCounts, dayOfKey.get(key)!, [key], n);
    await runner.manager.transaction(async (tx) => {
      await this.release(
        tx,
        plans.map((p) => ({ id: p.step.id, detail: p.reason, dueAt: p.until })),
        'scheduled',
        { unsent: true, token },
      );
      await this.giveBackCounts(tx, unusedCounts);
    });
    for (const p of plans) outcomes.set(p.step.id, { result: 'deferred', until: p.until, reason: p.reason });
    await this.jobs.enqueueAfterCommit(plans.map((p) => ({ id: p.step.id, dueAt: p.until })));
  }

  private async deliver(
    runner: QueryRunner,
    claims: Claim[],
    batch: { token: string; handedToSmtp: boolean },
    outcomes: Map<string, SendOutcome>,
  ): Promise<void> {
    const later: { id: string; dueAt: Date }[] = [];
    // Counter rows are hot (every claim of a sender updates one): what this transaction gives back
    // is given back after its commit, in key order, instead of being held through the SMTP exchange.
    const countsBack: CountsBack = new Map();
    await runner.manager.transaction(async (tx) => {
      // Should this process hang here, Postgres ends the transaction after idle_in_transaction_session_timeout
      // (see the database module), which frees the enrollments for the reconciler.
      // Applications, then enrollments, each in id order: the order every stop takes them in.
      // Both in one statement: the enrollments' CTE reads the applications' first, so their locks come first.
      // The steps themselves need no lock: while this transaction holds their enrollments, only these claims may change them.
      const [locked] = await preparedQuery<{ applications: LockedApplication[] | null; messages: LockedStep[] | null }>(
        tx,
        'outreach-lock',
        `WITH a AS MATERIALIZED (
           SELECT id, candidate_id, task_force_id, opening_id, stage, version FROM applications WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE),
         m AS MATERIALIZED (
           SELECT m.id, e.status AS enrollment, m.status, m.claim_token, m.attempts FROM enrollments e JOIN outreach_messages m ON m.enrollment_id = e.id AND m.id = ANY($3::uuid[])
            WHERE e.id = ANY($2::uuid[]) AND (SELECT count(*) FROM a) >= 0 ORDER BY e.id FOR NO KEY UPDATE OF e)
         SELECT (SELECT json_agg(a) FROM a) AS applications, (SELECT json_agg(m) FROM m) AS messages`,
        [[...new Set(claims.map((c) => c.application_id))], claims.map((c) => c.enrollment_id), claims.map((c) => c.id)],
      );
      const applications = locked.applications ?? [];
      const rows = locked.messages ?? [];
      const stageOf = new Map(applications.map((a) => [a.id, a.stage]));
      const current = new Map(rows.map((r) => [r.id, r]));
      const sendable: { claim: Claim; attempts: number }[] = [];
      for (const claim of claims) {
        const message = current.get(claim.id);
        const stage = stageOf.get(claim.application_id)!;
        if (!message || message.status !== 'sending' || message.claim_token !== batch.token) {
          outcomes.set(claim.id, { result: 'skipped', reason: `the claim was lost (the step is ${message?.status ?? 'gone'})` });
        } else if (message.enrollment !== 'active' || !isOpen(stage)) {
          const reason = message.enrollment === 'active' ? `the application is ${stage}` : `the enrollment is ${message.enrollment}`;
          await this.release(tx, [{ id: claim.id, detail: reason }], message.enrollment === 'paused' ? 'scheduled' : 'skipped', { unsent: true, countsBack });
          if (message.enrollment === 'active') await stopOutreach(this.events, tx, { enrollmentIds: [claim.enrollment_id] }, 'application_closed');
          outcomes.set(claim.id, { result: 'skipped', reason });
        } else sendable.push({ claim, attempts: message.attempts });
      }

      // The batch's messages share the pooled connections, so a hung server could hold these locks
      // for many timeouts in a row. At the deadline the messages still waiting for a connection
      // are called off (never sent; their claims go back) and those with the server stay `sending`.
      const deadlineMs = this.config.SMTP_TIMEOUT_MS * 2;
      const stop = new AbortController();
      // Every message of the batch listens for the deadline (waiting for a connection, then with the server).
      setMaxListeners(sendable.length * 2 + 1, stop.signal);
      batch.handedToSmtp = sendable.length > 0;
      const sending = sendable.map(async ({ claim, attempts }) =>
        this.metrics.attempt(this.mailer.send(this.compose(claim), stop.signal), { id: claim.id, step: claim.step, attempts }),
      );
      let results = await settledWithin(sending, deadlineMs);
      if (results.some((r) => !r)) {
        stop.abort();
        results = await settledWithin(sending, 100);
      }

      const sentAt = this.clock.now();
      const sent: { claim: Claim; response: string; next: { id: string; dueAt: Date } | null }[] = [];
      const failures: { claim: Claim; attempts: number; error: MailDeliveryError }[] = [];
      for (const [i, result] of results.entries()) {
        const { claim, attempts } = sendable[i];
        if (result?.status === 'fulfilled') sent.push({ claim, response: result.value, next: this.nextStep(claim, sentAt) });
        else if (result?.reason instanceof MailDeliveryError && result.reason.cancelled) {
          const at = new Date(sentAt.getTime() + 1000);
          await this.release(tx, [{ id: claim.id, detail: `not sent: ${result.reason.message}`, dueAt: at }], 'scheduled', { unsent: true, countsBack });
          outcomes.set(claim.id, { result: 'retry', at, reason: result.reason.message });
          later.push({ id: claim.id, dueAt: at });
        } else if (result?.reason instanceof MailDeliveryError && !result.reason.outcomeUnknown) failures.push({ claim, attempts, error: result.reason });
        else {
          // Whether the server has the message is unknown: the step becomes `uncertain` now, with what happened
          // (or, should that fail, stays `sending` for the reconciler).
          const err = result ? result.reason : new Error(`SMTP did not answer within ${deadlineMs} ms`);
          this.logger.error({ outreachMessageId: claim.id, err }, 'the SMTP outcome of a step is unknown; it is marked uncertain');
          outcomes.set(claim.id, { result: 'unknown', reason: (err as Error).message });
          const detail = `the message may have been accepted (${(err as Error).message}); check and resend if it did not arrive`.slice(0, 1000);
          await tx
            .transaction(async (sp) => {
              const marked = returnedRows<{ id: string }>(
                await sp.query(
                  `UPDATE outreach_messages SET status = 'uncertain', detail = $2, updated_at = now() WHERE id = $1 AND status = 'sending' RETURNING id`,
                  [claim.id, detail],
                ),
              );
              if (marked.length) await this.events.publish(sp, stepEvent('outreach.step_uncertain', refsOf(claim), claim.id, claim.step));
            })
            .catch((e: Error) => this.logger.warn(`step ${claim.id} not marked uncertain (${e.message}); the reconciler will`));
        }
      }
      // Recorded before the failures: a bounce stops the candidate's other sequences, including
      // next steps planned here, and must find them.
      // A first message moves its application to `contacted`, in the same statement.
      if (sent.length) {
        const firstContacts = new Set(sent.filter((s) => s.claim.step === 1).map((s) => s.claim.application_id));
        await this.recordSent(
          tx,
          sent,
          sentAt,
          applications.filter((a) => firstContacts.has(a.id)),
        );
      }
      for (const s of sent) {
        outcomes.set(s.claim.id, { result: 'sent', nextStepDueAt: s.next?.dueAt ?? null });
        if (s.next) later.push(s.next);
      }
      for (const f of failures) {
        // A failure's bookkeeping (a bounce stops every sequence of the candidate) may wait on or
        // deadlock with another batch; under a savepoint it cannot undo the record of the messages that were sent.
        try {
          const outcome = await tx.transaction((savepoint) => this.failed(savepoint, f.claim, f.attempts, f.error, countsBack));
          outcomes.set(f.claim.id, outcome);
          if (outcome.result === 'retry') later.push({ id: f.claim.id, dueAt: outcome.at });
        } catch (error) {
          this.logger.error({ outreachMessageId: f.claim.id, err: error }, 'recording an SMTP failure failed; the step will be marked uncertain');
          outcomes.set(f.claim.id, { result: 'unknown', reason: (error as Error).message });
        }
      }
    });
    await this.giveBackCounts(runner.manager, countsBack).catch((e: Error) =>
      this.logger.warn(`cap counts not given back (${e.message}); the caps are lower by that much until midnight UTC`),
    );
    // A lost enqueue is not a lost step: the reconciler finds due steps without a job.
    await this.jobs.enqueueAfterCommit(later);
  }

  private nextStep(claim: Claim, sentAt: Date): { id: string; dueAt: Date } | null {
    const d = claim.definition;
    if (claim.step >= d.steps.length) return null;
    const after = new Date(sentAt.getTime() + Duration.fromISO(d.steps[claim.step].delay).toMillis());
    return { id: newId(), dueAt: nextSendTime(after, claim.time_zone, d.sendWindow, d.holidayCalendars) };
  }

  /**
   * Sent, each next step planned (or its enrollment completed), the applications of first messages
   * moved to `contacted` (ApplicationsService.planOutreachMove, under this transaction's locks) and
   * the events of it all written, in one statement.
   */
  private async recordSent(
    tx: EntityManager,
    sent: { claim: Claim; response: string; next: { id: string; dueAt: Date } | null }[],
    sentAt: Date,
    firstContacts: LockedApplication[],
  ): Promise<void> {
    const move = this.applications.planOutreachMove(firstContacts, 'contacted', 'first outreach message sent');
    const { published, rows: events } = this.events.prepare([
      ...sent.map((s) => stepEvent('outreach.step_sent', refsOf(s.claim), s.claim.id, s.claim.step)),
      ...move.events,
    ]);
    await preparedQuery(
      tx,
      'outreach-record-sent',
      `WITH input AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[], $5::int[], $6::timestamptz[], $7::text[])
                        AS i(id, enrollment_id, response, next_id, next_step, next_due, next_message_id)),
       sent AS (
         UPDATE outreach_messages m SET status = 'sent', sent_at = $8, smtp_response = i.response, detail = NULL, updated_at = $8 FROM input i WHERE m.id = i.id RETURNING m.id),
       planned AS (
         INSERT INTO outreach_messages (id, enrollment_id, step, due_at, message_id)
         SELECT next_id, enrollment_id, next_step, next_due, next_message_id FROM input WHERE next_id IS NOT NULL RETURNING id),
       completed AS (
         UPDATE enrollments e SET status = 'completed', updated_at = $8 FROM input i WHERE e.id = i.enrollment_id AND i.next_id IS NULL RETURNING e.id),
       ${outreachMoveCtes(9)},
       events AS (${insertEvents(15)})
       SELECT 1`,
      [
        sent.map((s) => s.claim.id),
        sent.map((s) => s.claim.enrollment_id),
        sent.map((s) => s.response.slice(0, 1000)),
        sent.map((s) => s.next?.id ?? null),
        sent.map((s) => s.claim.step + 1),
        sent.map((s) => s.next?.dueAt ?? null),
        sent.map((s) => messageIdFor(s.claim.enrollment_id, s.claim.step + 1, this.config.PUBLIC_BASE_URL)),
        sentAt,
        ...move.params,
        events,
      ],
    );
    await this.events.notify(tx, published);
  }

  /** Whose problem the failure is; a failure without an SMTP reply is told by how it failed. */
  private replyClass(claim: Claim, error: MailDeliveryError): ReplyClass {
    if (!error.response || !/^\s*[2-5]\d\d/.test(error.response)) return error.transient ? 'transient' : error.recipientRejected ? 'recipient' : 'message';
    const spellings = (address: string) => {
      const at = address.lastIndexOf('@');
      return [address, `${address.slice(0, at)}@${toASCII(address.slice(at + 1).toLowerCase())}`];
    };
    return classifySmtpReply({
      response: error.response,
      atRcpt: error.recipientRejected,
      sender: spellings(claim.definition.sender.fromAddress),
      recipient: spellings(claim.recipient),
    });
  }

  /**
   * Records a message SMTP did not take. Its cap counts go back whatever the outcome: the
   * counters say what went out. Only a refusal of the recipient's own address touches the candidate.
   */
  private async failed(tx: EntityManager, claim: Claim, attempts: number, error: MailDeliveryError, countsBack: CountsBack): Promise<SendOutcome> {
    const detail = (error.response ?? error.message).slice(0, 1000);
    const kind = this.replyClass(claim, error);
    if (kind === 'recipient') {
      await this.takeCounts(tx, claim.id, countsBack);
      await tx.query(
        `UPDATE outreach_messages SET status = 'failed', response = 'bounced', response_at = now(), smtp_response = $2, detail = $2, updated_at = now() WHERE id = $1`,
        [claim.id, detail],
      );
      await this.events.publish(tx, stepEvent('outreach.step_bounced', refsOf(claim), claim.id, claim.step));
      await recordBounce(this.events, tx, claim.candidate_id, claim.recipient, detail, {
        enrollmentId: claim.enrollment_id,
        sequenceId: claim.sequence_id,
        step: claim.step,
      });
      return { result: 'bounced', reason: detail };
    }
    if (kind === 'sender') {
      const reason = `not sent: the mail server refused the sender or this system's mail configuration, not the candidate (${detail}); the enrollment is paused: fix the sender or the relay, then resume it`;
      await this.release(tx, [{ id: claim.id, detail: reason }], 'scheduled', { unsent: false, countsBack });
      await tx.query(`UPDATE outreach_messages SET smtp_response = $2 WHERE id = $1`, [claim.id, detail]);
      await tx.query(`UPDATE enrollments SET status = 'paused', pause_reason = $2, updated_at = now() WHERE id = $1 AND status = 'active'`, [
        claim.enrollment_id,
        `the mail server refused the sender or the configuration: ${detail}`.slice(0, 1000),
      ]);
      return { result: 'paused', reason: detail };
    }
    if (kind === 'message' || attempts >= this.config.OUTREACH_MAX_ATTEMPTS) {
      await this.takeCounts(tx, claim.id, countsBack);
      await tx.query(`UPDATE outreach_messages SET status = 'failed', smtp_response = $2, detail = $3, updated_at = now() WHERE id = $1`, [
        claim.id,
        detail,
        kind === 'transient' ? `gave up after ${attempts} attempts: ${detail}` : detail,
      ]);
      await stopOutreach(this.events, tx, { enrollmentIds: [claim.enrollment_id] }, 'send_failed');
      return { result: 'failed', reason: detail };
    }
    const at = new Date(this.clock.now().getTime() + this.config.OUTREACH_RETRY_BASE_MS * 2 ** (attempts - 1));
    await this.release(tx, [{ id: claim.id, detail: `attempt ${attempts} failed: ${detail}`, dueAt: at }], 'scheduled', { unsent: false, countsBack });
    return { result: 'retry', at, reason: detail };
  }

  /** The cap counts a claim holds, taken off it to be given back after the commit. */
  private async takeCounts(tx: EntityManager, id: string, countsBack: CountsBack): Promise<void> {
    const held = returnedRows<{ cap_day: string | null; cap_keys: string[] }>(
      await tx.query(
        `UPDATE outreach_messages m SET cap_keys = '{}' FROM (SELECT id, cap_day, cap_keys FROM outreach_messages WHERE id = $1) old
          WHERE m.id = old.id RETURNING to_char(old.cap_day, 'YYYY-MM-DD') AS cap_day, old.cap_keys`,
        [id],
      ),
    );
    for (const r of held) if (r.cap_day && r.cap_keys.length) addCounts(countsBack, r.cap_day, r.cap_keys);
  }

  /**
   * Gives claims back, to `scheduled` or `skipped`, with a new detail and due time where given.
   * `unsent`: no SMTP attempt was made, so it does not count as one; `token`: only claims this batch
   * still holds; `countsBack` collects the cap counts they held (left out when the caller accounts
   * for them itself).
   */
  private async release(
    tx: EntityManager,
    claims: { id: string; detail: string | null; dueAt?: Date }[],
    status: 'scheduled' | 'skipped',
    options: { unsent: boolean; token?: string; countsBack?: CountsBack },
  ): Promise<void> {
    const released = returnedRows<{ cap_day: string | null; cap_keys: string[] }>(
      await tx.query(
        `UPDATE outreach_messages m SET status = $4, detail = COALESCE(old.detail, m.detail), due_at = COALESCE(old.due_at, m.due_at), claim_token = NULL,
                cap_keys = '{}', attempts = m.attempts - CASE WHEN $5 THEN 1 ELSE 0 END, updated_at = now()
           FROM (SELECT o.id, o.cap_day, o.cap_keys, i.detail, i.due_at
                   FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS i(id, detail, due_at) JOIN outreach_messages o ON o.id = i.id) old
          WHERE m.id = old.id AND ($6::uuid IS NULL OR (m.claim_token = $6 AND m.status = 'sending'))
          RETURNING to_char(old.cap_day, 'YYYY-MM-DD') AS cap_day, old.cap_keys`,
        [claims.map((c) => c.id), claims.map((c) => c.detail), claims.map((c) => c.dueAt ?? null), status, options.unsent, options.token ?? null],
      ),
    );
    if (options.countsBack) for (const r of released) if (r.cap_day) addCounts(options.countsBack, r.cap_day, r.cap_keys);
  }

  /** Takes counts back from the daily counters, one key at a time in order (the order claims count them in). */
  private async giveBackCounts(manager: EntityManager, countsBack: CountsBack): Promise<void> {
    const entries = [...countsBack]
      .flatMap(([day, keys]) => [...keys].map(([key, n]) => ({ day, key, n })))
      .sort((a, b) => a.day.localeCompare(b.day) || a.key.localeCompare(b.key));
    for (const e of entries) {
      await manager.query(`UPDATE outreach_daily_counts SET sent = GREATEST(0, sent - $3) WHERE day = $1 AND counter = $2`, [e.day, e.key, e.n]);
    }
  }

  /** Claims that never reached SMTP go back to `scheduled`, with their counts. */
  private async giveBack(runner: QueryRunner, claims: Claim[], token: string): Promise<void> {
    // The batch's own connection, once its transaction is rolled back; a fresh one if it broke.
    const manager = await runner.query('SELECT 1').then(
      () => runner.manager,
      () => this.db.manager,
    );
    const countsBack: CountsBack = new Map();
    await this.release(
      manager,
      claims.map((c) => ({ id: c.id, detail: null })),
      'scheduled',
      { unsent: true, token, countsBack },
    );
    await this.giveBackCounts(manager, countsBack);
  }

  private compose(claim: Claim) {
    const d = claim.definition;
    const step = d.steps[claim.step - 1];
    const link = unsubscribeUrl(this.config, unsubscribeToken(this.config.UNSUBSCRIBE_SECRET, claim.enrollment_id));
    const context = templateContext(claim, { name: claim.tf_name, company: claim.tf_company, location: claim.tf_location }, d.sender, link);
    let subject: string;
    let text: string;
    try {
      subject = render(step.subject, context);
      text = render(step.body, context);
    } catch (error) {
      // A version saved before templates were held to the allow-list: nothing reached SMTP, and no retry would render it.
      throw new MailDeliveryError(`the step's template cannot be rendered: ${(error as Error).message.split('\n')[0]}`, false, false, null, false, true);
    }
    return {
      from: { name: d.sender.fromName, address: d.sender.fromAddress },
      replyTo: d.sender.replyTo,
      to: claim.recipient,
      subject,
      text,
      messageId: claim.message_id,
      headers: {
        'List-Unsubscribe': `<${link}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Hiring-Enrollment': claim.enrollment_id,
        ...threadHeaders(d.steps, claim.step, claim.earlier_messages),
      },
    };
  }

  private async load(runner: QueryRunner, ids: string[]): Promise<Map<string, Step>> {
    const rows = await preparedQuery<StepRow>(
      runner,
      'outreach-load',
      `SELECT m.id, m.enrollment_id, m.step, m.status, m.due_at, m.message_id, e.status AS enrollment_status, e.application_id, e.candidate_id, e.task_force_id, e.time_zone,
              e.sequence_id, e.sequence_version, c.full_name, c.native_name, c.current_employer, c.current_title,
              (SELECT address FROM unnest(c.emails) WITH ORDINALITY AS u(address, n)
                WHERE ${notBounced('u.address')} ORDER BY n LIMIT 1) AS recipient,
              t.name AS tf_name, t.company AS tf_company, t.location AS tf_location, t.time_zone AS tf_time_zone,
              (SELECT coalesce(json_agg(json_build_object('step', p.step, 'messageId', p.message_id)), '[]') FROM outreach_messages p
                WHERE p.enrollment_id = m.enrollment_id AND p.step < m.step AND p.status IN ('sent', 'uncertain')) AS earlier_messages
         FROM outreach_messages m
         JOIN enrollments e ON e.id = m.enrollment_id
         JOIN candidates c ON c.id = e.candidate_id
         JOIN task_forces t ON t.id = e.task_force_id
        WHERE m.id = ANY($1::uuid[])`,
      [ids],
    );
    const key = (r: { sequence_id: string; sequence_version: number }) => `${r.sequence_id}/${r.sequence_version}`;
    if (this.definitions.size > DEFINITION_CACHE_SIZE) this.definitions.clear();
    const unknown = [...new Map(rows.filter((r) => !this.definitions.has(key(r))).map((r) => [key(r), r])).values()];
    if (unknown.length) {
      const versions: { sequence_id: string; version: number; definition: SequenceDefinition }[] = await runner.query(
        `SELECT v.sequence_id, v.version, v.definition FROM sequence_versions v JOIN unnest($1::uuid[], $2::int[]) AS k(sequence_id, version) USING (sequence_id, version)`,
        [unknown.map((r) => r.sequence_id), unknown.map((r) => r.sequence_version)],
      );
      for (const v of versions) this.definitions.set(key({ sequence_id: v.sequence_id, sequence_version: v.version }), v.definition);
    }
    return new Map(rows.map((r) => [r.id, { ...r, definition: this.definitions.get(key(r))! }]));
  }
}

/** The enrollment a claimed step belongs to, as its events name it. */
function refsOf(claim: Claim): EnrollmentRefs {
  return {
    id: claim.enrollment_id,
    sequence_id: claim.sequence_id,
    candidate_id: claim.candidate_id,
    application_id: claim.application_id,
    task_force_id: claim.task_force_id,
  };
}
