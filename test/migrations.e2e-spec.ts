import { dataSourceOptions, MIGRATIONS, runMigrationsLocked } from '@app/platform';
import { DataSource } from 'typeorm';
import { capDomainKey } from '../libs/outreach/src/cap-keys';
import { TestDatabase } from './support/harness';

describe('migrations', () => {
  let db: TestDatabase;
  const sources: DataSource[] = [];

  beforeAll(async () => {
    db = await TestDatabase.create('migrations');
  });
  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await db?.drop();
  });

  const connect = async () => {
    const source = await new DataSource(dataSourceOptions(db.url)).initialize();
    sources.push(source);
    return source;
  };

  it('build the schema from an empty database, once, even when several processes race', async () => {
    const tablesBefore = await db.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public'`);
    expect(tablesBefore).toHaveLength(0);

    const [a, b, c] = await Promise.all([connect(), connect(), connect()]);
    const applied = await Promise.all([runMigrationsLocked(a), runMigrationsLocked(b), runMigrationsLocked(c)]);
    expect(applied.flat()).toEqual(MIGRATIONS.map((m) => new m().name));

    const tables = (await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`))
      .map((r) => r.table_name)
      .sort();
    expect(tables).toEqual([
      'api_tokens',
      'application_stage_changes',
      'applications',
      'audit_log',
      'bounced_addresses',
      'candidate_identities',
      'candidate_notes',
      'candidates',
      'competing_offers',
      'domain_events',
      'enrollments',
      'fx_rates',
      'idempotency_keys',
      'inbound_events',
      'insight_funnel_monthly',
      'insight_market',
      'insight_market_top',
      'insight_market_weeks',
      'insight_outreach_daily',
      'insight_outreach_steps',
      'insight_projection',
      'insight_stage_visits',
      'interview_mails',
      'interview_panel',
      'interview_plan_steps',
      'interviewer_blocks',
      'interviewer_profiles',
      'interviews',
      'offer_events',
      'offer_rate_checks',
      'offer_versions',
      'offers',
      'openings',
      'outreach_daily_counts',
      'outreach_messages',
      'salary_band_versions',
      'salary_bands',
      'schema_migrations',
      'scorecards',
      'sequence_stat_deltas',
      'sequence_stat_totals',
      'sequence_versions',
      'sequences',
      'task_force_members',
      'task_forces',
      'users',
      'webhook_attempts',
      'webhook_deliveries',
      'webhook_dispatch',
      'webhook_endpoints',
      'webhook_settings',
    ]);
    expect(await runMigrationsLocked(a)).toEqual([]);
  });

  it('enforce the rules in the schema too', async () => {
    await expect(db.query(`INSERT INTO users (id, email, name, role) VALUES (gen_random_uuid(), 'a@b.c', 'A', 'superuser')`)).rejects.toThrow(
      /check constraint/,
    );
    await expect(
      db.query(`INSERT INTO task_forces (id, name, company, location, time_zone, headcount_target) VALUES (gen_random_uuid(), 'x', 'c', 'l', 'UTC', -1)`),
    ).rejects.toThrow(/check constraint/);
  });

  it('can be reverted to an empty schema', async () => {
    const source = await connect();
    for (let i = 0; i < MIGRATIONS.length; i++) await source.undoLastMigration({ transaction: 'each' });
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
    );
    expect(tables).toEqual([]);
  });

  it('rewrite daily-cap keys that named a recipient domain to the hash the sender uses now', async () => {
    const old = await TestDatabase.create('migrations_caps');
    try {
      const privacy = MIGRATIONS.findIndex((m) => new m().name === 'Privacy1765000200000');
      const before = await new DataSource(dataSourceOptions(old.url, { migrations: MIGRATIONS.slice(0, privacy) })).initialize();
      await runMigrationsLocked(before);
      await before.destroy();
      await old.query(
        `INSERT INTO outreach_daily_counts (day, counter, sent) VALUES ('2026-12-01', 'sender:jun@talent.example.com', 3), ('2026-12-01', 'domain:jun@talent.example.com:weizhang.dev', 1)`,
      );
      const after = await new DataSource(dataSourceOptions(old.url)).initialize();
      await runMigrationsLocked(after);
      await after.destroy();
      const counters = (await old.query<{ counter: string }>(`SELECT counter FROM outreach_daily_counts ORDER BY counter`)).map((r) => r.counter);
      expect(counters).toEqual([`domain:jun@talent.example.com:${capDomainKey('weizhang.dev')}`, 'sender:jun@talent.example.com']);
    } finally {
      await old.drop();
    }
  });
});
