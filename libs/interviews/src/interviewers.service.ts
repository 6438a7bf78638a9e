import { HolidayCalendar } from '@app/platform/clock/holidays';
import { AuditLog, Clock, ConflictError, newId, NotFoundError, Page, returnedRows, RuleViolationError, toPage } from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, isAdmin, isInterviewer, requireAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BlockDto, BlockListQuery, BlockView, InterviewerListQuery, InterviewerProfileDto, InterviewerView, WorkingHoursDto } from './interviews.dto';
import { WorkingHours } from './slot-finder';

export interface InterviewerRow {
  user_id: string;
  name: string;
  email: string;
  role: string;
  time_zone: string;
  working_hours: WorkingHours;
  holiday_calendars: HolidayCalendar[];
  task_force_ids: string[];
  version: number;
  updated_at: Date;
}

const COLUMNS = `p.user_id, u.name, u.email, u.role, p.time_zone, p.working_hours, p.holiday_calendars, p.task_force_ids, p.version, p.updated_at`;
/** Blocked times further ahead than this are refused: the slot finder never looks that far. */
const BLOCK_HORIZON_DAYS = 400;
const MAX_BLOCK_DAYS = 60;

const toView = (r: InterviewerRow): InterviewerView => ({
  userId: r.user_id,
  name: r.name,
  role: r.role,
  timeZone: r.time_zone,
  workingHours: r.working_hours,
  holidayCalendars: r.holiday_calendars,
  taskForceIds: r.task_force_ids,
  version: r.version,
  updatedAt: r.updated_at.toISOString(),
});

/** Working hours as stored: only the days given, each start before its end. */
export function workingHoursOf(dto: WorkingHoursDto, field = 'workingHours'): WorkingHours {
  const hours: WorkingHours = {};
  for (const day of ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const) {
    const h = dto[day];
    if (!h) continue;
    if (h.start >= h.end) {
      throw new RuleViolationError('invalid_working_hours', `${field}.${day}: start must be before end (overnight hours are not supported)`, {
        field: `${field}.${day}`,
      });
    }
    hours[day] = { start: h.start, end: h.end };
  }
  return hours;
}

/**
 * Interviewer profiles (time zone, working hours, holiday calendars, the task forces they
 * interview for) and their blocked times. Admins manage profiles; recruiters read the profiles of
 * their task forces' interviewers; an interviewer reads their own and manages their blocked times.
 */
