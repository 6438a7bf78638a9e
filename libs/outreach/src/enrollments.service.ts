import { ApplicationsService, CandidateAccess, Stage } from '@app/candidates';
import { stopOutreach } from './outreach-stop';
import { AppConfig, AuditLog, Clock, ConflictError, DomainEvents, newId, NotFoundError, Page, returnedRows, RuleViolationError, toPage } from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Duration } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { EnrollResult, EnrollmentListQuery, EnrollmentStatus, EnrollmentView, SkipReason } from './enrollments.dto';
import { messageIdFor, OutreachJobs, sendJobId } from './outreach-jobs';
import { notBounced } from './bounces';
import { nextSendTime } from './send-window';
import { SequenceDefinition } from './sequences.dto';
import { SequencesService } from './sequences.service';

interface EnrollmentRow {
  id: string;
  sequence_id: string;
  sequence_version: number;
  candidate_id: string;
  application_id: string;
  status: EnrollmentStatus;
  stop_reason: string | null;
  pause_reason: string | null;
  time_zone: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `e.id, e.sequence_id, e.sequence_version, e.candidate_id, e.application_id, e.status, e.stop_reason, e.pause_reason, e.time_zone, e.created_at, e.updated_at`;

/**
 * Candidates going through a sequence. Enrolling checks each person (reachable, consenting, in
 * the task force's pipeline, not already in one of its sequences) and schedules the first step
 * in their own send window; the rest of the steps follow as each is sent.
 */
@Injectable()
export class EnrollmentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sequences: SequencesService,
    private readonly candidates: CandidateAccess,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly jobs: OutreachJobs,
    private readonly applications: ApplicationsService,
    private readonly audit: AuditLog,
    private readonly events: DomainEvents,
  ) {}

  async enroll(actor: Actor, sequenceId: string, candidateIds: string[]): Promise<EnrollResult> {
    const sequence = await this.sequences.get(actor, sequenceId);
    const d = sequence.definition;
    const ids = [...new Set(candidateIds.map((id) => id.toLowerCase()))];
    const scope = this.candidates.reach(actor, 3);
    const rows: {
      id: string;
      visible: boolean;
      erased: boolean;
      consent_state: string;
      has_email: boolean;
      deliverable: boolean;
      time_zone: string | null;
      application_id: string | null;
      enrolled: boolean;
    }[] = await this.db.query(
      `SELECT c.id, (${scope.sql}) AS visible,
              (c.erased_at IS NOT NULL OR c.merged_into IS NOT NULL) AS erased, c.consent_state, cardinality(c.emails) > 0 AS has_email,
              EXISTS (SELECT 1 FROM unnest(c.emails) AS address WHERE ${notBounced('address')}) AS deliverable, c.time_zone,
              (SELECT a.id FROM applications a WHERE a.candidate_id = c.id AND a.task_force_id = $2 AND a.stage NOT IN ('hired', 'rejected', 'withdrawn') LIMIT 1) AS application_id,
              EXISTS (SELECT 1 FROM enrollments e WHERE e.candidate_id = c.id AND e.task_force_id = $2 AND e.status IN ('active', 'paused')) AS enrolled
         FROM candidates c WHERE c.id = ANY($1::uuid[])`,
      [ids, sequence.taskForceId, ...scope.params],
    );
    const [taskForce]: { time_zone: string }[] = await this.db.query(`SELECT time_zone FROM task_forces WHERE id = $1`, [sequence.taskForceId]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const skipped: EnrollResult['skipped'] = [];
    const eligible: { candidateId: string; applicationId: string; zone: string }[] = [];
    for (const id of ids) {
      const r = byId.get(id);
      const reason: SkipReason | null =
        !r || !r.visible
          ? 'not_found'
          : r.erased
            ? 'erased'
            : r.consent_state === 'opted_out'
              ? 'opted_out'
              : !r.has_email
                ? 'no_email'
                : !r.deliverable
                  ? 'bounced'
                  : !r.application_id
                    ? 'no_application'
                    : r.enrolled
                      ? 'already_enrolled'
                      : null;
      if (reason) skipped.push({ candidateId: id, reason });
      else
        eligible.push({
          candidateId: id,
          applicationId: r!.application_id!,
          zone: d.timeZoneRule === 'candidate' && r!.time_zone ? r!.time_zone : taskForce.time_zone,
        });
    }
    const enrolled: EnrollResult['enrolled'] = [];
    const now = this.clock.now();
    const firstDelayMs = Duration.fromISO(d.steps[0].delay).toMillis();
    for (let i = 0; i < eligible.length; i += 1000) {
      const batch = eligible
        .slice(i, i + 1000)
        .map((e) => ({ ...e, id: newId(), due: nextSendTime(new Date(now.getTime() + firstDelayMs), e.zone, d.sendWindow, d.holidayCalendars) }));
      const scheduled = await this.db.transaction(async (tx) => {
        const inserted: { id: string; candidate_id: string }[] = await tx.query(
          `INSERT INTO enrollments (id, sequence_id, sequence_version, candidate_id, application_id, task_force_id, time_zone, enrolled_by)
           SELECT t.id, $1, $2, t.candidate_id, t.application_id, $3, t.zone, $4
             FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::text[]) AS t(id, candidate_id, application_id, zone)
           ON CONFLICT DO NOTHING RETURNING id, candidate_id`,
          [
            sequenceId,
            sequence.version,
            sequence.taskForceId,
            actor.userId,
            batch.map((b) => b.id),
            batch.map((b) => b.candidateId),
            batch.map((b) => b.applicationId),
            batch.map((b) => b.zone),
          ],
        );
        const won = new Set(inserted.map((r) => r.id));
        const rowsToSchedule = batch.filter((b) => won.has(b.id)).map((b) => ({ ...b, stepId: newId() }));
        if (rowsToSchedule.length) {
          await tx.query(
            `INSERT INTO outreach_messages (id, enrollment_id, step, due_at, message_id)
             SELECT t.id, t.enrollment_id, 1, t.due_at, t.message_id FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[]) AS t(id, enrollment_id, due_at, message_id)`,
            [
              rowsToSchedule.map((b) => b.stepId),
              rowsToSchedule.map((b) => b.id),
              rowsToSchedule.map((b) => b.due.toISOString()),
              rowsToSchedule.map((b) => messageIdFor(b.id, 1, this.config.PUBLIC_BASE_URL)),
            ],
          );
        }
        for (const b of batch) {
          if (won.has(b.id)) enrolled.push({ candidateId: b.candidateId, enrollmentId: b.id });
          else skipped.push({ candidateId: b.candidateId, reason: 'already_enrolled' });
        }
        return rowsToSchedule;
      });
      // After the commit; should Redis miss these, the reconciler enqueues them when due.
      await this.jobs.enqueueAfterCommit(scheduled.map((b) => ({ id: b.stepId, dueAt: b.due })));
    }
    return { enrolled, skipped };
  }

  async get(actor: Actor, id: string): Promise<EnrollmentView> {
    return this.view(this.db.manager, await this.load(this.db.manager, actor, id));
  }

  async list(actor: Actor, sequenceId: string, query: EnrollmentListQuery, afterId?: string): Promise<Page<EnrollmentView>> {
    await this.sequences.get(actor, sequenceId);
    const rows: EnrollmentRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM enrollments e WHERE e.sequence_id = $1 AND ($2::text IS NULL OR e.status = $2) AND ($3::uuid IS NULL OR e.id > $3) ORDER BY e.id LIMIT $4`,
      [sequenceId, query.status ?? null, afterId ?? null, query.limit + 1],
    );
    return toPage(await this.views(this.db.manager, rows), query.limit, (v) => v);
  }

  /** pause: active -> paused; resume: paused -> active; stop: active|paused -> stopped (scheduled steps are skipped). */
  async change(actor: Actor, id: string, action: 'pause' | 'resume' | 'stop'): Promise<EnrollmentView> {
    let resumed: { id: string; dueAt: Date; jobId: string }[] = [];
    const view = await this.db.transaction(async (tx) => {
      const current = await this.load(tx, actor, id);
      const from: EnrollmentStatus[] = action === 'pause' ? ['active'] : action === 'resume' ? ['paused'] : ['active', 'paused'];
      const to: EnrollmentStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'stopped';
      if (!from.includes(current.status)) {
        throw new RuleViolationError('illegal_enrollment_action', `An enrollment that is ${current.status} cannot ${action}`, {
          enrollmentStatus: current.status,
          action,
        });
      }
      const conflict = () => new ConflictError('concurrent_modification', 'The enrollment changed meanwhile; re-read it');
      if (action === 'stop') {
        // The same stop every other cause uses: the enrollment ends and its unsent steps are skipped.
        if (!(await stopOutreach(this.events, tx, { enrollmentIds: [id] }, 'manual')).length) throw conflict();
        return this.view(tx, await this.load(tx, actor, id));
      }
      const [row] = returnedRows<EnrollmentRow>(
        await tx.query(`UPDATE enrollments e SET status = $3, pause_reason = NULL, updated_at = now() WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`, [
          id,
          current.status,
          to,
        ]),
      );
      if (!row) throw conflict();
      if (action === 'resume') resumed = await this.reschedule(tx, row);
      return this.view(tx, row);
    });
    await this.jobs.enqueueAfterCommit(resumed);
    return view;
  }

  /**
   * Sends an `uncertain` step again, on a person's word that it did not arrive (SMTP logs, the
   * recipient). It keeps its Message-ID, so a mail system that did receive it can drop the copy.
   */
  async resend(actor: Actor, id: string, step: number): Promise<EnrollmentView> {
    const { view, due, counted } = await this.db.transaction(async (tx) => {
      const enrollment = await this.load(tx, actor, id);
      const [locked]: { status: EnrollmentStatus }[] = await tx.query(`SELECT status FROM enrollments WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      const [message]: { id: string; status: string; cap_day: string | null; cap_keys: string[] }[] = await tx.query(
        `SELECT id, status, to_char(cap_day, 'YYYY-MM-DD') AS cap_day, cap_keys FROM outreach_messages WHERE enrollment_id = $1 AND step = $2 FOR UPDATE`,
        [id, step],
      );
      if (!message) throw new NotFoundError('Step', `${id} step ${step}`);
      if (message.status !== 'uncertain') {
        throw new RuleViolationError('step_not_uncertain', `Only an uncertain step can be sent again; step ${step} is ${message.status}`, {
          stepStatus: message.status,
        });
      }
      if (locked.status !== 'active') {
        throw new RuleViolationError('enrollment_not_active', `The enrollment is ${locked.status}; resume it first`, { enrollmentStatus: locked.status });
      }
      const now = this.clock.now();
      // A person says the first attempt did not arrive: its cap counts go back, and the resend counts when it goes out.
      await tx.query(
        `UPDATE outreach_messages SET status = 'scheduled', due_at = $2, claim_token = NULL, cap_keys = '{}', detail = $3, updated_at = $2 WHERE id = $1`,
        [message.id, now, `sent again at the request of ${actor.userId}`],
      );
      return {
        view: await this.view(tx, enrollment),
        due: { id: message.id, dueAt: now },
        counted: message.cap_day ? { day: message.cap_day, keys: [...message.cap_keys].sort() } : null,
      };
    });
    // After the commit, one key at a time in key order, as the sender gives counts back.
    if (counted) {
      for (const key of counted.keys) {
        await this.db.query(`UPDATE outreach_daily_counts SET sent = GREATEST(0, sent - 1) WHERE day = $1 AND counter = $2`, [counted.day, key]);
      }
    }
    await this.jobs.enqueueAfterCommit([due]);
    return view;
  }

  /**
   * Records an `uncertain` step as sent, on a person's word that it arrived (the recipient's
   * mailbox, the server's log). The sequence goes on as after a send: the next step is planned
   * (or the enrollment completes), and a first step moves the application to `contacted`.
   */
  async markSent(actor: Actor, id: string, step: number): Promise<EnrollmentView> {
    const { view, next } = await this.db.transaction(async (tx) => {
      const enrollment = await this.load(tx, actor, id);
      // Applications, then enrollments: the sender's lock order.
      const [application]: { id: string; stage: Stage }[] = await tx.query(`SELECT id, stage FROM applications WHERE id = $1 FOR NO KEY UPDATE`, [
        enrollment.application_id,
      ]);
      const [locked]: { status: EnrollmentStatus }[] = await tx.query(`SELECT status FROM enrollments WHERE id = $1 FOR NO KEY UPDATE`, [id]);
      const [message]: { id: string; status: string }[] = await tx.query(
        `SELECT id, status FROM outreach_messages WHERE enrollment_id = $1 AND step = $2 FOR UPDATE`,
        [id, step],
      );
      if (!message) throw new NotFoundError('Step', `${id} step ${step}`);
      if (message.status !== 'uncertain') {
        throw new RuleViolationError('step_not_uncertain', `Only an uncertain step can be marked sent; step ${step} is ${message.status}`, {
          stepStatus: message.status,
        });
      }
      const now = this.clock.now();
      await tx.query(`UPDATE outreach_messages SET status = 'sent', sent_at = $2, claim_token = NULL, detail = $3, updated_at = $2 WHERE id = $1`, [
        message.id,
        now,
        `marked sent by ${actor.userId}`,
      ]);
      let planned: { id: string; dueAt: Date } | null = null;
      if (locked.status === 'active' || locked.status === 'paused') {
        const [version]: { definition: SequenceDefinition }[] = await tx.query(
          `SELECT definition FROM sequence_versions WHERE sequence_id = $1 AND version = $2`,
          [enrollment.sequence_id, enrollment.sequence_version],
        );
        const d = version.definition;
        const waiting: unknown[] = await tx.query(`SELECT 1 FROM outreach_messages WHERE enrollment_id = $1 AND step > $2`, [id, step]);
        if (step >= d.steps.length) {
          await tx.query(`UPDATE enrollments SET status = 'completed', pause_reason = NULL, updated_at = $2 WHERE id = $1`, [id, now]);
        } else if (!waiting.length) {
          const after = new Date(now.getTime() + Duration.fromISO(d.steps[step].delay).toMillis());
          planned = { id: newId(), dueAt: nextSendTime(after, enrollment.time_zone, d.sendWindow, d.holidayCalendars) };
          await tx.query(`INSERT INTO outreach_messages (id, enrollment_id, step, due_at, message_id) VALUES ($1, $2, $3, $4, $5)`, [
            planned.id,
            id,
            step + 1,
            planned.dueAt,
            messageIdFor(id, step + 1, this.config.PUBLIC_BASE_URL),
          ]);
        }
        if (step === 1 && application)
          await this.applications.advanceByOutreach(tx, [{ id: application.id, stage: application.stage }], 'contacted', 'first outreach message marked sent');
      }
      await this.audit.record({ actorId: actor.userId, action: 'outreach_step.marked_sent', entityType: 'enrollment', entityId: id, details: { step } }, tx);
      const next = planned && locked.status === 'active' ? [planned] : [];
      return { view: await this.view(tx, await this.load(tx, actor, id)), next };
    });
    await this.jobs.enqueueAfterCommit(next);
    return view;
  }

  /** A resumed enrollment's waiting step goes out at its due time, or in the next window if that has passed. */
  private async reschedule(tx: EntityManager, enrollment: EnrollmentRow): Promise<{ id: string; dueAt: Date; jobId: string }[]> {
    const [version]: { definition: SequenceDefinition }[] = await tx.query(`SELECT definition FROM sequence_versions WHERE sequence_id = $1 AND version = $2`, [
      enrollment.sequence_id,
      enrollment.sequence_version,
    ]);
    const waiting: { id: string; due_at: Date }[] = await tx.query(
      `SELECT id, due_at FROM outreach_messages WHERE enrollment_id = $1 AND status = 'scheduled'`,
      [enrollment.id],
    );
    const now = this.clock.now();
    const d = version.definition;
    const steps = waiting.map((m) => {
      const dueAt = m.due_at > now ? m.due_at : nextSendTime(now, enrollment.time_zone, d.sendWindow, d.holidayCalendars);
      // A fresh job id: the job planned before the pause may have run (and found it paused) already.
      return { id: m.id, dueAt, jobId: `${sendJobId(m.id, dueAt)}-resumed-${now.getTime()}` };
    });
    for (const s of steps) await tx.query(`UPDATE outreach_messages SET due_at = $2, updated_at = now() WHERE id = $1`, [s.id, s.dueAt]);
    return steps;
  }

  private async load(manager: EntityManager, actor: Actor, id: string): Promise<EnrollmentRow> {
    const [row]: EnrollmentRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM enrollments e WHERE e.id = $1 AND ($2::uuid IS NULL OR e.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $2))`,
      [id, isAdmin(actor) ? null : actor.userId],
    );
    if (!row) throw new NotFoundError('Enrollment', id);
    return row;
  }

  private async view(manager: EntityManager, r: EnrollmentRow): Promise<EnrollmentView> {
    return (await this.views(manager, [r]))[0];
  }

  /** Views of many enrollments with their steps in one query, so a page costs two round trips, not one per row. */
  private async views(manager: EntityManager, rows: EnrollmentRow[]): Promise<EnrollmentView[]> {
    const messages: {
      enrollment_id: string;
      step: number;
      status: string;
      due_at: Date;
      sent_at: Date | null;
      message_id: string;
      attempts: number;
      recipient: string | null;
      response: string | null;
      detail: string | null;
    }[] = rows.length
      ? await manager.query(
          `SELECT enrollment_id, step, status, due_at, sent_at, message_id, attempts, recipient, response, detail FROM outreach_messages
            WHERE enrollment_id = ANY($1::uuid[]) ORDER BY enrollment_id, step`,
          [rows.map((r) => r.id)],
        )
      : [];
    const byEnrollment = new Map<string, typeof messages>();
    for (const m of messages) {
      const list = byEnrollment.get(m.enrollment_id);
      if (list) list.push(m);
      else byEnrollment.set(m.enrollment_id, [m]);
    }
    return rows.map((r) => ({
      id: r.id,
      sequenceId: r.sequence_id,
      sequenceVersion: r.sequence_version,
      candidateId: r.candidate_id,
      applicationId: r.application_id,
      status: r.status,
      stopReason: r.stop_reason,
      pauseReason: r.status === 'paused' ? r.pause_reason : null,
      timeZone: r.time_zone,
      messages: (byEnrollment.get(r.id) ?? []).map((m) => ({
        step: m.step,
        status: m.status,
        dueAt: m.due_at.toISOString(),
        sentAt: m.sent_at?.toISOString() ?? null,
        messageId: m.message_id,
        attempts: m.attempts,
        recipient: m.recipient,
        response: m.response,
        detail: m.detail,
      })),
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    }));
  }
}
