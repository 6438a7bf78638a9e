import { FORWARD_STAGES } from '@app/candidates';

/** SQL: how far a stage column is along the pipeline (1 = sourced ... 7 = hired; 0 = rejected or withdrawn). */
export function stageRankSql(column: string): string {
  return `CASE ${column} ${FORWARD_STAGES.map((s, i) => `WHEN '${s}' THEN ${i + 1}`).join(' ')} ELSE 0 END`;
}

export const rankOf = (stage: string): number => FORWARD_STAGES.indexOf(stage as (typeof FORWARD_STAGES)[number]) + 1;
