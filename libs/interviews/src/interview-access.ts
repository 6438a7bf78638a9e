import { NotFoundError } from '@app/platform';
import { Actor, isAdmin, isInterviewer } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface InterviewRow {
  id: string;
  application_id: string;
  candidate_id: string;
  task_force_id: string;
  plan_position: number | null;
  kind: string;
  starts_at: Date;
  ends_at: Date;
  candidate_time_zone: string;
  status: 'scheduled' | 'cancelled';
  sequence: number;
  location: string | null;
  attributes: string[];
  cancel_reason: string | null;
  created_by: string;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export const INTERVIEW_COLUMNS = `i.id, i.application_id, i.candidate_id, i.task_force_id, i.plan_position, i.kind, i.starts_at, i.ends_at, i.candidate_time_zone,
  i.status, i.sequence, i.location, i.attributes, i.cancel_reason, i.created_by, i.created_at, i.updated_at, i.version`;

/**
 * Who may see an interview: admins; recruiters of its task force; the interviewers on its panel as
 * it stands. Someone a reschedule took off, or whose interview was cancelled, got a cancellation
 * and sees it no more: the new time, link and panel are not theirs to know. A user with the
 * interviewer role reaches only their panels, even when an admin made them a task force member.
 * Anyone else gets the 404 an unknown id gets.
 */
@Injectable()
export class InterviewAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async load(actor: Actor, id: string, manager: EntityManager = this.db.manager, lock = false): Promise<InterviewRow> {
    const [row]: InterviewRow[] = await manager.query(
      `SELECT ${INTERVIEW_COLUMNS} FROM interviews i
        WHERE i.id = $1 AND (${this.visibleSql('i', '$2', '$3', '$4')})${lock ? ' FOR UPDATE OF i' : ''}`,
      [id, isAdmin(actor), actor.userId, !isInterviewer(actor)],
    );
    if (!row) throw new NotFoundError('Interview', id);
    return row;
  }

  /**
   * The interview, for those who run it: admins and its task force's recruiters. Panel members
   * may read it (`load`), not change it or its mails; to anyone else it does not exist.
   */
  async loadForTaskForce(actor: Actor, id: string, manager: EntityManager = this.db.manager, lock = false): Promise<InterviewRow> {
    const row = await this.load(actor, id, manager, lock);
    if (!isAdmin(actor)) {
      const member: unknown[] = await manager.query(`SELECT 1 FROM task_force_members WHERE task_force_id = $1 AND user_id = $2`, [
        row.task_force_id,
        actor.userId,
      ]);
      if (!member.length) throw new NotFoundError('Interview', id);
    }
    return row;
  }

  /** SQL: the interview `alias` is visible to the actor ($admin: boolean, $user: uuid, $member: whether task force membership counts). */
  visibleSql(alias: string, admin: string, user: string, member: string): string {
    return `${admin}::boolean
      OR (${member}::boolean AND ${alias}.task_force_id IN (SELECT task_force_id FROM task_force_members WHERE user_id = ${user}::uuid))
      OR EXISTS (SELECT 1 FROM interview_panel p WHERE p.interview_id = ${alias}.id AND p.user_id = ${user}::uuid AND p.active)`;
  }
}
