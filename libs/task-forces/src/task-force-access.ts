import { NotFoundError } from '@app/platform';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Scoping shared by every module: recruiters work only in task forces they belong to, and a task
 * force they do not belong to is reported as missing, so its existence does not leak.
 */
@Injectable()
export class TaskForceAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async requireVisible(actor: Actor, taskForceId: string, manager: EntityManager = this.db.manager): Promise<void> {
    const rows: unknown[] = isAdmin(actor)
      ? await manager.query(`SELECT 1 FROM task_forces WHERE id = $1`, [taskForceId])
      : await manager.query(`SELECT 1 FROM task_force_members WHERE task_force_id = $1 AND user_id = $2`, [taskForceId, actor.userId]);
    if (rows.length === 0) throw new NotFoundError('Task force', taskForceId);
  }

  /** Which of these ids name no task force. */
  async unknownIds(ids: readonly string[], manager: EntityManager = this.db.manager): Promise<string[]> {
    if (!ids.length) return [];
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM unnest($1::uuid[]) AS t(id) WHERE NOT EXISTS (SELECT 1 FROM task_forces f WHERE f.id = t.id)`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** SQL condition restricting a `task_force_id` column to what the actor may see. */
  scopeCondition(actor: Actor, column: string, paramIndex: number): { sql: string; params: unknown[] } {
    if (isAdmin(actor)) return { sql: 'TRUE', params: [] };
    return {
      sql: `${column} IN (SELECT task_force_id FROM task_force_members WHERE user_id = $${paramIndex})`,
      params: [actor.userId],
    };
  }
}
