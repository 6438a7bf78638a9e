import { randomBytes } from 'node:crypto';
import { MigrationInterface, QueryRunner } from 'typeorm';

const NAME = `lower(regexp_replace(trim(full_name), '\\s+', ' ', 'g'))`;
const EMPLOYER = `lower(coalesce(current_employer, ''))`;

export class BoundedReads1765000100000 implements MigrationInterface {
  name = 'BoundedReads1765000100000';

  async up(q: QueryRunner): Promise<void> {
    // The duplicate listing pages over groups of look-alikes (same name and employer, case and
    // spacing ignored). A fixed-length hash of that key is the group's id and its page cursor, and
    // one btree entry per candidate lets each page hop from key to key instead of joining every
    // pair. Ids and cursors appear in URLs and so in request logs: the hash is salted with a value
    // drawn here, which only the schema holds, so a log reader cannot confirm a guessed name. The
    // name's length is hashed in so no two (name, employer) pairs concatenate to the same text.
    const salt = randomBytes(16).toString('hex');
    await q.query(`
      ALTER TABLE candidates ADD COLUMN lookalike_key text
        GENERATED ALWAYS AS (md5('${salt}' || length(${NAME}) || ':' || ${NAME} || ${EMPLOYER})) STORED`);
    // Erased and merged-away rows are never look-alikes; leaving them out also keeps the thousands
    // of '[erased]' rows from forming one giant group the walk would have to step over.
    await q.query(`CREATE INDEX candidates_lookalike_idx ON candidates (lookalike_key, id) WHERE erased_at IS NULL AND merged_into IS NULL`);
    await q.query(`DROP INDEX candidates_name_employer_idx`);

    // Sequence stats read counters instead of scanning every message of the sequence. Writers
    // only append deltas (no shared row to wait on, so the sender's batches never queue behind
    // one another); the reconciler folds deltas into the totals, and a read adds the totals to the
    // deltas not yet folded. Step 0 holds the enrollment counters.
    await q.query(`
      CREATE TABLE sequence_stat_totals (
        sequence_id uuid NOT NULL REFERENCES sequences (id) ON DELETE CASCADE,
        step integer NOT NULL,
        counter text NOT NULL,
        n bigint NOT NULL,
        PRIMARY KEY (sequence_id, step, counter)
      )`);
    await q.query(`
      CREATE TABLE sequence_stat_deltas (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sequence_id uuid NOT NULL,
        step integer NOT NULL,
        counter text NOT NULL,
        n bigint NOT NULL
      )`);
    await q.query(`CREATE INDEX sequence_stat_deltas_sequence_idx ON sequence_stat_deltas (sequence_id)`);

    // Each row's sequence is looked up by primary key: a join would let the planner, which cannot
    // size a transition table, hash the whole enrollments table for a batch of a few steps.
    const appendMessageDeltas = (changes: string) => `
      INSERT INTO sequence_stat_deltas (sequence_id, step, counter, n)
      SELECT (SELECT e.sequence_id FROM enrollments e WHERE e.id = x.enrollment_id), x.step, x.counter, sum(x.n)
        FROM (${changes}) x GROUP BY 1, 2, 3 HAVING sum(x.n) <> 0`;
    const counted = (rows: string, status: string, response: string, sign: string) => `
      SELECT enrollment_id, step, 'status:' || ${status} AS counter, ${sign}1 AS n FROM ${rows}
      UNION ALL SELECT enrollment_id, step, 'response:' || ${response}, ${sign}1 FROM ${rows} WHERE ${response} IS NOT NULL`;
    await q.query(`
      CREATE FUNCTION outreach_messages_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          ${appendMessageDeltas(counted('new_rows', 'status', 'response', '+'))};
        ELSIF TG_OP = 'UPDATE' THEN
          -- Most updates (claims, attempts, SMTP answers) change neither column: they stop at this
          -- probe, which costs far less than planning the count below.
          PERFORM 1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE (n.status, n.response) IS DISTINCT FROM (o.status, o.response) LIMIT 1;
          IF NOT FOUND THEN
            RETURN NULL;
          END IF;
          WITH changed AS MATERIALIZED (
            SELECT n.enrollment_id, n.step, n.status, n.response, o.status AS old_status, o.response AS old_response
              FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE (n.status, n.response) IS DISTINCT FROM (o.status, o.response))
          ${appendMessageDeltas(`${counted('changed', 'status', 'response', '+')} UNION ALL ${counted('changed', 'old_status', 'old_response', '-')}`)};
        ELSE
          ${appendMessageDeltas(counted('old_rows', 'status', 'response', '-'))};
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION enrollments_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          INSERT INTO sequence_stat_deltas (sequence_id, step, counter, n)
          SELECT sequence_id, 0, 'enrollment:' || status, count(*) FROM new_rows GROUP BY 1, 3;
        ELSIF TG_OP = 'UPDATE' THEN
          INSERT INTO sequence_stat_deltas (sequence_id, step, counter, n)
          SELECT x.sequence_id, 0, x.counter, sum(x.n) FROM (
            SELECT n.sequence_id, 'enrollment:' || n.status AS counter, 1 AS n FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.status <> o.status
            UNION ALL
            SELECT o.sequence_id, 'enrollment:' || o.status, -1 FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE n.status <> o.status) x
          GROUP BY 1, 3 HAVING sum(x.n) <> 0;
        ELSE
          INSERT INTO sequence_stat_deltas (sequence_id, step, counter, n)
          SELECT sequence_id, 0, 'enrollment:' || status, -count(*) FROM old_rows GROUP BY 1, 3;
        END IF;
        RETURN NULL;
      END $$`);
    for (const table of ['outreach_messages', 'enrollments']) {
      await q.query(
        `CREATE TRIGGER ${table}_count_insert AFTER INSERT ON ${table} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_count()`,
      );
      await q.query(
        `CREATE TRIGGER ${table}_count_update AFTER UPDATE ON ${table} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_count()`,
      );
      await q.query(
        `CREATE TRIGGER ${table}_count_delete AFTER DELETE ON ${table} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ${table}_count()`,
      );
    }
    // What is already there, counted once; the table lock keeps writers out until the triggers count them.
    await q.query(`LOCK TABLE enrollments, outreach_messages IN SHARE MODE`);
    await q.query(`
      INSERT INTO sequence_stat_totals (sequence_id, step, counter, n)
      SELECT x.sequence_id, x.step, x.counter, count(*) FROM (
        SELECT e.sequence_id, m.step, 'status:' || m.status AS counter FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
        UNION ALL
        SELECT e.sequence_id, m.step, 'response:' || m.response FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE m.response IS NOT NULL
        UNION ALL
        SELECT sequence_id, 0, 'enrollment:' || status FROM enrollments) x
      GROUP BY 1, 2, 3`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['outreach_messages', 'enrollments']) {
      for (const event of ['insert', 'update', 'delete']) await q.query(`DROP TRIGGER ${table}_count_${event} ON ${table}`);
      await q.query(`DROP FUNCTION ${table}_count()`);
    }
    await q.query(`DROP TABLE sequence_stat_deltas`);
    await q.query(`DROP TABLE sequence_stat_totals`);
    await q.query(`CREATE INDEX candidates_name_employer_idx ON candidates (${NAME}, ${EMPLOYER})`);
    await q.query(`DROP INDEX candidates_lookalike_idx`);
    await q.query(`ALTER TABLE candidates DROP COLUMN lookalike_key`);
  }
}
