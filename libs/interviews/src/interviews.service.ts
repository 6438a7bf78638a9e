import { ApplicationsService, isOpen, Stage } from '@app/candidates';
import { HolidayCalendar } from '@app/platform/clock/holidays';
import { AuditLog, Clock, ConflictError, DomainEvents, newId, Page, returnedRows as returnedRowsOf, RuleViolationError, toPage } from '@app/platform';
import { Actor } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, EntityManager } from 'typeorm';
import { INTERVIEW_COLUMNS, InterviewAccess, InterviewRow } from './interview-access';
import { InterviewerRow, InterviewersService, workingHoursOf } from './interviewers.service';
import {
  CancelInterviewDto,
  InterviewListQuery,
  InterviewView,
  MyInterviewsQuery,
  RescheduleInterviewDto,
  ScheduleInterviewDto,
  SlotSearchDto,
  SlotSearchView,
} from './interviews.dto';
import { PlanStepRow, PlansService } from './plans.service';
import { findSlots, Interval, SLOT_LIMITS, SlotParticipant, WorkingHours } from './slot-finder';

const HOUR = 3_600_000;
/** The candidate's hours when the caller gives none: an ordinary working week. */
const DEFAULT_CANDIDATE_HOURS: WorkingHours = {
  mon: { start: '09:00', end: '18:00' },
  tue: { start: '09:00', end: '18:00' },
  wed: { start: '09:00', end: '18:00' },
  thu: { start: '09:00', end: '18:00' },
  fri: { start: '09:00', end: '18:00' },
};
/** Cancellation reasons the rules write: codes, not anyone's words about the person, so an erasure keeps them. */
const RULE_CANCEL_REASONS = ['application_hired', 'application_rejected', 'application_withdrawn', 'candidate_erased', 'merged_duplicate_overlap'];
/** How many existing interviews or blocked times per person the slot finder reads, at most. */
const BUSY_PER_PERSON = SLOT_LIMITS.maxIntervals;
/** An interview is scheduled at most this far ahead. */
const HORIZON_DAYS = 365;

interface PanelRow {
  interview_id: string;
  user_id: string;
  name: string;
  time_zone: string;
}

type MailKind = 'request' | 'cancel' | 'reminder_24h' | 'reminder_1h';

/**
 * Interviews of an application: the slot search, scheduling, rescheduling and cancelling. An
 * interviewer is never on two panels at once and a candidate never in two interviews at once:
 * exclusion constraints decide races, and the loser gets 409. Each change queues its mails
 * (invitations, updates, cancellations, reminders) in the same transaction; the worker sends them.
 */
