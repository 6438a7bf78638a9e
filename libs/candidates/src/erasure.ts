import { EntityManager } from 'typeorm';

/** Who an erasure is about: the candidate and every record merged into them, and their current addresses. */
export interface ErasureSubject {
  ids: string[];
  emails: string[];
}

/**
 * Reads, before the row is anonymised, who the erasure is about. The person is also every record
 * merged into this one: their past outreach and the answers their creation stored stayed with the
 * merged-away rows. The erasure's subscribers (outreach, compensation) read it too.
 */
export async function erasureSubject(tx: EntityManager, candidateId: string): Promise<ErasureSubject | null> {
  const [person]: { ids: string[]; emails: string[] | null }[] = await tx.query(
    `WITH RECURSIVE person(id) AS (SELECT $1::uuid UNION SELECT c.id FROM candidates c JOIN person p ON c.merged_into = p.id)
     SELECT ARRAY(SELECT id FROM person) AS ids, (SELECT c.emails FROM candidates c WHERE c.id = $1) AS emails`,
    [candidateId],
  );
  if (!person?.emails) return null;
  return { ids: person.ids, emails: person.emails };
}

/**
 * The ids of everything about the person in every library (reads only), so the stored answers
 * that name any of them are found at once (`forgetReplaysNaming`).
 */
export async function erasureRefs(tx: EntityManager, personIds: string[]): Promise<string[]> {
  const [{ refs }]: { refs: string[] }[] = await tx.query(
    `SELECT ARRAY(SELECT id::text FROM unnest($1::uuid[]) id)
              || ARRAY(SELECT a.id::text FROM applications a WHERE a.candidate_id = ANY($1::uuid[]))
              || ARRAY(SELECT n.id::text FROM candidate_notes n WHERE n.candidate_id = ANY($1::uuid[]))
              || ARRAY(SELECT e.id::text FROM enrollments e WHERE e.candidate_id = ANY($1::uuid[]))
              || ARRAY(SELECT o.id::text FROM offers o JOIN applications a ON a.id = o.application_id WHERE a.candidate_id = ANY($1::uuid[]))
              || ARRAY(SELECT k.id::text FROM competing_offers k JOIN applications a ON a.id = k.application_id WHERE a.candidate_id = ANY($1::uuid[]))
              || ARRAY(SELECT i.id::text FROM inbound_events i WHERE i.candidate_id = ANY($1::uuid[])) AS refs`,
    [personIds],
  );
  return refs;
}
