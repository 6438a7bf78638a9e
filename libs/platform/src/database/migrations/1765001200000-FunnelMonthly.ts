import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The funnel's visits counted per UTC month of entry, task force, source, stage, whole hours in
 * stage and (for closed applications) reason and the stage left from. A long period reads its
 * whole months from here and only its partial edge months from the visits.
 */
export class FunnelMonthly1765001200000 implements MigrationInterface {
  name = 'FunnelMonthly1765001200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE insight_funnel_monthly (
        month date NOT NULL,
        task_force_id uuid NOT NULL,
        source text NOT NULL,
        stage text NOT NULL,
        hours_in_stage integer,
        reason text,
        from_stage text,
        visits integer NOT NULL,
        advanced integer NOT NULL,
        CONSTRAINT insight_funnel_monthly_key UNIQUE NULLS NOT DISTINCT (month, task_force_id, source, stage, hours_in_stage, reason, from_stage)
      )`);
    // Covering both ways a funnel is asked for: the whole organisation, or some task forces.
    const counts = 'source, stage, hours_in_stage, reason, from_stage, visits, advanced';
    await q.query(`CREATE INDEX insight_funnel_monthly_month_idx ON insight_funnel_monthly (month) INCLUDE (task_force_id, ${counts})`);
    await q.query(`CREATE INDEX insight_funnel_monthly_task_force_idx ON insight_funnel_monthly (task_force_id, month) INCLUDE (${counts})`);
    // The next pass fills the new table from the visits already projected.
    await q.query(`UPDATE insight_projection SET rebuild_requested = true WHERE id = 1`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS insight_funnel_monthly`);
  }
}
