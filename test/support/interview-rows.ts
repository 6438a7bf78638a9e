import { randomUUID } from 'node:crypto';
import { TestDatabase } from './harness';

const HOUR = 3_600_000;

/** An interview_mails row as the tests read it back. */
export interface InterviewMailRow {
  id: string;
  kind: string;
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  smtp_message_id: string | null;
  due_at: Date;
}

/**
 * An interview of an application, and its panel, written by SQL as the scheduling code writes
 * them (one hour long, in Los Angeles), so mail tests need neither the slot finder nor the clock.
 */
export async function writeInterview(
  db: TestDatabase,
  interview: { applicationId: string; candidateId: string; taskForceId: string; createdBy: string; startsAt: Date; panel: { id: string }[]; sequence?: number },
): Promise<{ id: string; startsAt: Date; endsAt: Date }> {
  const id = randomUUID();
  const { startsAt } = interview;
  const endsAt = new Date(startsAt.getTime() + HOUR);
  await db.query(
    `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, kind, starts_at, ends_at, candidate_time_zone, status, sequence,
                             location, attributes, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'technical', $5, $6, 'America/Los_Angeles', 'scheduled', $7, 'https://meet.example.com/abc-defg-hij', '{}', $8, now(), now())`,
    [id, interview.applicationId, interview.candidateId, interview.taskForceId, startsAt, endsAt, interview.sequence ?? 0, interview.createdBy],
  );
  for (const member of interview.panel)
    await db.query(`INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) VALUES ($1, $2, $3, $4, true)`, [
      id,
      member.id,
      startsAt,
      endsAt,
    ]);
  return { id, startsAt, endsAt };
}

/** Mail rows of an interview as the scheduling code or the sender leaves them; `to` null is the candidate. */
export async function writeInterviewMails(
  db: TestDatabase,
  interviewId: string,
  rows: { to: string | null; kind: string; status: string; attempts: number; dueAt: Date; sequence?: number }[],
): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  for (const [n, r] of rows.entries())
    await db.query(
      `INSERT INTO interview_mails (id, interview_id, recipient_user_id, kind, sequence, due_at, status, attempts, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
      [ids[n], interviewId, r.to, r.kind, r.sequence ?? 0, r.dueAt, r.status, r.attempts],
    );
  return ids;
}
