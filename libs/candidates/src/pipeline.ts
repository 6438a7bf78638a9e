import { RuleViolationError } from '@app/platform';

/** The pipeline, in order. Each open stage moves one step forward, or out (rejected/withdrawn). */
export const FORWARD_STAGES = ['sourced', 'contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired'] as const;
export const STAGES = [...FORWARD_STAGES, 'rejected', 'withdrawn'] as const;
export type Stage = (typeof STAGES)[number];

export const CLOSED_STAGES: readonly Stage[] = ['hired', 'rejected', 'withdrawn'];
export const OPEN_STAGES: readonly Stage[] = STAGES.filter((s) => !CLOSED_STAGES.includes(s));

export const REJECTION_REASONS = [
  'not_qualified',
  'compensation_mismatch',
  'visa_constraints',
  'location_mismatch',
  'level_mismatch',
  'position_filled',
  'unresponsive',
  'other',
] as const;
export const WITHDRAWAL_REASONS = [
  'accepted_other_offer',
  'stayed_with_current_employer',
  'compensation',
  'relocation',
  'not_interested',
  'personal',
  'other',
] as const;
export type ClosingReason = (typeof REJECTION_REASONS)[number] | (typeof WITHDRAWAL_REASONS)[number];

/**
 * An application as a caller that holds its row lock read it in its transaction: what a stage
 * gate judges, and what a move folded into the caller's own statement starts from.
 */
export interface LockedApplication {
  id: string;
  candidate_id: string;
  task_force_id: string;
  opening_id: string | null;
  stage: Stage;
  version: number;
}

export function isOpen(stage: Stage): boolean {
  return !CLOSED_STAGES.includes(stage);
}

export function allowedMoves(from: Stage): Stage[] {
  if (!isOpen(from)) return [];
  const next = FORWARD_STAGES[FORWARD_STAGES.indexOf(from as (typeof FORWARD_STAGES)[number]) + 1];
  return [next, 'rejected', 'withdrawn'];
}

export function reasonsFor(to: Stage): readonly string[] {
  if (to === 'rejected') return REJECTION_REASONS;
  if (to === 'withdrawn') return WITHDRAWAL_REASONS;
  return [];
}

/** Throws a 422 naming the allowed moves (or the allowed reasons) when a move breaks the graph. */
export function checkMove(from: Stage, to: Stage, reason: string | undefined): void {
  const allowed = allowedMoves(from);
  if (!allowed.includes(to)) {
    throw new RuleViolationError(
      'illegal_transition',
      allowed.length ? `An application in ${from} can move to ${allowed.join(', ')}, not ${to}` : `An application in ${from} is closed and cannot move`,
      { from, to, allowed },
    );
  }
  const reasons = reasonsFor(to);
  if (reasons.length && (!reason || !reasons.includes(reason))) {
    throw new RuleViolationError('reason_required', `Moving to ${to} needs a reason: one of ${reasons.join(', ')}`, { to, allowedReasons: reasons });
  }
  if (!reasons.length && reason) {
    throw new RuleViolationError('reason_not_allowed', `Only moves to rejected or withdrawn take a reason`, { to });
  }
}
