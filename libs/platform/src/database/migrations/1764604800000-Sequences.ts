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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sequence_versions`);
    await q.query(`DROP TABLE IF EXISTS sequences`);
  }
}
