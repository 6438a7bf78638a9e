import { MigrationInterface, QueryRunner } from 'typeorm';

const PLUS_ADDRESSING = [
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'fastmail.com',
  'proton.me',
  'protonmail.com',
  'qq.com',
  '163.com',
];

export class NormalizedEmails1765000300000 implements MigrationInterface {
  name = 'NormalizedEmails1765000300000';

  async up(q: QueryRunner): Promise<void> {
    // The email normal form of libs/candidates/src/identity.ts, in SQL, so that erasure finds mail
    // a person sent from any spelling of their address (Wei.Zhang+jobs@googlemail.com) by index.
    await q.query(`
      CREATE FUNCTION normalized_email(address text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $fn$
        SELECT CASE WHEN coalesce(local, '') = '' THEN t
                    ELSE (CASE WHEN dom = 'gmail.com' THEN replace(plain, '.', '') ELSE plain END) || '@' || dom END
          FROM (SELECT t, local, dom, CASE WHEN dom = ANY('{${PLUS_ADDRESSING.join(',')}}'::text[]) THEN split_part(local, '+', 1) ELSE local END AS plain
                  FROM (SELECT t, substring(t from '^(.*)@[^@]*$') AS local,
                               CASE WHEN substring(t from '@([^@]*)$') = 'googlemail.com' THEN 'gmail.com' ELSE substring(t from '@([^@]*)$') END AS dom
                          FROM (SELECT lower(btrim(normalize(address, NFC))) AS t) AS trimmed) AS parts) AS normal
      $fn$`);
    await q.query(`CREATE INDEX inbound_events_from_normalized_idx ON inbound_events (normalized_email(from_address))`);
    // Email keys are compared in NFC from now on; keys stored in another form are brought over,
    // unless the NFC form is held already (two records of one person, left for a merge).
    await q.query(`
      UPDATE candidate_identities i SET value = normalize(i.value, NFC)
       WHERE i.kind = 'email' AND i.value <> normalize(i.value, NFC)
         AND NOT EXISTS (SELECT 1 FROM candidate_identities o WHERE o.kind = 'email' AND o.value = normalize(i.value, NFC))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX inbound_events_from_normalized_idx`);
    await q.query(`DROP FUNCTION normalized_email(text)`);
  }
}
