import { AuditLog, NotFoundError, RuleViolationError } from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InterviewersService } from './interviewers.service';
import { InterviewKind, PlanStepView, PlanView, PutPlanDto } from './interviews.dto';

export interface PlanStepRow {
  position: number;
  kind: InterviewKind;
  duration_minutes: number;
  interviewers_needed: number;
  pool: string[];
  attributes: string[];
  scorecard_required: boolean;
}

const stepView = (s: PlanStepRow): PlanStepView => ({
  position: s.position,
  kind: s.kind,
  durationMinutes: s.duration_minutes,
  interviewersNeeded: s.interviewers_needed,
  pool: s.pool,
  attributes: s.attributes,
  scorecardRequired: s.scorecard_required,
});

/** An opening's interview plan: the ordered interviews a candidate goes through, and who may sit on each. */
@Injectable()
export class PlansService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly taskForces: TaskForceAccess,
    private readonly interviewers: InterviewersService,
    private readonly audit: AuditLog,
  ) {}

  /** Replaces the plan as a whole (admins and the task force's recruiters). */
  async put(actor: Actor, openingId: string, dto: PutPlanDto): Promise<PlanView> {
    return this.db.transaction(async (tx) => {
      const taskForceId = await this.opening(actor, openingId, tx, true);
      for (const [i, step] of dto.steps.entries()) {
        if (step.interviewersNeeded > step.pool.length) {
          throw new RuleViolationError(
            'invalid_plan',
            `steps[${i}]: interviewersNeeded (${step.interviewersNeeded}) is more than the pool holds (${step.pool.length})`,
            {
              field: `steps[${i}].interviewersNeeded`,
            },
          );
        }
        await this.interviewers.panelFor(tx, taskForceId, step.pool);
      }
      await tx.query(`DELETE FROM interview_plan_steps WHERE opening_id = $1`, [openingId]);
      await tx.query(
        `INSERT INTO interview_plan_steps (opening_id, position, kind, duration_minutes, interviewers_needed, pool, attributes, scorecard_required)
         SELECT $1, s.position, s.kind, s.duration_minutes, s.interviewers_needed, s.pool, s.attributes, s.scorecard_required
           FROM jsonb_to_recordset($2::jsonb) AS s(position int, kind text, duration_minutes int, interviewers_needed int, pool uuid[], attributes text[], scorecard_required boolean)`,
        [
          openingId,
          JSON.stringify(
            dto.steps.map((s, i) => ({
              position: i + 1,
              kind: s.kind,
              duration_minutes: s.durationMinutes,
              interviewers_needed: s.interviewersNeeded,
              pool: s.pool,
              attributes: s.attributes.map((a) => a.trim()),
              scorecard_required: s.scorecardRequired ?? true,
            })),
          ),
        ],
      );
      await this.audit.record(
        { actorId: actor.userId, action: 'interview_plan.set', entityType: 'opening', entityId: openingId, details: { steps: dto.steps.length } },
        tx,
      );
      return { openingId, taskForceId, steps: (await this.steps(tx, openingId)).map(stepView) };
    });
  }

  async get(actor: Actor, openingId: string): Promise<PlanView> {
    const taskForceId = await this.opening(actor, openingId, this.db.manager, false);
    return { openingId, taskForceId, steps: (await this.steps(this.db.manager, openingId)).map(stepView) };
  }

  async steps(manager: EntityManager, openingId: string): Promise<PlanStepRow[]> {
    return manager.query(
      `SELECT position, kind, duration_minutes, interviewers_needed, pool::text[] AS pool, attributes, scorecard_required
         FROM interview_plan_steps WHERE opening_id = $1 ORDER BY position LIMIT 20`,
      [openingId],
    );
  }

  /** The opening's task force, if the actor may see it (404 otherwise); locked for a change of its plan. */
  private async opening(actor: Actor, openingId: string, manager: EntityManager, lock: boolean): Promise<string> {
    const [row]: { task_force_id: string }[] = await manager.query(`SELECT task_force_id FROM openings WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [openingId]);
    if (!row) throw new NotFoundError('Opening', openingId);
    if (!isAdmin(actor)) {
      try {
        await this.taskForces.requireVisible(actor, row.task_force_id, manager);
      } catch {
        throw new NotFoundError('Opening', openingId);
      }
    }
    return row.task_force_id;
  }
}
