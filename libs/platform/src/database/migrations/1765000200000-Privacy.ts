import { MigrationInterface, QueryRunner } from 'typeorm';

/** The SQL twin of capDomainKey (libs/outreach/src/cap-keys.ts). */
const hashed = (domain: string) => `left(encode(sha256(convert_to(${domain}, 'UTF8')), 'hex'), 32)`;
const rewrite = (key: string) => `regexp_replace(${key}, '[^:]*$', '') || ${hashed(`substring(${key} from '[^:]*$')`)}`;

export class Privacy1765000200000 implements MigrationInterface {
  name = 'Privacy1765000200000';

  async up(q: QueryRunner): Promise<void> {
    // The ids a stored request named (its path and body), so erasing a person also forgets
    // answers that hold their data without naming them, such as a preview rendered for them.
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN refs text[] NOT NULL DEFAULT '{}'`);
    // Daily-cap counters named the recipient's domain ("domain:<sender>:<domain>"), which for a
    // personal domain names the person; the key now holds a hash of it.
    await q.query(`UPDATE outreach_daily_counts SET counter = ${rewrite('counter')} WHERE counter LIKE 'domain:%'`);
    await q.query(
      `UPDATE outreach_messages
          SET cap_keys = ARRAY(SELECT CASE WHEN k LIKE 'domain:%' THEN ${rewrite('k')} ELSE k END FROM unnest(cap_keys) WITH ORDINALITY AS t(k, n) ORDER BY n)
        WHERE EXISTS (SELECT 1 FROM unnest(cap_keys) AS k WHERE k LIKE 'domain:%')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // A hash cannot be turned back into a domain: after a rollback the day's counters start again under plain keys.
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN refs`);
  }
}
