import { MigrationInterface, QueryRunner } from 'typeorm';

export class Candidates1764432000000 implements MigrationInterface {
  name = 'Candidates1764432000000';

  async up(q: QueryRunner): Promise<void> {
    // array_to_string is only STABLE (it could call arbitrary output functions); on text[] it is
    // immutable in fact, which a generated column needs.
    await q.query(`CREATE FUNCTION words_of(text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string($1, ' ') $$`);
    await q.query(`
      CREATE TABLE candidates (
        id uuid PRIMARY KEY,
        full_name text NOT NULL,
        native_name text,
        native_name_pinyin text,
        emails text[] NOT NULL DEFAULT '{}',
        phone text,
        linkedin_url text,
        github_url text,
        scholar_url text,
        location text,
        time_zone text,
        current_employer text,
        current_title text,
        years_of_experience numeric(4, 1) CHECK (years_of_experience >= 0),
        skills text[] NOT NULL DEFAULT '{}',
        skill_areas text[] NOT NULL DEFAULT '{}',
        education jsonb NOT NULL DEFAULT '[]',
        visa_status text NOT NULL DEFAULT 'unknown',
        source text NOT NULL DEFAULT 'sourced' CHECK (source IN ('sourced', 'referral', 'inbound', 'agency')),
        owner_id uuid REFERENCES users (id) ON DELETE SET NULL,
        tags text[] NOT NULL DEFAULT '{}',
        consent_state text NOT NULL DEFAULT 'unknown' CHECK (consent_state IN ('unknown', 'granted', 'opted_out')),
        consent_updated_at timestamptz,
        merged_into uuid REFERENCES candidates (id),
        erased_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        search tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('simple', coalesce(full_name, '') || ' ' || coalesce(native_name, '') || ' ' || coalesce(native_name_pinyin, '')), 'A') ||
          setweight(to_tsvector('simple', coalesce(current_employer, '') || ' ' || coalesce(current_title, '')), 'B') ||
          setweight(to_tsvector('simple', words_of(skills)), 'C')
        ) STORED
      )`);
    await q.query(`CREATE INDEX candidates_search_idx ON candidates USING gin (search)`);
    // The "same name, same employer" duplicate listing joins on exactly these expressions.
    await q.query(
      `CREATE INDEX candidates_name_employer_idx ON candidates (lower(regexp_replace(trim(full_name), '\\s+', ' ', 'g')), lower(coalesce(current_employer, '')))`,
    );
    await q.query(`CREATE INDEX candidates_employer_idx ON candidates (lower(current_employer))`);
    await q.query(`CREATE INDEX candidates_skills_idx ON candidates USING gin (skills)`);
    await q.query(`CREATE INDEX candidates_skill_areas_idx ON candidates USING gin (skill_areas)`);
    await q.query(`CREATE INDEX candidates_tags_idx ON candidates USING gin (tags)`);
    await q.query(`CREATE INDEX candidates_owner_idx ON candidates (owner_id, id)`);
    await q.query(`CREATE INDEX candidates_visa_idx ON candidates (visa_status, id)`);
    await q.query(`CREATE INDEX candidates_updated_idx ON candidates (updated_at)`);

    // One row per normalised email / LinkedIn / GitHub: the database itself refuses duplicates.
    await q.query(`
      CREATE TABLE candidate_identities (
        kind text NOT NULL CHECK (kind IN ('email', 'linkedin', 'github')),
        value text NOT NULL,
        candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
        PRIMARY KEY (kind, value)
      )`);
    await q.query(`CREATE INDEX candidate_identities_candidate_idx ON candidate_identities (candidate_id)`);

    await q.query(`
      CREATE TABLE candidate_notes (
        id uuid PRIMARY KEY,
        candidate_id uuid NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
        author_id uuid REFERENCES users (id) ON DELETE SET NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX candidate_notes_candidate_idx ON candidate_notes (candidate_id, id)`);

    await q.query(`
      CREATE TABLE applications (
        id uuid PRIMARY KEY,
        candidate_id uuid NOT NULL REFERENCES candidates (id),
        task_force_id uuid NOT NULL REFERENCES task_forces (id),
        opening_id uuid REFERENCES openings (id),
        stage text NOT NULL DEFAULT 'sourced'
          CHECK (stage IN ('sourced', 'contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired', 'rejected', 'withdrawn')),
        closed_reason text,
        version integer NOT NULL DEFAULT 1,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE UNIQUE INDEX applications_one_open_key ON applications (candidate_id, task_force_id)
        WHERE stage NOT IN ('hired', 'rejected', 'withdrawn')`);
    await q.query(`CREATE INDEX applications_candidate_idx ON applications (candidate_id)`);
    await q.query(`CREATE INDEX applications_task_force_stage_idx ON applications (task_force_id, stage, id)`);

    await q.query(`
      CREATE TABLE application_stage_changes (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        from_stage text,
        to_stage text NOT NULL,
        reason text,
        comment text,
        actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX application_stage_changes_app_idx ON application_stage_changes (application_id, id)`);

    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id uuid NOT NULL,
        details jsonb NOT NULL DEFAULT '{}',
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['audit_log', 'application_stage_changes', 'applications', 'candidate_notes', 'candidate_identities', 'candidates']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`DROP FUNCTION IF EXISTS words_of(text[])`);
  }
}
