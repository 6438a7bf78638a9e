import { ForbiddenError } from '@app/platform';

/** Interviewers sit on interview panels and reach nothing but their own interviews. */
export const ROLES = ['admin', 'recruiter', 'interviewer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is acting: resolved from the bearer token and passed to every domain service. */
export interface Actor {
  userId: string;
  role: Role;
  tokenId: string;
}

export const isAdmin = (actor: Actor) => actor.role === 'admin';
export const isInterviewer = (actor: Actor) => actor.role === 'interviewer';

/** Throws a 403 unless the actor is an admin. */
export function requireAdmin(actor: Actor, action = 'do this'): void {
  if (!isAdmin(actor)) throw new ForbiddenError('admin_required', `Only admins may ${action}`);
}
