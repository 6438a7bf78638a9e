import { MigrationInterface, QueryRunner } from 'typeorm';

const NAME = `lower(regexp_replace(trim(full_name), '\\s+', ' ', 'g'))`;
const EMPLOYER = `lower(coalesce(current_employer, ''))`;

export class LookAlikeGroups1765000100000 implements MigrationInterface {
  name = 'LookAlikeGroups1765000100000';

  async up(q: QueryRunner): Promise<void> {
    // The duplicate listing pages over groups of look-alikes (same name and employer, case and
    // spacing ignored). A fixed-length hash of that key is the group's id and its page cursor: it
    // keeps names out of URLs and logs, and one btree entry per candidate lets each page hop from
    // key to key instead of joining every pair. The name's length is hashed in so no two
    // (name, employer) pairs concatenate to the same text.
    await q.query(`
      ALTER TABLE candidates ADD COLUMN lookalike_key text
        GENERATED ALWAYS AS (md5(length(${NAME}) || ':' || ${NAME} || ${EMPLOYER})) STORED`);
    // Erased and merged-away rows are never look-alikes; leaving them out also keeps the thousands
    // of '[erased]' rows from forming one giant group the walk would have to step over.
    await q.query(`CREATE INDEX candidates_lookalike_idx ON candidates (lookalike_key, id) WHERE erased_at IS NULL AND merged_into IS NULL`);
    await q.query(`DROP INDEX candidates_name_employer_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX candidates_name_employer_idx ON candidates (${NAME}, ${EMPLOYER})`);
    await q.query(`DROP INDEX candidates_lookalike_idx`);
    await q.query(`ALTER TABLE candidates DROP COLUMN lookalike_key`);
  }
}
