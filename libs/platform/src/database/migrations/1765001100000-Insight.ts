import { MigrationInterface, QueryRunner } from 'typeorm';

export class Insight1765001100000 implements MigrationInterface {
  name = 'Insight1765001100000';

  async up(q: QueryRunner): Promise<void> {
    // Where the insight projection stands in the event outbox (the feed's order), and whether it
    // must rebuild its facts from the tables (first start, data loaded by SQL).
    await q.query(`
      CREATE TABLE insight_projection (
        id smallint PRIMARY KEY CHECK (id = 1),
        xid xid8 NOT NULL DEFAULT '0',
        seq bigint NOT NULL DEFAULT 0,
        rebuild_requested boolean NOT NULL DEFAULT true,
        projected_at timestamptz,
        rebuilt_at timestamptz,
        market_at timestamptz
      )`);
    await q.query(`INSERT INTO insight_projection (id) VALUES (1)`);
    // One row per stay of an application in a stage: the funnel's facts.
    await q.query(`
      CREATE TABLE insight_stage_visits (
        application_id uuid NOT NULL,
        seq integer NOT NULL,
        task_force_id uuid NOT NULL,
        opening_id uuid,
        source text NOT NULL,
        stage text NOT NULL,
        from_stage text,
        reason text,
        entered_at timestamptz NOT NULL,
        left_at timestamptz,
        hours_in_stage integer,
        started_at timestamptz NOT NULL,
        advanced boolean NOT NULL,
        PRIMARY KEY (application_id, seq)
      )`);
    // Covering: the funnel reads its period's visits from the index alone (once vacuumed).
    const covered = 'INCLUDE (stage, hours_in_stage, advanced, reason, from_stage)';
    await q.query(`CREATE INDEX insight_stage_visits_task_force_idx ON insight_stage_visits (task_force_id, entered_at) ${covered}`);
    await q.query(`CREATE INDEX insight_stage_visits_entered_idx ON insight_stage_visits (entered_at) ${covered}`);
    await q.query(`CREATE INDEX insight_stage_visits_opening_idx ON insight_stage_visits (opening_id, entered_at) WHERE opening_id IS NOT NULL`);
    // The offers report finds the offers first sent in a period without reading every offer's history.
    await q.query(`CREATE INDEX insight_offer_events_sent_idx ON offer_events (offer_id, at) WHERE to_status = 'sent'`);
    // Hires are a sliver of the visits: per task force and per opening, read without the rest.
    await q.query(`CREATE INDEX insight_stage_visits_hires_idx ON insight_stage_visits (task_force_id, entered_at) WHERE stage = 'hired'`);
    await q.query(`CREATE INDEX insight_stage_visits_opening_hires_idx ON insight_stage_visits (opening_id, entered_at) WHERE stage = 'hired'`);
    // One row per outreach step handed to SMTP (accepted, refused or uncertain).
    await q.query(`
      CREATE TABLE insight_outreach_steps (
        message_id uuid PRIMARY KEY,
        candidate_id uuid NOT NULL,
        task_force_id uuid NOT NULL,
        sequence_id uuid NOT NULL,
        sequence_version integer NOT NULL,
        step integer NOT NULL,
        status text NOT NULL,
        response text,
        sent_at timestamptz NOT NULL,
        local_hour smallint NOT NULL,
        local_weekday smallint NOT NULL,
        employer text,
        skill_areas text[] NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX insight_outreach_steps_task_force_idx ON insight_outreach_steps (task_force_id, sent_at)`);
    await q.query(`CREATE INDEX insight_outreach_steps_sent_idx ON insight_outreach_steps (sent_at)`);
    await q.query(`CREATE INDEX insight_outreach_steps_candidate_idx ON insight_outreach_steps (candidate_id)`);
    // The outreach facts counted per UTC day, task force and sequence, four ways (kind): per step
    // version, employer, local weekday and hour, skill area. A report adds the whole days inside its
    // period from here to the facts of the partial days at its edges.
    await q.query(`
      CREATE TABLE insight_outreach_daily (
        day date NOT NULL,
        task_force_id uuid NOT NULL,
        sequence_id uuid NOT NULL,
        key text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('step', 'employer', 'time', 'area')),
        sequence_version integer,
        step integer,
        employer text,
        local_weekday smallint,
        local_hour smallint,
        skill_area text,
        attempted integer NOT NULL,
        sent integer NOT NULL,
        delivered integer NOT NULL,
        bounced integer NOT NULL,
        replied integer NOT NULL,
        unsubscribed integer NOT NULL,
        uncertain integer NOT NULL
      )`);
    // What a day's row counts is named by its key (step:<version>:<step>, employer:=<name>, time:<weekday>:<hour>, area:<area>).
    await q.query(`CREATE UNIQUE INDEX insight_outreach_daily_key ON insight_outreach_daily (day, task_force_id, sequence_id, key)`);
    await q.query(`CREATE INDEX insight_outreach_daily_task_force_idx ON insight_outreach_daily (task_force_id, day)`);
    await q.query(`CREATE INDEX insight_outreach_daily_day_idx ON insight_outreach_daily (day)`);
    // The talent market, recomputed as a whole by the worker: one row per scope (a task force, or
    // NULL for the whole pool) and skill area, the top values behind it, and one row per week.
    await q.query(`
      CREATE TABLE insight_market (
        task_force_id uuid,
        skill_area text NOT NULL,
        supply integer NOT NULL,
        reachable integer NOT NULL,
        needs_sponsorship integer NOT NULL,
        demand integer NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX insight_market_key ON insight_market ((coalesce(task_force_id, '00000000-0000-0000-0000-000000000000')), skill_area)`);
    await q.query(`
      CREATE TABLE insight_market_top (
        task_force_id uuid,
        skill_area text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('employer', 'location', 'visa')),
        value text NOT NULL,
        candidates integer NOT NULL
      )`);
    await q.query(`CREATE INDEX insight_market_top_idx ON insight_market_top (task_force_id, skill_area, kind)`);
    await q.query(`
      CREATE TABLE insight_market_weeks (
        week date NOT NULL,
        task_force_id uuid,
        skill_area text NOT NULL,
        supply integer NOT NULL,
        reachable integer NOT NULL,
        demand integer NOT NULL
      )`);
    await q.query(
      `CREATE UNIQUE INDEX insight_market_weeks_key ON insight_market_weeks (week, (coalesce(task_force_id, '00000000-0000-0000-0000-000000000000')), skill_area)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS insight_offer_events_sent_idx`);
    for (const t of [
      'insight_outreach_daily',
      'insight_market_weeks',
      'insight_market_top',
      'insight_market',
      'insight_outreach_steps',
      'insight_stage_visits',
      'insight_projection',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
