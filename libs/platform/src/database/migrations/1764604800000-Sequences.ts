import { MigrationInterface, QueryRunner } from 'typeorm';

export class Sequences1764604800000 implements MigrationInterface {
  name = 'Sequences1764604800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sequences (
        id uuid PRIMARY KEY,
        task_force_id uuid NOT NULL REFERENCES task_forces (id),
        name text NOT NULL,
        current_version integer NOT NULL DEFAULT 1,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX sequences_name_key ON sequences (task_force_id, lower(name))`);
    // A version is immutable once written: enrollments keep the version they started on.
    await q.query(`
      CREATE TABLE sequence_versions (
        sequence_id uuid NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
        version integer NOT NULL,
        definition jsonb NOT NULL,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sequence_id, version)
      )`);

    await q.query(`
      CREATE TABLE enrollments (
        id uuid PRIMARY KEY,
        sequence_id uuid NOT NULL REFERENCES sequences (id),
        sequence_version integer NOT NULL,
        candidate_id uuid NOT NULL REFERENCES candidates (id),
        application_id uuid NOT NULL REFERENCES applications (id),
        task_force_id uuid NOT NULL REFERENCES task_forces (id),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused', 'stopped', 'completed')),
        stop_reason text,
        time_zone text NOT NULL,
        enrolled_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        FOREIGN KEY (sequence_id, sequence_version) REFERENCES sequence_versions (sequence_id, version)
      )`);
    // One running sequence per candidate and task force.
    await q.query(`CREATE UNIQUE INDEX enrollments_one_active_key ON enrollments (candidate_id, task_force_id) WHERE status IN ('active', 'paused')`);
    await q.query(`CREATE INDEX enrollments_sequence_idx ON enrollments (sequence_id, status, id)`);
    await q.query(`
      CREATE TABLE outreach_messages (
        id uuid PRIMARY KEY,
        enrollment_id uuid NOT NULL REFERENCES enrollments (id) ON DELETE CASCADE,
        step integer NOT NULL CHECK (step >= 1),
        status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'sending', 'sent', 'uncertain', 'skipped', 'failed')),
        due_at timestamptz NOT NULL,
        message_id text NOT NULL UNIQUE,
        sent_at timestamptz,
        detail text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (enrollment_id, step)
      )`);
    await q.query(`CREATE INDEX outreach_messages_due_idx ON outreach_messages (due_at) WHERE status = 'scheduled'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS outreach_messages`);
    await q.query(`DROP TABLE IF EXISTS enrollments`);
    await q.query(`DROP TABLE IF EXISTS sequence_versions`);
    await q.query(`DROP TABLE IF EXISTS sequences`);
  }
}
