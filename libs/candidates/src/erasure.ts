import { forgetReplaysNaming } from '@app/platform';
import { EntityManager } from 'typeorm';
import { normalizeEmail } from './identity';
import { forgetOutreach } from './outreach-stop';

/**
 * SQL: the form a bounced address takes once its owner is erased. The suppression list must
 * still refuse the address (a re-sourced person who bounced is never mailed again), but no longer
 * shows it.
 */
export const hashedAddress = (address: string) => `'sha256:' || encode(sha256(convert_to(${address}, 'UTF8')), 'hex')`;

interface PersonRefs {
  emails: string[];
  refs: string[];
  recipients: string[];
}

/**
 * Everything kept about a person outside the candidate row, notes, identities and stage comments
 * (which anonymize clears): outreach (addresses, replies, SMTP answers, cap keys), bounces,
 * offers' comments and competing employers, and the stored answers idempotent requests would
 * replay. Runs in the erasure's transaction, before the row is anonymised, so it can still read
 * the person's addresses.
 */
export async function forgetPerson(tx: EntityManager, candidateId: string): Promise<void> {
  // The person is also every record merged into this one: their past outreach and the answers
  // their creation stored stayed with the merged-away rows.
  const [person]: (PersonRefs & { ids: string[] })[] = await tx.query(
    `WITH RECURSIVE person(id) AS (SELECT $1::uuid UNION SELECT c.id FROM candidates c JOIN person p ON c.merged_into = p.id)
     SELECT ARRAY(SELECT id FROM person) AS ids,
            (SELECT c.emails FROM candidates c WHERE c.id = $1) AS emails,
            ARRAY(SELECT id::text FROM person)
              || ARRAY(SELECT a.id::text FROM applications a WHERE a.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT n.id::text FROM candidate_notes n WHERE n.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT e.id::text FROM enrollments e WHERE e.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT o.id::text FROM offers o JOIN applications a ON a.id = o.application_id WHERE a.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT k.id::text FROM competing_offers k JOIN applications a ON a.id = k.application_id WHERE a.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT i.id::text FROM inbound_events i WHERE i.candidate_id IN (SELECT id FROM person)) AS refs,
            ARRAY(SELECT m.recipient FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
                   WHERE e.candidate_id IN (SELECT id FROM person) AND m.recipient IS NOT NULL)
              || ARRAY(SELECT i.recipient FROM inbound_events i WHERE i.candidate_id IN (SELECT id FROM person) AND i.recipient IS NOT NULL) AS recipients`,
    [candidateId],
  );
  if (!person?.emails) return;
  // Applications first (the sender's lock order): a move racing the erasure either commits before
  // its comment is cleared, or waits and then finds the candidate erased.
  await tx.query(`SELECT id FROM applications WHERE candidate_id = $1 ORDER BY id FOR NO KEY UPDATE`, [candidateId]);
  const addresses = [...new Set([...person.emails, ...person.recipients].flatMap((a) => [a.trim().toLowerCase(), normalizeEmail(a)]))];
  await forgetOutreach(tx, person.ids, addresses);
  await tx.query(
    `WITH gone AS (DELETE FROM bounced_addresses WHERE email = ANY($1::text[]) RETURNING id, email, bounced_at)
     INSERT INTO bounced_addresses (id, email, bounced_at, detail) SELECT id, ${hashedAddress('email')}, bounced_at, NULL FROM gone ON CONFLICT (email) DO NOTHING`,
    [addresses],
  );
  await tx.query(
    `UPDATE offer_events SET comment = NULL WHERE comment IS NOT NULL AND offer_id IN (SELECT o.id FROM offers o JOIN applications a ON a.id = o.application_id WHERE a.candidate_id = ANY($1::uuid[]))`,
    [person.ids],
  );
  await tx.query(
    `UPDATE competing_offers SET employer = '[erased]' WHERE application_id IN (SELECT id FROM applications WHERE candidate_id = ANY($1::uuid[]))`,
    [person.ids],
  );
  await forgetReplaysNaming(tx, person.refs);
}
