import { MigrationInterface, QueryRunner } from 'typeorm';

export class OfferRateChecks1765001000000 implements MigrationInterface {
  name = 'OfferRateChecks1765001000000';

  async up(q: QueryRunner): Promise<void> {
    // Approved offers a new exchange rate may move out of band, written in the rate's transaction
    // and worked off by the worker one offer per job: a crash halfway leaves the rest here.
    await q.query(`
      CREATE TABLE offer_rate_checks (
        offer_id uuid PRIMARY KEY REFERENCES offers (id) ON DELETE CASCADE,
        base text NOT NULL,
        quote text NOT NULL,
        as_of date NOT NULL,
        rate text NOT NULL,
        requested_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX offer_rate_checks_requested_idx ON offer_rate_checks (requested_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS offer_rate_checks`);
  }
}
