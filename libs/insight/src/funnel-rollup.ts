/** Only a closed application's visit keeps why it closed and where from; the others group without. */
const CLOSED = `d.stage IN ('rejected', 'withdrawn')`;

/**
 * Adds to insight_funnel_monthly what the visits of `delta` (with a `sign`: -1 for a visit as it
 * was, +1 as it is now) contribute to it. The statement's cost follows the visits that changed,
 * never the size of their month.
 */
export function applyFunnelDeltaSql(delta: string): string {
  return `
    INSERT INTO insight_funnel_monthly AS r (month, task_force_id, source, stage, hours_in_stage, reason, from_stage, visits, advanced)
    SELECT month, task_force_id, source, stage, hours_in_stage, reason, from_stage, sum(sign), sum(sign * advanced::int)
      FROM (SELECT date_trunc('month', d.entered_at AT TIME ZONE 'UTC')::date AS month, d.task_force_id, d.source, d.stage, d.hours_in_stage,
                   CASE WHEN ${CLOSED} THEN d.reason END AS reason, CASE WHEN ${CLOSED} THEN d.from_stage END AS from_stage, d.sign, d.advanced
              FROM ${delta} d) c
     GROUP BY month, task_force_id, source, stage, hours_in_stage, reason, from_stage
    ON CONFLICT ON CONSTRAINT insight_funnel_monthly_key DO UPDATE SET visits = r.visits + EXCLUDED.visits, advanced = r.advanced + EXCLUDED.advanced`;
}

/**
 * The whole UTC months inside a period, as [firstMonth, endMonth) days, and the instants outside
 * them (at most two edges) that must be read from the visits themselves.
 */
export function wholeUtcMonths(p: { start: Date; end: Date }): { firstMonth: string; endMonth: string; edges: [Date, Date][] } {
  const monthStart = (d: Date, up: boolean): Date => {
    const floor = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    return up && floor.getTime() < d.getTime() ? new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) : floor;
  };
  const first = monthStart(p.start, true);
  const end = monthStart(p.end, false);
  const day = (d: Date) => d.toISOString().slice(0, 10);
  if (first >= end) return { firstMonth: day(first), endMonth: day(first), edges: [[p.start, p.end]] };
  const edges: [Date, Date][] = [];
  if (p.start < first) edges.push([p.start, first]);
  if (end < p.end) edges.push([end, p.end]);
  return { firstMonth: day(first), endMonth: day(end), edges };
}
