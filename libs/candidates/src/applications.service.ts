import { CandidateAccess } from './candidate-access';
import {
  AuditLog,
  Clock,
  ConflictError,
  DomainEvents,
  isUniqueViolation,
  newId,
  NewDomainEvent,
  NotFoundError,
  Page,
  returnedRows,
  RuleViolationError,
  toPage,
} from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ApplicationListQuery, ApplicationView, CreateApplicationDto, StageChangeView, TransitionDto } from './candidates.dto';
import { allowedMoves, checkMove, isOpen, LockedApplication, Stage } from './pipeline';
import { StageGates } from './stage-gates';

interface ApplicationRow {
  id: string;
  candidate_id: string;
  task_force_id: string;
  opening_id: string | null;
  stage: Stage;
  closed_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'a.id, a.candidate_id, a.task_force_id, a.opening_id, a.stage, a.closed_reason, a.version, a.created_at, a.updated_at';

/**
 * The moves outreach makes and their history rows, as the CTEs `moved_input`, `moved` and
 * `changes` of a statement; six parameters from `$first` on: the ids, their stages before, the
 * history rows' ids, the stage moved to, the time and the comment.
 */
export function outreachMoveCtes(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `moved_input AS (SELECT * FROM unnest(${p(0)}::uuid[], ${p(1)}::text[], ${p(2)}::uuid[]) AS i(id, from_stage, change_id)),
       moved AS (UPDATE applications a SET stage = ${p(3)}, version = a.version + 1, updated_at = ${p(4)} FROM moved_input i WHERE a.id = i.id
                 RETURNING a.id, a.candidate_id, a.task_force_id, a.opening_id, a.version, i.from_stage, i.change_id),
       changes AS (INSERT INTO application_stage_changes (id, application_id, from_stage, to_stage, comment, at)
                   SELECT change_id, id, from_stage, ${p(3)}, ${p(5)}, ${p(4)} FROM moved)`;
}

/** The events of one move: the stage change, and hired / rejected / withdrawn when it closes the application. */
export function stageEvents(
  a: { id: string; candidate_id: string; task_force_id: string; opening_id: string | null; version: number },
  from: Stage,
  to: Stage,
  reason: string | null,
  actorId: string | null,
): NewDomainEvent[] {
  const ids = { applicationId: a.id, candidateId: a.candidate_id, taskForceId: a.task_force_id };
  const scope = { actorId, taskForceId: a.task_force_id, candidateId: a.candidate_id };
  const events: NewDomainEvent[] = [{ type: 'application.stage_changed', ...scope, payload: { ...ids, from, to, reason, version: a.version } }];
  if (to === 'hired') events.push({ type: 'application.hired', ...scope, payload: { ...ids, openingId: a.opening_id } });
  if (to === 'rejected') events.push({ type: 'application.rejected', ...scope, payload: { ...ids, reason: reason ?? '' } });
  if (to === 'withdrawn') events.push({ type: 'application.withdrawn', ...scope, payload: { ...ids, reason: reason ?? '' } });
  return events;
}

function toView(r: ApplicationRow, history?: StageChangeView[]): ApplicationView {
  return {
    id: r.id,
    candidateId: r.candidate_id,
    taskForceId: r.task_force_id,
    openingId: r.opening_id,
    stage: r.stage,
    closedReason: r.closed_reason,
    allowedMoves: allowedMoves(r.stage),
    version: r.version,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    ...(history ? { history } : {}),
  };
}

/** The candidate in a task force's pipeline: creation, the stage graph, and its history. */
@Injectable()
export class ApplicationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly taskForces: TaskForceAccess,
    private readonly candidates: CandidateAccess,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly gates: StageGates,
  ) {}

  async create(actor: Actor, dto: CreateApplicationDto): Promise<ApplicationView> {
    await this.taskForces.requireVisible(actor, dto.taskForceId);
    return this.db.transaction(async (tx) => {
      const [taskForce]: { status: string }[] = await tx.query(`SELECT status FROM task_forces WHERE id = $1`, [dto.taskForceId]);
      if (taskForce.status === 'closed') throw new RuleViolationError('task_force_closed', 'The task force is closed and takes no new applications');
      // A candidate the caller may not see is reported exactly like one that does not exist:
      // putting someone into a pipeline must not be a way to reach another team's people.
      const reach = this.candidates.reach(actor, 2);
      // Locked for update, not shared: the new application's trigger writes the candidate's
      // task_force_ids, and two creations holding a shared lock would deadlock upgrading it.
      const [candidate]: { erased_at: Date | null; merged_into: string | null; visible: boolean }[] = await tx.query(
        `SELECT c.erased_at, c.merged_into, ${reach.sql} AS visible FROM candidates c WHERE c.id = $1 FOR NO KEY UPDATE OF c`,
        [dto.candidateId, ...reach.params],
      );
      if (!candidate?.visible) throw new RuleViolationError('unknown_candidate', `Candidate ${dto.candidateId} does not exist`, { field: 'candidateId' });
      if (candidate.merged_into) {
        if (!(await this.candidates.canSee(actor, candidate.merged_into, tx))) {
          throw new RuleViolationError('candidate_merged', `Candidate ${dto.candidateId} was merged into another candidate`);
        }
        throw new RuleViolationError('candidate_merged', `Candidate ${dto.candidateId} was merged into ${candidate.merged_into}`, {
          mergedInto: candidate.merged_into,
        });
      }
      if (candidate.erased_at) throw new RuleViolationError('candidate_erased', `Candidate ${dto.candidateId} was erased`);
      if (dto.openingId) {
        const [opening]: { task_force_id: string; status: string }[] = await tx.query(`SELECT task_force_id, status FROM openings WHERE id = $1`, [
          dto.openingId,
        ]);
        if (!opening || opening.task_force_id !== dto.taskForceId) {
          throw new RuleViolationError('unknown_opening', `Opening ${dto.openingId} is not an opening of this task force`, { field: 'openingId' });
        }
        if (opening.status !== 'open') throw new RuleViolationError('opening_not_open', `Opening ${dto.openingId} is ${opening.status}`);
      }
      const id = newId();
      const now = this.clock.now();
      let row: ApplicationRow;
      try {
        [row] = await tx.query(
          `INSERT INTO applications AS a (id, candidate_id, task_force_id, opening_id, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${COLUMNS}`,
          [id, dto.candidateId, dto.taskForceId, dto.openingId ?? null, actor.userId, now],
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const [existing]: { id: string }[] = await this.db.query(
          `SELECT id FROM applications WHERE candidate_id = $1 AND task_force_id = $2 AND stage NOT IN ('hired', 'rejected', 'withdrawn')`,
          [dto.candidateId, dto.taskForceId],
        );
        throw new ConflictError('open_application_exists', 'The candidate already has an open application in this task force', {
          existingApplicationId: existing?.id,
        });
      }
      await this.recordChange(tx, id, null, 'sourced', null, null, actor.userId, now);
      await this.events.publish(tx, {
        type: 'application.created',
        actorId: actor.userId,
        taskForceId: row.task_force_id,
        candidateId: row.candidate_id,
        payload: { applicationId: id, candidateId: row.candidate_id, taskForceId: row.task_force_id, openingId: row.opening_id },
      });
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'application.created',
          entityType: 'candidate',
          entityId: dto.candidateId,
          details: { applicationId: id, taskForceId: dto.taskForceId },
        },
        tx,
      );
      return toView(row, await this.history(tx, id));
    });
  }

  async list(actor: Actor, query: ApplicationListQuery, afterId?: string): Promise<Page<ApplicationView>> {
    const rows: ApplicationRow[] = await this.db.query(
      `SELECT ${COLUMNS} FROM applications a
        WHERE ($1::uuid IS NULL OR a.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $1))
          AND ($2::uuid IS NULL OR a.task_force_id = $2)
          AND ($3::uuid IS NULL OR a.candidate_id = $3)
          AND ($4::text IS NULL OR a.stage = $4)
          AND ($5::uuid IS NULL OR a.id > $5)
        ORDER BY a.id LIMIT $6`,
      [isAdmin(actor) ? null : actor.userId, query.taskForceId ?? null, query.candidateId ?? null, query.stage ?? null, afterId ?? null, query.limit + 1],
    );
    return toPage(rows, query.limit, (r) => toView(r));
  }

  async get(actor: Actor, id: string): Promise<ApplicationView> {
    const row = await this.load(actor, id, this.db.manager);
    return toView(row, await this.history(this.db.manager, id));
  }

  /**
   * Moves an application along the graph. The write is conditional on the version read, so of
   * two concurrent moves exactly one wins; the other gets a 409 and can re-read. The gates other
   * libraries registered on the target stage (StageGates) judge the move in the same transaction.
   */
  async transition(actor: Actor, id: string, dto: TransitionDto): Promise<ApplicationView> {
    return this.db.transaction((tx) => this.transitionIn(tx, actor, id, dto));
  }

  /** A move inside the caller's transaction (an accepted offer hires in the same commit). */
  async transitionIn(tx: EntityManager, actor: Actor, id: string, dto: TransitionDto): Promise<ApplicationView> {
    const current = await this.load(actor, id, tx);
    if (dto.expectedVersion !== undefined && dto.expectedVersion !== current.version) {
      throw new ConflictError('stale_version', `The application is at version ${current.version}, not ${dto.expectedVersion}; re-read it`, {
        currentVersion: current.version,
        currentStage: current.stage,
      });
    }
    checkMove(current.stage, dto.to, dto.reason);
    const refusals = await this.gates.check(tx, current, current.stage, dto.to);
    if (refusals.length && !dto.override) throw new RuleViolationError(refusals[0].code, refusals[0].message, refusals[0].details);
    if (dto.override && !refusals.length) {
      throw new RuleViolationError('override_not_needed', `Nothing holds back the move to ${dto.to}; send it without override`, { to: dto.to });
    }
    const now = this.clock.now();
    const [row] = returnedRows<ApplicationRow>(
      await tx.query(
        `UPDATE applications a SET stage = $3, closed_reason = $4, version = version + 1, updated_at = $5
        WHERE id = $1 AND version = $2 RETURNING ${COLUMNS}`,
        [id, current.version, dto.to, isOpen(dto.to) ? null : (dto.reason ?? null), now],
      ),
    );
    if (!row) {
      throw new ConflictError('concurrent_modification', 'The application changed while this move was being made; re-read it and retry', {
        expectedStage: current.stage,
      });
    }
    let comment = dto.comment ?? null;
    if (dto.override) {
      const overridden = `Override of ${refusals.map((r) => r.code).join(', ')}: ${dto.override.reason}`;
      comment = comment ? `${comment}\n\n${overridden}` : overridden;
      // The reason is free text about the person: it stays in the comment, which erasure clears; the audit keeps the facts.
      await this.audit.record(
        {
          actorId: actor.userId,
          action: 'application.gate_overridden',
          entityType: 'candidate',
          entityId: row.candidate_id,
          details: { applicationId: id, from: current.stage, to: dto.to, refusals: refusals.map((r) => ({ code: r.code, ...r.details })) },
        },
        tx,
      );
    }
    await this.recordChange(tx, id, current.stage, dto.to, dto.reason ?? null, comment, actor.userId, now);
    await this.events.publish(tx, ...stageEvents(row, current.stage, dto.to, dto.reason ?? null, actor.userId));
    return toView(row, await this.history(tx, id));
  }

  /**
   * A move outreach makes on its own: the first message sent (sourced -> contacted) or a reply
   * (sourced or contacted -> replied). An application already past that point is left alone.
   * Applications are locked in id order; a caller already holding a row lock passes the stage it
   * read under it. Returns the ids of the applications that moved.
   */
  async advanceByOutreach(tx: EntityManager, applications: { id: string; stage?: Stage }[], to: 'contacted' | 'replied', comment: string): Promise<string[]> {
    const from: Stage[] = to === 'contacted' ? ['sourced'] : ['sourced', 'contacted'];
    const stages = new Map<string, Stage>();
    const unlocked: string[] = [];
    for (const a of applications) {
      if (a.stage) stages.set(a.id, a.stage);
      else unlocked.push(a.id);
    }
    if (unlocked.length) {
      const rows: { id: string; stage: Stage }[] = await tx.query(
        `SELECT id, stage FROM applications WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
        [unlocked],
      );
      for (const r of rows) stages.set(r.id, r.stage);
    }
    const moving = [...stages].filter(([, stage]) => from.includes(stage));
    if (!moving.length) return [];
    // The moves and their history rows in one statement: this runs for every first message sent.
    const moved: { id: string; candidate_id: string; task_force_id: string; opening_id: string | null; version: number; from_stage: Stage }[] = await tx.query(
      `WITH ${outreachMoveCtes(1)}
       SELECT id, candidate_id, task_force_id, opening_id, version, from_stage FROM moved ORDER BY id`,
      [moving.map(([id]) => id), moving.map(([, stage]) => stage), moving.map(() => newId()), to, this.clock.now(), comment],
    );
    await this.events.publish(tx, ...moved.flatMap((a) => stageEvents(a, a.from_stage, to, null, null)));
    return moving.map(([id]) => id);
  }

  /**
   * advanceByOutreach for a caller that already holds the applications' row locks and folds the
   * move into a statement of its own (outreachMoveCtes with `params`): the applications that move,
   * and the events to publish with it in the same transaction. The versions are those read under the lock.
   */
  planOutreachMove(locked: LockedApplication[], to: 'contacted' | 'replied', comment: string): { ids: string[]; params: unknown[]; events: NewDomainEvent[] } {
    const from: Stage[] = to === 'contacted' ? ['sourced'] : ['sourced', 'contacted'];
    const moving = [...new Map(locked.map((a) => [a.id, a])).values()]
      .filter((a) => from.includes(a.stage))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return {
      ids: moving.map((a) => a.id),
      params: [moving.map((a) => a.id), moving.map((a) => a.stage), moving.map(() => newId()), to, this.clock.now(), comment],
      events: moving.flatMap((a) => stageEvents({ ...a, version: a.version + 1 }, a.stage, to, null, null)),
    };
  }

  /** Which candidate and task force each application belongs to, for the events of other libraries (no scoping: callers hold the ids already). */
  async refs(manager: EntityManager, ids: string[]): Promise<Map<string, { candidateId: string; taskForceId: string }>> {
    const rows: { id: string; candidate_id: string; task_force_id: string }[] = await manager.query(
      `SELECT id, candidate_id, task_force_id FROM applications WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, { candidateId: r.candidate_id, taskForceId: r.task_force_id }]));
  }

  /** The application if the actor may see it (404 otherwise). */
  async visible(actor: Actor, id: string, manager: EntityManager = this.db.manager): Promise<ApplicationView> {
    return toView(await this.load(actor, id, manager));
  }

  private async load(actor: Actor, id: string, manager: EntityManager): Promise<ApplicationRow> {
    const [row]: ApplicationRow[] = await manager.query(
      `SELECT ${COLUMNS} FROM applications a
        WHERE a.id = $1 AND ($2::uuid IS NULL OR a.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = $2))`,
      [id, isAdmin(actor) ? null : actor.userId],
    );
    if (!row) throw new NotFoundError('Application', id);
    return row;
  }

  private async recordChange(
    tx: EntityManager,
    applicationId: string,
    from: Stage | null,
    to: Stage,
    reason: string | null,
    comment: string | null,
    actorId: string | null,
    at: Date,
  ): Promise<void> {
    // A move may still be made after its candidate was erased (or wait for the erasure's lock and
    // land after it); its free text is not kept then, as erasure would have cleared it.
    await tx.query(
      `INSERT INTO application_stage_changes (id, application_id, from_stage, to_stage, reason, comment, actor_id, at)
       SELECT $1::uuid, a.id, $3::text, $4::text, $5::text, CASE WHEN c.erased_at IS NULL THEN $6::text END, $7::uuid, $8::timestamptz
         FROM applications a JOIN candidates c ON c.id = a.candidate_id WHERE a.id = $2`,
      [newId(), applicationId, from, to, reason, comment, actorId, at],
    );
  }

  private async history(manager: EntityManager, applicationId: string): Promise<StageChangeView[]> {
    const rows: { from_stage: Stage | null; to_stage: Stage; reason: string | null; comment: string | null; actor_id: string | null; at: Date }[] =
      await manager.query(`SELECT from_stage, to_stage, reason, comment, actor_id, at FROM application_stage_changes WHERE application_id = $1 ORDER BY id`, [
        applicationId,
      ]);
    return rows.map((r) => ({ from: r.from_stage, to: r.to_stage, reason: r.reason, comment: r.comment, actorId: r.actor_id, at: r.at.toISOString() }));
  }
}
