import { MigrationInterface, QueryRunner } from 'typeorm';

export class SuppressionAdmin1765000400000 implements MigrationInterface {
  name = 'SuppressionAdmin1765000400000';

  async up(q: QueryRunner): Promise<void> {
    // An id to page, inspect and remove suppressed addresses by (the address itself may be a hash
    // after erasure), and where the bounce came from, so an admin can judge it.
    await q.query(`ALTER TABLE bounced_addresses ADD COLUMN id uuid, ADD COLUMN enrollment_id uuid, ADD COLUMN sequence_id uuid, ADD COLUMN step integer`);
    await q.query(`UPDATE bounced_addresses SET id = gen_random_uuid()`);
    await q.query(`ALTER TABLE bounced_addresses ALTER COLUMN id SET DEFAULT gen_random_uuid(), ALTER COLUMN id SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX bounced_addresses_id_key ON bounced_addresses (id)`);
    // Why an enrollment is paused when the system paused it (the mail server refused the sender).
    await q.query(`ALTER TABLE enrollments ADD COLUMN pause_reason text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE enrollments DROP COLUMN IF EXISTS pause_reason`);
    await q.query(`DROP INDEX IF EXISTS bounced_addresses_id_key`);
    await q.query(
      `ALTER TABLE bounced_addresses DROP COLUMN IF EXISTS id, DROP COLUMN IF EXISTS enrollment_id, DROP COLUMN IF EXISTS sequence_id, DROP COLUMN IF EXISTS step`,
    );
  }
}
