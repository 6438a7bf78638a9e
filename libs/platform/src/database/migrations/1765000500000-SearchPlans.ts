import { MigrationInterface, QueryRunner } from 'typeorm';

const NAME_WORDS = `to_tsvector('simple', coalesce(full_name, '') || ' ' || coalesce(native_name, '') || ' ' || coalesce(native_name_pinyin, ''))`;
const WORK_WORDS = `to_tsvector('simple', coalesce(current_employer, '') || ' ' || coalesce(current_title, ''))`;
const SKILL_WORDS = `to_tsvector('simple', words_of(skills))`;

export class SearchPlans1765000500000 implements MigrationInterface {
  name = 'SearchPlans1765000500000';

  async up(q: QueryRunner): Promise<void> {
    // Search matches every word as a prefix. GIN answers a prefix term ('speech':*) by collecting
    // every posting of every matching entry into a bitmap before it can intersect the terms, so a
    // query of three common words cost three full posting lists (100 ms at 1,000,000 candidates).
    // Indexing every prefix of every word turns each prefix term into one exact entry, which GIN
    // intersects by skipping through the posting lists, and the planner sees its true frequency.
    // The words are those of the old `search` column (weights were never queried), which goes.
    await q.query(`
      CREATE FUNCTION prefixes_of(tsvector) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT coalesce(array_to_tsvector(array_agg(DISTINCT left(l, n))), ''::tsvector)
          FROM unnest(tsvector_to_array($1)) l, generate_series(1, length(l)) n $$`);
    await q.query(`DROP INDEX candidates_search_idx`);
    await q.query(`ALTER TABLE candidates DROP COLUMN search`);
    await q.query(`
      ALTER TABLE candidates ADD COLUMN search_prefixes tsvector
        GENERATED ALWAYS AS (prefixes_of(${NAME_WORDS} || ${WORK_WORDS} || ${SKILL_WORDS})) STORED`);
    await q.query(`CREATE INDEX candidates_search_prefixes_idx ON candidates USING gin (search_prefixes)`);
    // An employer with a visa status, in id order: a page of such a filter (with or without words)
    // reads that employer's and status's entries from the first id on and stops when it is full.
    // It serves the employer alone too, so the employer-only index goes.
    await q.query(`CREATE INDEX candidates_employer_visa_idx ON candidates (lower(current_employer), visa_status, id)`);
    await q.query(`DROP INDEX candidates_employer_idx`);
    // A recruiter's stage filter starts from their task forces' applications in that stage: the
    // candidate ids come from this index alone, already grouped by task force and stage.
    await q.query(`CREATE INDEX applications_task_force_stage_candidate_idx ON applications (task_force_id, stage, candidate_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS applications_task_force_stage_candidate_idx`);
    await q.query(`CREATE INDEX IF NOT EXISTS candidates_employer_idx ON candidates (lower(current_employer))`);
    await q.query(`DROP INDEX IF EXISTS candidates_employer_visa_idx`);
    await q.query(`DROP INDEX IF EXISTS candidates_search_prefixes_idx`);
    await q.query(`ALTER TABLE candidates DROP COLUMN IF EXISTS search_prefixes`);
    await q.query(`DROP FUNCTION IF EXISTS prefixes_of(tsvector)`);
    await q.query(`
      ALTER TABLE candidates ADD COLUMN search tsvector GENERATED ALWAYS AS (
        setweight(${NAME_WORDS}, 'A') || setweight(${WORK_WORDS}, 'B') || setweight(${SKILL_WORDS}, 'C')) STORED`);
    await q.query(`CREATE INDEX candidates_search_idx ON candidates USING gin (search)`);
  }
}
