import { hashedAddress, stopOutreach } from '@app/candidates';
import { EntityManager } from 'typeorm';

/** SQL condition: the address (an SQL expression) has not bounced, as itself or, once its owner was erased, as its hash. */
export const notBounced = (address: string) =>
  `NOT EXISTS (SELECT 1 FROM bounced_addresses b WHERE b.email IN (lower(${address}), ${hashedAddress(`lower(${address})`)}))`;

/** The address is never mailed again, and every running sequence of the candidate stops. */
export async function recordBounce(tx: EntityManager, candidateId: string, address: string | null, detail: string): Promise<void> {
  if (address) await tx.query(`INSERT INTO bounced_addresses (email, detail) VALUES (lower($1), $2) ON CONFLICT (email) DO NOTHING`, [address, detail]);
  await stopOutreach(tx, { candidateId }, 'bounced');
}