@Injectable()
export class InterviewsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly applications: ApplicationsService,
    private readonly interviewers: InterviewersService,
    private readonly plans: PlansService,
    private readonly access: InterviewAccess,
    private readonly events: DomainEvents,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async slots(actor: Actor, applicationId: string, dto: SlotSearchDto): Promise<SlotSearchView> {
    const application = await this.applications.visible(actor, applicationId);
    const step = dto.planStep !== undefined ? await this.planStep(this.db.manager, application.openingId, dto.planStep) : null;
    const durationMinutes = dto.durationMinutes ?? step?.duration_minutes;
    if (durationMinutes === undefined) throw new RuleViolationError('duration_required', 'Give durationMinutes or a planStep', { field: 'durationMinutes' });
    const ids = dto.interviewerIds ?? step?.pool;
    if (!ids) throw new RuleViolationError('interviewers_required', 'Give interviewerIds or a planStep', { field: 'interviewerIds' });
    const from = new Date(dto.from);
    const to = new Date(dto.to);
    if (to <= from || to.getTime() - from.getTime() > SLOT_LIMITS.maxRangeDays * 24 * HOUR) {
      throw new RuleViolationError('invalid_slot_query', `to must be after from, at most ${SLOT_LIMITS.maxRangeDays} days later`, { field: 'to' });
    }
    const panel = await this.interviewers.panelFor(this.db.manager, application.taskForceId, ids);
    const zone = dto.candidateTimeZone ?? (await this.candidateZone(this.db.manager, application.candidateId, application.taskForceId));
    // Busy times a day either side of the range: a slot near its edge may overlap them.
    const window = [new Date(from.getTime() - 24 * HOUR), new Date(to.getTime() + 24 * HOUR)];
    const busy = await this.busyTimes(application.candidateId, ids, window[0], window[1]);
    const candidate: SlotParticipant = {
      id: application.candidateId,
      kind: 'candidate',
      zone,
      workingHours: dto.candidateWorkingHours ? workingHoursOf(dto.candidateWorkingHours, 'candidateWorkingHours') : DEFAULT_CANDIDATE_HOURS,
      holidayCalendars: dto.candidateHolidayCalendars ?? calendarsOfZone(zone),
      busy: busy.get(application.candidateId) ?? [],
      availability: dto.candidateAvailability?.map((a) => ({ start: new Date(a.start), end: new Date(a.end) })),
    };
    const result = findSlots({
      from,
      to,
      durationMinutes,
      candidate,
      interviewers: panel.map((p) => participant(p, busy.get(p.user_id) ?? [])),
      interviewersNeeded: dto.interviewersNeeded ?? step?.interviewers_needed ?? 1,
      maxStretchMinutes: dto.maxStretchMinutes,
      limit: dto.limit,
    });
    return {
      slots: result.slots.map((s) => ({
        start: s.start.toISOString(),
        end: s.end.toISOString(),
        date: s.date,
        stretchMinutes: s.stretchMinutes,
        participants: s.participants,
      })),
      daysWithoutSlot: result.daysWithoutSlot,
    };
  }

  async schedule(actor: Actor, applicationId: string, dto: ScheduleInterviewDto): Promise<InterviewView> {
    return this.db.transaction(async (tx) => {
      const application = await this.applications.visible(actor, applicationId, tx);
      const held = await this.holdApplication(tx, applicationId);
      requireInterviewable(held);
      const step = dto.planStep !== undefined ? await this.planStep(tx, application.openingId, dto.planStep) : null;
      const kind = dto.kind ?? step?.kind;
      if (!kind) throw new RuleViolationError('kind_required', 'Give kind or a planStep', { field: 'kind' });
      if (step && dto.kind && dto.kind !== step.kind) {
        throw new RuleViolationError('kind_mismatch', `Plan step ${step.position} is a ${step.kind} interview, not ${dto.kind}`, { field: 'kind' });
      }
      const durationMinutes = dto.durationMinutes ?? step?.duration_minutes;
      if (!durationMinutes) throw new RuleViolationError('duration_required', 'Give durationMinutes or a planStep', { field: 'durationMinutes' });
      const attributes = dto.attributes?.map((a) => a.trim()) ?? step?.attributes;
      if (!attributes) throw new RuleViolationError('attributes_required', 'Give the attributes to score, or a planStep', { field: 'attributes' });
      if (step && dto.interviewerIds.length < step.interviewers_needed) {
        throw new RuleViolationError('panel_too_small', `Plan step ${step.position} needs ${step.interviewers_needed} interviewers`, {
          field: 'interviewerIds',
        });
      }
      const start = this.futureStart(dto.start);
      const end = new Date(start.getTime() + durationMinutes * 60_000);
      const panel = await this.interviewers.panelFor(tx, application.taskForceId, dto.interviewerIds);
      const zone = dto.candidateTimeZone ?? (await this.candidateZone(tx, held.candidate_id, application.taskForceId));
      const now = this.clock.now();
      const id = newId();
      await this.excluding(tx, 'candidate_busy', () =>
        tx.query(
          `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, plan_position, kind, starts_at, ends_at, candidate_time_zone, status,
                                   location, attributes, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10, $11, $12, $13, $13)`,
          [
            id,
            applicationId,
            held.candidate_id,
            application.taskForceId,
            step?.position ?? null,
            kind,
            start,
            end,
            zone,
            dto.location ?? null,
            attributes,
            actor.userId,
            now,
          ],
        ),
      );
      await this.excluding(tx, 'interviewer_busy', () =>
        tx.query(`INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT $1, u, $2, $3, true FROM unnest($4::uuid[]) u`, [
          id,
          start,
          end,
          inLockOrder(panel.map((p) => p.user_id)),
        ]),
      );
      const recipients = [null, ...panel.map((p) => p.user_id)];
      await this.queueMails(tx, id, recipients, 'request', 0, now);
      await this.queueReminders(tx, id, recipients, 0, start, now);
      const row = await this.access.load(actor, id, tx);
      await this.changed(tx, actor, row, 'interview.scheduled');
      return this.view(tx, row);
    });
  }

  async reschedule(actor: Actor, id: string, dto: RescheduleInterviewDto): Promise<InterviewView> {
    return this.db.transaction(async (tx) => {
      // The application before the interview, in the order its moves and erasure lock them.
      const seen = await this.access.load(actor, id, tx);
      const held = await this.holdApplication(tx, seen.application_id);
      const current = await this.writable(actor, id, tx);
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) {
        throw new ConflictError('stale_version', `The interview is at version ${current.version}, not ${dto.expectedVersion}; re-read it`, {
          currentVersion: current.version,
        });
      }
      // An interview left from before the application closed (it had ended, so nothing cancelled it) is not brought back ahead.
      requireInterviewable(held);
      const start = dto.start !== undefined ? this.futureStart(dto.start) : current.starts_at;
      if (dto.start === undefined && current.starts_at <= this.clock.now()) {
        throw new RuleViolationError('interview_started', 'The interview has started; only a new start can move it', { field: 'start' });
      }
      const minutes = dto.durationMinutes ?? (current.ends_at.getTime() - current.starts_at.getTime()) / 60_000;
      const end = new Date(start.getTime() + minutes * 60_000);
      const before: { user_id: string }[] = await tx.query(`SELECT user_id FROM interview_panel WHERE interview_id = $1 AND active`, [id]);
      const panelIds = dto.interviewerIds ?? before.map((p) => p.user_id);
      if (current.plan_position !== null) {
        const [step]: { interviewers_needed: number }[] = await tx.query(
          `SELECT s.interviewers_needed FROM interview_plan_steps s JOIN applications a ON a.opening_id = s.opening_id WHERE a.id = $1 AND s.position = $2`,
          [current.application_id, current.plan_position],
        );
        if (step && panelIds.length < step.interviewers_needed) {
          throw new RuleViolationError('panel_too_small', `Plan step ${current.plan_position} needs ${step.interviewers_needed} interviewers`, {
            field: 'interviewerIds',
          });
        }
      }
      await this.interviewers.panelFor(tx, current.task_force_id, panelIds);
      const timeMoved = start.getTime() !== current.starts_at.getTime() || end.getTime() !== current.ends_at.getTime();
      const locationMoved = dto.location !== undefined && dto.location !== current.location;
      const removed = before.map((p) => p.user_id).filter((u) => !panelIds.includes(u));
      const added = panelIds.filter((u) => !before.some((p) => p.user_id === u));
      if (!timeMoved && !locationMoved && !removed.length && !added.length) return this.view(tx, current);
      const now = this.clock.now();
      const sequence = current.sequence + 1;
      await this.excluding(tx, 'candidate_busy', () =>
        tx.query(
          `UPDATE interviews SET starts_at = $2, ends_at = $3, location = coalesce($4, location), sequence = $5, version = version + 1, updated_at = $6 WHERE id = $1`,
          [id, start, end, dto.location ?? null, sequence, now],
        ),
      );
      await tx.query(`UPDATE interview_panel SET active = false WHERE interview_id = $1 AND user_id = ANY($2::uuid[])`, [id, removed]);
      await this.excluding(tx, 'interviewer_busy', () =>
        tx.query(
          `INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT $1, u, $2, $3, true FROM unnest($4::uuid[]) u
           ON CONFLICT (interview_id, user_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at, active = true`,
          [id, start, end, inLockOrder(panelIds)],
        ),
      );
      await this.skipPendingReminders(tx, id);
      // Everyone still on the panel, and the candidate, gets the update; whoever left, a cancellation.
      const recipients = [null, ...panelIds];
      await this.queueMails(tx, id, recipients, 'request', sequence, now);
      await this.queueMails(tx, id, removed, 'cancel', sequence, now);
      await this.queueReminders(tx, id, recipients, sequence, start, now);
      const row = await this.access.load(actor, id, tx);
      await this.changed(tx, actor, row, 'interview.rescheduled');
      return this.view(tx, row);
    });
  }

  async cancel(actor: Actor, id: string, dto: CancelInterviewDto): Promise<InterviewView> {
    return this.db.transaction(async (tx) => {
      await this.writable(actor, id, tx);
      const now = this.clock.now();
      await tx.query(`UPDATE interviews SET status = 'cancelled', cancel_reason = $2, version = version + 1, updated_at = $3 WHERE id = $1`, [
        id,
        dto.reason,
        now,
      ]);
      const row = await this.access.load(actor, id, tx);
      await this.closed(tx, actor, row, now);
      return this.view(tx, row);
    });
  }

  /**
   * Cancels, in the caller's transaction, the scheduled interviews not yet ended of an application
   * or a candidate that can no longer take them (the application closed, the person erased),
   * with cancellations to everyone invited. No actor: the rule did it.
   */
  async cancelByRule(tx: EntityManager, of: { applicationId: string } | { candidateId: string }, reason: string): Promise<number> {
    const now = this.clock.now();
    const [column, id] = 'applicationId' in of ? ['application_id', of.applicationId] : ['candidate_id', of.candidateId];
    const rows: InterviewRow[] = returnedRowsOf(
      await tx.query(
        `UPDATE interviews i SET status = 'cancelled', cancel_reason = $2, version = version + 1, updated_at = $3
          WHERE i.${column} = $1 AND i.status = 'scheduled' AND i.ends_at > $3
        RETURNING ${INTERVIEW_COLUMNS}`,
        [id, reason, now],
      ),
    );
    for (const row of rows) await this.closed(tx, null, row, now);
    return rows.length;
  }

  /**
   * Erasure, after cancelByRule: the person's interviews keep their ids, times and panels but
   * nothing written about the person (the location, a cancellation's reason other than a rule's
   * code) nor their zone (UTC, as an erased person's send times). Mails not yet sent to them are
   * skipped: their address is gone, and so is any reason to write to them.
   */
  async forgetPerson(tx: EntityManager, candidateIds: string[]): Promise<void> {
    await tx.query(
      `UPDATE interviews SET location = NULL, candidate_time_zone = 'UTC', cancel_reason = CASE WHEN cancel_reason = ANY($2::text[]) THEN cancel_reason END
        WHERE candidate_id = ANY($1::uuid[])`,
      [candidateIds, RULE_CANCEL_REASONS],
    );
    await tx.query(
      `UPDATE interview_mails m SET status = CASE WHEN m.status = 'pending' THEN 'skipped' ELSE m.status END,
              last_error = CASE WHEN m.status = 'pending' THEN 'candidate erased' END
         FROM interviews i
        WHERE i.id = m.interview_id AND i.candidate_id = ANY($1::uuid[]) AND m.recipient_user_id IS NULL AND (m.status = 'pending' OR m.last_error IS NOT NULL)`,
      [candidateIds],
    );
  }

  /** A merged-away candidate's interviews follow the keeper; one that would overlap the keeper's is cancelled first. */
  async followMerge(tx: EntityManager, mergedCandidateId: string, keeperId: string): Promise<void> {
    const now = this.clock.now();
    const clashing: { id: string }[] = await tx.query(
      `SELECT d.id FROM interviews d
        WHERE d.candidate_id = $1 AND d.status = 'scheduled'
          AND EXISTS (SELECT 1 FROM interviews k WHERE k.candidate_id = $2 AND k.status = 'scheduled' AND tstzrange(k.starts_at, k.ends_at) && tstzrange(d.starts_at, d.ends_at))`,
      [mergedCandidateId, keeperId],
    );
    for (const { id } of clashing) {
      const [row]: InterviewRow[] = returnedRowsOf(
        await tx.query(
          `UPDATE interviews i SET status = 'cancelled', cancel_reason = 'merged_duplicate_overlap', version = version + 1, updated_at = $2 WHERE i.id = $1 RETURNING ${INTERVIEW_COLUMNS}`,
          [id, now],
        ),
      );
      await this.closed(tx, null, row, now);
    }
    await tx.query(`UPDATE interviews SET candidate_id = $2 WHERE candidate_id = $1`, [mergedCandidateId, keeperId]);
  }

  async get(actor: Actor, id: string): Promise<InterviewView> {
    const row = await this.access.load(actor, id);
    return this.view(this.db.manager, row);
  }

  async forApplication(actor: Actor, applicationId: string, q: InterviewListQuery, afterId?: string): Promise<Page<InterviewView>> {
    await this.applications.visible(actor, applicationId);
    const rows: InterviewRow[] = await this.db.query(
      `SELECT ${INTERVIEW_COLUMNS} FROM interviews i
        WHERE i.application_id = $1 AND ($2::text IS NULL OR i.status = $2) AND ($3::uuid IS NULL OR i.id > $3::uuid)
        ORDER BY i.id LIMIT $4`,
      [applicationId, q.status ?? null, afterId ?? null, q.limit + 1],
    );
    return this.page(rows, q.limit);
  }

  /** The caller's own interviews as a panel member, from `after` (default now) on. */
  async mine(actor: Actor, q: MyInterviewsQuery, afterId?: string): Promise<Page<InterviewView>> {
    const rows: InterviewRow[] = await this.db.query(
      `SELECT ${INTERVIEW_COLUMNS} FROM interview_panel p JOIN interviews i ON i.id = p.interview_id
        WHERE p.user_id = $1 AND p.active AND p.ends_at > $2 AND ($3::uuid IS NULL OR i.id > $3::uuid)
        ORDER BY i.id LIMIT $4`,
      [actor.userId, q.after ? new Date(q.after) : this.clock.now(), afterId ?? null, q.limit + 1],
    );
    return this.page(rows, q.limit);
  }

  private async page(rows: InterviewRow[], limit: number): Promise<Page<InterviewView>> {
    const panels = await this.panels(
      this.db.manager,
      rows.slice(0, limit).map((r) => r.id),
    );
    return toPage(rows, limit, (r) => toView(r, panels.get(r.id) ?? []));
  }

  /** The interview, for a change: admins and the task force's recruiters (panel members may read it, not move it). */
  private async writable(actor: Actor, id: string, tx: EntityManager): Promise<InterviewRow> {
    const row = await this.access.loadForTaskForce(actor, id, tx, true);
    if (row.status === 'cancelled') throw new ConflictError('interview_cancelled', 'The interview is cancelled');
    return row;
  }

  private futureStart(value: string): Date {
    const start = new Date(value);
    const now = this.clock.now();
    if (start <= now) throw new RuleViolationError('start_in_past', 'start must be in the future', { field: 'start' });
    if (start.getTime() > now.getTime() + HORIZON_DAYS * 24 * HOUR) {
      throw new RuleViolationError('start_too_far', `start must be within ${HORIZON_DAYS} days`, { field: 'start' });
    }
    return start;
  }

  private async planStep(manager: EntityManager, openingId: string | null, position: number): Promise<PlanStepRow> {
    const step = openingId ? (await this.plans.steps(manager, openingId)).find((s) => s.position === position) : undefined;
    if (!step) throw new RuleViolationError('unknown_plan_step', `The opening's interview plan has no step ${position}`, { field: 'planStep' });
    return step;
  }

  private async candidateZone(manager: EntityManager, candidateId: string, taskForceId: string): Promise<string> {
    const [row]: { zone: string }[] = await manager.query(
      `SELECT coalesce(c.time_zone, t.time_zone) AS zone FROM candidates c, task_forces t WHERE c.id = $1 AND t.id = $2`,
      [candidateId, taskForceId],
    );
    return row.zone;
  }

  /**
   * Each person's scheduled interviews (and each interviewer's blocked times) overlapping [from, to),
   * at most BUSY_PER_PERSON each, the earliest first. Someone with more is taken as busy from the
   * start of the last one read to `to`: a slot is never offered where a busy time was left unread.
   */
  private async busyTimes(candidateId: string, userIds: string[], from: Date, to: Date): Promise<Map<string, Interval[]>> {
    const rows: { who: string; starts_at: Date; ends_at: Date }[] = await this.db.query(
      `(SELECT $1::uuid AS who, starts_at, ends_at FROM interviews
         WHERE candidate_id = $1 AND status = 'scheduled' AND tstzrange(starts_at, ends_at) && tstzrange($3, $4) ORDER BY starts_at LIMIT $5)
       UNION ALL
       SELECT b.* FROM unnest($2::uuid[]) u(id) CROSS JOIN LATERAL (
         SELECT u.id, starts_at, ends_at FROM (
           SELECT starts_at, ends_at FROM interview_panel WHERE user_id = u.id AND active AND tstzrange(starts_at, ends_at) && tstzrange($3, $4)
           UNION ALL
           SELECT starts_at, ends_at FROM interviewer_blocks WHERE user_id = u.id AND tstzrange(starts_at, ends_at) && tstzrange($3, $4)) x
         ORDER BY starts_at LIMIT $5) b`,
      [candidateId, userIds, from, to, BUSY_PER_PERSON + 1],
    );
    const busy = new Map<string, Interval[]>();
    for (const r of rows) busy.set(r.who, [...(busy.get(r.who) ?? []), { start: r.starts_at, end: r.ends_at }]);
    for (const [who, intervals] of busy) {
      if (intervals.length <= BUSY_PER_PERSON) continue;
      intervals.sort((a, b) => a.start.getTime() - b.start.getTime());
      busy.set(who, [...intervals.slice(0, BUSY_PER_PERSON - 1), { start: intervals[BUSY_PER_PERSON - 1].start, end: to }]);
    }
    return busy;
  }

  /**
   * Runs a write the overlap constraints guard; their refusal becomes a 409 naming who is busy.
   * Two transactions writing overlapping rows can each wait for the other to end (an exclusion
   * constraint waits for a conflicting row not yet committed, whichever came first): PostgreSQL
   * ends one of them as a deadlock, which is the same race lost, so it is the same 409 (`busy`).
   */
  private async excluding(tx: EntityManager, busy: 'candidate_busy' | 'interviewer_busy', write: () => Promise<unknown>): Promise<void> {
    try {
      await tx.query('SAVEPOINT overlap');
      await write();
      await tx.query('RELEASE SAVEPOINT overlap');
    } catch (error) {
      const e = error as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
      const code = e.driverError?.code ?? e.code;
      const constraint = e.driverError?.constraint ?? e.constraint;
      if (code !== '23P01' && code !== '40P01') throw error;
      await tx.query('ROLLBACK TO SAVEPOINT overlap');
      if (code === '40P01' ? busy === 'candidate_busy' : constraint === 'interviews_candidate_overlap') {
        throw new ConflictError('candidate_busy', 'The candidate already has an interview at that time');
      }
      throw new ConflictError('interviewer_busy', 'An interviewer of the panel already has an interview at that time');
    }
  }

  /**
   * Locks the application for share and reads it again: its moves and its erasure lock it for
   * update, so an interview is written either before a move that closes the application (whose
   * rule then cancels it) or after, finding the application closed.
   */
  private async holdApplication(tx: EntityManager, applicationId: string): Promise<HeldApplication> {
    await tx.query(`SELECT 1 FROM applications WHERE id = $1 FOR SHARE`, [applicationId]);
    // A statement of its own: it sees what the move or erasure it may have waited for committed.
    const [row]: HeldApplication[] = await tx.query(
      `SELECT a.stage, a.candidate_id, c.erased_at IS NOT NULL AS erased FROM applications a JOIN candidates c ON c.id = a.candidate_id WHERE a.id = $1`,
      [applicationId],
    );
    return row;
  }

  private async queueMails(tx: EntityManager, interviewId: string, recipients: (string | null)[], kind: MailKind, sequence: number, due: Date): Promise<void> {
    if (!recipients.length) return;
    await tx.query(
      `INSERT INTO interview_mails (id, interview_id, recipient_user_id, kind, sequence, due_at, status, created_at)
       SELECT gen_random_uuid(), $1, r, $2, $3, $4, 'pending', $4 FROM unnest($5::uuid[]) r
       ON CONFLICT ON CONSTRAINT interview_mails_once DO NOTHING`,
      [interviewId, kind, sequence, due, recipients],
    );
  }

  /** Reminders 24 hours and 1 hour before the start, for each recipient; those already past are not queued. */
  private async queueReminders(tx: EntityManager, interviewId: string, recipients: (string | null)[], sequence: number, start: Date, now: Date): Promise<void> {
    for (const [kind, hours] of [
      ['reminder_24h', 24],
      ['reminder_1h', 1],
    ] as const) {
      const due = new Date(start.getTime() - hours * HOUR);
      if (due > now) await this.queueMails(tx, interviewId, recipients, kind, sequence, due);
    }
  }

  /**
   * What follows a cancellation, whoever made it: the panel is freed, reminders dropped, everyone
   * invited told (unless the interview is over), and the event published.
   */
  private async closed(tx: EntityManager, actor: Actor | null, row: InterviewRow, now: Date): Promise<void> {
    const panel: { user_id: string }[] = returnedRowsOf(
      await tx.query(`UPDATE interview_panel SET active = false WHERE interview_id = $1 AND active RETURNING user_id`, [row.id]),
    );
    await this.skipPendingReminders(tx, row.id);
    if (row.ends_at > now) await this.queueMails(tx, row.id, [null, ...panel.map((p) => p.user_id)], 'cancel', row.sequence, now);
    await this.changed(tx, actor, row, 'interview.cancelled');
  }

  private async skipPendingReminders(tx: EntityManager, interviewId: string): Promise<void> {
    await tx.query(
      `UPDATE interview_mails SET status = 'skipped', last_error = 'interview changed' WHERE interview_id = $1 AND status = 'pending' AND kind IN ('reminder_24h', 'reminder_1h')`,
      [interviewId],
    );
  }

  private async changed(
    tx: EntityManager,
    actor: Actor | null,
    row: InterviewRow,
    type: 'interview.scheduled' | 'interview.rescheduled' | 'interview.cancelled',
  ): Promise<void> {
    await this.events.publish(tx, {
      type,
      actorId: actor?.userId ?? null,
      taskForceId: row.task_force_id,
      candidateId: row.candidate_id,
      payload: {
        interviewId: row.id,
        applicationId: row.application_id,
        candidateId: row.candidate_id,
        taskForceId: row.task_force_id,
        kind: row.kind,
        startsAt: row.starts_at.toISOString(),
        endsAt: row.ends_at.toISOString(),
        sequence: row.sequence,
      },
    });
    await this.audit.record(
      { actorId: actor?.userId ?? null, action: type, entityType: 'interview', entityId: row.id, details: { sequence: row.sequence } },
      tx,
    );
  }

  private async panels(manager: EntityManager, interviewIds: string[]): Promise<Map<string, PanelRow[]>> {
    const rows: PanelRow[] = interviewIds.length
      ? await manager.query(
          `SELECT p.interview_id, p.user_id, u.name, coalesce(ip.time_zone, 'UTC') AS time_zone
             FROM interview_panel p JOIN users u ON u.id = p.user_id LEFT JOIN interviewer_profiles ip ON ip.user_id = p.user_id
            WHERE p.interview_id = ANY($1::uuid[]) AND p.active ORDER BY p.interview_id, u.name, p.user_id`,
          [interviewIds],
        )
      : [];
    const byInterview = new Map<string, PanelRow[]>();
    for (const r of rows) byInterview.set(r.interview_id, [...(byInterview.get(r.interview_id) ?? []), r]);
    return byInterview;
  }

  private async view(manager: EntityManager, row: InterviewRow): Promise<InterviewView> {
    return toView(row, (await this.panels(manager, [row.id])).get(row.id) ?? []);
  }
}

