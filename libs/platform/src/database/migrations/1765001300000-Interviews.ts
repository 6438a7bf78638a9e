import { MigrationInterface, QueryRunner } from 'typeorm';

export class Interviews1765001300000 implements MigrationInterface {
  name = 'Interviews1765001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'recruiter', 'interviewer'))`);
    // Anyone who sits on panels: where and when they work, and the task forces they interview for.
    await q.query(`
      CREATE TABLE interviewer_profiles (
        user_id uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        time_zone text NOT NULL,
        working_hours jsonb NOT NULL,
        holiday_calendars text[] NOT NULL,
        task_force_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1
      )`);
    await q.query(`CREATE INDEX interviewer_profiles_task_forces_idx ON interviewer_profiles USING gin (task_force_ids)`);
    await q.query(`
      CREATE TABLE interviewer_blocks (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES interviewer_profiles (user_id) ON DELETE CASCADE,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        CHECK (ends_at > starts_at)
      )`);
    await q.query(`CREATE INDEX interviewer_blocks_user_idx ON interviewer_blocks USING gist (user_id, tstzrange(starts_at, ends_at))`);
    // An opening's interview plan: ordered steps, each drawing interviewers from a pool.
    await q.query(`
      CREATE TABLE interview_plan_steps (
        opening_id uuid NOT NULL REFERENCES openings (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 1),
        kind text NOT NULL CHECK (kind IN ('recruiter_screen', 'technical', 'research_talk', 'system_design', 'hiring_manager', 'executive')),
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 480),
        interviewers_needed integer NOT NULL CHECK (interviewers_needed BETWEEN 1 AND 10),
        pool uuid[] NOT NULL,
        attributes text[] NOT NULL,
        scorecard_required boolean NOT NULL,
        PRIMARY KEY (opening_id, position)
      )`);
    await q.query(`
      CREATE TABLE interviews (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
        candidate_id uuid NOT NULL,
        task_force_id uuid NOT NULL,
        plan_position integer,
        kind text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        candidate_time_zone text NOT NULL,
        status text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
        sequence integer NOT NULL DEFAULT 0,
        location text,
        attributes text[] NOT NULL,
        cancel_reason text,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version integer NOT NULL DEFAULT 1,
        CHECK (ends_at > starts_at),
        -- A candidate is never in two interviews at once; the loser of a race gets 409.
        CONSTRAINT interviews_candidate_overlap EXCLUDE USING gist (candidate_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (status = 'scheduled')
      )`);
    await q.query(`CREATE INDEX interviews_application_idx ON interviews (application_id, starts_at)`);
    await q.query(`
      CREATE TABLE interview_panel (
        interview_id uuid NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        active boolean NOT NULL,
        PRIMARY KEY (interview_id, user_id),
        -- An interviewer is never in two interviews at once.
        CONSTRAINT interview_panel_overlap EXCLUDE USING gist (user_id WITH =, tstzrange(starts_at, ends_at) WITH &&) WHERE (active)
      )`);
    await q.query(`CREATE INDEX interview_panel_user_idx ON interview_panel (user_id, starts_at) WHERE active`);
    // Invitations, updates, cancellations and reminders: one row per mail, claimed before it is
    // sent, so each goes out once however often the worker dies or runs twice.
    await q.query(`
      CREATE TABLE interview_mails (
        id uuid PRIMARY KEY,
        interview_id uuid NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
        recipient_user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('request', 'cancel', 'reminder_24h', 'reminder_1h')),
        sequence integer NOT NULL,
        due_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'uncertain', 'failed', 'skipped')),
        attempts integer NOT NULL DEFAULT 0,
        claimed_at timestamptz,
        sent_at timestamptz,
        smtp_message_id text,
        last_error text,
        created_at timestamptz NOT NULL,
        CONSTRAINT interview_mails_once UNIQUE NULLS NOT DISTINCT (interview_id, recipient_user_id, kind, sequence)
      )`);
    await q.query(`CREATE INDEX interview_mails_due_idx ON interview_mails (due_at, id) WHERE status = 'pending'`);
    // One scorecard per interviewer and interview; a later edit is a new version, the old kept.
    await q.query(`
      CREATE TABLE scorecards (
        id uuid PRIMARY KEY,
        interview_id uuid NOT NULL REFERENCES interviews (id) ON DELETE CASCADE,
        application_id uuid NOT NULL,
        interviewer_id uuid NOT NULL REFERENCES users (id),
        version integer NOT NULL CHECK (version >= 1),
        ratings jsonb NOT NULL,
        recommendation text NOT NULL CHECK (recommendation IN ('strong_no', 'no', 'yes', 'strong_yes')),
        notes text,
        submitted_at timestamptz NOT NULL,
        UNIQUE (interview_id, interviewer_id, version)
      )`);
    await q.query(`CREATE INDEX scorecards_application_idx ON scorecards (application_id, interviewer_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['scorecards', 'interview_mails', 'interview_panel', 'interviews', 'interview_plan_steps', 'interviewer_blocks', 'interviewer_profiles']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
    await q.query(`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_role_check`);
    await q.query(`ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'recruiter'))`);
  }
}
