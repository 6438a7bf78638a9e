import { MigrationInterface, QueryRunner } from 'typeorm';

export class OutreachDueOrder1765000800000 implements MigrationInterface {
  name = 'OutreachDueOrder1765000800000';

  async up(q: QueryRunner): Promise<void> {
    // The reconciler pages through the due scheduled steps in (due_at, id) order. Steps enrolled in
    // one call share their due time, so an index on due_at alone made every page read and sort the
    // whole group of ties (10,000 steps per enrolment call) to return 1,000: about 125 ms of
    // Postgres CPU a page, 20 pages a run, while the workers were sending. With the id in the
    // index, a page reads its 1,000 entries from the cursor on. It serves due_at alone as before.
    await q.query(`CREATE INDEX outreach_messages_due_id_idx ON outreach_messages (due_at, id) WHERE status = 'scheduled'`);
    await q.query(`DROP INDEX outreach_messages_due_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX outreach_messages_due_idx ON outreach_messages (due_at) WHERE status = 'scheduled'`);
    await q.query(`DROP INDEX outreach_messages_due_id_idx`);
  }
}
