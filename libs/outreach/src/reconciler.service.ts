import { AppConfig, Clock, DomainEvents, returnedRows } from '@app/platform';
import { EnrollmentRefs, stepEvent } from './outreach-events';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OutreachJobs, sendJobId } from './outreach-jobs';

const BATCH = 1000;
const MAX_BATCHES = 20;
const STAT_DELTAS_PER_FOLD = 100_000;

/**
 * Makes Redis agree with Postgres again, on a schedule:
 * - a step left in `sending` whose enrollment no sender holds any more (the process died between
 *   the claim and recording the SMTP result) becomes `uncertain`;
 * - a due step with no job in Redis (Redis lost its data, an enqueue failed after a commit) gets
 *   its job again.
 */
@Injectable()
export class OutreachReconciler {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly jobs: OutreachJobs,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
  ) {}

  async reconcile(): Promise<{ uncertain: number; enqueued: number }> {
    const result = { uncertain: await this.markAbandonedClaims(), enqueued: await this.enqueueOrphans() };
    await this.foldStatDeltas();
    return result;
  }

  /**
   * Folds the oldest stats deltas into the totals, so a stats read only adds what changed since
   * the last run. One folder at a time: two would lock the same rows in different orders.
   */
  async foldStatDeltas(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [{ locked }]: { locked: boolean }[] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext('fold-sequence-stats')) AS locked`);
      if (!locked) return 0;
      const [{ folded }]: { folded: number }[] = await tx.query(
        `WITH moved AS (
           DELETE FROM sequence_stat_deltas WHERE id IN (SELECT id FROM sequence_stat_deltas ORDER BY id LIMIT $1) RETURNING sequence_id, step, counter, n),
         summed AS (
           INSERT INTO sequence_stat_totals (sequence_id, step, counter, n)
           SELECT sequence_id, step, counter, sum(n) FROM moved GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
           ON CONFLICT (sequence_id, step, counter) DO UPDATE SET n = sequence_stat_totals.n + excluded.n)
         SELECT count(*)::int AS folded FROM moved`,
        [STAT_DELTAS_PER_FOLD],
      );
      return folded;
    });
  }

  private async markAbandonedClaims(): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.OUTREACH_CLAIM_GRACE_MS);
    // A live sender holds its enrollment's row lock until it records the result: SKIP LOCKED
    // passes over those, so only claims whose process is gone are touched.
    return this.db.transaction(async (tx) => {
      const rows = returnedRows<EnrollmentRefs & { message_id: string; step: number }>(
        await tx.query(
          `UPDATE outreach_messages m
              SET status = 'uncertain', detail = 'the sending process stopped before the SMTP result was recorded; check and resend if it did not arrive', updated_at = now()
             FROM enrollments e
            WHERE e.id = m.enrollment_id AND m.status = 'sending' AND m.id IN (
                  SELECT m2.id FROM outreach_messages m2 JOIN enrollments e2 ON e2.id = m2.enrollment_id
                   WHERE m2.status = 'sending' AND m2.claimed_at < $1
                     FOR NO KEY UPDATE OF e2 SKIP LOCKED)
            RETURNING m.id AS message_id, m.step, e.id, e.sequence_id, e.candidate_id, e.application_id, e.task_force_id`,
          [before],
        ),
      );
      await this.events.publish(tx, ...rows.map((r) => stepEvent('outreach.step_uncertain', r, r.message_id, r.step)));
      return rows.length;
    });
  }

  private async enqueueOrphans(): Promise<number> {
    const now = this.clock.now();
    let enqueued = 0;
    let after: { dueAt: Date; id: string } | null = null;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const due: { id: string; due_at: Date }[] = await this.db.query(
        `SELECT m.id, m.due_at FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id AND e.status = 'active'
          WHERE m.status = 'scheduled' AND m.due_at <= $1 AND ($2::timestamptz IS NULL OR (m.due_at, m.id) > ($2, $3::uuid))
          ORDER BY m.due_at, m.id LIMIT $4`,
        [now, after?.dueAt ?? null, after?.id ?? null, BATCH],
      );
      if (!due.length) break;
      const presence = await this.jobs.presence(due.map((m) => ({ id: m.id, dueAt: m.due_at })));
      // A job that already finished (it ran early, or found the enrollment paused) cannot be
      // added again under its id; such steps get a fresh one.
      const missing = due
        .map((m, i) => ({ m, presence: presence[i] }))
        .filter(({ presence }) => presence !== 'pending')
        .map(({ m, presence }) => ({
          id: m.id,
          dueAt: m.due_at,
          jobId: presence === 'missing' ? undefined : `${sendJobId(m.id, m.due_at)}-again-${now.getTime()}`,
        }));
      await this.jobs.enqueue(missing);
      enqueued += missing.length;
      const last = due[due.length - 1];
      after = { dueAt: last.due_at, id: last.id };
      if (due.length < BATCH) break;
    }
    return enqueued;
  }
}
