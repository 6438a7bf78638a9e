import { EntityManager } from 'typeorm';

/** Who an erasure is about: the candidate and every record merged into them, their current addresses, and every id a stored answer could name. */
export interface ErasureSubject {
  ids: string[];
  emails: string[];
  refs: string[];
}

/**
 * Reads, before the row is anonymised, what the erasure and its subscribers need. The person is
 * also every record merged into this one: their past outreach and the answers their creation
 * stored stayed with the merged-away rows. `refs` gathers the ids of everything about the person
 * in every library (reads only), so the stored answers that name any of them are found at once.
 */
export async function erasureSubject(tx: EntityManager, candidateId: string): Promise<ErasureSubject | null> {
  const [person]: (ErasureSubject & { emails: string[] | null })[] = await tx.query(
    `WITH RECURSIVE person(id) AS (SELECT $1::uuid UNION SELECT c.id FROM candidates c JOIN person p ON c.merged_into = p.id)
     SELECT ARRAY(SELECT id FROM person) AS ids,
            (SELECT c.emails FROM candidates c WHERE c.id = $1) AS emails,
            ARRAY(SELECT id::text FROM person)
              || ARRAY(SELECT a.id::text FROM applications a WHERE a.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT n.id::text FROM candidate_notes n WHERE n.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT e.id::text FROM enrollments e WHERE e.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT o.id::text FROM offers o JOIN applications a ON a.id = o.application_id WHERE a.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT k.id::text FROM competing_offers k JOIN applications a ON a.id = k.application_id WHERE a.candidate_id IN (SELECT id FROM person))
              || ARRAY(SELECT i.id::text FROM inbound_events i WHERE i.candidate_id IN (SELECT id FROM person)) AS refs`,
    [candidateId],
  );
  if (!person?.emails) return null;
  return { ids: person.ids, emails: person.emails, refs: person.refs };
}
