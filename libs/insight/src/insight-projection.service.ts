import { CandidatesService } from '@app/candidates';
import { AppConfig, Clock, DomainEvents, inIndexOrder } from '@app/platform';
import { SKILL_AREAS } from '@app/task-forces';
import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { applyOutreachDeltaSql } from './outreach-rollup';
import { applyFunnelDeltaSql } from './funnel-rollup';
import { stageRankSql } from './pipeline-ranks';

/** Events read per transaction, and transactions per pass. */
const PROJECTION_BATCH = 2000;
const PROJECTION_ROUNDS = 25;
/** Advisory lock key of the market recount. */
const MARKET_LOCK = 7412330041;

/** Visa statuses under which working for a US employer takes the employer's petition. */
export const SPONSORSHIP_VISAS = ['needs_sponsorship', 'h1b', 'o1', 'l1', 'tn', 'f1_opt', 'f1_stem_opt'] as const;

const APPLICATION_EVENTS = ['application.created', 'application.stage_changed', 'application.hired', 'application.rejected', 'application.withdrawn'];
const STEP_EVENTS = ['outreach.step_sent', 'outreach.step_bounced', 'outreach.step_uncertain'];
const ENROLLMENT_EVENTS = ['outreach.reply_received', 'outreach.unsubscribed', 'outreach.enrollment_stopped'];

/** One transaction's events: how many, the last one's position, and the ids they name. */
interface EventBatch {
  events: number;
  xid: string;
  seq: string;
  applications: string[];
  messages: string[];
  enrollments: string[];
  candidates: string[];
}

/**
 * The facts the insight reports read (docs/insight.md), kept by the worker from the event outbox:
 * each pass reads the events after its position, in the feed's order and only those whose
 * transaction has ended, re-derives the facts of the applications and outreach steps they name
 * from the owners' tables, and moves the position in the same transaction. Writers pay nothing.
 * A rebuild (first start, data loaded by SQL) derives every fact from the tables instead.
 */
@Injectable()
export class InsightProjection implements OnModuleInit {
  private readonly logger = new Logger(InsightProjection.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly events: DomainEvents,
    private readonly candidates: CandidatesService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    // Erasure reaches the facts in its own transaction: the employer and skill areas a step was
    // sent to go, and its local send time is taken in UTC, as the erased enrollment's zone now is.
    // It waits for a pass in progress (the position row's lock), so a fact that pass derives from
    // the person's record before the erasure is already there to clear; and a pass cannot start
    // until the erasure ends, so it derives nothing from the record as it was.
    this.events.subscribe('candidate.erased', async (tx, { payload }) => {
      const subject = await this.candidates.erasureSubject(tx, payload.candidateId);
      if (!subject) return;
      await tx.query(`SELECT 1 FROM insight_projection WHERE id = 1 FOR SHARE`);
      await tx.query(
        `WITH old AS (SELECT f.*, -1 AS sign FROM insight_outreach_steps f WHERE f.candidate_id = ANY($1::uuid[])),
              new AS (UPDATE insight_outreach_steps
                       SET employer = NULL, skill_areas = '{}',
                           local_hour = extract(hour FROM sent_at AT TIME ZONE 'UTC'), local_weekday = extract(isodow FROM sent_at AT TIME ZONE 'UTC')
                     WHERE candidate_id = ANY($1::uuid[]) RETURNING *, 1 AS sign)
         ${applyOutreachDeltaSql('(SELECT * FROM old UNION ALL SELECT * FROM new)')}`,
        [subject.ids],
      );
    });
  }

