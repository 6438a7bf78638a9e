import { affectedCount, Clock, ConflictError, isUniqueViolation, newId, NotFoundError, Page, RuleViolationError, toPage } from '@app/platform';
import { Actor, isAdmin, requireAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TaskForceAccess } from './task-force-access';
import { Opening, TaskForce, TaskForceMember } from './task-force.entity';
import {
  CreateOpeningDto,
  CreateTaskForceDto,
  MemberView,
  OpeningListQuery,
  OpeningView,
  TaskForceListQuery,
  TaskForceView,
  UpdateOpeningDto,
  UpdateTaskForceDto,
} from './task-forces.dto';

/** Openings in these states hold headcount; closed ones give it back. */
const HOLDING_STATUSES = ['open', 'on_hold', 'filled'];

@Injectable()
export class TaskForcesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: TaskForceAccess,
    private readonly clock: Clock,
  ) {}

  async create(actor: Actor, dto: CreateTaskForceDto): Promise<TaskForceView> {
    requireAdmin(actor);
    const now = this.clock.now();
    const taskForce = this.db.manager.create(TaskForce, {
      id: newId(),
      name: dto.name.trim(),
      company: dto.company.trim(),
      location: dto.location.trim(),
      timeZone: dto.timeZone,
      focusAreas: dto.focusAreas,
      headcountTarget: dto.headcountTarget,
      targetEmployers: (dto.targetEmployers ?? []).map((e) => e.trim()),
      status: dto.status ?? 'active',
      createdAt: now,
      updatedAt: now,
    });
    await this.uniqueName(() => this.db.manager.insert(TaskForce, taskForce), taskForce.name);
    return TaskForceView.of(taskForce, 0);
  }

  async list(actor: Actor, query: TaskForceListQuery, afterId?: string): Promise<Page<TaskForceView>> {
    const qb = this.db.manager
      .createQueryBuilder(TaskForce, 't')
      .orderBy('t.id', 'ASC')
      .limit(query.limit + 1);
    if (!isAdmin(actor)) qb.innerJoin(TaskForceMember, 'm', 'm.task_force_id = t.id AND m.user_id = :userId', { userId: actor.userId });
    if (afterId) qb.andWhere('t.id > :afterId', { afterId });
    if (query.status) qb.andWhere('t.status = :status', { status: query.status });
    const rows = await qb.getMany();
    const hired = await this.hiredCounts(rows.map((r) => r.id));
    return toPage(rows, query.limit, (t) => TaskForceView.of(t, hired.get(t.id) ?? 0));
  }

  async get(actor: Actor, id: string): Promise<TaskForceView> {
    await this.access.requireVisible(actor, id);
    const taskForce = await this.db.manager.findOneBy(TaskForce, { id });
    if (!taskForce) throw new NotFoundError('Task force', id);
    return TaskForceView.of(taskForce, (await this.hiredCounts([id])).get(id) ?? 0);
  }

  async update(actor: Actor, id: string, dto: UpdateTaskForceDto): Promise<TaskForceView> {
    await this.access.requireVisible(actor, id);
    requireAdmin(actor);
    return this.db.transaction(async (tx) => {
      const taskForce = await this.lockTaskForce(tx, id);
      if (dto.headcountTarget !== undefined) {
        const held = await this.heldHeadcount(tx, id);
        if (dto.headcountTarget < held) {
          throw new RuleViolationError(
            'headcount_below_openings',
            `headcountTarget ${dto.headcountTarget} is below the ${held} seats its openings already hold`,
            {
              heldByOpenings: held,
            },
          );
        }
      }
      Object.assign(taskForce, {
        ...(dto.name !== undefined && { name: dto.name.trim() }),
        ...(dto.company !== undefined && { company: dto.company.trim() }),
        ...(dto.location !== undefined && { location: dto.location.trim() }),
        ...(dto.timeZone !== undefined && { timeZone: dto.timeZone }),
        ...(dto.focusAreas !== undefined && { focusAreas: dto.focusAreas }),
        ...(dto.headcountTarget !== undefined && { headcountTarget: dto.headcountTarget }),
        ...(dto.targetEmployers !== undefined && { targetEmployers: dto.targetEmployers.map((e) => e.trim()) }),
        ...(dto.status !== undefined && { status: dto.status }),
        updatedAt: this.clock.now(),
      });
      await this.uniqueName(() => tx.save(TaskForce, taskForce), taskForce.name);
      return TaskForceView.of(taskForce, (await this.hiredCounts([id], tx)).get(id) ?? 0);
    });
  }

  async addMember(actor: Actor, taskForceId: string, userId: string): Promise<MemberView> {
    requireAdmin(actor);
    await this.access.requireVisible(actor, taskForceId);
    const users: { id: string }[] = await this.db.query(`SELECT id FROM users WHERE id = $1`, [userId]);
    if (users.length === 0) throw new RuleViolationError('unknown_user', `User ${userId} does not exist`, { field: 'userId' });
    const inserted: unknown[] = await this.db.query(
      `INSERT INTO task_force_members (task_force_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING user_id`,
      [taskForceId, userId, this.clock.now()],
    );
    if (inserted.length === 0) throw new ConflictError('already_member', `User ${userId} is already a member of this task force`);
    return (await this.memberRows(taskForceId, 1, undefined, userId))[0];
  }

  async removeMember(actor: Actor, taskForceId: string, userId: string): Promise<void> {
    requireAdmin(actor);
    await this.access.requireVisible(actor, taskForceId);
    const removed = affectedCount(await this.db.query(`DELETE FROM task_force_members WHERE task_force_id = $1 AND user_id = $2`, [taskForceId, userId]));
    if (removed === 0) throw new NotFoundError('Member', userId);
  }

  /** Members in the order their user ids sort (UUIDv7: order of joining the system). */
  async members(actor: Actor, taskForceId: string, limit: number, afterUserId?: string): Promise<Page<MemberView>> {
    await this.access.requireVisible(actor, taskForceId);
    const rows = await this.memberRows(taskForceId, limit + 1, afterUserId);
    return toPage(
      rows,
      limit,
      (member) => member,
      (member) => member.userId,
    );
  }

  private async memberRows(taskForceId: string, limit: number, afterUserId?: string, onlyUserId?: string): Promise<MemberView[]> {
    const rows: { user_id: string; name: string; email: string; role: string; added_at: Date }[] = await this.db.query(
      `SELECT m.user_id, u.name, u.email, u.role, m.added_at FROM task_force_members m JOIN users u ON u.id = m.user_id
        WHERE m.task_force_id = $1 AND ($2::uuid IS NULL OR m.user_id > $2) AND ($3::uuid IS NULL OR m.user_id = $3)
        ORDER BY m.user_id LIMIT $4`,
      [taskForceId, afterUserId ?? null, onlyUserId ?? null, limit],
    );
    return rows.map((r) => ({ userId: r.user_id, name: r.name, email: r.email, role: r.role, addedAt: r.added_at.toISOString() }));
  }

  async createOpening(actor: Actor, taskForceId: string, dto: CreateOpeningDto): Promise<OpeningView> {
    await this.access.requireVisible(actor, taskForceId);
    requireAdmin(actor);
    return this.db.transaction(async (tx) => {
      const taskForce = await this.lockTaskForce(tx, taskForceId);
      const status = dto.status ?? 'open';
      if (HOLDING_STATUSES.includes(status)) await this.requireSeats(tx, taskForce, dto.headcount);
      const now = this.clock.now();
      const opening = tx.create(Opening, {
        id: newId(),
        taskForceId,
        title: dto.title.trim(),
        skillArea: dto.skillArea,
        level: dto.level,
        headcount: dto.headcount,
        status,
        createdAt: now,
        updatedAt: now,
      });
      await tx.insert(Opening, opening);
      return OpeningView.of(opening);
    });
  }

  async listOpenings(actor: Actor, taskForceId: string, query: OpeningListQuery, afterId?: string): Promise<Page<OpeningView>> {
    await this.access.requireVisible(actor, taskForceId);
    const qb = this.db.manager
      .createQueryBuilder(Opening, 'o')
      .where('o.task_force_id = :taskForceId', { taskForceId })
      .orderBy('o.id', 'ASC')
      .limit(query.limit + 1);
    if (afterId) qb.andWhere('o.id > :afterId', { afterId });
    if (query.status) qb.andWhere('o.status = :status', { status: query.status });
    if (query.skillArea) qb.andWhere('o.skill_area = :skillArea', { skillArea: query.skillArea });
    return toPage(await qb.getMany(), query.limit, OpeningView.of);
  }

  async getOpening(actor: Actor, taskForceId: string, openingId: string): Promise<OpeningView> {
    await this.access.requireVisible(actor, taskForceId);
    const opening = await this.db.manager.findOneBy(Opening, { id: openingId, taskForceId });
    if (!opening) throw new NotFoundError('Opening', openingId);
    return OpeningView.of(opening);
  }

  async updateOpening(actor: Actor, taskForceId: string, openingId: string, dto: UpdateOpeningDto): Promise<OpeningView> {
    await this.access.requireVisible(actor, taskForceId);
    requireAdmin(actor);
    return this.db.transaction(async (tx) => {
      const taskForce = await this.lockTaskForce(tx, taskForceId);
      const opening = await tx.findOneBy(Opening, { id: openingId, taskForceId });
      if (!opening) throw new NotFoundError('Opening', openingId);
      const nextStatus = dto.status ?? opening.status;
      const nextHeadcount = dto.headcount ?? opening.headcount;
      const heldBefore = HOLDING_STATUSES.includes(opening.status) ? opening.headcount : 0;
      const heldAfter = HOLDING_STATUSES.includes(nextStatus) ? nextHeadcount : 0;
      if (heldAfter > heldBefore) await this.requireSeats(tx, taskForce, heldAfter - heldBefore);
      Object.assign(opening, {
        ...(dto.title !== undefined && { title: dto.title.trim() }),
        ...(dto.skillArea !== undefined && { skillArea: dto.skillArea }),
        ...(dto.level !== undefined && { level: dto.level }),
        headcount: nextHeadcount,
        status: nextStatus,
        updatedAt: this.clock.now(),
      });
      await tx.save(Opening, opening);
      return OpeningView.of(opening);
    });
  }

  /** Hires per task force: applications that reached the hired stage. */
  private async hiredCounts(ids: string[], manager: EntityManager = this.db.manager): Promise<Map<string, number>> {
    if (!ids.length) return new Map();
    const rows: { task_force_id: string; hired: number }[] = await manager.query(
      `SELECT task_force_id, count(*)::int AS hired FROM applications WHERE task_force_id = ANY($1::uuid[]) AND stage = 'hired' GROUP BY task_force_id`,
      [ids],
    );
    const counts = new Map(ids.map((id) => [id, 0]));
    for (const r of rows) counts.set(r.task_force_id, r.hired);
    return counts;
  }

  private async lockTaskForce(tx: EntityManager, id: string): Promise<TaskForce> {
    const taskForce = await tx.findOne(TaskForce, { where: { id }, lock: { mode: 'pessimistic_write' } });
    if (!taskForce) throw new NotFoundError('Task force', id);
    return taskForce;
  }

  private async heldHeadcount(tx: EntityManager, taskForceId: string): Promise<number> {
    const [{ held }] = await tx.query(`SELECT coalesce(sum(headcount), 0)::int AS held FROM openings WHERE task_force_id = $1 AND status = ANY($2)`, [
      taskForceId,
      HOLDING_STATUSES,
    ]);
    return held;
  }

  private async requireSeats(tx: EntityManager, taskForce: TaskForce, wanted: number): Promise<void> {
    const held = await this.heldHeadcount(tx, taskForce.id);
    if (held + wanted > taskForce.headcountTarget) {
      throw new RuleViolationError(
        'headcount_exceeded',
        `Openings would hold ${held + wanted} seats but the task force's headcountTarget is ${taskForce.headcountTarget}`,
        { headcountTarget: taskForce.headcountTarget, heldByOpenings: held, requested: wanted },
      );
    }
  }

  private async uniqueName<T>(write: () => Promise<T>, name: string): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('task_force_name_taken', `A task force named "${name}" already exists`);
      throw error;
    }
  }
}
