import { CURRENCY_DECIMALS, Currency } from '@app/compensation';
import { Clock, decodeCursor, toPage } from '@app/platform';
import { TaskForceAccess } from '@app/task-forces';
import { Actor, isAdmin } from '@app/users';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  BandCompaRow,
  CompetitorRow,
  DropOffRow,
  FunnelQuery,
  FunnelReport,
  FunnelStageRow,
  FunnelTaskForceRow,
  InsightQuery,
  MarketReport,
  MarketRow,
  MarketTopRow,
  MarketWeekRow,
  OffersReport,
  OffersReportQuery,
  OpeningReportPage,
  OpeningReportRow,
  OpeningsReportQuery,
  OutreachCounts,
  OutreachReport,
  OutreachReportQuery,
  PeriodView,
  RateUsed,
} from './insight.dto';
import { wholeUtcMonths } from './funnel-rollup';
import { COUNTER_COLUMNS, outreachRollupSql } from './outreach-rollup';
import { rankOf } from './pipeline-ranks';
import { ReportPeriod, reportPeriod } from './period';

/** Task forces a report spans: null is every one (admins), else these. */
type Scope = string[] | null;

const DAY_SECONDS = 86_400;
const round = (x: number | string | null, places: number): number | null => (x === null ? null : Number(Number(x).toFixed(places)));
const days = (seconds: number | string | null) => round(seconds === null ? null : Number(seconds) / DAY_SECONDS, 2);
const ratio = (a: number, b: number, places = 4) => (b > 0 ? round(a / b, places) : null);

/** A growing parameter list, so conditions can be added in any order. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The insight reports (docs/insight.md). Each reads the facts the worker keeps
 * (InsightProjection) and the owners' small tables (openings, offers), for the task forces the
 * caller may see, over a period of whole days in the caller's time zone.
 */
