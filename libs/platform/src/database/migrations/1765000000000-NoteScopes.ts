import { MigrationInterface, QueryRunner } from 'typeorm';

export class NoteScopes1765000000000 implements MigrationInterface {
  name = 'NoteScopes1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // A note is written for one task force and read only there; a note without one is its
    // author's own. Notes written before this existed become their authors' own, the safe side.
    await q.query(`ALTER TABLE candidate_notes ADD COLUMN task_force_id uuid REFERENCES task_forces(id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE candidate_notes DROP COLUMN task_force_id`);
  }
}
