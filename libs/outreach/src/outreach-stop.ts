import { normalizeEmail } from '@app/candidates';
import { DomainEvents, returnedRows } from '@app/platform';
import { enrollmentEvent, EnrollmentRefs } from './outreach-events';
import { EntityManager } from 'typeorm';

/**
 * SQL: the form a bounced address takes once its owner is erased. The suppression list must
 * still refuse the address (a re-sourced person who bounced is never mailed again), but no longer
 * shows it.
 */
export const hashedAddress = (address: string) => `'sha256:' || encode(sha256(convert_to(${address}, 'UTF8')), 'hex')`;

/** Why outreach to a candidate ended; shown on the enrollment as stopReason. */
export type OutreachStopReason =
  'manual' | 'replied' | 'same_employer_replied' | 'bounced' | 'unsubscribed' | 'opted_out' | 'erased' | 'application_closed' | 'send_failed';

export type OutreachScope = { enrollmentIds: string[] } | { candidateId: string } | { applicationId: string };

/**
 * Ends running enrollments and skips every step not yet handed to SMTP, inside the caller's
 * transaction. The pipeline calls it too (a closed application or an erased or opted-out
 * candidate ends outreach in the same commit). Enrollments are locked before their messages, the
 * order the sender uses, so the two never deadlock; a step being sent holds its enrollment, so a
 * stop either lands first (the step is skipped) or waits until SMTP has the message. Each
 * stopped enrollment is announced (`outreach.enrollment_stopped`, with the reason).
 */
export async function stopOutreach(events: DomainEvents, tx: EntityManager, scope: OutreachScope, reason: OutreachStopReason): Promise<string[]> {
  const [column, value] =
    'enrollmentIds' in scope
      ? ['id = ANY($1::uuid[])', scope.enrollmentIds]
      : 'candidateId' in scope
        ? ['candidate_id = $1', scope.candidateId]
        : ['application_id = $1', scope.applicationId];
  const stopped = returnedRows<EnrollmentRefs>(
    await tx.query(
      `UPDATE enrollments SET status = 'stopped', stop_reason = $2, updated_at = now() WHERE ${column} AND status IN ('active', 'paused')
       RETURNING id, sequence_id, candidate_id, application_id, task_force_id`,
      [value, reason],
    ),
  );
  const ids = stopped.map((r) => r.id);
  if (ids.length) {
    await tx.query(
      `UPDATE outreach_messages SET status = 'skipped', detail = $2, updated_at = now() WHERE enrollment_id = ANY($1::uuid[]) AND status = 'scheduled'`,
      [ids, reason],
    );
    await events.publish(tx, ...stopped.map((e) => enrollmentEvent('outreach.enrollment_stopped', e, null, { reason })));
  }
  return ids;
}

/**
 * Erasure reaches outreach too: the addresses, replies and SMTP answers kept for an erased
 * candidate are cleared, also on inbound events that came from one of their addresses without
 * being matched to them. Cap keys go once a step is done with them (a step being sent still needs
 * its keys to give its counts back).
 */
export async function forgetOutreach(tx: EntityManager, candidateIds: string[], addresses: string[] = []): Promise<void> {
  // Enrollments before their messages, in id order: the sender's lock order.
  await tx.query(`SELECT id FROM enrollments WHERE candidate_id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [candidateIds]);
  await tx.query(`UPDATE enrollments SET time_zone = 'UTC' WHERE candidate_id = ANY($1::uuid[])`, [candidateIds]);
  // Mail from any spelling of the person's addresses (normalized_email, as identities compare).
  await tx.query(
    `UPDATE inbound_events SET from_address = '[erased]', to_address = NULL, recipient = NULL, subject = NULL, in_reply_to = NULL, "references" = '{}',
            headers = '{}', text = NULL
      WHERE candidate_id = ANY($1::uuid[]) OR normalized_email(from_address) = ANY($2::text[]) OR lower(recipient) = ANY($3::text[])`,
    [candidateIds, [...new Set(addresses.map(normalizeEmail))], addresses],
  );
  await tx.query(
    `UPDATE outreach_messages SET recipient = NULL, smtp_response = NULL, detail = NULL, cap_keys = CASE WHEN status = 'sending' THEN cap_keys ELSE '{}' END
      WHERE enrollment_id IN (SELECT id FROM enrollments WHERE candidate_id = ANY($1::uuid[]))`,
    [candidateIds],
  );
}

/**
 * What outreach keeps about an erased person goes (docs/privacy.md): their running sequences stop,
 * and the addresses, replies, SMTP answers and bounces of them and of every record merged into
 * them are cleared. `emails` are the person's current addresses, read before the row is anonymised.
 */
export async function eraseFromOutreach(events: DomainEvents, tx: EntityManager, candidateId: string, personIds: string[], emails: string[]): Promise<void> {
  // Enrollments locked in id order first, the sender's order, before any of them is updated.
  await tx.query(`SELECT id FROM enrollments WHERE candidate_id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`, [personIds]);
  await stopOutreach(events, tx, { candidateId }, 'erased');
  const [{ recipients }]: { recipients: string[] }[] = await tx.query(
    `SELECT ARRAY(SELECT m.recipient FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
                   WHERE e.candidate_id = ANY($1::uuid[]) AND m.recipient IS NOT NULL)
              || ARRAY(SELECT i.recipient FROM inbound_events i WHERE i.candidate_id = ANY($1::uuid[]) AND i.recipient IS NOT NULL) AS recipients`,
    [personIds],
  );
  const addresses = [...new Set([...emails, ...recipients].flatMap((a) => [a.trim().toLowerCase(), normalizeEmail(a)]))];
  await forgetOutreach(tx, personIds, addresses);
  await tx.query(
    `WITH gone AS (DELETE FROM bounced_addresses WHERE email = ANY($1::text[]) RETURNING id, email, bounced_at)
     INSERT INTO bounced_addresses (id, email, bounced_at, detail) SELECT id, ${hashedAddress('email')}, bounced_at, NULL FROM gone ON CONFLICT (email) DO NOTHING`,
    [addresses],
  );
}
