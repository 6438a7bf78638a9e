import { CandidateAccess } from '@app/candidates';
import { AppConfig, Clock, ConflictError, newId, NotFoundError, Page, returnedRows, RuleViolationError, toPage } from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Duration } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { EnrollResult, EnrollmentListQuery, EnrollmentStatus, EnrollmentView, SkipReason } from './enrollments.dto';
import { nextSendTime } from './send-window';
import { SequencesService } from './sequences.service';

interface EnrollmentRow {
  id: string;
  sequence_id: string;
  sequence_version: number;
  candidate_id: string;
  application_id: string;
  status: EnrollmentStatus;
  stop_reason: string | null;
  time_zone: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `e.id, e.sequence_id, e.sequence_version, e.candidate_id, e.application_id, e.status, e.stop_reason, e.time_zone, e.created_at, e.updated_at`;

/** Deterministic, so a retried send of the same step can be recognised by any mail system. */
export function messageIdFor(enrollmentId: string, step: number, publicBaseUrl: string): string {
  return `<${enrollmentId}.${step}@${new URL(publicBaseUrl).hostname}>`;
}

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
      time_zone: string | null;
      application_id: string | null;
      enrolled: boolean;
    }[] = await this.db.query(
      `SELECT c.id, (${scope.sql}) AS visible,
              (c.erased_at IS NOT NULL OR c.merged_into IS NOT NULL) AS erased, c.consent_state, cardinality(c.emails) > 0 AS has_email, c.time_zone,
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
      const reason: SkipReason | null = !r || !r.visible ? 'not_found' : r.erased ? 'erased' : r.consent_state === 'opted_out' ? 'opted_out' : !r.has_email ? 'no_email' : !r.application_id ? 'no_application' : r.enrolled ? 'already_enrolled' : null;
      if (reason) skipped.push({ candidateId: id, reason });
      else eligible.push({ candidateId: id, applicationId: r!.application_id!, zone: d.timeZoneRule === 'candidate' && r!.time_zone ? r!.time_zone : taskForce.time_zone });
    }
    const enrolled: EnrollResult['enrolled'] = [];
    const now = this.clock.now();
    const firstDelayMs = Duration.fromISO(d.steps[0].delay).toMillis();
    for (let i = 0; i < eligible.length; i += 1000) {
      const batch = eligible.slice(i, i + 1000).map((e) => ({ ...e, id: newId(), due: nextSendTime(new Date(now.getTime() + firstDelayMs), e.zone, d.sendWindow, d.holidayCalendars) }));
      await this.db.transaction(async (tx) => {
        const inserted: { id: string; candidate_id: string }[] = await tx.query(
          `INSERT INTO enrollments (id, sequence_id, sequence_version, candidate_id, application_id, task_force_id, time_zone, enrolled_by)
           SELECT t.id, $1, $2, t.candidate_id, t.application_id, $3, t.zone, $4
             FROM unnest($5::uuid[], $6::uuid[], $7::uuid[], $8::text[]) AS t(id, candidate_id, application_id, zone)
           ON CONFLICT DO NOTHING RETURNING id, candidate_id`,
          [sequenceId, sequence.version, sequence.taskForceId, actor.userId, batch.map((b) => b.id), batch.map((b) => b.candidateId), batch.map((b) => b.applicationId), batch.map((b) => b.zone)],
        );
        const won = new Set(inserted.map((r) => r.id));
        const rowsToSchedule = batch.filter((b) => won.has(b.id));
        if (rowsToSchedule.length) {
          await tx.query(
            `INSERT INTO outreach_messages (id, enrollment_id, step, due_at, message_id)
             SELECT t.id, t.enrollment_id, 1, t.due_at, t.message_id FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[]) AS t(id, enrollment_id, due_at, message_id)`,
            [
              rowsToSchedule.map(() => newId()),
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
      });
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
    const views = await Promise.all(rows.map((r) => this.view(this.db.manager, r)));
    return toPage(views, query.limit, (v) => v);
  }

  /** pause: active -> paused; resume: paused -> active; stop: active|paused -> stopped (scheduled steps are skipped). */
  async change(actor: Actor, id: string, action: 'pause' | 'resume' | 'stop'): Promise<EnrollmentView> {
    return this.db.transaction(async (tx) => {
      const current = await this.load(tx, actor, id);
      const from: EnrollmentStatus[] = action === 'pause' ? ['active'] : action === 'resume' ? ['paused'] : ['active', 'paused'];
      const to: EnrollmentStatus = action === 'pause' ? 'paused' : action === 'resume' ? 'active' : 'stopped';
      if (!from.includes(current.status)) {
        throw new RuleViolationError('illegal_enrollment_action', `An enrollment that is ${current.status} cannot ${action}`, { enrollmentStatus: current.status, action });
      }
      const [row] = returnedRows<EnrollmentRow>(
        await tx.query(
          `UPDATE enrollments e SET status = $3, stop_reason = CASE WHEN $3 = 'stopped' THEN 'stopped by ' || $4 ELSE stop_reason END, updated_at = now()
            WHERE id = $1 AND status = $2 RETURNING ${COLUMNS}`,
          [id, current.status, to, actor.userId],
        ),
      );
      if (!row) throw new ConflictError('concurrent_modification', 'The enrollment changed meanwhile; re-read it');
      if (to === 'stopped') await tx.query(`UPDATE outreach_messages SET status = 'skipped', detail = 'enrollment stopped', updated_at = now() WHERE enrollment_id = $1 AND status = 'scheduled'`, [id]);
      return this.view(tx, row);
    });
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
    const messages: { step: number; status: string; due_at: Date; sent_at: Date | null; message_id: string }[] = await manager.query(
      `SELECT step, status, due_at, sent_at, message_id FROM outreach_messages WHERE enrollment_id = $1 ORDER BY step`,
      [r.id],
    );
    return {
      id: r.id,
      sequenceId: r.sequence_id,
      sequenceVersion: r.sequence_version,
      candidateId: r.candidate_id,
      applicationId: r.application_id,
      status: r.status,
      stopReason: r.stop_reason,
      timeZone: r.time_zone,
      messages: messages.map((m) => ({ step: m.step, status: m.status, dueAt: m.due_at.toISOString(), sentAt: m.sent_at?.toISOString() ?? null, messageId: m.message_id })),
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
    };
  }
}
