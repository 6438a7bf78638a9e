import { hashedAddress, stopOutreach } from './outreach-stop';
import { DomainEvents, newId } from '@app/platform';
import { EntityManager } from 'typeorm';

/** SQL condition: the address (an SQL expression) has not bounced, as itself or, once its owner was erased, as its hash. */
export const notBounced = (address: string) =>
  `NOT EXISTS (SELECT 1 FROM bounced_addresses b WHERE b.email IN (lower(${address}), ${hashedAddress(`lower(${address})`)}))`;

/** Where a bounce was seen: the step whose sending (or whose bounce report) named the address. */
export interface BounceSource {
  enrollmentId: string;
  sequenceId: string | null;
  step: number | null;
}

/** The address is never mailed again, and every running sequence of the candidate stops. */
export async function recordBounce(
  events: DomainEvents,
  tx: EntityManager,
  candidateId: string,
  address: string | null,
  detail: string,
  source?: BounceSource,
): Promise<void> {
  if (address) {
    await tx.query(
      `INSERT INTO bounced_addresses (id, email, detail, enrollment_id, sequence_id, step) VALUES ($1, lower($2), $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING`,
      [newId(), address, detail, source?.enrollmentId ?? null, source?.sequenceId ?? null, source?.step ?? null],
    );
  }
  await stopOutreach(events, tx, { candidateId }, 'bounced');
}
