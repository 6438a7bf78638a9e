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
import { rankOf, stageRankSql } from './pipeline-ranks';
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
    const filters = [
      `v.entered_at >= ${p.add(period.start)}`,
      `v.entered_at < ${p.add(period.end)}`,
      this.scopeSql(scope, 'v.task_force_id', p),
      q.openingId ? `v.opening_id = ${p.add(q.openingId)}` : 'TRUE',
      q.source ? `v.source = ${p.add(q.source)}` : 'TRUE',
    ].join(' AND ');
    const [stages, dropOffs, hires, asOf] = await Promise.all([
      this.db.query(
        `SELECT v.stage, count(*)::int AS entered,
                count(*) FILTER (WHERE v.furthest_rank_after > ${stageRankSql('v.stage')})::int AS advanced,
                count(v.left_at)::int AS left,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.left_at - v.entered_at)) AS median_s,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM v.left_at - v.entered_at)) AS p90_s
           FROM insight_stage_visits v WHERE ${filters} GROUP BY v.stage`,
        p.values,
      ) as Promise<{ stage: string; entered: number; advanced: number; left: number; median_s: number | null; p90_s: number | null }[]>,
      this.db.query(
        `SELECT v.stage, coalesce(v.reason, '(none)') AS reason, coalesce(v.from_stage, '(none)') AS from_stage, count(*)::int AS applications
           FROM insight_stage_visits v WHERE ${filters} AND v.stage IN ('rejected', 'withdrawn')
          GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2, 3`,
        p.values,
      ) as Promise<{ stage: string; reason: string; from_stage: string; applications: number }[]>,
      this.hiresByTaskForce(scope, period, q),
      this.freshness('projected_at'),
    ]);
    const byStage = new Map(stages.map((s) => [s.stage, s]));
    const order = ['sourced', 'contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired', 'rejected', 'withdrawn'];
    return {
      period: periodView(period),
      asOf,
      stages: order.map((stage): FunnelStageRow => {
        const s = byStage.get(stage);
        const entered = s?.entered ?? 0;
        const forward = rankOf(stage) >= 1 && stage !== 'hired';
        const advanced = forward ? (s?.advanced ?? 0) : null;
        return {
          stage,
          entered,
          advanced,
          conversion: advanced === null ? null : ratio(advanced, entered),
          left: s?.left ?? 0,
          medianDays: days(s?.median_s ?? null),
          p90Days: days(s?.p90_s ?? null),
        };
      }),
      dropOffs: dropOffs.map((d): DropOffRow => ({ stage: d.stage, reason: d.reason, fromStage: d.from_stage, applications: d.applications })),
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
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.entered_at - f.entered_at)) FILTER (WHERE v.entered_at >= ${start} AND v.entered_at < ${end}) AS median_s,
                    percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM v.entered_at - f.entered_at)) FILTER (WHERE v.entered_at >= ${start} AND v.entered_at < ${end}) AS p90_s
               FROM insight_stage_visits v JOIN insight_stage_visits f ON f.application_id = v.application_id AND f.seq = 1
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
    const after = decodeCursor(q.cursor);
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
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM v.entered_at - f.entered_at)) AS median_s
             FROM insight_stage_visits v JOIN insight_stage_visits f ON f.application_id = v.application_id AND f.seq = 1
            WHERE v.opening_id = o.id AND v.stage = 'hired') h
        WHERE ${this.scopeSql(scope, 'o.task_force_id', p)} AND (${p.add(after ?? null)}::uuid IS NULL OR o.id > ${p.add(after ?? null)}::uuid)
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
    const filters = [
      `f.sent_at >= ${p.add(period.start)}`,
      `f.sent_at < ${p.add(period.end)}`,
      this.scopeSql(scope, 'f.task_force_id', p),
      q.sequenceId ? `f.sequence_id = ${p.add(q.sequenceId)}` : 'TRUE',
    ].join(' AND ');
    const targets = new Params();
    const [grouped, areas, targetRows, asOf] = await Promise.all([
      this.db.query(
        `SELECT GROUPING(f.sequence_id, f.sequence_version, f.step) AS g_step, GROUPING(f.employer) AS g_employer, GROUPING(f.local_weekday, f.local_hour) AS g_time,
                f.sequence_id, f.sequence_version, f.step, f.employer, f.local_weekday, f.local_hour, ${COUNTS}
           FROM insight_outreach_steps f WHERE ${filters}
          GROUP BY GROUPING SETS ((f.sequence_id, f.sequence_version, f.step), (f.employer), (f.local_weekday, f.local_hour), ())`,
        p.values,
      ) as Promise<GroupedRow[]>,
      this.db.query(
        `SELECT area AS skill_area, ${COUNTS} FROM insight_outreach_steps f, unnest(f.skill_areas) area WHERE ${filters} GROUP BY area ORDER BY area`,
        p.values,
      ) as Promise<(CountRow & { skill_area: string })[]>,
      this.db.query(
        `SELECT DISTINCT lower(e) AS employer FROM task_forces t, unnest(t.target_employers) e WHERE ${this.scopeSql(scope, 't.id', targets)}`,
        targets.values,
      ) as Promise<{ employer: string }[]>,
      this.freshness('projected_at'),
    ]);
    const stepRows = grouped.filter((r) => r.g_step === 0);
    const sequenceIds = [...new Set(stepRows.map((r) => r.sequence_id!))];
    const names = new Map(
      ((await this.db.query(`SELECT id, name FROM sequences WHERE id = ANY($1::uuid[])`, [sequenceIds])) as { id: string; name: string }[]).map((r) => [
        r.id,
        r.name,
      ]),
    );
    const sendsBySequence = new Map<string, number>();
    for (const r of stepRows) sendsBySequence.set(r.sequence_id!, (sendsBySequence.get(r.sequence_id!) ?? 0) + Number(r.sent));
    const targetSet = new Set(targetRows.map((t) => t.employer));
    const total = grouped.find((r) => r.g_step !== 0 && r.g_employer !== 0 && r.g_time !== 0);
    return {
      period: periodView(period),
      asOf,
      total: counts(total ?? null),
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
      employers: grouped
        .filter((r) => r.g_employer === 0)
        .sort((a, b) => Number(b.attempted) - Number(a.attempted) || String(a.employer).localeCompare(String(b.employer)))
        .slice(0, 25)
        .map((r) => ({ employer: r.employer, target: r.employer !== null && targetSet.has(r.employer.toLowerCase()), ...counts(r) })),
      skillAreas: areas.map((r) => ({ skillArea: r.skill_area, ...counts(r) })),
      sendTimes: grouped
        .filter((r) => r.g_time === 0)
        .sort((a, b) => a.local_weekday! - b.local_weekday! || a.local_hour! - b.local_hour!)
        .map((r) => ({ weekday: r.local_weekday!, hour: r.local_hour!, ...counts(r) })),
    };
  }

  async offers(actor: Actor, q: OffersReportQuery): Promise<OffersReport> {
    const scope = await this.scope(actor, q.taskForceId);
    const period = this.period(q);
    const currency = q.currency ?? 'USD';
    const p = new Params();
    // The offers of the period: those first sent in it.
    const cohort = `
      WITH cohort AS MATERIALIZED (
        SELECT o.*, a.task_force_id, s.first_sent, d.answered_at, d.answer_comment
          FROM offers o JOIN applications a ON a.id = o.application_id
          CROSS JOIN LATERAL (SELECT min(e.at) AS first_sent FROM offer_events e WHERE e.offer_id = o.id AND e.to_status = 'sent') s
          LEFT JOIN LATERAL (SELECT e.at AS answered_at, e.comment AS answer_comment FROM offer_events e
                              WHERE e.offer_id = o.id AND e.to_status IN ('accepted', 'declined') ORDER BY e.at DESC LIMIT 1) d ON true
         WHERE s.first_sent >= ${p.add(period.start)} AND s.first_sent < ${p.add(period.end)} AND ${this.scopeSql(scope, 'a.task_force_id', p)})`;
    const [[summary], reasons, approvals] = await Promise.all([
      this.db.query(
        `${cohort}
         SELECT count(*)::int AS sent, count(*) FILTER (WHERE status = 'accepted')::int AS accepted, count(*) FILTER (WHERE status = 'declined')::int AS declined,
                count(*) FILTER (WHERE status = 'expired')::int AS expired, count(*) FILTER (WHERE status = 'withdrawn')::int AS withdrawn,
                count(*) FILTER (WHERE status = 'sent')::int AS open,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - first_sent)) AS median_s,
                percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM answered_at - first_sent)) AS p90_s
           FROM cohort`,
        p.values,
      ) as Promise<
        { sent: number; accepted: number; declined: number; expired: number; withdrawn: number; open: number; median_s: number | null; p90_s: number | null }[]
      >,
      this.db.query(
        `${cohort}
         SELECT coalesce(nullif(lower(btrim(answer_comment)), ''), '(none)') AS reason, count(*)::int AS offers FROM cohort WHERE status = 'declined'
          GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 25`,
        p.values,
      ) as Promise<{ reason: string; offers: number }[]>,
      this.approvals(scope, period),
    ]);
    const rates = await this.ratesOn(period.to);
    const [bands, competitors] = await Promise.all([this.compaByBand(cohort, p, rates), this.competitors(cohort, p, rates, currency)]);
    const decided = summary.accepted + summary.declined + summary.expired;
    return {
      period: periodView(period),
      currency,
      summary: {
        sent: summary.sent,
        accepted: summary.accepted,
        declined: summary.declined,
        expired: summary.expired,
        withdrawn: summary.withdrawn,
        open: summary.open,
        acceptanceRate: ratio(summary.accepted, decided),
        medianDaysToAnswer: days(summary.median_s),
        p90DaysToAnswer: days(summary.p90_s),
        outOfBandApprovals: approvals,
      },
      declineReasons: reasons.map((r) => ({ reason: r.reason, offers: r.offers })),
      bands,
      competitors,
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

  private async compaByBand(cohort: string, p: Params, rates: Rates): Promise<BandCompaRow[]> {
    const rows: {
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
      currency: string;
      period: string;
      base: string;
      pinned_rate: string | null;
      pinned_rate_inverted: boolean | null;
      pinned_rate_as_of: string | null;
    }[] = await this.db.query(
      `${cohort}
       SELECT o.salary_band_id AS band_id, v.snapshot->>'jobFamily' AS job_family, v.snapshot->>'level' AS level, v.snapshot->>'zone' AS zone,
              v.snapshot->>'currency' AS band_currency, v.snapshot->>'period' AS band_period, (v.snapshot->>'monthsPerYear')::int AS months,
              v.snapshot->>'baseMin' AS min, v.snapshot->>'baseMid' AS mid, v.snapshot->>'baseMax' AS max,
              o.currency, o.period, o.base::text, o.pinned_rate::text, o.pinned_rate_inverted, to_char(o.pinned_rate_as_of, 'YYYY-MM-DD') AS pinned_rate_as_of
         FROM cohort o JOIN salary_band_versions v ON v.band_id = o.salary_band_id AND v.version = o.band_version`,
      p.values,
    );
    const bands = new Map<string, { row: (typeof rows)[number]; ratios: number[]; outOfBand: number; offers: number }>();
    for (const r of rows) {
      const band = bands.get(r.band_id) ?? { row: r, ratios: [], outOfBand: 0, offers: 0 };
      bands.set(r.band_id, band);
      band.offers++;
      let rate: number | null = 1;
      if (r.currency !== r.band_currency) {
        rate = r.pinned_rate !== null ? (r.pinned_rate_inverted ? 1 / Number(r.pinned_rate) : Number(r.pinned_rate)) : rates.rate(r.currency, r.band_currency);
      }
      if (rate === null) continue;
      const base = (Number(r.base) / 10 ** CURRENCY_DECIMALS[r.currency as Currency]) * rate;
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

  private async competitors(cohort: string, p: Params, rates: Rates, currency: Currency): Promise<CompetitorRow[]> {
    const rows: {
      employer: string;
      their_currency: string;
      their_period: string;
      their_base: string;
      our_currency: string;
      our_period: string;
      our_base: string;
      months: number;
      status: string;
    }[] = await this.db.query(
      `${cohort}
       SELECT c.employer, c.currency AS their_currency, c.period AS their_period, c.base::text AS their_base,
              o.currency AS our_currency, o.period AS our_period, o.base::text AS our_base, (v.snapshot->>'monthsPerYear')::int AS months, o.status
         FROM cohort o JOIN competing_offers c ON c.application_id = o.application_id
         JOIN salary_band_versions v ON v.band_id = o.salary_band_id AND v.version = o.band_version
        WHERE c.employer <> '[erased]'`,
      p.values,
    );
    const annual = (base: string, from: string, period: string, months: number): number | null => {
      const rate = from === currency ? 1 : rates.rate(from, currency);
      if (rate === null) return null;
      const major = (Number(base) / 10 ** CURRENCY_DECIMALS[from as Currency]) * rate;
      return period === 'monthly' ? major * months : major;
    };
    const byEmployer = new Map<string, { offers: number; gaps: number[]; theirs: number[]; ours: number[]; lost: number }>();
    for (const r of rows) {
      const e = byEmployer.get(r.employer) ?? { offers: 0, gaps: [], theirs: [], ours: [], lost: 0 };
      byEmployer.set(r.employer, e);
      e.offers++;
      if (r.status === 'declined' || r.status === 'expired') e.lost++;
      // A competing offer carries no months of pay: 12 a year. Ours uses its band's months.
      const theirs = annual(r.their_base, r.their_currency, r.their_period, 12);
      const ours = annual(r.our_base, r.our_currency, r.our_period, r.months);
      if (theirs === null || ours === null || ours <= 0) continue;
      e.gaps.push((theirs - ours) / ours);
      e.theirs.push(theirs);
      e.ours.push(ours);
    }
    const money = (x: number | null) => (x === null ? null : x.toFixed(CURRENCY_DECIMALS[currency]));
    return [...byEmployer.entries()]
      .sort((a, b) => b[1].offers - a[1].offers || a[0].localeCompare(b[0]))
      .slice(0, 25)
      .map(([employer, e]) => ({
        employer,
        offers: e.offers,
        compared: e.gaps.length,
        medianGap: round(
          quantile(
            e.gaps.sort((a, b) => a - b),
            0.5,
          ),
          4,
        ),
        medianTheirBase: money(
          quantile(
            e.theirs.sort((a, b) => a - b),
            0.5,
          ),
        ),
        medianOurBase: money(
          quantile(
            e.ours.sort((a, b) => a - b),
            0.5,
          ),
        ),
        lost: e.lost,
      }));
  }
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

const COUNTS = `count(*) AS attempted,
  count(*) FILTER (WHERE f.status = 'sent')::int AS sent,
  count(*) FILTER (WHERE (f.status = 'sent' OR f.response IN ('replied', 'unsubscribed')) AND f.response IS DISTINCT FROM 'bounced')::int AS delivered,
  count(*) FILTER (WHERE f.response = 'bounced')::int AS bounced,
  count(*) FILTER (WHERE f.response = 'replied')::int AS replied,
  count(*) FILTER (WHERE f.response = 'unsubscribed')::int AS unsubscribed,
  count(*) FILTER (WHERE f.status = 'uncertain')::int AS uncertain`;

interface CountRow {
  attempted: string;
  sent: number;
  delivered: number;
  bounced: number;
  replied: number;
  unsubscribed: number;
  uncertain: number;
}
interface GroupedRow extends CountRow {
  g_step: number;
  g_employer: number;
  g_time: number;
  sequence_id: string | null;
  sequence_version: number | null;
  step: number | null;
  employer: string | null;
  local_weekday: number | null;
  local_hour: number | null;
}

function counts(r: CountRow | null): OutreachCounts {
  const c = r ?? { attempted: '0', sent: 0, delivered: 0, bounced: 0, replied: 0, unsubscribed: 0, uncertain: 0 };
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
