import { NotFoundError } from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CANDIDATE_COLUMNS, CandidateRow } from './candidate-row';

/**
 * Who sees a candidate: admins see everyone; a recruiter sees the candidates they own and those
 * with an application in one of their task forces. Anyone else is told the candidate does not exist.
 * Erased and merged-away candidates are gone for everybody.
 */
@Injectable()
export class CandidateAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** SQL condition on alias `c` taking one parameter, `$n`: the recruiter's user id (null for admins). */
  condition(actor: Actor, param: number): { sql: string; params: unknown[] } {
    const reach = this.reach(actor, param);
    return { sql: `c.erased_at IS NULL AND c.merged_into IS NULL AND ${reach.sql}`, params: reach.params };
  }

  /** Whether the actor's scope reaches candidate `c`, erased or not. Same parameter as `condition`. */
  reach(actor: Actor, param: number): { sql: string; params: unknown[] } {
    if (isAdmin(actor)) return { sql: `$${param}::uuid IS NULL`, params: [null] };
    return {
      sql: `(c.owner_id = $${param} OR EXISTS (
              SELECT 1 FROM applications a JOIN task_force_members m ON m.task_force_id = a.task_force_id
               WHERE a.candidate_id = c.id AND m.user_id = $${param}))`,
      params: [actor.userId],
    };
  }

  async load(actor: Actor, id: string, manager: EntityManager = this.db.manager, lock = false): Promise<CandidateRow> {
    const scope = this.condition(actor, 2);
    const rows: CandidateRow[] = await manager.query(
      `SELECT ${CANDIDATE_COLUMNS} FROM candidates c WHERE c.id = $1 AND ${scope.sql}${lock ? ' FOR UPDATE OF c' : ''}`,
      [id, ...scope.params],
    );
    if (!rows[0]) throw new NotFoundError('Candidate', id);
    return rows[0];
  }
}
