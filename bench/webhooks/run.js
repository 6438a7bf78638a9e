// bench/webhooks: webhook delivery from the outbox to a local receiver (bench/webhooks/receiver.js,
// a process of its own that verifies every signature with the Standard Webhooks reference code).
//
// Throughput (default): BENCH_EVENTS events (20,000) are written to domain_events by SQL before W
// worker processes start; the figure is deliveries per second from worker start to the last
// delivery at the receiver, for E endpoints (BENCH_ENDPOINTS, 1). Same run baseline: the same
// number of signed POSTs of the same bodies sent straight to the receiver by one process at the
// workers' total concurrency (what HTTP alone costs on this machine), reported as a ratio.
//
// Faults (--faults, --short for the CI form): events keep being written in small transactions
// while a random worker is killed with SIGKILL every 2.5-3.5 s (and replaced). At the end every
// event must have reached every endpoint (none missing), every signature must verify, and each
// duplicate is a retry of the same webhook-id (the receiver counts by id). Exits 1 otherwise.
//   npm run -s build && node bench/webhooks/run.js [--faults] [--short]
// Settings (env): BENCH_EVENTS, BENCH_ENDPOINTS, BENCH_WORKERS (2), BENCH_CONCURRENCY (32 per worker),
// BENCH_KILL_MIN_MS / BENCH_KILL_MAX_MS, BENCH_TIMEOUT_S (300; 150 short). DATABASE_URL names the
// Postgres server (its database is replaced by hiring_bench_webhooks); Redis keys use their own prefix.
'use strict';
const { fork, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const Redis = require('ioredis');
const { Webhook } = require('standardwebhooks');
const { adminQuery, databaseUrl, freePort, sleep, waitForHealth } = require('../lib');

const ROOT = path.join(__dirname, '../..');
const API_MAIN = path.join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = path.join(ROOT, 'dist/apps/worker/src/main.js');
const FAULTS = process.argv.includes('--faults');
const SHORT = process.argv.includes('--short');
const num = (name, fallback) => (process.env[name] ? Number(process.env[name]) : fallback);
const EVENTS = num('BENCH_EVENTS', FAULTS ? (SHORT ? 1_500 : 5_000) : 20_000);
const ENDPOINTS = num('BENCH_ENDPOINTS', FAULTS ? 2 : 1);
const WORKERS = num('BENCH_WORKERS', 2);
const CONCURRENCY = num('BENCH_CONCURRENCY', 32);
const KILL_MIN_MS = num('BENCH_KILL_MIN_MS', 2_500);
const KILL_MAX_MS = Math.max(KILL_MIN_MS, num('BENCH_KILL_MAX_MS', 3_500));
const TIMEOUT_MS = num('BENCH_TIMEOUT_S', SHORT ? 150 : 300) * 1000;
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB = 'hiring_bench_webhooks';
const QUEUE_PREFIX = 'bench-webhooks';
const ADMIN_TOKEN = 'bench-webhooks-admin-token-0123456789';
const dbUrl = databaseUrl(BASE_URL, DB);

const t0 = Date.now();
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)} +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
const fmt = (n) => Number(n).toLocaleString('en-US', { maximumFractionDigits: 1 });
const children = new Set();
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-webhooks-'));
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function spawnChild(label, args, env) {
  const out = fs.openSync(path.join(logDir, `${label}.log`), 'a');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.exited = new Promise((resolve) => child.once('exit', resolve));
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

async function dropRedisKeys() {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${QUEUE_PREFIX}:*`, 'COUNT', 1000);
    if (keys.length) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

/** Writes `count` candidate.updated events in one transaction: the outbox as the API fills it. */
async function writeEvents(db, count) {
  await db.query(
    `INSERT INTO domain_events (id, type, version, occurred_at, actor_id, task_force_id, candidate_id, payload)
     SELECT gen_random_uuid(), 'candidate.updated', 1, now(), NULL, NULL, c, jsonb_build_object('candidateId', c, 'fields', ARRAY['tags'])
       FROM (SELECT gen_random_uuid() AS c FROM generate_series(1, $1::int)) g`,
    [count],
  );
}

(async () => {
  let exitCode = 1;
  let db;
  const workers = [];
  try {
    log(
      `bench/webhooks (${FAULTS ? `faults${SHORT ? ', short' : ''}` : 'throughput'}): ${fmt(EVENTS)} events x ${ENDPOINTS} endpoint(s), ${WORKERS} workers x ${CONCURRENCY}, ${os.cpus().length} cores; logs in ${logDir}`,
    );
    await adminQuery(BASE_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await adminQuery(BASE_URL, `CREATE DATABASE ${DB}`);
    await dropRedisKeys();

    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const common = { DATABASE_URL: dbUrl, REDIS_URL, QUEUE_PREFIX, LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0', HOST: '127.0.0.1', PUBLIC_BASE_URL: apiUrl };
    const apiProc = spawnChild('api', [API_MAIN], { ...common, PORT: String(apiPort), ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN, MIGRATIONS_RUN_ON_START: 'true' });
    if (!(await waitForHealth(`${apiUrl}/health`, apiProc))) throw new Error(`the API did not become healthy; see ${logDir}/api.log`);
    const api = async (method, pathname, body) => {
      const res = await fetch(`${apiUrl}${pathname}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json();
      if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    await api('PUT', '/v1/webhook-settings', { allowedNetworks: ['127.0.0.1'] });

    // The receiver needs the secrets, which exist once the endpoints do, which need its port: pick it first.
    const receiverPort = await freePort();
    const secrets = {};
    for (let i = 1; i <= ENDPOINTS; i++) {
      const hook = await api('POST', '/v1/webhooks', { url: `http://127.0.0.1:${receiverPort}/hook-${i}`, eventTypes: ['candidate.updated'] });
      secrets[`/hook-${i}`] = hook.secret;
    }
    const receiver = fork(path.join(__dirname, 'receiver.js'), [], {
      env: { ...process.env, RECEIVER_PORT: String(receiverPort), RECEIVER_SECRETS: JSON.stringify(secrets) },
      stdio: 'inherit',
    });
    children.add(receiver);
    await new Promise((resolve) => receiver.once('message', resolve));
    const stats = async (withIds = false) =>
      (await fetch(`http://127.0.0.1:${receiverPort}/__stats`, { headers: withIds ? { 'x-with-ids': '1' } : {} })).json();
    // Stopped API: only the workers and Postgres share the cores from here on.
    apiProc.kill('SIGTERM');
    await apiProc.exited;

    db = new Client({ connectionString: dbUrl });
    await db.connect();
    const workerEnv = {
      ...common,
      MIGRATIONS_RUN_ON_START: 'false',
      WEBHOOK_CONCURRENCY: String(CONCURRENCY),
      WEBHOOK_DISPATCH_INTERVAL_MS: '100',
      WEBHOOK_RECONCILE_INTERVAL_MS: FAULTS ? '1000' : '30000',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_SCHEDULE: '0.5,1,2,4,8',
      SHUTDOWN_TIMEOUT_MS: '5000',
    };
    let workerSeq = 0;
    const startWorker = async () => {
      const port = await freePort();
      const child = spawnChild(`worker-${++workerSeq}`, [WORKER_MAIN], { ...workerEnv, WORKER_PORT: String(port) });
      const w = { child, startedAt: Date.now(), killed: false };
      w.ready = waitForHealth(`http://127.0.0.1:${port}/health`, child, 120_000);
      workers.push(w);
      return w;
    };
    const expected = EVENTS * ENDPOINTS;

    if (!FAULTS) {
      await writeEvents(db, EVENTS);
      log(`${fmt(EVENTS)} events in the outbox; starting ${WORKERS} workers`);
      const started = Date.now();
      for (let i = 0; i < WORKERS; i++) await startWorker();
      let s;
      for (;;) {
        s = await stats();
        if (s.distinct >= expected || Date.now() - started > TIMEOUT_MS) break;
        await sleep(100);
      }
      const seconds = (Date.now() - started) / 1000;
      const rate = s.distinct / seconds;
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.child.exited));

      // Baseline: the same signed POSTs, straight from one process, at the same total concurrency.
      const sample = (await db.query(`SELECT id, type, occurred_at, payload FROM domain_events LIMIT $1`, [EVENTS])).rows;
      const signer = new Webhook(secrets['/hook-1']);
      let next = 0;
      const bareStarted = Date.now();
      await Promise.all(
        Array.from({ length: WORKERS * CONCURRENCY }, async () => {
          while (next < sample.length) {
            const e = sample[next++];
            const body = JSON.stringify({
              type: e.type,
              timestamp: e.occurred_at.toISOString(),
              data: { id: e.id, type: e.type, version: 1, occurredAt: e.occurred_at.toISOString(), actorId: null, taskForceId: null, data: e.payload },
            });
            const now = new Date();
            await fetch(`http://127.0.0.1:${receiverPort}/bare`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                'webhook-id': `bare-${e.id}`,
                'webhook-timestamp': String(Math.floor(now / 1000)),
                'webhook-signature': signer.sign(e.id, now, body),
              },
              body,
            }).then((r) => r.arrayBuffer());
          }
        }),
      );
      const bareRate = sample.length / ((Date.now() - bareStarted) / 1000);
      const attempts = (await db.query(`SELECT count(*)::int AS n FROM webhook_attempts`)).rows[0].n;
      log(
        `delivered ${fmt(s.distinct)} / ${fmt(expected)} in ${seconds.toFixed(1)} s: ${fmt(rate)} deliveries/s (${attempts} attempts, ${s.duplicates} duplicates, ${s.badSignatures} bad signatures)`,
      );
      log(
        `bare signed POSTs from one process at ${WORKERS * CONCURRENCY} at once: ${fmt(bareRate)} /s; webhooks at ${((rate / bareRate) * 100).toFixed(1)} % of it`,
      );
      exitCode = s.distinct >= expected && s.badSignatures === 0 ? 0 : 1;
    } else {
      for (let i = 0; i < WORKERS; i++) await startWorker();
      await Promise.all(workers.map((w) => w.ready));
      log(`${WORKERS} workers healthy; writing ${fmt(EVENTS)} events in transactions of 50 while killing workers`);
      const started = Date.now();
      let stop = false;
      const kills = [];
      const killing = (async () => {
        while (!stop) {
          await sleep(KILL_MIN_MS + Math.random() * (KILL_MAX_MS - KILL_MIN_MS));
          if (stop) break;
          const live = workers.filter((w) => !w.killed && w.child.exitCode === null && w.child.signalCode === null);
          if (!live.length) continue;
          const victim = live[Math.floor(Math.random() * live.length)];
          victim.killed = true;
          victim.child.kill('SIGKILL');
          const delivering = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'delivering'`)).rows[0].n;
          kills.push({ at: (Date.now() - started) / 1000, delivering });
          await startWorker();
        }
      })();
      for (let written = 0; written < EVENTS; written += 50) {
        await writeEvents(db, Math.min(50, EVENTS - written));
        await sleep(20);
      }
      log(`all events written after ${((Date.now() - started) / 1000).toFixed(1)} s; ${kills.length} kills so far`);
      // Kills go on for a while as the backlog drains, then stop, so the end is not a race against them.
      const killUntil = Date.now() + 10_000;
      let s;
      let open = 0;
      for (;;) {
        if (Date.now() > killUntil && !stop) {
          stop = true;
          log(`kills stop (${kills.length}); draining`);
        }
        s = await stats();
        open = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status <> 'succeeded'`)).rows[0].n;
        const total = (await db.query(`SELECT count(*)::int AS n FROM webhook_deliveries`)).rows[0].n;
        if ((s.distinct >= expected && open === 0 && total === expected) || Date.now() - started > TIMEOUT_MS) break;
        await sleep(500);
      }
      stop = true;
      await killing;
      const ids = new Set((await stats(true)).ids);
      const events = (await db.query(`SELECT id FROM domain_events`)).rows.map((r) => r.id);
      let missing = 0;
      for (const e of events) for (const p of Object.keys(secrets)) if (!ids.has(`${p} ${e}`)) missing += 1;
      const states = (await db.query(`SELECT status, count(*)::int AS n FROM webhook_deliveries GROUP BY status`)).rows;
      log(`kills: ${kills.length} (deliveries in flight at each: ${kills.map((k) => k.delivering).join(', ')})`);
      log(`deliveries by status: ${states.map((r) => `${r.status} ${r.n}`).join(', ')}`);
      log(
        `receiver: ${fmt(s.requests)} requests, ${fmt(s.distinct)} distinct (event, endpoint) of ${fmt(expected)}, ${s.duplicates} duplicates (same webhook-id, retried), ${s.badSignatures} bad signatures`,
      );
      const ok = missing === 0 && open === 0 && s.badSignatures === 0 && kills.length > 0;
      log(
        ok
          ? `OK: none missing after ${kills.length} kills, all delivered ${((Date.now() - started) / 1000).toFixed(1)} s after the first event`
          : `FAILED: ${missing} missing, ${open} deliveries not succeeded, ${s.badSignatures} bad signatures, ${kills.length} kills`,
      );
      exitCode = ok ? 0 : 1;
    }
  } catch (e) {
    log(`error: ${e.stack ?? e}`);
  } finally {
    for (const w of workers) w.child.kill('SIGKILL');
    await db?.end().catch(() => undefined);
    await dropRedisKeys().catch(() => undefined);
    if (exitCode === 0 && !process.env.BENCH_KEEP) await adminQuery(BASE_URL, `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch(() => undefined);
    process.exit(exitCode);
  }
})();
