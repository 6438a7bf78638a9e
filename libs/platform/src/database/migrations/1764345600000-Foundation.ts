import { MigrationInterface, QueryRunner } from 'typeorm';

export class Foundation1764345600000 implements MigrationInterface {
  name = 'Foundation1764345600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY,
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'recruiter')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await q.query(`CREATE INDEX users_role_idx ON users (role)`);

    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL,
        token_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash)`);
    await q.query(`CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)`);

    await q.query(`
      CREATE TABLE task_forces (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        company text NOT NULL,
        location text NOT NULL,
        time_zone text NOT NULL,
        focus_areas text[] NOT NULL DEFAULT '{}',
        headcount_target integer NOT NULL CHECK (headcount_target >= 0),
        target_employers text[] NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'closed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX task_forces_name_key ON task_forces (lower(name))`);

    await q.query(`
      CREATE TABLE task_force_members (
        task_force_id uuid NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        added_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (task_force_id, user_id)
      )`);
    await q.query(`CREATE INDEX task_force_members_user_idx ON task_force_members (user_id)`);

    await q.query(`
      CREATE TABLE openings (
        id uuid PRIMARY KEY,
        task_force_id uuid NOT NULL REFERENCES task_forces (id) ON DELETE CASCADE,
        title text NOT NULL,
        skill_area text NOT NULL CHECK (skill_area IN ('llm', 'search', 'speech', 'autonomous-driving', 'cloud', 'recommendation', 'vision', 'infra')),
        level text NOT NULL,
        headcount integer NOT NULL CHECK (headcount >= 1),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'on_hold', 'filled', 'closed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX openings_task_force_idx ON openings (task_force_id, id)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key text NOT NULL,
        method text NOT NULL,
        path text NOT NULL,
        request_hash text NOT NULL,
        status_code integer,
        response_body jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'openings', 'task_force_members', 'task_forces', 'api_tokens', 'users']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
