import { MigrationInterface, QueryRunner } from 'typeorm';

export class OutreachBatchClaims1764777600000 implements MigrationInterface {
  name = 'OutreachBatchClaims1764777600000';

  async up(q: QueryRunner): Promise<void> {
    // A claim counts several steps against one counter in a single upsert, which may grant fewer
    // than it asked for. The upsert writes how many it granted here, computed from the row as it
    // was, so its RETURNING can tell (RETURNING only sees the row after the update).
    await q.query(`ALTER TABLE outreach_daily_counts ADD COLUMN granted integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outreach_daily_counts DROP COLUMN granted`);
  }
}