@Injectable()
export class InterviewersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly taskForces: TaskForceAccess,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async put(actor: Actor, userId: string, dto: InterviewerProfileDto): Promise<InterviewerView> {
    requireAdmin(actor, 'manage interviewer profiles');
    const hours = workingHoursOf(dto.workingHours);
    return this.db.transaction(async (tx) => {
      const [user]: { id: string }[] = await tx.query(`SELECT id FROM users WHERE id = $1`, [userId]);
      if (!user) throw new NotFoundError('User', userId);
      const unknown = await this.taskForces.unknownIds(dto.taskForceIds, tx);
      if (unknown.length) throw new RuleViolationError('unknown_task_forces', `No task force ${unknown.join(', ')}`, { taskForceIds: unknown });
      const now = this.clock.now();
      const [current]: { version: number }[] = await tx.query(`SELECT version FROM interviewer_profiles WHERE user_id = $1 FOR UPDATE`, [userId]);
      if (dto.expectedVersion !== undefined && dto.expectedVersion !== (current?.version ?? 0)) {
        throw new ConflictError('stale_version', `The profile is at version ${current?.version ?? 0}, not ${dto.expectedVersion}; re-read it`, {
          currentVersion: current?.version ?? 0,
        });
      }
      await tx.query(
        `INSERT INTO interviewer_profiles (user_id, time_zone, working_hours, holiday_calendars, task_force_ids, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (user_id) DO UPDATE SET time_zone = EXCLUDED.time_zone, working_hours = EXCLUDED.working_hours,
           holiday_calendars = EXCLUDED.holiday_calendars, task_force_ids = EXCLUDED.task_force_ids, updated_at = EXCLUDED.updated_at,
           version = interviewer_profiles.version + 1`,
        [userId, dto.timeZone, JSON.stringify(hours), dto.holidayCalendars, dto.taskForceIds, now],
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'interviewer.profile_set', entityType: 'user', entityId: userId, details: { taskForceIds: dto.taskForceIds } },
        tx,
      );
      return toView(await this.row(tx, userId));
    });
  }

  async get(actor: Actor, userId: string): Promise<InterviewerView> {
    const row = await this.visible(actor, userId);
    return (await this.viewFor(actor))(row);
  }

  async list(actor: Actor, q: InterviewerListQuery, afterId?: string): Promise<Page<InterviewerView>> {
    if (q.taskForceId) await this.taskForces.requireVisible(actor, q.taskForceId);
    const rows: InterviewerRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM interviewer_profiles p JOIN users u ON u.id = p.user_id
        WHERE ($1::uuid IS NULL OR p.task_force_ids @> ARRAY[$1::uuid])
          AND ($2::boolean OR p.task_force_ids && ARRAY(SELECT task_force_id FROM task_force_members WHERE user_id = $3))
          AND ($4::uuid IS NULL OR p.user_id > $4::uuid)
        ORDER BY p.user_id LIMIT $5`,
      [q.taskForceId ?? null, isAdmin(actor), actor.userId, afterId ?? null, q.limit + 1],
    );
    return toPage(rows, q.limit, await this.viewFor(actor), (r) => r.user_id);
  }

  async addBlock(actor: Actor, userId: string, dto: BlockDto): Promise<BlockView> {
    this.requireSelfOrAdmin(actor, userId);
    await this.visible(actor, userId);
    const start = new Date(dto.start);
    const end = new Date(dto.end);
    const now = this.clock.now();
    if (end <= start) throw new RuleViolationError('invalid_interval', 'end must be after start', { field: 'end' });
    if (end.getTime() - start.getTime() > MAX_BLOCK_DAYS * 86_400_000) {
      throw new RuleViolationError('interval_too_long', `A blocked time lasts at most ${MAX_BLOCK_DAYS} days`, { field: 'end' });
    }
    if (end <= now || start.getTime() > now.getTime() + BLOCK_HORIZON_DAYS * 86_400_000) {
      throw new RuleViolationError('interval_out_of_range', `A blocked time must end in the future and start within ${BLOCK_HORIZON_DAYS} days`, {
        field: 'start',
      });
    }
    const id = newId();
    await this.db.query(`INSERT INTO interviewer_blocks (id, user_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)`, [id, userId, start, end]);
    return { id, start: start.toISOString(), end: end.toISOString() };
  }

  async blocks(actor: Actor, userId: string, q: BlockListQuery, afterId?: string): Promise<Page<BlockView>> {
    this.requireSelfOrAdmin(actor, userId);
    await this.visible(actor, userId);
    const after = q.after ? new Date(q.after) : this.clock.now();
    const rows: { id: string; starts_at: Date; ends_at: Date }[] = await this.db.query(
      `SELECT id, starts_at, ends_at FROM interviewer_blocks WHERE user_id = $1 AND ends_at > $2 AND ($3::uuid IS NULL OR id > $3::uuid) ORDER BY id LIMIT $4`,
      [userId, after, afterId ?? null, q.limit + 1],
    );
    return toPage(rows, q.limit, (r) => ({ id: r.id, start: r.starts_at.toISOString(), end: r.ends_at.toISOString() }));
  }

  async removeBlock(actor: Actor, userId: string, blockId: string): Promise<void> {
    this.requireSelfOrAdmin(actor, userId);
    await this.visible(actor, userId);
    const gone = returnedRows(await this.db.query(`DELETE FROM interviewer_blocks WHERE id = $1 AND user_id = $2 RETURNING id`, [blockId, userId]));
    if (!gone.length) throw new NotFoundError('Blocked time', blockId);
  }

  /** Profiles of `userIds` able to interview for `taskForceId`; the ids that are not, listed in a 422. */
  async panelFor(manager: EntityManager, taskForceId: string, userIds: string[]): Promise<InterviewerRow[]> {
    const rows: InterviewerRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM interviewer_profiles p JOIN users u ON u.id = p.user_id WHERE p.user_id = ANY($1::uuid[]) AND $2::uuid = ANY(p.task_force_ids)`,
      [userIds, taskForceId],
    );
    const found = new Set(rows.map((r) => r.user_id));
    const missing = userIds.filter((id) => !found.has(id));
    if (missing.length) {
      throw new RuleViolationError(
        'not_an_interviewer',
        `These users do not interview for the task force (no interviewer profile naming it): ${missing.join(', ')}`,
        {
          userIds: missing,
        },
      );
    }
    return userIds.map((id) => rows.find((r) => r.user_id === id)!);
  }

  /**
   * Profiles as the actor may read them: admins and the person see every task force the profile
   * names; a recruiter only those they belong to, since another team's task force is not theirs to
   * know of (it answers 404 to them).
   */
  private async viewFor(actor: Actor): Promise<(r: InterviewerRow) => InterviewerView> {
    if (isAdmin(actor)) return toView;
    const rows: { task_force_id: string }[] = await this.db.query(`SELECT task_force_id FROM task_force_members WHERE user_id = $1`, [actor.userId]);
    const mine = new Set(rows.map((r) => r.task_force_id));
    return (r) => (r.user_id === actor.userId ? toView(r) : toView({ ...r, task_force_ids: r.task_force_ids.filter((id) => mine.has(id)) }));
  }

  private requireSelfOrAdmin(actor: Actor, userId: string): void {
    if (!isAdmin(actor) && actor.userId !== userId) {
      throw new NotFoundError('Interviewer', userId);
    }
  }

  /**
   * The profile if the actor may see it: admins, the person, recruiters of a task force it names
   * (not users with the interviewer role, even when an admin made them a member: they see only their own).
   */
  private async visible(actor: Actor, userId: string): Promise<InterviewerRow> {
    const [row]: InterviewerRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM interviewer_profiles p JOIN users u ON u.id = p.user_id
        WHERE p.user_id = $1
          AND ($2::boolean OR p.user_id = $3 OR ($4::boolean AND p.task_force_ids && ARRAY(SELECT task_force_id FROM task_force_members WHERE user_id = $3)))`,
      [userId, isAdmin(actor), actor.userId, !isInterviewer(actor)],
    );
    if (!row) throw new NotFoundError('Interviewer', userId);
    return row;
  }

  private async row(manager: EntityManager, userId: string): Promise<InterviewerRow> {
    const [row]: InterviewerRow[] = await manager.query(`SELECT ${COLUMNS} FROM interviewer_profiles p JOIN users u ON u.id = p.user_id WHERE p.user_id = $1`, [
      userId,
    ]);
    return row;
  }
}
