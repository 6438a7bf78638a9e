import { MigrationInterface, QueryRunner } from 'typeorm';

export class Compensation1764518400000 implements MigrationInterface {
  name = 'Compensation1764518400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`
      CREATE TABLE salary_bands (
        id uuid PRIMARY KEY,
        job_family text NOT NULL,
        level text NOT NULL,
        zone text NOT NULL,
        currency text NOT NULL,
        period text NOT NULL CHECK (period IN ('monthly', 'annual')),
        months_per_year integer NOT NULL DEFAULT 12 CHECK (months_per_year BETWEEN 12 AND 16),
        base_min bigint NOT NULL CHECK (base_min > 0),
        base_mid bigint NOT NULL,
        base_max bigint NOT NULL,
        sign_on_min bigint,
        sign_on_max bigint,
        equity_min bigint,
        equity_max bigint,
        effective_from date NOT NULL,
        effective_to date,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (base_min <= base_mid AND base_mid <= base_max),
        CHECK (sign_on_min IS NULL OR (sign_on_min >= 0 AND sign_on_min <= sign_on_max)),
        CHECK (equity_min IS NULL OR (equity_min >= 0 AND equity_min <= equity_max)),
        CHECK (effective_to IS NULL OR effective_to >= effective_from),
        -- At most one band in force for a family, level, zone and currency on any day.
        CONSTRAINT salary_bands_no_overlap EXCLUDE USING gist (
          job_family WITH =, level WITH =, zone WITH =, currency WITH =,
          daterange(effective_from, effective_to, '[]') WITH &&)
      )`);
    await q.query(`
      CREATE TABLE salary_band_versions (
        band_id uuid NOT NULL REFERENCES salary_bands (id) ON DELETE CASCADE,
        version integer NOT NULL,
        snapshot jsonb NOT NULL,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (band_id, version)
      )`);
    await q.query(`
      CREATE TABLE fx_rates (
        id uuid NOT NULL UNIQUE,
        base text NOT NULL,
        quote text NOT NULL,
        as_of date NOT NULL,
        rate numeric(20, 10) NOT NULL CHECK (rate > 0),
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (base, quote, as_of),
        CHECK (base <> quote)
      )`);
    await q.query(`
      CREATE TABLE offers (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES applications (id),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft', 'pending_approval', 'approved', 'sent', 'accepted', 'declined', 'expired', 'withdrawn')),
        version integer NOT NULL DEFAULT 1,
        salary_band_id uuid NOT NULL REFERENCES salary_bands (id),
        band_version integer NOT NULL,
        currency text NOT NULL,
        period text NOT NULL CHECK (period IN ('monthly', 'annual')),
        base bigint NOT NULL CHECK (base > 0),
        sign_on bigint CHECK (sign_on >= 0),
        equity bigint CHECK (equity >= 0),
        start_date date NOT NULL,
        expires_at timestamptz NOT NULL,
        pinned_rate numeric(20, 10),
        pinned_rate_as_of date,
        pinned_rate_inverted boolean,
        status_reason text,
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // One open offer per application.
    await q.query(`CREATE UNIQUE INDEX offers_one_open_key ON offers (application_id) WHERE status IN ('draft', 'pending_approval', 'approved', 'sent')`);
    await q.query(`CREATE INDEX offers_sent_expiry_idx ON offers (expires_at) WHERE status = 'sent'`);
    await q.query(`
      CREATE TABLE offer_versions (
        offer_id uuid NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
        version integer NOT NULL,
        snapshot jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (offer_id, version)
      )`);
    await q.query(`
      CREATE TABLE offer_events (
        id uuid PRIMARY KEY,
        offer_id uuid NOT NULL REFERENCES offers (id) ON DELETE CASCADE,
        from_status text,
        to_status text NOT NULL,
        offer_version integer NOT NULL,
        actor_id uuid REFERENCES users (id) ON DELETE SET NULL,
        comment text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX offer_events_offer_idx ON offer_events (offer_id, id)`);
    await q.query(`
      CREATE TABLE competing_offers (
        id uuid PRIMARY KEY,
        application_id uuid NOT NULL REFERENCES applications (id),
        employer text NOT NULL,
        currency text NOT NULL,
        period text NOT NULL CHECK (period IN ('monthly', 'annual')),
        base bigint NOT NULL CHECK (base > 0),
        bonus bigint CHECK (bonus >= 0),
        equity bigint CHECK (equity >= 0),
        created_by uuid REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX competing_offers_application_idx ON competing_offers (application_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['competing_offers', 'offer_events', 'offer_versions', 'offers']) await q.query(`DROP TABLE IF EXISTS ${table}`);
    await q.query(`DROP TABLE IF EXISTS fx_rates`);
    await q.query(`DROP TABLE IF EXISTS salary_band_versions`);
    await q.query(`DROP TABLE IF EXISTS salary_bands`);
  }
}