  /** One pass: a rebuild if one was asked for, else the events since the last pass. */
  async project(): Promise<{ rebuilt: boolean; events: number; applications: number; steps: number }> {
    const total = { rebuilt: false, events: 0, applications: 0, steps: 0 };
    for (let round = 0; round < PROJECTION_ROUNDS; round++) {
      const done = await this.db.transaction(async (tx) => {
        const [position]: { xid: string; seq: string; rebuild_requested: boolean; projected_at: Date | null }[] = await tx.query(
          `SELECT xid::text, seq::text, rebuild_requested, projected_at FROM insight_projection WHERE id = 1 FOR UPDATE SKIP LOCKED`,
        );
        if (!position) return null;
        const [{ horizon }]: { horizon: string }[] = await tx.query(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon`);
        // Away for longer than events are kept: some may be gone, so the tables are the only record.
        const outlived =
          position.projected_at !== null &&
          position.projected_at.getTime() < this.clock.now().getTime() - (this.config.EVENT_RETENTION_DAYS * 24 - 1) * 3_600_000;
        if (position.rebuild_requested || outlived) {
          await this.rebuildFacts(tx, horizon);
          return { rebuilt: true, events: 0, applications: 0, steps: 0, more: false };
        }
        // What the events name, gathered where they are: a pass ships ids, not payloads.
        const [batch]: EventBatch[] = await inIndexOrder(tx, () =>
          tx.query(
            `WITH batch AS MATERIALIZED (
             SELECT xid, seq, type, payload FROM domain_events
              WHERE (xid, seq) > ($1::xid8, $2::bigint) AND xid < $3::xid8 ORDER BY xid, seq LIMIT $4)
           SELECT count(*)::int AS events,
                  (SELECT b.xid::text FROM batch b ORDER BY b.xid DESC, b.seq DESC LIMIT 1) AS xid,
                  (SELECT b.seq::text FROM batch b ORDER BY b.xid DESC, b.seq DESC LIMIT 1) AS seq,
                  coalesce(array_agg(DISTINCT payload->>'applicationId') FILTER (WHERE type = ANY($5::text[])), '{}') AS applications,
                  coalesce(array_agg(DISTINCT payload->>'outreachMessageId') FILTER (WHERE type = ANY($6::text[])), '{}') AS messages,
                  coalesce(array_agg(DISTINCT payload->>'enrollmentId') FILTER (WHERE type = ANY($7::text[])), '{}') AS enrollments,
                  coalesce(array_agg(DISTINCT payload->>'candidateId')
                             FILTER (WHERE type = 'candidate.merged' OR (type = 'candidate.updated' AND payload->'fields' @> '["source"]'::jsonb)), '{}') AS candidates
             FROM batch`,
            [position.xid, position.seq, horizon, PROJECTION_BATCH, APPLICATION_EVENTS, STEP_EVENTS, ENROLLMENT_EVENTS],
          ),
        );
        if (!batch.events) {
          // Nothing new: the facts are up to date as of now, which a reader can tell from a stopped worker.
          await tx.query(`UPDATE insight_projection SET projected_at = $1 WHERE id = 1`, [this.clock.now()]);
          return { rebuilt: false, events: 0, applications: 0, steps: 0, more: false };
        }
        const visits = await this.refreshVisits(tx, batch.applications, batch.candidates);
        const steps = await this.refreshSteps(tx, batch.messages, batch.enrollments);
        await tx.query(`UPDATE insight_projection SET xid = $1, seq = $2, projected_at = $3 WHERE id = 1`, [batch.xid, batch.seq, this.clock.now()]);
        return { rebuilt: false, events: batch.events, applications: visits, steps, more: batch.events === PROJECTION_BATCH };
      });
      if (!done) break;
      // A rebuild rewrote every fact: mark their pages all-visible, so reports read the covering indexes alone.
      if (done.rebuilt) await this.db.query(`VACUUM (ANALYZE) insight_stage_visits, insight_funnel_monthly, insight_outreach_steps, insight_outreach_daily`);
      total.rebuilt ||= done.rebuilt;
      total.events += done.events;
      total.applications += done.applications;
      total.steps += done.steps;
      if (!done.more) break;
    }
    return total;
  }

  /** Asks the next pass to derive every fact from the tables again. */
  async requestRebuild(manager: EntityManager = this.db.manager): Promise<void> {
    await manager.query(`UPDATE insight_projection SET rebuild_requested = true WHERE id = 1`);
  }

  private async rebuildFacts(tx: EntityManager, horizon: string): Promise<void> {
    const started = Date.now();
    // Every event below the horizon has ended and its change is in the tables this transaction reads.
    const [last]: { xid: string; seq: string }[] = await tx.query(
      `SELECT xid::text, seq::text FROM domain_events WHERE xid < $1::xid8 ORDER BY xid DESC, seq DESC LIMIT 1`,
      [horizon],
    );
    // DELETE, not TRUNCATE: reports keep reading the previous facts until this commits.
    await tx.query(`DELETE FROM insight_stage_visits`);
    await tx.query(`DELETE FROM insight_funnel_monthly`);
    await tx.query(`DELETE FROM insight_outreach_steps`);
    await tx.query(`SET LOCAL work_mem = '256MB'`);
    await this.insertVisits(tx, null);
    await tx.query(`DELETE FROM insight_outreach_daily`);
    await this.insertSteps(tx, null, null);
    // Fresh statistics, or the planner reads the new facts with the emptied tables' counts.
    await tx.query(`ANALYZE insight_stage_visits, insight_funnel_monthly, insight_outreach_steps, insight_outreach_daily`);
    await tx.query(`UPDATE insight_projection SET xid = $1, seq = $2, rebuild_requested = false, rebuilt_at = $3, projected_at = $3 WHERE id = 1`, [
      last?.xid ?? '0',
      last?.seq ?? '0',
      this.clock.now(),
    ]);
    this.logger.log(`insight facts rebuilt in ${Date.now() - started} ms`);
  }

  private async refreshVisits(tx: EntityManager, applicationIds: string[], candidateIds: string[]): Promise<number> {
    if (candidateIds.length) {
      const more: { id: string }[] = await tx.query(`SELECT id FROM applications WHERE candidate_id = ANY($1::uuid[])`, [candidateIds]);
      applicationIds = [...new Set([...applicationIds, ...more.map((r) => r.id)])];
    }
    if (!applicationIds.length) return 0;
    await tx.query(
      `WITH old AS (DELETE FROM insight_stage_visits v WHERE v.application_id = ANY($1::uuid[]) RETURNING v.*, -1 AS sign) ${applyFunnelDeltaSql('old')}`,
      [applicationIds],
    );
    await this.insertVisits(tx, applicationIds);
    return applicationIds.length;
  }

  /**
   * One row per stay in a stage: when it began and ended, and how far the application got
   * afterwards; and its share of the monthly funnel counts. Named applications are reached
   * through their primary key and their stage changes through its index, so a pass costs what
   * it names; a rebuild reads every stage change in one go.
   */
  private async insertVisits(tx: EntityManager, applicationIds: string[] | null): Promise<void> {
    const stay = `s.to_stage, s.from_stage, s.reason, s.at, ${stageRankSql('s.to_stage')} AS rank,
                  row_number() OVER w AS seq, lead(s.at) OVER w AS left_at, first_value(s.at) OVER w AS started_at`;
    const stays =
      applicationIds === null
        ? `SELECT v.*, a.task_force_id, a.opening_id, c.source
             FROM (SELECT s.application_id, ${stay} FROM application_stage_changes s WINDOW w AS (PARTITION BY s.application_id ORDER BY s.at, s.id)) v
             JOIN applications a ON a.id = v.application_id
             JOIN candidates c ON c.id = a.candidate_id`
        : `SELECT a.id AS application_id, v.*, a.task_force_id, a.opening_id, c.source
             FROM applications a
             JOIN candidates c ON c.id = a.candidate_id
            CROSS JOIN LATERAL (SELECT ${stay} FROM application_stage_changes s WHERE s.application_id = a.id WINDOW w AS (ORDER BY s.at, s.id)) v
            WHERE a.id = ANY($1::uuid[])`;
    await tx.query(
      `WITH new AS (
       INSERT INTO insight_stage_visits (application_id, seq, task_force_id, opening_id, source, stage, from_stage, reason, entered_at, left_at, hours_in_stage,
                                         started_at, advanced)
       SELECT v.application_id, v.seq, v.task_force_id, v.opening_id, v.source, v.to_stage, v.from_stage, v.reason, v.at, v.left_at,
              floor(extract(epoch FROM v.left_at - v.at) / 3600), v.started_at,
              coalesce(max(v.rank) OVER (PARTITION BY v.application_id ORDER BY v.seq ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0) > v.rank
         FROM (${stays}) v
       RETURNING *, 1 AS sign) ${applyFunnelDeltaSql('new')}`,
      applicationIds === null ? [] : [applicationIds],
    );
  }

  private async refreshSteps(tx: EntityManager, messageIds: string[], enrollmentIds: string[]): Promise<number> {
    if (!messageIds.length && !enrollmentIds.length) return 0;
    return this.insertSteps(tx, messageIds, enrollmentIds);
  }

  /**
   * One row per step handed to SMTP, and its share of the daily counts (what the step counted
   * before is taken back, what it counts now added). The employer and skill areas are the
   * person's when the step was first seen, so a later move does not rewrite who was written to;
   * status and answer follow.
   */
  private async insertSteps(tx: EntityManager, messageIds: string[] | null, enrollmentIds: string[] | null): Promise<number> {
    const all = messageIds === null && enrollmentIds === null;
    // The steps re-derived: those named, handed to SMTP. Only their facts are taken back, so a
    // fact and its share of the daily counts always change together. Named steps are reached
    // through their own indexes, one for each way of naming them.
    const columns = `m.id, m.enrollment_id, m.step, m.status, m.response, m.sent_at, m.response_at, m.updated_at`;
    const handed = `m.status IN ('sent', 'uncertain') OR (m.status = 'failed' AND m.response = 'bounced')`;
    const chosen = all
      ? `SELECT ${columns} FROM outreach_messages m WHERE ${handed}`
      : `SELECT * FROM (SELECT ${columns} FROM outreach_messages m WHERE m.id = ANY($1::uuid[])
                        UNION SELECT ${columns} FROM outreach_messages m WHERE m.enrollment_id = ANY($2::uuid[])) m
          WHERE ${handed}`;
    const [{ n }]: { n: number }[] = await tx.query(
      `WITH chosen AS (${chosen}),
            old AS (SELECT f.*, -1 AS sign FROM insight_outreach_steps f WHERE ${all ? 'false' : 'f.message_id IN (SELECT id FROM chosen)'}),
            new AS (
              INSERT INTO insight_outreach_steps AS f (message_id, candidate_id, task_force_id, sequence_id, sequence_version, step, status, response, sent_at,
                                                       local_hour, local_weekday, employer, skill_areas)
              SELECT m.id, e.candidate_id, e.task_force_id, e.sequence_id, e.sequence_version, m.step, m.status, m.response, t.at,
                     extract(hour FROM t.at AT TIME ZONE e.time_zone), extract(isodow FROM t.at AT TIME ZONE e.time_zone),
                     CASE WHEN c.erased_at IS NULL THEN c.current_employer END, CASE WHEN c.erased_at IS NULL THEN c.skill_areas ELSE '{}' END
                FROM chosen m
                JOIN enrollments e ON e.id = m.enrollment_id
                JOIN candidates c ON c.id = e.candidate_id
               CROSS JOIN LATERAL (SELECT coalesce(m.sent_at, m.response_at, m.updated_at) AS at) t
              ON CONFLICT (message_id) DO UPDATE SET status = EXCLUDED.status, response = EXCLUDED.response
              RETURNING f.*, 1 AS sign),
            applied AS (${applyOutreachDeltaSql('(SELECT * FROM old UNION ALL SELECT * FROM new)')} RETURNING 1)
       SELECT (SELECT count(*) FROM new)::int AS n`,
      all ? [] : [messageIds ?? [], enrollmentIds ?? []],
    );
    return n;
  }

  /**
   * The talent market as of now, recomputed as a whole (it counts people, not events): supply,
   * reachable supply and demand per scope (the whole pool, and each task force's open pipeline)
   * and skill area, the top employers and locations and the visa mix behind them, and this
   * week's row of the trend.
   */
  async refreshMarket(): Promise<{ counted: boolean; ms: number }> {
    const started = Date.now();
    const counted = await this.db.transaction(async (tx) => {
      // One recount at a time; another that finds it running skips its turn.
      const [{ mine }]: { mine: boolean }[] = await tx.query(`SELECT pg_try_advisory_xact_lock(${MARKET_LOCK}) AS mine`);
      if (!mine) return false;
      await tx.query(`SET LOCAL work_mem = '256MB'`);
      await tx.query(`
        CREATE TEMP TABLE market_pool ON COMMIT DROP AS
        SELECT c.id, c.skill_areas, c.current_employer, c.location, c.visa_status,
               EXISTS (SELECT 1 FROM unnest(c.emails) m WHERE NOT EXISTS (SELECT 1 FROM bounced_addresses b WHERE b.email = lower(m))) AS reachable
          FROM candidates c
         WHERE c.erased_at IS NULL AND c.merged_into IS NULL AND c.consent_state <> 'opted_out' AND c.skill_areas <> '{}'
           AND NOT EXISTS (SELECT 1 FROM applications a WHERE a.candidate_id = c.id AND a.stage = 'hired')`);
      await tx.query(`
        CREATE TEMP TABLE market_scoped ON COMMIT DROP AS
        SELECT NULL::uuid AS task_force_id, area AS skill_area, p.id, p.current_employer, p.location, p.visa_status, p.reachable
          FROM market_pool p, unnest(p.skill_areas) area
        UNION ALL
        SELECT a.task_force_id, area, p.id, p.current_employer, p.location, p.visa_status, p.reachable
          FROM market_pool p JOIN applications a ON a.candidate_id = p.id AND a.stage NOT IN ('hired', 'rejected', 'withdrawn'), unnest(p.skill_areas) area`);
      await tx.query(`DELETE FROM insight_market`);
      await tx.query(`DELETE FROM insight_market_top`);
      // Demand: the headcount of open openings not yet filled by a hire.
      await tx.query(
        `WITH demand AS (
           SELECT o.task_force_id, o.skill_area, greatest(o.headcount - (SELECT count(*) FROM applications a WHERE a.opening_id = o.id AND a.stage = 'hired'), 0) AS open
             FROM openings o JOIN task_forces t ON t.id = o.task_force_id WHERE o.status = 'open' AND t.status <> 'closed'),
         scopes AS (SELECT NULL::uuid AS task_force_id UNION ALL SELECT id FROM task_forces),
         supply AS (
           SELECT task_force_id, skill_area, count(*) AS supply, count(*) FILTER (WHERE reachable) AS reachable,
                  count(*) FILTER (WHERE visa_status = ANY($2::text[])) AS needs_sponsorship
             FROM market_scoped GROUP BY task_force_id, skill_area)
         INSERT INTO insight_market (task_force_id, skill_area, supply, reachable, needs_sponsorship, demand)
         SELECT s.task_force_id, area, coalesce(p.supply, 0), coalesce(p.reachable, 0), coalesce(p.needs_sponsorship, 0),
                coalesce((SELECT sum(d.open) FROM demand d WHERE d.skill_area = area AND (s.task_force_id IS NULL OR d.task_force_id = s.task_force_id)), 0)
           FROM scopes s CROSS JOIN unnest($1::text[]) area
           LEFT JOIN supply p ON p.skill_area = area AND p.task_force_id IS NOT DISTINCT FROM s.task_force_id`,
        [SKILL_AREAS, SPONSORSHIP_VISAS],
      );
      for (const [kind, column, top] of [
        ['employer', 'current_employer', 10],
        ['location', 'location', 10],
        ['visa', 'visa_status', 20],
      ] as const) {
        await tx.query(
          `INSERT INTO insight_market_top (task_force_id, skill_area, kind, value, candidates)
           SELECT task_force_id, skill_area, $1, value, n FROM (
             SELECT task_force_id, skill_area, ${column} AS value, count(*) AS n,
                    row_number() OVER (PARTITION BY task_force_id, skill_area ORDER BY count(*) DESC, ${column}) AS place
               FROM market_scoped WHERE ${column} IS NOT NULL GROUP BY task_force_id, skill_area, ${column}) t
            WHERE place <= $2`,
          [kind, top],
        );
      }
      await tx.query(
        `INSERT INTO insight_market_weeks (week, task_force_id, skill_area, supply, reachable, demand)
         SELECT date_trunc('week', $1::timestamptz AT TIME ZONE 'UTC')::date, task_force_id, skill_area, supply, reachable, demand FROM insight_market
         ON CONFLICT (week, (coalesce(task_force_id, '00000000-0000-0000-0000-000000000000')), skill_area)
         DO UPDATE SET supply = EXCLUDED.supply, reachable = EXCLUDED.reachable, demand = EXCLUDED.demand`,
        [this.clock.now()],
      );
      // Last, so the position row is held only for the moment of the commit.
      await tx.query(`UPDATE insight_projection SET market_at = $1 WHERE id = 1`, [this.clock.now()]);
      return true;
    });
    return { counted, ms: Date.now() - started };
  }
}