@Injectable()
export class InsightService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clock: Clock,
    private readonly taskForces: TaskForceAccess,
  ) {}

  private async scope(actor: Actor, taskForceId: string | undefined): Promise<Scope> {
    if (taskForceId) {
      await this.taskForces.requireVisible(actor, taskForceId);
      return [taskForceId];
    }
    if (isAdmin(actor)) return null;
    const rows: { task_force_id: string }[] = await this.db.query(`SELECT task_force_id FROM task_force_members WHERE user_id = $1 ORDER BY task_force_id`, [
      actor.userId,
    ]);
    return rows.map((r) => r.task_force_id);
  }

  private scopeSql(scope: Scope, column: string, p: Params): string {
    return scope === null ? 'TRUE' : `${column} = ANY(${p.add(scope)}::uuid[])`;
  }

  private period(q: InsightQuery): ReportPeriod {
    return reportPeriod(q, this.clock.now());
  }

  private async freshness(column: 'projected_at' | 'market_at'): Promise<string | null> {
    const [row]: { at: Date | null }[] = await this.db.query(`SELECT ${column} AS at FROM insight_projection WHERE id = 1`);
    return row?.at?.toISOString() ?? null;
  }

  async market(actor: Actor, q: InsightQuery): Promise<MarketReport> {
    const scope = await this.scope(actor, q.taskForceId);
    const period = this.period(q);
    // Without a task force: the whole pool for admins, each of their task forces for recruiters.
    const p = new Params();
    const where = scope === null ? 'task_force_id IS NULL' : `task_force_id = ANY(${p.add(scope)}::uuid[])`;
    const scopeValues = [...p.values];
    const weekFrom = p.add(period.start);
    const weekTo = p.add(period.end);
    const [rows, top, weeks, asOf] = await Promise.all([
      this.db.query(`SELECT * FROM insight_market WHERE ${where} ORDER BY task_force_id NULLS FIRST, skill_area`, scopeValues) as Promise<MarketDbRow[]>,
      this.db.query(
        `SELECT t.*, m.supply FROM insight_market_top t
           JOIN insight_market m ON m.skill_area = t.skill_area AND m.task_force_id IS NOT DISTINCT FROM t.task_force_id
          WHERE ${where.replace(/task_force_id/g, 't.task_force_id')} ORDER BY t.task_force_id NULLS FIRST, t.skill_area, t.kind, t.candidates DESC, t.value`,
        scopeValues,
      ) as Promise<(TopDbRow & { supply: number })[]>,
      this.db.query(
        `SELECT to_char(week, 'YYYY-MM-DD') AS week, task_force_id, skill_area, supply, reachable, demand FROM insight_market_weeks
          WHERE ${where} AND week >= date_trunc('week', ${weekFrom}::timestamptz AT TIME ZONE 'UTC')::date AND week < ${weekTo}::timestamptz
          ORDER BY week, task_force_id NULLS FIRST, skill_area`,
        p.values,
      ) as Promise<WeekDbRow[]>,
      this.freshness('market_at'),
    ]);
    const topOf = (kind: string): MarketTopRow[] =>
      top
        .filter((t) => t.kind === kind)
        .map((t) => ({
          taskForceId: t.task_force_id,
          skillArea: t.skill_area,
          value: t.value,
          candidates: t.candidates,
          share: ratio(t.candidates, t.supply)!,
        }));
    return {
      asOf,
      period: periodView(period),
      skillAreas: rows.map((r): MarketRow => ({
        taskForceId: r.task_force_id,
        skillArea: r.skill_area,
        supply: r.supply,
        reachable: r.reachable,
        needsSponsorship: r.needs_sponsorship,
        demand: r.demand,
        ratio: ratio(r.supply, r.demand, 2),
        reachableRatio: ratio(r.reachable, r.demand, 2),
      })),
      employers: topOf('employer'),
      locations: topOf('location'),
      visas: topOf('visa'),
      trend: weeks.map((w): MarketWeekRow => ({
        week: w.week,
        taskForceId: w.task_force_id,
        skillArea: w.skill_area,
        supply: w.supply,
        reachable: w.reachable,
        demand: w.demand,
        ratio: ratio(w.supply, w.demand, 2),
      })),
    };
  }

  async funnel(actor: Actor, q: FunnelQuery): Promise<FunnelReport> {
    const scope = await this.scope(actor, q.taskForceId);
    const period = this.period(q);
    const p = new Params();
    // Whole UTC months come counted from the monthly rollup; the partial months at the period's
    // edges, and any period asked for one opening (the rollup has no openings), from the visits.
    const { firstMonth, endMonth, edges } = q.openingId ? { firstMonth: null, endMonth: null, edges: [[period.start, period.end]] } : wholeUtcMonths(period);
    const scoped = (t: string) => [this.scopeSql(scope, `${t}.task_force_id`, p), q.source ? `${t}.source = ${p.add(q.source)}` : 'TRUE'].join(' AND ');
    const closed = `v.stage IN ('rejected', 'withdrawn')`;
    const parts = edges.map(
      ([start, end]) =>
        `SELECT v.stage, v.hours_in_stage AS h, CASE WHEN ${closed} THEN v.reason END AS reason, CASE WHEN ${closed} THEN v.from_stage END AS from_stage,
                count(*) AS n, count(*) FILTER (WHERE v.advanced) AS a
           FROM insight_stage_visits v
          WHERE v.entered_at >= ${p.add(start)} AND v.entered_at < ${p.add(end)} AND ${scoped('v')}
                ${q.openingId ? `AND v.opening_id = ${p.add(q.openingId)}` : ''}
          GROUP BY 1, 2, 3, 4`,
    );
    if (firstMonth !== null && firstMonth < endMonth) {
      parts.push(
        `SELECT m.stage, m.hours_in_stage, m.reason, m.from_stage, m.visits, m.advanced
           FROM insight_funnel_monthly m
          WHERE m.month >= ${p.add(firstMonth)}::date AND m.month < ${p.add(endMonth)}::date AND ${scoped('m')}`,
      );
    }
    // One pass over the period's counts per stage and whole hours in stage, and per drop-off
    // reason (a hash of a few thousand groups, no sort; the memory lets the planner hash however
    // many groups it fears), from which the percentiles are read in the same statement.
    const [rows, hires, asOf] = await Promise.all([
      this.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL work_mem = '32MB'`);
        return (await tx.query(
          `WITH g AS (
             SELECT stage, h, reason, from_stage, sum(n) AS n, sum(a) AS a
               FROM (${parts.join(' UNION ALL ')}) u (stage, h, reason, from_stage, n, a)
              GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0),
           t AS (SELECT stage, sum(n) AS entered, sum(a) AS advanced, coalesce(sum(n) FILTER (WHERE h IS NOT NULL), 0) AS left_n FROM g GROUP BY stage),
           c AS (SELECT stage, h, sum(n) OVER (PARTITION BY stage ORDER BY h ROWS UNBOUNDED PRECEDING) AS upto FROM g WHERE h IS NOT NULL)
           SELECT 'stage' AS kind, t.stage, NULL AS reason, NULL AS from_stage, t.entered::int AS n, t.advanced::int AS advanced, t.left_n::int AS left_n,
                  min(c.h) FILTER (WHERE c.upto > floor(0.5 * (t.left_n - 1))) AS m_lo, min(c.h) FILTER (WHERE c.upto > ceil(0.5 * (t.left_n - 1))) AS m_hi,
                  min(c.h) FILTER (WHERE c.upto > floor(0.9 * (t.left_n - 1))) AS p_lo, min(c.h) FILTER (WHERE c.upto > ceil(0.9 * (t.left_n - 1))) AS p_hi
             FROM t LEFT JOIN c ON c.stage = t.stage GROUP BY t.stage, t.entered, t.advanced, t.left_n
           UNION ALL
           SELECT 'drop-off', stage, coalesce(reason, '(none)'), coalesce(from_stage, '(none)'), sum(n)::int, NULL, NULL, NULL, NULL, NULL, NULL
             FROM g WHERE stage IN ('rejected', 'withdrawn') GROUP BY stage, reason, from_stage`,
          p.values,
        )) as FunnelDbRow[];
      }),
      this.hiresByTaskForce(scope, period, q),
      this.freshness('projected_at'),
    ]);
    const byStage = new Map(rows.filter((r) => r.kind === 'stage').map((s) => [s.stage, s]));
    const order = ['sourced', 'contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired', 'rejected', 'withdrawn'];
    return {
      period: periodView(period),
      asOf,
      stages: order.map((stage): FunnelStageRow => {
        const s = byStage.get(stage);
        const entered = s?.n ?? 0;
        const forward = rankOf(stage) >= 1 && stage !== 'hired';
        const advanced = forward ? (s?.advanced ?? 0) : null;
        const left = s?.left_n ?? 0;
        return {
          stage,
          entered,
          advanced,
          conversion: advanced === null ? null : ratio(advanced, entered),
          left,
          medianDays: hoursQuantile(s, 'm', 0.5),
          p90Days: hoursQuantile(s, 'p', 0.9),
        };
      }),
      dropOffs: rows
        .filter((r) => r.kind === 'drop-off')
        .sort((a, b) => b.n - a.n || a.stage.localeCompare(b.stage) || a.reason!.localeCompare(b.reason!) || a.from_stage!.localeCompare(b.from_stage!))
        .map((d): DropOffRow => ({ stage: d.stage, reason: d.reason!, fromStage: d.from_stage!, applications: d.n })),
      taskForces: hires,
    };
  }

  private async hiresByTaskForce(scope: Scope, period: ReportPeriod, q: FunnelQuery): Promise<FunnelTaskForceRow[]> {
    const p = new Params();
    const start = p.add(period.start);
    const end = p.add(period.end);
    const extra = [q.openingId ? `v.opening_id = ${p.add(q.openingId)}` : 'TRUE', q.source ? `v.source = ${p.add(q.source)}` : 'TRUE'].join(' AND ');
    const rows: { id: string; name: string; headcount_target: number; hires: number; hires_to_date: number; median_s: number | null; p90_s: number | null }[] =
      await this.db.query(
        `SELECT t.id, t.name, t.headcount_target, h.hires, h.hires_to_date, h.median_s, h.p90_s
           FROM task_forces t CROSS JOIN LATERAL (
             SELECT count(*) FILTER (WHERE v.entered_at >= ${start} AND v.entered_at < ${end})::int AS hires, count(*)::int AS hires_to_date,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.entered_at - v.started_at)) FILTER (WHERE v.entered_at >= ${start} AND v.entered_at < ${end}) AS median_s,
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM v.entered_at - v.started_at)) FILTER (WHERE v.entered_at >= ${start} AND v.entered_at < ${end}) AS p90_s
               FROM insight_stage_visits v
              WHERE v.task_force_id = t.id AND v.stage = 'hired' AND ${extra}) h
          WHERE ${this.scopeSql(scope, 't.id', p)} ORDER BY t.name LIMIT 200`,
        p.values,
      );
    return rows.map((r) => ({
      taskForceId: r.id,
      name: r.name,
      headcountTarget: r.headcount_target,
      hires: r.hires,
      hiresToDate: r.hires_to_date,
      medianDaysToHire: days(r.median_s),
      p90DaysToHire: days(r.p90_s),
    }));
  }

  async openings(actor: Actor, q: OpeningsReportQuery): Promise<OpeningReportPage> {
    const scope = await this.scope(actor, q.taskForceId);
    const p = new Params();
    const after = p.add(decodeCursor(q.cursor) ?? null);
    const rows: {
      id: string;
      task_force_id: string;
      title: string;
      skill_area: string;
      level: string;
      status: string;
      headcount: number;
      created_at: Date;
      hires: number;
      filled_at: Date | null;
      median_s: number | null;
    }[] = await this.db.query(
      `SELECT o.id, o.task_force_id, o.title, o.skill_area, o.level, o.status, o.headcount, o.created_at, h.hires, h.filled_at, h.median_s
         FROM openings o CROSS JOIN LATERAL (
           SELECT count(*)::int AS hires, (array_agg(v.entered_at ORDER BY v.entered_at))[o.headcount] AS filled_at,
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.entered_at - v.started_at)) AS median_s
             FROM insight_stage_visits v
            WHERE v.opening_id = o.id AND v.stage = 'hired') h
        WHERE ${this.scopeSql(scope, 'o.task_force_id', p)} AND (${after}::uuid IS NULL OR o.id > ${after}::uuid)
        ORDER BY o.id LIMIT ${p.add(q.limit + 1)}`,
      p.values,
    );
    const page = toPage(rows, q.limit, (r): OpeningReportRow => ({
      openingId: r.id,
      taskForceId: r.task_force_id,
      title: r.title,
      skillArea: r.skill_area,
      level: r.level,
      status: r.status,
      headcount: r.headcount,
      hires: r.hires,
      openedAt: r.created_at.toISOString(),
      filledAt: r.filled_at?.toISOString() ?? null,
      daysToFill: r.filled_at ? days((r.filled_at.getTime() - r.created_at.getTime()) / 1000) : null,
      medianDaysToHire: days(r.median_s),
    }));
    return { ...page, asOf: await this.freshness('projected_at') };
  }

  async outreach(actor: Actor, q: OutreachReportQuery): Promise<OutreachReport> {
    const scope = await this.scope(actor, q.taskForceId);
    const period = this.period(q);
    const p = new Params();
    // Whole UTC days inside the period come counted from the daily rollup; the partial days at
    // its edges (a period in another time zone) are counted from the facts, the same way.
    const { firstDay, endDay, edges } = wholeUtcDays(period);
    const filters = (t: string) =>
      [this.scopeSql(scope, `${t}.task_force_id`, p), q.sequenceId ? `${t}.sequence_id = ${p.add(q.sequenceId)}` : 'TRUE'].join(' AND ');
    const edgeTimes = edges.length ? edges.map(([a, b]) => `(f.sent_at >= ${p.add(a)} AND f.sent_at < ${p.add(b)})`).join(' OR ') : 'FALSE';
    const rollupWhere = `d.day >= ${p.add(firstDay)}::date AND d.day < ${p.add(endDay)}::date AND ${filters('d')}`;
    const edgeWhere = `(${edgeTimes}) AND ${filters('f')}`;
    const sums = COUNTER_COLUMNS.map((c) => `sum(${c})::int AS ${c}`).join(', ');
    const keys = 'kind, sequence_id, sequence_version, step, employer, local_weekday, local_hour, skill_area';
    const targets = new Params();
    const [rows, targetRows, asOf] = await Promise.all([
      this.db.query(
        `SELECT kind, CASE WHEN kind = 'step' THEN sequence_id END AS sequence_id, sequence_version, step, employer, local_weekday, local_hour, skill_area, ${sums}
           FROM (SELECT ${keys}, ${COUNTER_COLUMNS.join(', ')} FROM insight_outreach_daily d WHERE ${rollupWhere}
                 UNION ALL
                 SELECT ${keys}, ${COUNTER_COLUMNS.join(', ')} FROM (${outreachRollupSql(edgeWhere)}) e) x
          GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 HAVING sum(attempted) > 0`,
        p.values,
      ) as Promise<RollupRow[]>,
      this.db.query(
        `SELECT DISTINCT lower(e) AS employer FROM task_forces t, unnest(t.target_employers) e WHERE ${this.scopeSql(scope, 't.id', targets)}`,
        targets.values,
      ) as Promise<{ employer: string }[]>,
      this.freshness('projected_at'),
    ]);
    const of = (kind: RollupRow['kind']) => rows.filter((r) => r.kind === kind);
    const stepRows = of('step');
    const names = new Map(
      (
        (await this.db.query(`SELECT id, name FROM sequences WHERE id = ANY($1::uuid[])`, [[...new Set(stepRows.map((r) => r.sequence_id!))]])) as {
          id: string;
          name: string;
        }[]
      ).map((r) => [r.id, r.name]),
    );
    const sendsBySequence = new Map<string, number>();
    for (const r of stepRows) sendsBySequence.set(r.sequence_id!, (sendsBySequence.get(r.sequence_id!) ?? 0) + r.sent);
    const total = Object.fromEntries(COUNTER_COLUMNS.map((c) => [c, stepRows.reduce((sum, r) => sum + r[c], 0)])) as unknown as CountRow;
    const targetSet = new Set(targetRows.map((t) => t.employer));
    return {
      period: periodView(period),
      asOf,
      total: counts(total),
      steps: stepRows
        .sort(
          (a, b) =>
            sendsBySequence.get(b.sequence_id!)! - sendsBySequence.get(a.sequence_id!)! ||
            a.sequence_id!.localeCompare(b.sequence_id!) ||
            a.sequence_version! - b.sequence_version! ||
            a.step! - b.step!,
        )
        .slice(0, 500)
        .map((r) => ({ sequenceId: r.sequence_id!, sequenceName: names.get(r.sequence_id!) ?? '', version: r.sequence_version!, step: r.step!, ...counts(r) })),
      employers: of('employer')
        .sort((a, b) => b.attempted - a.attempted || String(a.employer).localeCompare(String(b.employer)))
        .slice(0, 25)
        .map((r) => ({ employer: r.employer, target: r.employer !== null && targetSet.has(r.employer.toLowerCase()), ...counts(r) })),
      skillAreas: of('area')
        .sort((a, b) => a.skill_area!.localeCompare(b.skill_area!))
        .map((r) => ({ skillArea: r.skill_area!, ...counts(r) })),
      sendTimes: of('time')
        .sort((a, b) => a.local_weekday! - b.local_weekday! || a.local_hour! - b.local_hour!)
        .map((r) => ({ weekday: r.local_weekday!, hour: r.local_hour!, ...counts(r) })),
    };
  }

  async offers(actor: Actor, q: OffersReportQuery): Promise<OffersReport> {
    const scope = await this.scope(actor, q.taskForceId);
    const period = this.period(q);
    const currency = q.currency ?? 'USD';
    const p = new Params();
    // The offers of the period: those first sent in it (a few thousand at most), read once.
    const cohort: CohortRow[] = await this.db.query(
      `WITH sent AS (
         SELECT e.offer_id, min(e.at) AS first_sent FROM offer_events e WHERE e.to_status = 'sent' GROUP BY e.offer_id
         HAVING min(e.at) >= ${p.add(period.start)} AND min(e.at) < ${p.add(period.end)})
       SELECT o.id, o.application_id, o.status, o.currency, o.period, o.base::text, o.pinned_rate::text, o.pinned_rate_inverted, s.first_sent,
              d.answered_at, d.answer_comment, o.salary_band_id AS band_id, v.snapshot->>'jobFamily' AS job_family, v.snapshot->>'level' AS level,
              v.snapshot->>'zone' AS zone, v.snapshot->>'currency' AS band_currency, v.snapshot->>'period' AS band_period,
              (v.snapshot->>'monthsPerYear')::int AS months, v.snapshot->>'baseMin' AS min, v.snapshot->>'baseMid' AS mid, v.snapshot->>'baseMax' AS max
         FROM sent s JOIN offers o ON o.id = s.offer_id JOIN applications a ON a.id = o.application_id
         JOIN salary_band_versions v ON v.band_id = o.salary_band_id AND v.version = o.band_version
         LEFT JOIN LATERAL (SELECT e.at AS answered_at, e.comment AS answer_comment FROM offer_events e
                             WHERE e.offer_id = o.id AND e.to_status IN ('accepted', 'declined') ORDER BY e.at DESC LIMIT 1) d ON true
        WHERE ${this.scopeSql(scope, 'a.task_force_id', p)}`,
      p.values,
    );
    const [competing, approvals, rates] = await Promise.all([
      this.db.query(
        `SELECT application_id, employer, currency, period, base::text FROM competing_offers WHERE application_id = ANY($1::uuid[]) AND employer <> '[erased]'`,
        [[...new Set(cohort.map((o) => o.application_id))]],
      ) as Promise<CompetingRow[]>,
      this.approvals(scope, period),
      this.ratesOn(period.to),
    ]);
    const count = (status: string) => cohort.filter((o) => o.status === status).length;
    const [accepted, declined, expired] = [count('accepted'), count('declined'), count('expired')];
    const answerDays = cohort
      .filter((o) => o.answered_at)
      .map((o) => (o.answered_at!.getTime() - o.first_sent.getTime()) / 86_400_000)
      .sort((a, b) => a - b);
    const reasons = new Map<string, number>();
    for (const o of cohort.filter((x) => x.status === 'declined')) {
      const reason = o.answer_comment?.trim().toLowerCase() || '(none)';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    return {
      period: periodView(period),
      asOf: this.clock.now().toISOString(),
      currency,
      summary: {
        sent: cohort.length,
        accepted,
        declined,
        expired,
        withdrawn: count('withdrawn'),
        open: count('sent'),
        acceptanceRate: ratio(accepted, accepted + declined + expired),
        medianDaysToAnswer: round(quantile(answerDays, 0.5), 2),
        p90DaysToAnswer: round(quantile(answerDays, 0.9), 2),
        outOfBandApprovals: approvals,
      },
      declineReasons: [...reasons.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 25)
        .map(([reason, offers]) => ({ reason, offers })),
      bands: compaByBand(cohort, rates),
      competitors: competitorsOf(cohort, competing, rates, currency),
      rates: [...rates.used.values()].sort((a, b) => `${a.base}${a.quote}`.localeCompare(`${b.base}${b.quote}`)),
    };
  }

  private async approvals(scope: Scope, period: ReportPeriod): Promise<number> {
    const p = new Params();
    const [row]: { n: number }[] = await this.db.query(
      `SELECT count(*)::int AS n FROM offer_events e JOIN offers o ON o.id = e.offer_id JOIN applications a ON a.id = o.application_id
        WHERE e.from_status = 'pending_approval' AND e.to_status = 'approved' AND e.at >= ${p.add(period.start)} AND e.at < ${p.add(period.end)}
          AND ${this.scopeSql(scope, 'a.task_force_id', p)}`,
      p.values,
    );
    return row.n;
  }

  /** The latest rate of every pair on or before `day`, either way round. */
  private async ratesOn(day: string): Promise<Rates> {
    const rows: { base: string; quote: string; rate: string; as_of: string }[] = await this.db.query(
      `SELECT DISTINCT ON (base, quote) base, quote, rate::text, to_char(as_of, 'YYYY-MM-DD') AS as_of FROM fx_rates WHERE as_of <= $1 ORDER BY base, quote, as_of DESC`,
      [day],
    );
    return new Rates(rows);
  }
}

interface CohortRow {
  id: string;
  application_id: string;
  status: string;
  currency: string;
  period: string;
  base: string;
  pinned_rate: string | null;
  pinned_rate_inverted: boolean | null;
  first_sent: Date;
  answered_at: Date | null;
  answer_comment: string | null;
  band_id: string;
  job_family: string;
  level: string;
  zone: string;
  band_currency: string;
  band_period: string;
  months: number;
  min: string;
  mid: string;
  max: string;
}

interface CompetingRow {
  application_id: string;
  employer: string;
  currency: string;
  period: string;
  base: string;
}

/** An amount in minor units as a number of major units of its currency. */
const major = (minor: string, currency: string) => Number(minor) / 10 ** CURRENCY_DECIMALS[currency as Currency];

/** Compa-ratio of each offer in its band version's terms, summed up per band. */
function compaByBand(cohort: readonly CohortRow[], rates: Rates): BandCompaRow[] {
  const bands = new Map<string, { row: CohortRow; ratios: number[]; outOfBand: number; offers: number }>();
  for (const r of cohort) {
    const band = bands.get(r.band_id) ?? { row: r, ratios: [], outOfBand: 0, offers: 0 };
    bands.set(r.band_id, band);
    band.offers++;
    let rate: number | null = 1;
    if (r.currency !== r.band_currency) {
      // The pinned rate is the one the approval used; stored either way round.
      rate = r.pinned_rate !== null ? (r.pinned_rate_inverted ? 1 / Number(r.pinned_rate) : Number(r.pinned_rate)) : rates.rate(r.currency, r.band_currency);
    }
    if (rate === null) continue;
    const base = major(r.base, r.currency) * rate;
    const inBandTerms = r.period === r.band_period ? base : r.period === 'monthly' ? base * r.months : base / r.months;
    band.ratios.push(inBandTerms / Number(r.mid));
    if (inBandTerms < Number(r.min) || inBandTerms > Number(r.max)) band.outOfBand++;
  }
  return [...bands.values()]
    .sort((a, b) => b.offers - a.offers || a.row.band_id.localeCompare(b.row.band_id))
    .slice(0, 200)
    .map(({ row, ratios, outOfBand, offers }) => {
      const sorted = ratios.sort((a, b) => a - b);
      return {
        salaryBandId: row.band_id,
        jobFamily: row.job_family,
        level: row.level,
        zone: row.zone,
        currency: row.band_currency,
        period: row.band_period,
        offers,
        outOfBand,
        minCompaRatio: round(sorted[0] ?? null, 4),
        p25CompaRatio: round(quantile(sorted, 0.25), 4),
        medianCompaRatio: round(quantile(sorted, 0.5), 4),
        p75CompaRatio: round(quantile(sorted, 0.75), 4),
        maxCompaRatio: round(sorted[sorted.length - 1] ?? null, 4),
      };
    });
}

/** The gap of each competing offer to ours, annual and in one currency, by employer. */
function competitorsOf(cohort: readonly CohortRow[], competing: readonly CompetingRow[], rates: Rates, currency: Currency): CompetitorRow[] {
  const annual = (base: string, from: string, period: string, months: number): number | null => {
    const rate = from === currency ? 1 : rates.rate(from, currency);
    if (rate === null) return null;
    return major(base, from) * rate * (period === 'monthly' ? months : 1);
  };
  const ours = new Map(cohort.map((o) => [o.application_id, o]));
  const byEmployer = new Map<string, { offers: number; gaps: number[]; theirs: number[]; ours: number[]; lost: number }>();
  for (const c of competing) {
    const o = ours.get(c.application_id)!;
    const e = byEmployer.get(c.employer) ?? { offers: 0, gaps: [], theirs: [], ours: [], lost: 0 };
    byEmployer.set(c.employer, e);
    e.offers++;
    if (o.status === 'declined' || o.status === 'expired') e.lost++;
    // A competing offer carries no months of pay: 12 a year. Ours uses its band's months.
    const theirBase = annual(c.base, c.currency, c.period, 12);
    const ourBase = annual(o.base, o.currency, o.period, o.months);
    if (theirBase === null || ourBase === null || ourBase <= 0) continue;
    e.gaps.push((theirBase - ourBase) / ourBase);
    e.theirs.push(theirBase);
    e.ours.push(ourBase);
  }
  const money = (x: number | null) => (x === null ? null : x.toFixed(CURRENCY_DECIMALS[currency]));
  const median = (xs: number[]) =>
    quantile(
      xs.sort((a, b) => a - b),
      0.5,
    );
  return [...byEmployer.entries()]
    .sort((a, b) => b[1].offers - a[1].offers || a[0].localeCompare(b[0]))
    .slice(0, 25)
    .map(([employer, e]) => ({
      employer,
      offers: e.offers,
      compared: e.gaps.length,
      medianGap: round(median(e.gaps), 4),
      medianTheirBase: money(median(e.theirs)),
      medianOurBase: money(median(e.ours)),
      lost: e.lost,
    }));
}

interface FunnelDbRow {
  kind: 'stage' | 'drop-off';
  stage: string;
  reason: string | null;
  from_stage: string | null;
  n: number;
  advanced: number | null;
  left_n: number | null;
  m_lo: number | null;
  m_hi: number | null;
  p_lo: number | null;
  p_hi: number | null;
}

/**
 * The q-quantile of the hours in stage, interpolated between the two nearest ranks as
 * percentile_cont does (the SQL found the values at both ranks), in days.
 */
function hoursQuantile(row: FunnelDbRow | undefined, which: 'm' | 'p', q: number): number | null {
  if (!row?.left_n) return null;
  const lo = row[`${which}_lo`];
  const hi = row[`${which}_hi`];
  if (lo === null || hi === null) return null;
  const at = q * (row.left_n - 1);
  return round((lo + (hi - lo) * (at - Math.floor(at))) / 24, 2);
}

/** Linear interpolation between closest ranks, as PostgreSQL's percentile_cont. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (!sorted.length) return null;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

class Rates {
  readonly used = new Map<string, RateUsed>();
  private readonly byPair = new Map<string, { base: string; quote: string; rate: string; as_of: string }>();
  constructor(rows: { base: string; quote: string; rate: string; as_of: string }[]) {
    for (const r of rows) this.byPair.set(`${r.base}/${r.quote}`, r);
  }
  /** Units of `to` per unit of `from`, from the stored pair either way round (the newer if both). */
  rate(from: string, to: string): number | null {
    const direct = this.byPair.get(`${from}/${to}`);
    const inverse = this.byPair.get(`${to}/${from}`);
    const pick = direct && inverse ? (direct.as_of >= inverse.as_of ? direct : inverse) : (direct ?? inverse);
    if (!pick) return null;
    this.used.set(`${pick.base}/${pick.quote}`, {
      base: pick.base,
      quote: pick.quote,
      rate: pick.rate.replace(/0+$/, '').replace(/\.$/, ''),
      asOf: pick.as_of,
    });
    return pick === direct ? Number(pick.rate) : 1 / Number(pick.rate);
  }
}

type CountRow = Record<(typeof COUNTER_COLUMNS)[number], number>;
interface RollupRow extends CountRow {
  kind: 'step' | 'employer' | 'time' | 'area';
  sequence_id: string | null;
  sequence_version: number | null;
  step: number | null;
  employer: string | null;
  local_weekday: number | null;
  local_hour: number | null;
  skill_area: string | null;
}

/**
 * The whole UTC days a period covers ([firstDay, endDay), as dates) and the partial days at its
 * edges (as instants), which a period of days in another time zone has.
 */
export function wholeUtcDays(p: { start: Date; end: Date }): { firstDay: string; endDay: string; edges: [Date, Date][] } {
  const DAY_MS = 86_400_000;
  const first = Math.ceil(p.start.getTime() / DAY_MS) * DAY_MS;
  const end = Math.floor(p.end.getTime() / DAY_MS) * DAY_MS;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if (first >= end) return { firstDay: day(first), endDay: day(first), edges: [[p.start, p.end]] };
  const edges: [Date, Date][] = [];
  if (p.start.getTime() < first) edges.push([p.start, new Date(first)]);
  if (end < p.end.getTime()) edges.push([new Date(end), p.end]);
  return { firstDay: day(first), endDay: day(end), edges };
}

function counts(c: CountRow): OutreachCounts {
  return {
    sent: c.sent,
    delivered: c.delivered,
    bounced: c.bounced,
    replied: c.replied,
    unsubscribed: c.unsubscribed,
    uncertain: c.uncertain,
    replyRate: ratio(c.replied, c.delivered),
    sampleSize: c.delivered,
  };
}

interface MarketDbRow {
  task_force_id: string | null;
  skill_area: string;
  supply: number;
  reachable: number;
  needs_sponsorship: number;
  demand: number;
}
interface TopDbRow {
  task_force_id: string | null;
  skill_area: string;
  kind: string;
  value: string;
  candidates: number;
}
interface WeekDbRow {
  week: string;
  task_force_id: string | null;
  skill_area: string;
  supply: number;
  reachable: number;
  demand: number;
}

function periodView(p: ReportPeriod): PeriodView {
  return { from: p.from, to: p.to, timeZone: p.timeZone, start: p.start.toISOString(), end: p.end.toISOString() };
}
