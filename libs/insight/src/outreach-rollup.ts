/** The counters every outreach figure is built from, over facts `f`. */
export const OUTREACH_COUNTS = `count(*)::int AS attempted,
  count(*) FILTER (WHERE f.status = 'sent')::int AS sent,
  count(*) FILTER (WHERE (f.status = 'sent' OR f.response IN ('replied', 'unsubscribed')) AND f.response IS DISTINCT FROM 'bounced')::int AS delivered,
  count(*) FILTER (WHERE f.response = 'bounced')::int AS bounced,
  count(*) FILTER (WHERE f.response = 'replied')::int AS replied,
  count(*) FILTER (WHERE f.response = 'unsubscribed')::int AS unsubscribed,
  count(*) FILTER (WHERE f.status = 'uncertain')::int AS uncertain`;

export const COUNTER_COLUMNS = ['attempted', 'sent', 'delivered', 'bounced', 'replied', 'unsubscribed', 'uncertain'] as const;

const DAY = `(f.sent_at AT TIME ZONE 'UTC')::date`;

/**
 * The outreach facts matching `where`, counted four ways (per step, per employer, per local
 * weekday and hour, per skill area), per UTC day, task force and sequence: the rows of
 * insight_outreach_daily. Every fact is in exactly one `step` row.
 */
export function outreachRollupSql(where: string, from = 'insight_outreach_steps f'): string {
  const keys = `${DAY}, f.task_force_id, f.sequence_id`;
  return `
    SELECT ${DAY} AS day, f.task_force_id, f.sequence_id,
           CASE WHEN GROUPING(f.sequence_version, f.step) = 0 THEN 'step' WHEN GROUPING(f.employer) = 0 THEN 'employer' ELSE 'time' END AS kind,
           f.sequence_version, f.step, f.employer, f.local_weekday, f.local_hour, NULL::text AS skill_area, ${OUTREACH_COUNTS}
      FROM ${from} WHERE ${where}
     GROUP BY GROUPING SETS ((${keys}, f.sequence_version, f.step), (${keys}, f.employer), (${keys}, f.local_weekday, f.local_hour))
    UNION ALL
    SELECT ${DAY}, f.task_force_id, f.sequence_id, 'area', NULL, NULL, NULL, NULL, NULL, area, ${OUTREACH_COUNTS}
      FROM ${from} CROSS JOIN LATERAL unnest(f.skill_areas) area WHERE ${where}
     GROUP BY ${keys}, area`;
}

const FACT_COUNTERS = `1 AS attempted, (d.status = 'sent')::int AS sent,
  coalesce((d.status = 'sent' OR d.response IN ('replied', 'unsubscribed')) AND d.response IS DISTINCT FROM 'bounced', false)::int AS delivered,
  (d.response IS NOT DISTINCT FROM 'bounced')::int AS bounced, (d.response IS NOT DISTINCT FROM 'replied')::int AS replied,
  (d.response IS NOT DISTINCT FROM 'unsubscribed')::int AS unsubscribed, (d.status = 'uncertain')::int AS uncertain`;

/**
 * Adds to insight_outreach_daily what the rows of `delta` (facts with a `sign`: -1 for a fact as
 * it was, +1 as it is now) contribute to it: each fact counts once per step, employer, local
 * send time and skill area. The statement's cost follows the facts that changed, never the size
 * of their day.
 */
export function applyOutreachDeltaSql(delta: string): string {
  const columns = COUNTER_COLUMNS.join(', ');
  return `
    INSERT INTO insight_outreach_daily AS r (day, task_force_id, sequence_id, key, kind, sequence_version, step, employer, local_weekday, local_hour, skill_area, ${columns})
    SELECT day, task_force_id, sequence_id, key, kind, sequence_version, step, employer, local_weekday, local_hour, skill_area,
           ${COUNTER_COLUMNS.map((c) => `sum(sign * ${c})`).join(', ')}
      FROM (SELECT (d.sent_at AT TIME ZONE 'UTC')::date AS day, d.task_force_id, d.sequence_id, d.sign, k.*, ${FACT_COUNTERS}
              FROM ${delta} d
             CROSS JOIN LATERAL (
               VALUES ('step:' || d.sequence_version || ':' || d.step, 'step', d.sequence_version, d.step, NULL::text, NULL::smallint, NULL::smallint, NULL::text),
                      ('employer:' || coalesce('=' || d.employer, ''), 'employer', NULL, NULL, d.employer, NULL, NULL, NULL),
                      ('time:' || d.local_weekday || ':' || d.local_hour, 'time', NULL, NULL, NULL, d.local_weekday, d.local_hour, NULL)
               UNION ALL
               SELECT 'area:' || a, 'area', NULL, NULL, NULL, NULL, NULL, a FROM unnest(d.skill_areas) a
             ) AS k(key, kind, sequence_version, step, employer, local_weekday, local_hour, skill_area)) c
     GROUP BY day, task_force_id, sequence_id, key, kind, sequence_version, step, employer, local_weekday, local_hour, skill_area
    ON CONFLICT (day, task_force_id, sequence_id, key) DO UPDATE SET ${COUNTER_COLUMNS.map((c) => `${c} = r.${c} + EXCLUDED.${c}`).join(', ')}`;
}
