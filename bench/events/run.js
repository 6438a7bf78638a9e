// bench/events: what the outbox costs a write. In one process, against a database of its own, it
// moves applications one stage (sourced -> contacted) through the real ApplicationsService, which
// publishes an application.stage_changed event into domain_events in the move's transaction, and
// the same number of moves with publishing switched off on the same service instance; rounds
// alternate, so both see the same machine. It prints moves per second with and without events,
// their ratio, and events written per second; then how long the feed takes to read them all.
//   npm run bench:events      (BENCH_MOVES=2000 per run, BENCH_CONCURRENCY=16, BENCH_ROUNDS=3)
'use strict';
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { Client } = require('pg');
const { adminQuery, databaseUrl, freshDatabase } = require('../lib');
const { loadConfig, DomainEvents } = require('../../dist/libs/platform/src');
const { ApplicationsService } = require('../../dist/libs/candidates/src');
const { EventFeed } = require('../../dist/libs/events/src');
const { ApiModule } = require('../../dist/apps/api/src/api.module');

const MOVES = Number(process.env.BENCH_MOVES ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'hiring_bench_events';
const ADMIN_ID = '00000000-0000-7000-8000-000000000001';
const TASK_FORCE_ID = '00000000-0000-7000-8000-0000000000f1';
const dbUrl = databaseUrl(BASE_URL, DB);
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

async function load(total) {
  await freshDatabase(BASE_URL, DB);
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(`INSERT INTO users (id, email, name, role) VALUES ($1, 'bench.admin@example.com', 'Bench Admin', 'admin')`, [ADMIN_ID]);
  await c.query(
    `INSERT INTO task_forces (id, name, company, location, time_zone, focus_areas, headcount_target) VALUES ($1, 'Bench task force', 'Bench', 'San Jose, CA', 'America/Los_Angeles', '{llm}', 20)`,
    [TASK_FORCE_ID],
  );
  await c.query(
    `INSERT INTO candidates (id, full_name, emails, source, owner_id)
     SELECT (lpad(to_hex(1764000000000 + i), 12, '0') || '7000-8' || lpad(to_hex(i), 15, '0'))::uuid, 'Bench ' || i, '{}', 'sourced', $1
       FROM generate_series(1, $2::int) i`,
    [ADMIN_ID, total],
  );
  await c.query(
    `INSERT INTO applications (id, candidate_id, task_force_id, stage, created_by)
     SELECT (lpad(to_hex(1765000000000 + row_number() OVER (ORDER BY id)), 12, '0') || '7000-8' || substr(md5(id::text), 1, 15))::uuid, id, $1, 'sourced', $2
       FROM candidates`,
    [TASK_FORCE_ID, ADMIN_ID],
  );
  await c.query(`VACUUM ANALYZE`);
  const ids = (await c.query(`SELECT id FROM applications ORDER BY id`)).rows.map((r) => r.id);
  await c.end();
  return ids;
}

async function moveAll(applications, ids) {
  const actor = { userId: ADMIN_ID, role: 'admin', tokenId: 'bench' };
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        await applications.transition(actor, id, { to: 'contacted' });
      }
    }),
  );
  return Number(process.hrtime.bigint() - started) / 1e9;
}

(async () => {
  const runs = ROUNDS * 2;
  log(`bench/events: ${runs} runs of ${MOVES} stage changes, ${CONCURRENCY} at a time`);
  const ids = await load(MOVES * runs);
  const config = loadConfig({ ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn', MIGRATIONS_RUN_ON_START: 'false', QUEUE_PREFIX: 'bench-events' });
  const app = await NestFactory.createApplicationContext(ApiModule.forRoot(config), { logger: ['error', 'warn'] });
  const applications = app.get(ApplicationsService);
  const events = app.get(DomainEvents);
  const publish = events.publish.bind(events);
  const results = { with: [], without: [] };
  try {
    // Warm-up: connections, plans, JIT of the service code.
    await moveAll(applications, ids.splice(0, Math.min(200, MOVES)));
    for (let round = 0; round < runs; round++) {
      const withEvents = round % 2 === 0;
      events.publish = withEvents ? publish : async () => {};
      const batch = ids.splice(0, MOVES);
      const seconds = await moveAll(applications, batch);
      (withEvents ? results.with : results.without).push(batch.length / seconds);
      log(`${withEvents ? 'with events   ' : 'without events'}: ${(batch.length / seconds).toFixed(0)} moves/s`);
    }
    events.publish = publish;
    const feed = app.get(EventFeed);
    const actor = { userId: ADMIN_ID, role: 'admin', tokenId: 'bench' };
    let after;
    let read = 0;
    const started = process.hrtime.bigint();
    for (;;) {
      const page = await feed.list(actor, { limit: 200, after });
      read += page.data.length;
      after = page.nextCursor;
      if (!page.hasMore) break;
    }
    const feedSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const w = median(results.with);
    const wo = median(results.without);
    console.log(`\nStage changes through ApplicationsService.transition, ${CONCURRENCY} at a time, ${MOVES} per run, median of ${ROUNDS} runs each:`);
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(`| moves/s with the outbox (one event each) | ${w.toFixed(0)} (runs: ${results.with.map((x) => x.toFixed(0)).join(', ')}) |`);
    console.log(`| moves/s without publishing | ${wo.toFixed(0)} (runs: ${results.without.map((x) => x.toFixed(0)).join(', ')}) |`);
    console.log(`| ratio with / without | **${(w / wo).toFixed(2)}** |`);
    console.log(`| events written per second (with) | ${w.toFixed(0)} |`);
    console.log(`| feed read back, 200 a page | ${read} events in ${feedSeconds.toFixed(2)} s (${(read / feedSeconds).toFixed(0)} events/s) |`);
  } finally {
    await app.close();
    if (!process.env.BENCH_KEEP) await adminQuery(BASE_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  }
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
