import { MigrationInterface, QueryRunner } from 'typeorm';

export class CandidateReach1765000600000 implements MigrationInterface {
  name = 'CandidateReach1765000600000';

  async up(q: QueryRunner): Promise<void> {
    // A recruiter reaches the candidates they own and those with an application in one of their
    // task forces. Tested per row as EXISTS over applications, a recruiter's search walked the
    // candidates in id order probing a set built from all their task forces' applications on every
    // request (50,000 rows for a recruiter with 50,000 applications). The task forces each candidate
    // has applications in, kept on the row itself, make the test an array overlap on the row and
    // give the planner statistics for how many candidates a set of task forces reaches.
    // The trigger keeps the column exact in the transaction that writes applications, whoever writes
    // them (the API, imports, the seed, bulk SQL); no index: it is only ever read with the row.
    await q.query(`ALTER TABLE candidates ADD COLUMN task_force_ids uuid[] NOT NULL DEFAULT '{}'`);
    await q.query(`
      UPDATE candidates c SET task_force_ids = t.ids
        FROM (SELECT candidate_id, array_agg(DISTINCT task_force_id ORDER BY task_force_id) AS ids FROM applications GROUP BY candidate_id) t
       WHERE t.candidate_id = c.id`);
    await q.query(`
      CREATE FUNCTION candidate_task_forces_refresh(candidate uuid) RETURNS void LANGUAGE sql AS $$
        UPDATE candidates c SET task_force_ids = t.ids
          FROM (SELECT coalesce(array_agg(DISTINCT task_force_id ORDER BY task_force_id), '{}') AS ids FROM applications WHERE candidate_id = candidate) t
         WHERE c.id = candidate AND c.task_force_ids IS DISTINCT FROM t.ids $$`);
    await q.query(`
      CREATE FUNCTION applications_keep_candidate_task_forces() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          -- The common case, a new application, only ever adds a task force.
          UPDATE candidates SET task_force_ids = array_append(task_force_ids, NEW.task_force_id)
           WHERE id = NEW.candidate_id AND NOT (NEW.task_force_id = ANY (task_force_ids));
          RETURN NULL;
        END IF;
        PERFORM candidate_task_forces_refresh(OLD.candidate_id);
        IF TG_OP = 'UPDATE' AND NEW.candidate_id IS DISTINCT FROM OLD.candidate_id THEN
          PERFORM candidate_task_forces_refresh(NEW.candidate_id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER applications_candidate_task_forces AFTER INSERT OR DELETE OR UPDATE OF candidate_id, task_force_id ON applications
        FOR EACH ROW EXECUTE FUNCTION applications_keep_candidate_task_forces()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER IF EXISTS applications_candidate_task_forces ON applications`);
    await q.query(`DROP FUNCTION IF EXISTS applications_keep_candidate_task_forces()`);
    await q.query(`DROP FUNCTION IF EXISTS candidate_task_forces_refresh(uuid)`);
    await q.query(`ALTER TABLE candidates DROP COLUMN IF EXISTS task_force_ids`);
  }
}
