import { MigrationInterface, QueryRunner } from 'typeorm';

export class Webhooks1765000900000 implements MigrationInterface {
  name = 'Webhooks1765000900000';

  async up(q: QueryRunner): Promise<void> {
    // Endpoints admins register. The secret signs every delivery; during a rotation the previous
    // one signs too, until previous_secret_expires_at. failing_since is the first failed attempt
    // after the last success: an endpoint failing for longer than the retry schedule is disabled.
    await q.query(`
      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        description text,
        event_types text[],
        task_force_ids uuid[],
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        enabled boolean NOT NULL DEFAULT true,
        disabled_reason text,
        disabled_at timestamptz,
        failing_since timestamptz,
        created_by uuid,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        version int NOT NULL DEFAULT 1
      )`);
    // One row per event and endpoint: the event id is the webhook-id of every attempt, so a
    // receiver deduplicates on it. Deleting the event (retention) or the endpoint deletes these.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES domain_events (id) ON DELETE CASCADE,
        event_type text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivering', 'succeeded', 'failed')),
        attempts int NOT NULL DEFAULT 0,
        next_attempt_at timestamptz,
        claimed_at timestamptz,
        last_status int,
        last_error text,
        created_at timestamptz NOT NULL,
        finished_at timestamptz,
        UNIQUE (endpoint_id, event_id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, id)`);
    await q.query(`CREATE INDEX webhook_deliveries_event_idx ON webhook_deliveries (event_id)`);
    await q.query(`CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_claimed_idx ON webhook_deliveries (claimed_at) WHERE status = 'delivering'`);
    await q.query(`
      CREATE TABLE webhook_attempts (
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
        attempt int NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms int NOT NULL,
        status int,
        error text,
        response_excerpt text,
        manual boolean NOT NULL DEFAULT false,
        PRIMARY KEY (delivery_id, attempt)
      )`);
    // Where the dispatcher has read the outbox to: a position in the feed's (xid, seq) order.
    await q.query(`CREATE TABLE webhook_dispatch (id int PRIMARY KEY CHECK (id = 1), xid xid8 NOT NULL, seq bigint NOT NULL)`);
    await q.query(`INSERT INTO webhook_dispatch (id, xid, seq) VALUES (1, '0', 0)`);
    // Networks outbound requests may reach although they are private (an HRIS on the intranet, the tests' receiver).
    await q.query(
      `CREATE TABLE webhook_settings (id int PRIMARY KEY CHECK (id = 1), allowed_networks text[] NOT NULL DEFAULT '{}', updated_at timestamptz, updated_by uuid)`,
    );
    await q.query(`INSERT INTO webhook_settings (id) VALUES (1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS webhook_settings, webhook_dispatch, webhook_attempts, webhook_deliveries, webhook_endpoints`);
  }
}