interface HeldApplication {
  stage: Stage;
  candidate_id: string;
  erased: boolean;
}

/** A closed application and an erased person take no interview ahead. */
function requireInterviewable(application: HeldApplication): void {
  if (!isOpen(application.stage)) {
    throw new RuleViolationError('application_closed', `The application is ${application.stage}; closed applications get no interviews`, {
      stage: application.stage,
    });
  }
  if (application.erased) throw new RuleViolationError('candidate_erased', 'The candidate was erased; their applications take no interviews');
}

/** Panel rows are written in one order, so two panels sharing people take their rows' locks in the same order. */
const inLockOrder = (userIds: string[]) => [...userIds].sort();

const US_ZONES = new Set([
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'America/Boise',
  'America/Detroit',
  'America/Juneau',
  'America/Adak',
  'America/Sitka',
  'America/Nome',
  'America/Yakutat',
  'America/Menominee',
  'America/Metlakatla',
  'Pacific/Honolulu',
]);

/** The public holidays of the country a zone belongs to, for the calendars we have (US, CN). */
export function calendarsOfZone(zone: string): HolidayCalendar[] {
  if (US_ZONES.has(zone) || /^America\/(Indiana|Kentucky|North_Dakota)\//.test(zone)) return ['US'];
  if (zone === 'Asia/Shanghai' || zone === 'Asia/Urumqi' || zone === 'PRC') return ['CN'];
  return [];
}

function participant(p: InterviewerRow, busy: Interval[]): SlotParticipant {
  return { id: p.user_id, kind: 'interviewer', zone: p.time_zone, workingHours: p.working_hours, holidayCalendars: p.holiday_calendars, busy };
}

const local = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISO({ suppressMilliseconds: true })!;

function toView(r: InterviewRow, panel: PanelRow[]): InterviewView {
  return {
    id: r.id,
    applicationId: r.application_id,
    candidateId: r.candidate_id,
    taskForceId: r.task_force_id,
    planStep: r.plan_position,
    kind: r.kind,
    start: r.starts_at.toISOString(),
    end: r.ends_at.toISOString(),
    candidateTimeZone: r.candidate_time_zone,
    candidateLocalStart: local(r.starts_at, r.candidate_time_zone),
    status: r.status,
    sequence: r.sequence,
    location: r.location,
    attributes: r.attributes,
    panel: panel.map((p) => ({ userId: p.user_id, name: p.name, timeZone: p.time_zone, localStart: local(r.starts_at, p.time_zone) })),
    cancelReason: r.cancel_reason,
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
