import { ForbiddenError, NotFoundError } from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CANDIDATE_COLUMNS, CandidateRow } from './candidate-row';

const MY_TASK_FORCES = (param: string) => `(SELECT task_force_id FROM task_force_members WHERE user_id = ${param})`;

/**
 * The one rule for who sees which candidate, and what of them (docs/candidates.md, "Who sees whom").
 *
 * Admins see everyone and everything. A recruiter sees the candidates they own and those with an
 * application in one of their task forces; of such a candidate they see the applications in their
 * own task forces, the notes written for those task forces and their own notes. Anything else is
 * reported as missing. Erased and merged-away candidates are gone for everybody.
 */
@Injectable()
export class CandidateAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** SQL condition on alias `c` taking one parameter, `$n`: the recruiter's user id (null for admins). */
  condition(actor: Actor, param: number): { sql: string; params: unknown[] } {
    const reach = this.reach(actor, param);
    return { sql: `c.erased_at IS NULL AND c.merged_into IS NULL AND ${reach.sql}`, params: reach.params };
  }

  /**
   * Whether the actor's scope reaches candidate `c`, erased or not. Same parameter as `condition`.
   * `c.task_force_ids` holds the task forces the candidate has applications in (kept by a trigger
   * on applications), so the test reads the row alone.
   */
  reach(actor: Actor, param: number): { sql: string; params: unknown[] } {
    if (isAdmin(actor)) return { sql: `$${param}::uuid IS NULL`, params: [null] };
    return { sql: `(c.owner_id = $${param} OR c.task_force_ids && ARRAY${MY_TASK_FORCES(`$${param}`)})`, params: [actor.userId] };
  }

  /**
   * `condition` for a search: parameters `$n` (the user id) and `$n+1` (their task forces, looked
   * up first), so the plan is made with the recruiter's own task forces and the planner can tell
   * from the column's statistics how many candidates they reach. Admins get `condition`'s form.
   */
  async searchCondition(actor: Actor, param: number): Promise<{ sql: string; params: unknown[] }> {
    if (isAdmin(actor)) return this.condition(actor, param);
    const [{ ids }]: { ids: string[] }[] = await this.db.query(
      `SELECT coalesce(array_agg(task_force_id), '{}') AS ids FROM task_force_members WHERE user_id = $1`,
      [actor.userId],
    );
    return {
      sql: `c.erased_at IS NULL AND c.merged_into IS NULL AND (c.owner_id = $${param} OR c.task_force_ids && $${param + 1}::uuid[])`,
      params: [actor.userId, ids],
    };
  }

  /** Condition on an applications alias: those the actor may see. `$n` is the value `readerParam` gives. */
  applicationsCondition(alias: string, param: number): string {
    return `($${param}::uuid IS NULL OR ${alias}.task_force_id IN ${MY_TASK_FORCES(`$${param}`)})`;
  }

  /** Condition on a notes alias: notes of the actor's task forces and their own. Same parameter. */
  notesCondition(alias: string, param: number): string {
    return `($${param}::uuid IS NULL OR ${alias}.author_id = $${param} OR ${alias}.task_force_id IN ${MY_TASK_FORCES(`$${param}`)})`;
  }

  /** The parameter the conditions above take: null for admins, the user id for recruiters. */
  readerParam(actor: Actor): string | null {
    return isAdmin(actor) ? null : actor.userId;
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

  async canSee(actor: Actor, id: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    if (isAdmin(actor)) return true;
    const scope = this.condition(actor, 2);
    const rows: unknown[] = await manager.query(`SELECT 1 FROM candidates c WHERE c.id = $1 AND ${scope.sql}`, [id, ...scope.params]);
    return rows.length > 0;
  }

  /**
   * What a recruiter may do to the shared person record itself (change it, merge it, erase it)
   * reaches every team that holds the person, so it is theirs alone only when the person lies
   * wholly in their reach: every application in their task forces, the owner one of their own
   * (or themselves, or nobody), and, for merging and erasing, which move or delete notes, every
   * note one they may read. Anything wider is an admin's call: 403 with `code`.
   */
  async requireSoleReach(actor: Actor, ids: string[], what: 'change' | 'merge' | 'erase', manager: EntityManager = this.db.manager): Promise<void> {
    if (isAdmin(actor)) return;
    const [row]: { outside: boolean }[] = await manager.query(
      `SELECT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = ANY($1::uuid[]) AND a.task_force_id NOT IN ${MY_TASK_FORCES('$2')})
           OR EXISTS (SELECT 1 FROM candidates c WHERE c.id = ANY($1::uuid[]) AND c.owner_id IS NOT NULL AND c.owner_id <> $2
                        AND NOT EXISTS (SELECT 1 FROM task_force_members m WHERE m.user_id = c.owner_id AND m.task_force_id IN ${MY_TASK_FORCES('$2')}))
           OR ($3 AND EXISTS (SELECT 1 FROM candidate_notes n WHERE n.candidate_id = ANY($1::uuid[]) AND NOT ${this.notesCondition('n', 2)})) AS outside`,
      [ids, actor.userId, what !== 'change'],
    );
    if (!row.outside) return;
    const messages = {
      change: ['shared_record_requires_admin', 'This person is also held by another task force or owner; ask an admin to change the shared record'],
      merge: ['merge_requires_admin', 'One of these candidates is also held by another task force or owner; ask an admin to merge them'],
      erase: ['erasure_requires_admin', 'This person is also held by another task force or owner; ask an admin to erase them'],
    } as const;
    throw new ForbiddenError(messages[what][0], messages[what][1]);
  }

  /**
   * Who a recruiter may make a candidate's owner: themselves or a member of one of their task
   * forces. Anyone else is reported as an unknown user, so user ids do not leak across teams.
   */
  async ownerAssignable(actor: Actor, userId: string, manager: EntityManager = this.db.manager): Promise<boolean> {
    if (isAdmin(actor) || userId === actor.userId) {
      const rows: unknown[] = await manager.query(`SELECT 1 FROM users WHERE id = $1`, [userId]);
      return rows.length > 0;
    }
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM task_force_members m WHERE m.user_id = $1 AND m.task_force_id IN ${MY_TASK_FORCES('$2')} LIMIT 1`,
      [userId, actor.userId],
    );
    return rows.length > 0;
  }
}
