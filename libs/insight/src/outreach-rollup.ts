import { EntityManager } from 'typeorm';

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

const ROLLUP_COLUMNS = `day, task_force_id, sequence_id, kind, sequence_version, step, employer, local_weekday, local_hour, skill_area, ${COUNTER_COLUMNS.join(', ')}`;

/** Counts again the (UTC day, task force) slices of the rollup that these facts fall in. */
export async function recountOutreachSlices(tx: EntityManager, slices: readonly { day: string; task_force_id: string }[]): Promise<void> {
  const unique = [...new Map(slices.map((s) => [`${s.day}/${s.task_force_id}`, s])).values()];
  if (!unique.length) return;
  const params = [unique.map((s) => s.day), unique.map((s) => s.task_force_id)];
  await tx.query(
    `DELETE FROM insight_outreach_daily d USING unnest($1::date[], $2::uuid[]) AS s(day, task_force_id) WHERE d.day = s.day AND d.task_force_id = s.task_force_id`,
    params,
  );
  await tx.query(
    `INSERT INTO insight_outreach_daily (${ROLLUP_COLUMNS})
     ${outreachRollupSql(
       'TRUE',
       `unnest($1::date[], $2::uuid[]) AS s(day, task_force_id)
        JOIN insight_outreach_steps f ON f.task_force_id = s.task_force_id AND f.sent_at >= s.day::timestamp AT TIME ZONE 'UTC'
         AND f.sent_at < (s.day + 1)::timestamp AT TIME ZONE 'UTC'`,
     )}`,
    params,
  );
}

/** Counts the whole rollup again from the facts (a rebuild). */
export async function recountAllOutreach(tx: EntityManager): Promise<void> {
  await tx.query(`DELETE FROM insight_outreach_daily`);
  await tx.query(`INSERT INTO insight_outreach_daily (${ROLLUP_COLUMNS}) ${outreachRollupSql('TRUE')}`);
}
