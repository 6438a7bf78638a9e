import { MigrationInterface, QueryRunner } from 'typeorm';

export class DomainEvents1765000700000 implements MigrationInterface {
  name = 'DomainEvents1765000700000';

  async up(q: QueryRunner): Promise<void> {
    // The outbox: every domain event, written in the transaction that made the change.
    // `xid` is that transaction's id. The feed lists events in (xid, seq) order and only those
    // whose transaction has ended (xid below the oldest running transaction), so an event that
    // commits late can never land behind a cursor already handed out.
    await q.query(`
      CREATE TABLE domain_events (
        seq bigint GENERATED ALWAYS AS IDENTITY,
        id uuid PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        type text NOT NULL,
        version int NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_id uuid,
        task_force_id uuid,
        candidate_id uuid,
        payload jsonb NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX domain_events_order_idx ON domain_events (xid, seq)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS domain_events`);
  }
}
