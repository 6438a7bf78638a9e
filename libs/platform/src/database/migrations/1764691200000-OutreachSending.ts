import { MigrationInterface, QueryRunner } from 'typeorm';

export class OutreachSending1764691200000 implements MigrationInterface {
  name = 'OutreachSending1764691200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outreach_messages
        ADD COLUMN attempts integer NOT NULL DEFAULT 0,
        ADD COLUMN claim_token uuid,
        ADD COLUMN claimed_at timestamptz,
        ADD COLUMN recipient text,
        ADD COLUMN cap_day date,
        ADD COLUMN cap_keys text[] NOT NULL DEFAULT '{}',
        ADD COLUMN smtp_response text,
        ADD COLUMN response text CHECK (response IN ('replied', 'bounced', 'unsubscribed')),
        ADD COLUMN response_at timestamptz`);
    // The reconciler's two scans: claims whose sender went away, and due steps to re-enqueue.
    await q.query(`CREATE INDEX outreach_messages_sending_idx ON outreach_messages (claimed_at) WHERE status = 'sending'`);
    await q.query(`CREATE INDEX outreach_messages_enrollment_sent_idx ON outreach_messages (enrollment_id, step) WHERE status = 'sent'`);
    await q.query(`CREATE INDEX enrollments_candidate_idx ON enrollments (candidate_id) WHERE status IN ('active', 'paused')`);
    await q.query(`CREATE INDEX enrollments_application_idx ON enrollments (application_id) WHERE status IN ('active', 'paused')`);
    await q.query(`
      CREATE TABLE bounced_addresses (
        email text PRIMARY KEY,
        bounced_at timestamptz NOT NULL DEFAULT now(),
        detail text
      )`);
    // Sends per UTC day and counter ("sender:<address>", "domain:<sender>:<recipient domain>"),
    // incremented with a conditional upsert so concurrent workers never pass a cap.
    await q.query(`
      CREATE TABLE outreach_daily_counts (
        day date NOT NULL,
        counter text NOT NULL,
        sent integer NOT NULL CHECK (sent >= 0),
        PRIMARY KEY (day, counter)
      )`);
    await q.query(`
      CREATE TABLE inbound_events (
        id uuid PRIMARY KEY,
        body_sha256 text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('reply', 'bounce', 'unsubscribe')),
        from_address text NOT NULL,
        to_address text,
        recipient text,
        subject text,
        in_reply_to text,
        "references" text[] NOT NULL DEFAULT '{}',
        headers jsonb NOT NULL DEFAULT '{}',
        text text,
        outcome text NOT NULL,
        matched_by text CHECK (matched_by IN ('message_id', 'sender')),
        candidate_id uuid REFERENCES candidates (id) ON DELETE SET NULL,
        enrollment_ids uuid[] NOT NULL DEFAULT '{}',
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX inbound_events_outcome_idx ON inbound_events (outcome, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS inbound_events`);
    await q.query(`DROP TABLE IF EXISTS outreach_daily_counts`);
    await q.query(`DROP TABLE IF EXISTS bounced_addresses`);
    await q.query(`DROP INDEX IF EXISTS enrollments_application_idx`);
    await q.query(`DROP INDEX IF EXISTS enrollments_candidate_idx`);
    await q.query(`DROP INDEX IF EXISTS outreach_messages_enrollment_sent_idx`);
    await q.query(`DROP INDEX IF EXISTS outreach_messages_sending_idx`);
    await q.query(`
      ALTER TABLE outreach_messages DROP COLUMN attempts, DROP COLUMN claim_token, DROP COLUMN claimed_at, DROP COLUMN recipient, DROP COLUMN cap_day,
        DROP COLUMN cap_keys, DROP COLUMN smtp_response, DROP COLUMN response, DROP COLUMN response_at`);
  }
}
