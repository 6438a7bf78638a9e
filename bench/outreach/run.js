// bench/outreach: SQL-loads N candidates (default 100,000) with an application each into a database
// of its own, enrols them all through the API (calls of 10,000, no worker running) into a sequence
// with zero delays and an always-open send window, then starts W outreach worker processes and
// times the steps into an SMTP sink (a child process) until every one has arrived. In the same run
// it times raw BullMQ: the same number of jobs, added before W no-op worker processes start,
// drained to the end, before and after the outreach run, at the outreach concurrency and at 8.
// It prints outreach steps/s beside raw jobs/s and the ratio to raw at the same concurrency (the
// goal: at least 20 %), and the ratio to the fastest raw run of any concurrency beside it.
//   npm run -s build && node bench/outreach/run.js
//   BENCH_CANDIDATES=20000                  a quicker run
//   BENCH_WORKERS=1,2,3                     worker processes (a list runs each in turn; default 2)
//   BENCH_CONCURRENCY=8,64                  OUTREACH_CONCURRENCY per process (default $OUTREACH_CONCURRENCY or the app's default)
//   BENCH_RAW_CONCURRENCY=8                 raw no-op runs are made at the outreach concurrency and at these too
//                                           (reported as the ratio to the fastest raw run)
//   BENCH_SMTP_CONNECTIONS=8                SMTP_MAX_CONNECTIONS per process (default $SMTP_MAX_CONNECTIONS or 8, the app default)
//   BENCH_STEPS=1                           steps per sequence, each with delay PT0S
//   BENCH_DOMAINS=100                       distinct recipient domains
//   BENCH_SEQUENCES=1                       sequences (each with its own sender) the candidates are split over;
//                                           more are used when steps exceed one sender's daily cap of 100,000
//   BENCH_PROFILE=1                         preload profile.js into the workers: per-statement Postgres counts and times
//   BENCH_CPU_PROFILE=1                     with BENCH_PROFILE: also a V8 CPU profile of each worker, summarised by package
//   BENCH_ENROL_BATCH=10000                 candidates per enrolment call; with several sequences, calls take turns
//                                           between them so that consecutive jobs belong to different senders
//   BENCH_MAX_SECONDS=1200                  give up on the outreach run after this long and report what arrived
//   BENCH_KEEP=1                            keep the database (Redis keys are always removed)
// Other settings of the worker (OUTREACH_RECONCILE_INTERVAL_MS, ...) pass through from the environment.
// Every combination of the lists is a full cycle on a fresh database. Exit code 0 whether or not
// the goal is met; 1 only when the bench itself fails.
'use strict';
require('reflect-metadata');
const { fork, spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const IORedis = require('ioredis');
const { Queue } = require('bullmq');
const { adminQuery, benchTaskForce, databaseUrl, removeRedisKeys, sleep, waitForHealth } = require('../lib');
const { DEFAULT_JOB_OPTIONS } = require('../../dist/libs/platform/src/queue/queue.module');
const { redisOptionsFromUrl } = require('../../dist/libs/platform/src/queue/redis-connection');

const list = (value, fallback) =>
  String(value ?? fallback)
    .split(',')
    .map((v) => Number(v.trim()))
    .filter((v) => Number.isFinite(v) && v > 0);
const N = Number(process.env.BENCH_CANDIDATES ?? 100_000);
/** Outreach steps/s as a share of raw BullMQ no-op jobs/s at the same processes and concurrency. */
const GOAL = 0.2;
const WORKER_COUNTS = list(process.env.BENCH_WORKERS, 2);
const { AppConfig } = require('../../dist/libs/platform/src/config/app-config');
const CONCURRENCIES = list(process.env.BENCH_CONCURRENCY ?? process.env.OUTREACH_CONCURRENCY, new AppConfig().OUTREACH_CONCURRENCY);
const RAW_CONCURRENCIES = list(process.env.BENCH_RAW_CONCURRENCY, 8);
const SMTP_CONNECTIONS = list(process.env.BENCH_SMTP_CONNECTIONS ?? process.env.SMTP_MAX_CONNECTIONS, 8);
const STEPS = Number(process.env.BENCH_STEPS ?? 1);
const DOMAINS = Number(process.env.BENCH_DOMAINS ?? 100);
const SEQUENCES = Number(process.env.BENCH_SEQUENCES ?? 1);
const PROFILE = process.env.BENCH_PROFILE === '1';
const STALL_MS = Number(process.env.BENCH_STALL_SECONDS ?? 90) * 1000;
const MAX_MS = Number(process.env.BENCH_MAX_SECONDS ?? 1200) * 1000;
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB = 'hiring_bench_outreach';
const ADMIN_TOKEN = 'bench-outreach-admin-token-0123456789';
const PORT_BASE = Number(process.env.BENCH_PORT_BASE ?? 3720);
const API_PORT = PORT_BASE;
const PREFIX = `bench-outreach-${process.pid}`;
const RAW_PREFIX = `bench-noop-${process.pid}`;
const ENROL_CALL = Math.min(10_000, Number(process.env.BENCH_ENROL_BATCH ?? 10_000));
const SENDER_CAP = 100_000; // the largest dailyCapPerSender a sequence may have
const ROOT = path.resolve(__dirname, '../..');
const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

const dbUrl = databaseUrl(BASE_URL, DB);
const redisConnection = { ...redisOptionsFromUrl(REDIS_URL), maxRetriesPerRequest: null };

const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
const fmt = (n, digits = 0) => Number(n).toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked so that a failure anywhere still stops them all.

const children = new Set();

let aborting = false;

function track(child, label) {
  child.benchLabel = label;
  children.add(child);
  child.on('error', (e) => log(`${label}: ${e.message}`));
  child.once('exit', () => children.delete(child));
  return child;
}

function startNode(script, env, label, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  return track(child, label);
}

function forkNode(script, env, label) {
  const child = fork(script, [], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return track(child, label);
}

async function stopChild(child, signal = 'SIGTERM', timeoutMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = sleep(timeoutMs).then(() => 'timeout');
  if ((await Promise.race([exited, timer])) === 'timeout') {
    log(`${child.benchLabel} (pid ${child.pid}) did not stop within ${timeoutMs} ms; killing it`);
    child.kill('SIGKILL');
    await exited;
  }
}

async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c)));
}

/** One request/answer over a forked child's IPC channel. */
function ask(child, cmd, type = cmd) {
  return new Promise((resolve, reject) => {
    const onMessage = (msg) => {
      if (msg && msg.type === type) {
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(msg);
      }
    };
    const onExit = (code) => {
      child.off('message', onMessage);
      reject(new Error(`${child.benchLabel} exited (${code}) before answering ${cmd}`));
    };
    if (aborting || !child.connected) return reject(new Error(`${child.benchLabel} is not running`));
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send({ cmd }, (err) => {
      if (!err) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      reject(err);
    });
  });
}

function waitForMessage(child, type, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${child.benchLabel} sent no ${type} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (msg) => {
      if (msg && msg.type === type) {
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(msg);
      }
    };
    child.on('message', onMessage);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${child.benchLabel} exited (${code}) before ${type}`));
    });
  });
}

async function waitHealthy(url, child, timeoutMs = 60_000) {
  if (await waitForHealth(url, child, timeoutMs)) return Date.now();
  throw new Error(
    child.exitCode !== null
      ? `${child.benchLabel} exited with ${child.exitCode} while starting`
      : `${child.benchLabel} was not healthy within ${timeoutMs} ms (${url})`,
  );
}

// ---------------------------------------------------------------------------------------------
// Postgres and Redis

async function withClient(url, fn) {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const admin = (sql) => adminQuery(BASE_URL, sql);

const removeKeys = (prefix) => removeRedisKeys(redisConnection, prefix);

/** Whole-server Redis counters: commands processed, and calls / CPU of the scripted and list-scanning commands. */
async function redisCommands() {
  const redis = new IORedis(redisConnection);
  try {
    const stats = await redis.info('stats');
    const commandstats = await redis.info('commandstats');
    const of = (cmd) => {
      const m = new RegExp(`cmdstat_${cmd}:calls=(\\d+),usec=(\\d+)`).exec(commandstats);
      return m ? { calls: Number(m[1]), usec: Number(m[2]) } : { calls: 0, usec: 0 };
    };
    return { total: Number(/total_commands_processed:(\d+)/.exec(stats)[1]), lpos: of('lpos'), evalsha: of('evalsha') };
  } finally {
    redis.disconnect();
  }
}

function redisDelta(a, b) {
  const d = (x, y) => ({ calls: y.calls - x.calls, seconds: (y.usec - x.usec) / 1e6 });
  return { total: b.total - a.total, lpos: d(a.lpos, b.lpos), evalsha: d(a.evalsha, b.evalsha) };
}

// ---------------------------------------------------------------------------------------------
// Where the CPU goes: /proc/<pid>/stat for every process, before and after a phase.

function procSnapshot() {
  const snap = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      // fields[0] is state (field 3); utime and stime are fields 14 and 15.
      snap.set(Number(entry), { comm, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The process ended between the directory listing and the read: it has no ticks to count.
    }
  }
  return snap;
}

/** CPU seconds per group between two snapshots; processes that started meanwhile count whole. */
function cpuBetween(before, after, groups) {
  const totals = {};
  for (const [pid, a] of after) {
    const b = before.get(pid);
    const ticks = b && b.comm === a.comm ? a.ticks - b.ticks : a.ticks;
    if (ticks <= 0) continue;
    let group = 'other processes';
    for (const [name, test] of groups) {
      if (test(pid, a.comm)) {
        group = name;
        break;
      }
    }
    totals[group] = (totals[group] ?? 0) + ticks / CLK_TCK;
  }
  return totals;
}

function cpuGroups(extra) {
  return [
    ...extra,
    ['this bench process', (pid) => pid === process.pid],
    ['postgres (all databases)', (_pid, comm) => comm === 'postgres'],
    ['redis-server', (_pid, comm) => comm.startsWith('redis-server')],
  ];
}

function printCpu(title, totals, wallMs) {
  const rows = Object.entries(totals).sort((a, b) => b[1] - a[1]);
  console.log(`  CPU during ${title} (${secs(wallMs)} wall, ${os.cpus().length} cores; other users' work on this machine included):`);
  for (const [name, s] of rows) console.log(`    ${name.padEnd(28)} ${s.toFixed(1).padStart(6)} s CPU = ${(s / (wallMs / 1000)).toFixed(2)} cores`);
}

// ---------------------------------------------------------------------------------------------
// Postgres wait sampling: what the bench database's backends are doing, four times a second.

function startWaitSampler(intervalMs = 250) {
  const c = new Client({ connectionString: BASE_URL });
  const buckets = new Map();
  const lockWaits = new Map();
  let samples = 0;
  let stopped = false;
  const done = (async () => {
    await c.connect();
    while (!stopped) {
      const { rows } = await c.query(
        `SELECT state, coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS wait, count(*)::int AS n
           FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()
          GROUP BY 1, 2`,
        [DB],
      );
      samples += 1;
      for (const r of rows) {
        const key = `${r.state ?? '?'} / ${r.state === 'active' ? r.wait : r.wait === 'Client:ClientRead' ? 'waiting for the client' : r.wait}`;
        buckets.set(key, (buckets.get(key) ?? 0) + r.n);
      }
      // Who waits for a lock, on what, and what the holder is doing meanwhile.
      const waiting = await c.query(
        `SELECT left(regexp_replace(w.query, '[[:space:]]+', ' ', 'g'), 80) AS waiter,
                coalesce(h.state, '?') || ': ' || left(regexp_replace(coalesce(h.query, '?'), '[[:space:]]+', ' ', 'g'), 60) AS holder
           FROM pg_stat_activity w
           LEFT JOIN LATERAL (SELECT unnest(pg_blocking_pids(w.pid)) AS pid LIMIT 1) b ON true
           LEFT JOIN pg_stat_activity h ON h.pid = b.pid
          WHERE w.datname = $1 AND w.wait_event_type = 'Lock'`,
        [DB],
      );
      for (const r of waiting.rows) {
        const key = `${r.waiter}  <-  held by [${r.holder}]`;
        lockWaits.set(key, (lockWaits.get(key) ?? 0) + 1);
      }
      await sleep(intervalMs);
    }
    await c.end();
  })();
  return async () => {
    stopped = true;
    await done;
    const perSample = (m) => [...m.entries()].map(([k, n]) => [k, n / Math.max(1, samples)]).sort((a, b) => b[1] - a[1]);
    return { samples, buckets: perSample(buckets), lockWaits: perSample(lockWaits) };
  };
}

async function pgCounters() {
  return withClient(BASE_URL, async (c) => {
    const [db] = (await c.query(`SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_fetched FROM pg_stat_database WHERE datname = $1`, [DB]))
      .rows;
    const [wal] = (await c.query(`SELECT wal_records, wal_bytes, wal_sync, wal_write FROM pg_stat_wal`)).rows;
    return { ...db, ...wal };
  });
}

function counterDelta(a, b) {
  const d = {};
  for (const k of Object.keys(b)) d[k] = Number(b[k]) - Number(a[k]);
  return d;
}

// ---------------------------------------------------------------------------------------------
// Setting up: database, API, task force, sequences, candidates.

async function api(method, pathName, body) {
  const res = await fetch(`http://127.0.0.1:${API_PORT}${pathName}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  if (res.status >= 300) throw new Error(`${method} ${pathName}: ${res.status} ${text.slice(0, 500)}`);
  return json;
}

function commonEnv() {
  return {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    HOST: '127.0.0.1',
    QUEUE_PREFIX: PREFIX,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    PUBLIC_BASE_URL: `http://127.0.0.1:${API_PORT}`,
  };
}

async function setUp() {
  await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${DB}`);
  // The API migrates the empty database and creates the admin whose token is ADMIN_TOKEN.
  const apiProcess = startNode(
    path.join(ROOT, 'dist/apps/api/src/main.js'),
    { ...commonEnv(), PORT: String(API_PORT), MIGRATIONS_RUN_ON_START: 'true', ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN },
    'api',
  );
  await waitHealthy(`http://127.0.0.1:${API_PORT}/health`, apiProcess);

  const taskForce = await api('POST', '/v1/task-forces', benchTaskForce('ByteDance / Doubao LLM (bench)'));

  // A sequence may send at most 100,000 a day from its sender: more steps than that are spread
  // over several sequences, each with its own sender.
  const sequenceCount = Math.max(SEQUENCES, Math.ceil((N * STEPS) / SENDER_CAP));
  const steps = Array.from({ length: STEPS }, (_, i) => ({
    delay: 'PT0S',
    subject: i === 0 ? '{{taskForce.company}}: hello {{candidate.firstName}}' : `Note ${i + 1} from {{taskForce.company}}`,
    body: 'Hi {{candidate.firstName}},\n\nWe are building {{taskForce.name}} in {{taskForce.location}} and would love to talk.\n\nUnsubscribe: {{unsubscribeUrl}}',
  }));
  const sequences = [];
  for (let s = 0; s < sequenceCount; s++) {
    sequences.push(
      await api('POST', '/v1/sequences', {
        taskForceId: taskForce.id,
        name: `Bench sequence ${s + 1}`,
        sender: { fromName: 'Jun Wang', fromAddress: `jun.wang.${s + 1}@talent.example.com`, replyTo: 'replies@talent.example.com' },
        steps,
        sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
        dailyCapPerSender: SENDER_CAP,
        dailyCapPerRecipientDomain: SENDER_CAP,
      }),
    );
  }

  const loadStarted = Date.now();
  const candidateIds = await withClient(dbUrl, async (c) => {
    // UUIDv7-shaped ids in creation order, like the application's own.
    await c.query(`
      INSERT INTO candidates (id, full_name, emails, current_employer, current_title, time_zone, years_of_experience, skills, skill_areas, source, created_at, updated_at)
      SELECT (lpad(to_hex(1764000000000 + i), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
             (ARRAY['Wei','Fang','Min','Jing','Lei','Yang','Jun','Hao','Alex','Maya'])[1 + i % 10] || ' ' || (ARRAY['Wang','Li','Zhang','Liu','Chen','Smith','Kim','Patel'])[1 + (i / 10) % 8],
             ARRAY['cand.' || i || '@lab' || (i % ${DOMAINS}) || '.example.com'],
             (ARRAY['OpenAI','Google DeepMind','Meta FAIR','Anthropic','NVIDIA'])[1 + i % 5], 'Research Engineer',
             (ARRAY['Asia/Shanghai','America/Los_Angeles','Europe/London', NULL])[1 + i % 4],
             (i % 200) / 10.0, ARRAY['pytorch','cuda'], ARRAY['llm'], 'sourced', now(), now()
        FROM generate_series(1, ${N}) AS i`);
    await c.query(`INSERT INTO candidate_identities (kind, value, candidate_id) SELECT 'email', emails[1], id FROM candidates`);
    await c.query(
      `INSERT INTO applications (id, candidate_id, task_force_id, stage)
       SELECT (lpad(to_hex(1765000000000 + row_number() OVER (ORDER BY id)), 12, '0') || '7' || substr(md5(id::text), 1, 3) || '8' || substr(md5(id::text), 4, 15))::uuid,
              id, $1, 'sourced' FROM candidates`,
      [taskForce.id],
    );
    await c.query(`ANALYZE`);
    return (await c.query(`SELECT id FROM candidates ORDER BY id`)).rows.map((r) => r.id);
  });
  const loadMs = Date.now() - loadStarted;
  return { apiProcess, taskForce, sequences, candidateIds, loadMs };
}

async function enrolAll(sequences, candidateIds) {
  // Calls of ENROL_CALL candidates, taking turns between the sequences (one sequence: in order).
  const plan = [];
  for (let i = 0, call = 0; i < candidateIds.length; i += ENROL_CALL, call++)
    plan.push({ sequence: sequences[call % sequences.length], batch: candidateIds.slice(i, i + ENROL_CALL) });
  const calls = [];
  const skippedReasons = {};
  let enrolled = 0;
  const started = Date.now();
  for (const { sequence, batch } of plan) {
    if (aborting) throw new Error('aborted');
    const t = performance.now();
    const result = await api('POST', `/v1/sequences/${sequence.id}/enrollments`, { candidateIds: batch });
    const ms = performance.now() - t;
    calls.push({ size: batch.length, ms, enrolled: result.enrolled.length });
    enrolled += result.enrolled.length;
    for (const sk of result.skipped) skippedReasons[sk.reason] = (skippedReasons[sk.reason] ?? 0) + 1;
    if (plan.length <= 50 || calls.length % 500 === 0)
      log(`enrolment call ${calls.length}: ${fmt(result.enrolled.length)} enrolled, ${fmt(result.skipped.length)} skipped in ${ms.toFixed(0)} ms`);
  }
  return { totalMs: Date.now() - started, calls, enrolled, skippedReasons };
}

async function queueCounts(name, prefix) {
  const queue = new Queue(name, { connection: redisConnection, prefix });
  try {
    return await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed');
  } finally {
    await queue.close();
  }
}

// ---------------------------------------------------------------------------------------------
// The outreach run: W worker processes into the sink.

async function outreachRun({ workers, concurrency, smtpConnections, expected }) {
  const sink = forkNode(path.join(__dirname, 'sink.js'), { SINK_PORT: '0' }, 'smtp sink');
  const { port: sinkPort } = await waitForMessage(sink, 'ready');
  const profileDir = PROFILE ? fs.mkdtempSync(path.join(os.tmpdir(), 'bench-outreach-profile-')) : null;

  const env = {
    ...commonEnv(),
    SMTP_URL: `smtp://127.0.0.1:${sinkPort}`,
    OUTREACH_CONCURRENCY: String(concurrency),
    SMTP_MAX_CONNECTIONS: String(smtpConnections),
    MIGRATIONS_RUN_ON_START: 'false',
    ...(profileDir ? { BENCH_PROFILE_OUT: profileDir } : {}),
  };
  const beforeCpu = procSnapshot();
  const beforePg = await pgCounters();
  const beforeRedis = await redisCommands();
  const stopSampler = startWaitSampler();

  const t0 = Date.now();
  const procs = [];
  for (let i = 0; i < workers; i++) {
    procs.push(
      startNode(
        path.join(ROOT, 'dist/apps/worker/src/main.js'),
        { ...env, WORKER_PORT: String(PORT_BASE + 1 + i) },
        `outreach worker ${i + 1}`,
        profileDir ? ['--require', path.join(__dirname, 'profile.js')] : [],
      ),
    );
  }
  const healthy = Promise.all(procs.map((p, i) => waitHealthy(`http://127.0.0.1:${PORT_BASE + 1 + i}/health`, p).catch(() => null)));

  let stats = await ask(sink, 'stats');
  let lastProgressAt = Date.now();
  let lastCount = 0;
  let lastPrint = Date.now();
  let lastPrintCount = 0;
  let stalled = false;
  let timedOut = false;
  while (stats.count < expected) {
    if (aborting) throw new Error('aborted');
    await sleep(200);
    stats = await ask(sink, 'stats');
    const now = Date.now();
    if (stats.count !== lastCount) {
      lastCount = stats.count;
      lastProgressAt = now;
    } else if (now - lastProgressAt > STALL_MS) {
      stalled = true;
      log(`no message reached the sink for ${STALL_MS / 1000} s; giving up at ${fmt(stats.count)} / ${fmt(expected)}`);
      break;
    }
    if (now - t0 > MAX_MS) {
      timedOut = true;
      log(`BENCH_MAX_SECONDS (${MAX_MS / 1000}) reached at ${fmt(stats.count)} / ${fmt(expected)}; reporting what arrived`);
      break;
    }
    if (procs.every((p) => p.exitCode !== null)) {
      stalled = true;
      log('every outreach worker has exited; giving up');
      break;
    }
    if (now - lastPrint >= 5000) {
      log(
        `sink: ${fmt(stats.count)} / ${fmt(expected)} (${fmt(((stats.count - lastPrintCount) * 1000) / (now - lastPrint))} steps/s over the last ${((now - lastPrint) / 1000).toFixed(0)} s)`,
      );
      lastPrint = now;
      lastPrintCount = stats.count;
    }
  }
  const tSink = stats.lastAt ?? Date.now();
  const readyTimes = await healthy;

  // The sink has the message before the worker commits "sent": wait for Postgres to agree.
  let statuses = {};
  let tDb = null;
  const dbDeadline = Date.now() + (stalled || timedOut ? 0 : 30_000);
  await withClient(dbUrl, async (c) => {
    for (;;) {
      statuses = Object.fromEntries(
        (await c.query(`SELECT status, count(*)::int AS n FROM outreach_messages GROUP BY status`)).rows.map((r) => [r.status, r.n]),
      );
      if (!statuses.scheduled && !statuses.sending) {
        tDb = Date.now();
        break;
      }
      if (Date.now() > dbDeadline) break;
      await sleep(100);
    }
  });
  const sampled = await stopSampler();
  await sleep(1200); // cumulative statistics reach pg_stat_* about once a second
  const afterCpu = procSnapshot();
  const afterPg = await pgCounters();
  const afterRedis = await redisCommands();
  const cpu = cpuBetween(
    beforeCpu,
    afterCpu,
    cpuGroups([
      ['outreach workers', (pid) => procs.some((p) => p.pid === pid)],
      ['smtp sink', (pid) => pid === sink.pid],
    ]),
  );
  const cpuWallMs = Date.now() - t0;

  const verification = await withClient(dbUrl, async (c) => {
    const enrollments = Object.fromEntries(
      (await c.query(`SELECT status, count(*)::int AS n FROM enrollments GROUP BY status`)).rows.map((r) => [r.status, r.n]),
    );
    const stages = Object.fromEntries((await c.query(`SELECT stage, count(*)::int AS n FROM applications GROUP BY stage`)).rows.map((r) => [r.stage, r.n]));
    const attempts = (await c.query(`SELECT max(attempts)::int AS max, sum(attempts)::int AS sum FROM outreach_messages`)).rows[0];
    const sentIds = (await c.query(`SELECT message_id FROM outreach_messages WHERE status = 'sent'`)).rows.map((r) => r.message_id);
    const details = (
      await c.query(`SELECT status, detail, count(*)::int AS n FROM outreach_messages WHERE status <> 'sent' GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 10`)
    ).rows;
    const counts = (await c.query(`SELECT counter, sent FROM outreach_daily_counts ORDER BY sent DESC LIMIT 3`)).rows;
    return { enrollments, stages, attempts, sentIds, details, counts };
  });
  const queue = await queueCounts('outreach', PREFIX);

  await Promise.all(procs.map((p) => stopChild(p)));
  const { ids } = await ask(sink, 'ids');
  await stopChild(sink);

  let profiles = [];
  let cpuProfile = null;
  if (profileDir) {
    const files = fs.readdirSync(profileDir);
    profiles = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(profileDir, f), 'utf8')));
    const cpuFiles = files.filter((f) => f.endsWith('.cpuprofile'));
    if (cpuFiles.length) {
      const startedAt = new Map(profiles.map((p) => [String(p.pid), p.cpuProfileStartedAt]));
      cpuProfile = summariseCpuProfiles(
        cpuFiles.map((f) => ({
          profile: JSON.parse(fs.readFileSync(path.join(profileDir, f), 'utf8')),
          startedAt: startedAt.get(f.replace('.cpuprofile', '')),
        })),
        (stats.firstAt ?? t0) + 1000,
        tSink,
      );
    }
    if (process.env.BENCH_PROFILE_KEEP) log(`profiles kept in ${profileDir}`);
    else fs.rmSync(profileDir, { recursive: true, force: true });
  }

  const distinct = new Set(ids);
  const dbSent = new Set(verification.sentIds);
  let missingFromSink = 0;
  for (const id of dbSent) if (!distinct.has(id)) missingFromSink += 1;
  let notInDb = 0;
  for (const id of distinct) if (!dbSent.has(id)) notInDb += 1;

  return {
    workers,
    concurrency,
    smtpConnections,
    expected,
    stalled,
    timedOut,
    t0,
    firstAt: stats.firstAt,
    lastAt: tSink,
    sinkCount: stats.count,
    sinkConnections: stats.connections,
    sinkMissingId: stats.missingId,
    distinctIds: distinct.size,
    duplicates: ids.length - distinct.size,
    missingFromSink,
    notInDb,
    dbMs: tDb ? tDb - t0 : null,
    statuses,
    readyMs: readyTimes.map((t) => (t ? t - t0 : null)),
    elapsedMs: tSink - t0,
    steadyMs: stats.firstAt ? tSink - stats.firstAt : null,
    cpu,
    cpuWallMs,
    pg: counterDelta(beforePg, afterPg),
    redis: redisDelta(beforeRedis, afterRedis),
    waits: sampled,
    verification,
    queue,
    profiles,
    cpuProfile,
  };
}

// ---------------------------------------------------------------------------------------------
// The raw BullMQ run: the same number of jobs, W no-op worker processes of the same concurrency.

let rawRuns = 0;
async function rawRun({ workers, concurrency, jobs }) {
  rawRuns += 1;
  const name = `noop-${rawRuns}`;
  const queue = new Queue(name, { connection: redisConnection, prefix: RAW_PREFIX, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  try {
    // Jobs shaped like the outreach ones: same name, payload, deterministic id and job options.
    const addStarted = Date.now();
    const now = Date.now();
    for (let i = 0; i < jobs; i += 1000) {
      await queue.addBulk(
        Array.from({ length: Math.min(1000, jobs - i) }, () => {
          const id = randomUUID();
          return { name: 'send-outreach-step', data: { outreachMessageId: id }, opts: { jobId: `send-${id}-${now}` } };
        }),
      );
    }
    const addMs = Date.now() - addStarted;
    const waiting = await queue.getWaitingCount();

    const beforeCpu = procSnapshot();
    const beforeRedis = await redisCommands();
    const t0 = Date.now();
    const procs = [];
    for (let i = 0; i < workers; i++) {
      procs.push(
        forkNode(
          path.join(__dirname, 'noop-worker.js'),
          { REDIS_URL, NOOP_QUEUE: name, NOOP_PREFIX: RAW_PREFIX, NOOP_CONCURRENCY: String(concurrency) },
          `no-op worker ${i + 1}`,
        ),
      );
    }
    // A message sent before a child listens is lost: ask only once each has said it is ready.
    await Promise.all(procs.map((p) => waitForMessage(p, 'ready')));
    let total = { completed: 0, failed: 0, firstAt: null, lastAt: null };
    let lastProgressAt = Date.now();
    let stalled = false;
    while (total.completed + total.failed < jobs) {
      if (aborting) throw new Error('aborted');
      await sleep(100);
      const all = await Promise.all(procs.map((p) => ask(p, 'stats')));
      const completed = all.reduce((s, a) => s + a.completed, 0);
      if (completed !== total.completed) lastProgressAt = Date.now();
      else if (Date.now() - lastProgressAt > STALL_MS) {
        stalled = true;
        break;
      }
      total = {
        completed,
        failed: all.reduce((s, a) => s + a.failed, 0),
        firstAt: Math.min(...all.map((a) => a.firstAt ?? Infinity)),
        lastAt: Math.max(...all.map((a) => a.lastAt ?? 0)),
      };
    }
    const afterCpu = procSnapshot();
    const afterRedis = await redisCommands();
    const cpu = cpuBetween(beforeCpu, afterCpu, cpuGroups([['no-op workers', (pid) => procs.some((p) => p.pid === pid)]]));
    const cpuWallMs = Date.now() - t0;
    await Promise.all(
      procs.map(async (p) => {
        const exited = new Promise((r) => p.once('exit', r));
        if (p.connected) p.send({ cmd: 'stop' });
        await Promise.race([exited, sleep(8000)]);
        await stopChild(p, 'SIGKILL');
      }),
    );
    const counts = await queue.getJobCounts('waiting', 'active', 'completed', 'failed');
    return {
      workers,
      concurrency,
      jobs,
      waitingBefore: waiting,
      addMs,
      completed: total.completed,
      failed: total.failed,
      stalled,
      elapsedMs: total.lastAt - t0,
      steadyMs: total.lastAt - total.firstAt,
      cpu,
      cpuWallMs,
      redis: redisDelta(beforeRedis, afterRedis),
      counts,
    };
  } finally {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

function printOutreach(o) {
  const rate = (o.sinkCount / o.elapsedMs) * 1000;
  console.log(`\n  Outreach: ${o.workers} worker process(es) x OUTREACH_CONCURRENCY ${o.concurrency}, SMTP_MAX_CONNECTIONS ${o.smtpConnections}`);
  console.log(`    workers healthy after           ${o.readyMs.map((m) => (m === null ? 'never' : secs(m))).join(', ')}`);
  console.log(`    first message in the sink after ${o.firstAt ? secs(o.firstAt - o.t0) : 'none'}`);
  const incomplete = o.stalled
    ? ` (STALLED: ${fmt(o.sinkCount)} of ${fmt(o.expected)})`
    : o.timedOut
      ? ` (TIMED OUT after BENCH_MAX_SECONDS: ${fmt(o.sinkCount)} of ${fmt(o.expected)})`
      : '';
  console.log(`    ${o.stalled || o.timedOut ? '' : 'all '}${fmt(o.sinkCount)} in the sink after     ${secs(o.elapsedMs)} from worker start${incomplete}`);
  console.log(`    all rows 'sent' in Postgres after ${o.dbMs === null ? 'NOT within 30 s of the last message' : secs(o.dbMs)}`);
  console.log(
    `    end-to-end                       ${fmt(rate, 1)} steps/s (from worker start); ${o.steadyMs ? fmt(((o.sinkCount - 1) / o.steadyMs) * 1000, 1) : '-'} steps/s first-to-last message`,
  );
  const perStep = (x) => (o.sinkCount ? (x / o.sinkCount).toFixed(2) : '-');
  console.log(
    `    per step: ${perStep(o.pg.xact_commit)} Postgres commits, ${perStep(o.pg.tup_inserted)} rows inserted, ${perStep(o.pg.tup_updated)} rows updated, ` +
      `${perStep(o.pg.wal_sync)} WAL syncs and ${fmt(o.pg.wal_bytes / Math.max(1, o.sinkCount))} WAL bytes (cluster-wide), ${perStep(o.redis.total)} Redis commands (whole Redis)`,
  );
  console.log(
    `    Redis (whole server): ${fmt(o.redis.evalsha.calls)} EVALSHA taking ${o.redis.evalsha.seconds.toFixed(1)} s, of which ${fmt(o.redis.lpos.calls)} LPOS list scans (getJobState) taking ${o.redis.lpos.seconds.toFixed(1)} s ` +
      `= ${((o.redis.evalsha.seconds / (o.cpuWallMs / 1000)) * 100).toFixed(0)} % of the run's wall time with Redis's one thread busy in scripts`,
  );
  console.log(`    SMTP connections opened: ${fmt(o.sinkConnections)} (${(o.sinkCount / Math.max(1, o.sinkConnections)).toFixed(0)} messages per connection)`);
  const inFlight = (o.workers * o.concurrency * o.elapsedMs) / Math.max(1, o.sinkCount);
  console.log(`    mean time a step holds a concurrency slot (Little's law, slots x time / steps): ${inFlight.toFixed(1)} ms`);
  printCpu('the outreach run', o.cpu, o.cpuWallMs);
  console.log(`  Bench database backends (mean count per sample, ${o.waits.samples} samples; state / wait event):`);
  for (const [k, n] of o.waits.buckets.slice(0, 10)) console.log(`    ${n.toFixed(2).padStart(6)}  ${k}`);
  if (o.waits.lockWaits.length) {
    console.log(`  Lock waits (mean waiting backends per sample; the waiting statement <- what its first blocker is doing at that moment):`);
    for (const [k, n] of o.waits.lockWaits.slice(0, 8)) console.log(`    ${n.toFixed(2).padStart(6)}  ${k}`);
  }
  if (o.profiles.length) printProfiles(o);
  if (o.cpuProfile) printCpuProfile(o);
}

function printProfiles(o) {
  const merged = new Map();
  const pool = { connects: 0, waitMs: 0, maxWaitMs: 0, inUseMax: 0, waitingMax: 0, exhausted: 0 };
  const mail = { sends: 0, ms: 0, maxMs: 0, inFlightMax: 0 };
  const elu = [];
  for (const p of o.profiles) {
    for (const s of p.statements) {
      const m = merged.get(s.sql) ?? { count: 0, ms: 0, maxMs: 0 };
      m.count += s.count;
      m.ms += s.ms;
      m.maxMs = Math.max(m.maxMs, s.maxMs);
      merged.set(s.sql, m);
    }
    pool.connects += p.pool.connects;
    pool.waitMs += p.pool.waitMs;
    pool.maxWaitMs = Math.max(pool.maxWaitMs, p.pool.maxWaitMs);
    pool.inUseMax = Math.max(pool.inUseMax, p.pool.inUseMax);
    pool.waitingMax = Math.max(pool.waitingMax, p.pool.waitingMax);
    pool.exhausted += p.pool.exhausted;
    mail.sends += p.mail.sends;
    mail.ms += p.mail.ms;
    mail.maxMs = Math.max(mail.maxMs, p.mail.maxMs);
    mail.inFlightMax = Math.max(mail.inFlightMax, p.mail.inFlightMax);
    const window = p.timeline.filter(([t]) => t > (o.firstAt ?? o.t0) + 1000 && t <= o.lastAt);
    if (window.length)
      elu.push({ pid: p.pid, elu: window.reduce((s, w) => s + w[1], 0) / window.length, cpu: window.reduce((s, w) => s + w[2], 0) / window.length / 1000 });
  }
  const steps = Math.max(1, o.sinkCount);
  const rows = [...merged.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const totalQueries = rows.reduce((s, [, m]) => s + m.count, 0);
  const totalMs = rows.reduce((s, [, m]) => s + m.ms, 0);
  console.log(`  Profile (BENCH_PROFILE=1, all worker processes; times are as the Node client sees them, queueing in Node included):`);
  console.log(`    Postgres: ${(totalQueries / steps).toFixed(1)} statements per step, ${(totalMs / steps).toFixed(1)} ms of statement time per step`);
  console.log('    | statement | per step | mean ms | max ms |\n    | --- | --- | --- | --- |');
  for (const [sql, m] of rows.slice(0, 25))
    console.log(`    | \`${sql}\` | ${(m.count / steps).toFixed(2)} | ${(m.ms / m.count).toFixed(2)} | ${m.maxMs.toFixed(0)} |`);
  console.log(
    `    pg pool (max 20 per process): ${(pool.connects / steps).toFixed(1)} checkouts per step, mean wait ${(pool.waitMs / Math.max(1, pool.connects)).toFixed(2)} ms, max wait ${pool.maxWaitMs.toFixed(0)} ms, ` +
      `max in use ${pool.inUseMax}, max queued ${pool.waitingMax}, ${pool.exhausted} checkouts found it exhausted`,
  );
  console.log(
    `    sendMail: ${fmt(mail.sends)} calls, mean ${(mail.ms / Math.max(1, mail.sends)).toFixed(2)} ms (includes waiting for a pooled SMTP connection), max ${mail.maxMs.toFixed(0)} ms, max in flight per process ${mail.inFlightMax}`,
  );
  for (const e of elu) console.log(`    worker pid ${e.pid}: event loop utilisation ${(e.elu * 100).toFixed(0)} %, ${e.cpu.toFixed(2)} cores, while sending`);
}

/** Where a package's code is: node_modules/<pkg>, the app's own libs, Node itself, or the VM. */
function categoryOf(frame) {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const app = /\/dist\/(libs\/[^/]+|apps\/[^/]+)/.exec(url);
  if (app) return `app ${app[1]}`;
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
}

/** Self time by package and by function, counting only samples taken within [from, to] (wall clock). */
function summariseCpuProfiles(items, from, to) {
  const byCategory = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const { profile, startedAt } of items) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    let t = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      t += profile.timeDeltas[i] ?? 0;
      const wall = startedAt + t / 1000;
      if (wall < from || wall > to) continue;
      const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
      const frame = nodes.get(profile.samples[i]).callFrame;
      const category = categoryOf(frame);
      if (category === '(idle)') continue;
      total += dt;
      byCategory.set(category, (byCategory.get(category) ?? 0) + dt);
      const fn = `${frame.functionName || '(anonymous)'} [${category}${frame.url ? ` ${frame.url.split('/').pop()}:${frame.lineNumber + 1}` : ''}]`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + dt);
    }
  }
  const top = (m, n) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, ms]) => [k, ms, ms / Math.max(1, total)]);
  return { totalMs: total, categories: top(byCategory, 14), functions: top(byFunction, 15) };
}

function printCpuProfile(o) {
  const p = o.cpuProfile;
  console.log(`  CPU profile of the outreach workers while sending (V8 sampler, idle excluded): ${fmt(p.totalMs)} ms busy in the window`);
  console.log('    self time by package:');
  for (const [k, , share] of p.categories) console.log(`      ${(share * 100).toFixed(1).padStart(5)} %  ${k}`);
  console.log('    hottest functions (self time):');
  for (const [k, , share] of p.functions) console.log(`      ${(share * 100).toFixed(1).padStart(5)} %  ${k}`);
}

function printRaw(r, label) {
  console.log(`\n  Raw BullMQ (${label}): ${r.workers} no-op worker process(es) x concurrency ${r.concurrency}, ${fmt(r.jobs)} jobs`);
  console.log(
    `    added (addBulk x 1000) in ${secs(r.addMs)} (${fmt((r.jobs / r.addMs) * 1000)} jobs/s); ${fmt(r.waitingBefore)} waiting before the workers started`,
  );
  console.log(
    `    drained in ${secs(r.elapsedMs)} from worker start${r.stalled ? ' (STALLED)' : ''}: ${fmt((r.completed / r.elapsedMs) * 1000, 1)} jobs/s; ${fmt(((r.completed - 1) / r.steadyMs) * 1000, 1)} jobs/s first-to-last`,
  );
  console.log(
    `    completed ${fmt(r.completed)}, failed ${fmt(r.failed)}; ${(r.redis.total / Math.max(1, r.completed)).toFixed(2)} Redis commands per job, EVALSHA ${r.redis.evalsha.seconds.toFixed(1)} s, LPOS ${fmt(r.redis.lpos.calls)} (whole Redis)`,
  );
  printCpu('the raw run', r.cpu, r.cpuWallMs);
}

// ---------------------------------------------------------------------------------------------

async function cycle({ workers, concurrency, smtpConnections }) {
  console.log(
    `\n=== ${fmt(N)} candidates, ${STEPS} step(s), ${DOMAINS} recipient domains, ${workers} worker process(es), OUTREACH_CONCURRENCY ${concurrency}, SMTP_MAX_CONNECTIONS ${smtpConnections} ===`,
  );
  const setup = await setUp();
  log(
    `database ${DB} ready; ${fmt(setup.candidateIds.length)} candidates + applications loaded by SQL in ${secs(setup.loadMs)}; ${setup.sequences.length} sequence(s)`,
  );

  const enrolment = await enrolAll(setup.sequences, setup.candidateIds);
  const enqueued = await queueCounts('outreach', PREFIX);
  await stopChild(setup.apiProcess);
  log(`enrolled ${fmt(enrolment.enrolled)} in ${secs(enrolment.totalMs)}; outreach queue: ${JSON.stringify(enqueued)}`);
  await withClient(dbUrl, (c) => c.query('VACUUM ANALYZE'));

  const expected = enrolment.enrolled * STEPS;
  const rawConcurrencies = [...new Set([concurrency, ...RAW_CONCURRENCIES])];
  const rawSeries = async (when) => {
    const runs = [];
    for (const c of rawConcurrencies) {
      log(`raw BullMQ baseline ${when} the outreach run: ${fmt(expected)} jobs, concurrency ${c}`);
      const r = await rawRun({ workers, concurrency: c, jobs: expected });
      log(`raw: ${fmt((r.completed / r.elapsedMs) * 1000)} jobs/s`);
      runs.push({ ...r, concurrency: c, when });
    }
    return runs;
  };
  const rawBefore = await rawSeries('before');
  log(`outreach run: ${workers} worker(s), ${fmt(expected)} steps`);
  const outreach = await outreachRun({ workers, concurrency, smtpConnections, expected });
  const rawAfter = await rawSeries('after');

  // Report
  const outreachRate = (outreach.sinkCount / outreach.elapsedMs) * 1000;
  const outreachSteady = outreach.steadyMs ? ((outreach.sinkCount - 1) / outreach.steadyMs) * 1000 : 0;
  const raws = [...rawBefore, ...rawAfter].filter((r) => !r.stalled);
  // The goal's comparison: raw BullMQ with the same processes and concurrency (best of before and
  // after). The fastest raw run of any concurrency is reported beside it as the stricter reading.
  const rate = (r) => (r.completed / r.elapsedMs) * 1000;
  const same = raws.filter((r) => r.concurrency === concurrency);
  const rawRate = Math.max(...same.map(rate));
  const rawSteady = Math.max(...same.map((r) => ((r.completed - 1) / r.steadyMs) * 1000));
  const ratio = outreachRate / rawRate;
  const ratioSteady = outreachSteady / rawSteady;
  const fastestRaw = raws.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const ratioStrict = outreachRate / rate(fastestRaw);

  const problems = [];
  if (outreach.stalled || outreach.timedOut || outreach.sinkCount !== expected)
    problems.push(
      `sink has ${fmt(outreach.sinkCount)} messages, expected ${fmt(expected)}${outreach.timedOut ? ' (the run was cut off by BENCH_MAX_SECONDS)' : ''}`,
    );
  if (outreach.duplicates) problems.push(`${fmt(outreach.duplicates)} duplicate Message-IDs in the sink`);
  if (outreach.sinkMissingId) problems.push(`${fmt(outreach.sinkMissingId)} messages without a Message-ID`);
  if (outreach.missingFromSink) problems.push(`${fmt(outreach.missingFromSink)} steps 'sent' in Postgres but not in the sink`);
  if (outreach.notInDb) problems.push(`${fmt(outreach.notInDb)} sink messages with no 'sent' step in Postgres`);
  if ((outreach.statuses.sent ?? 0) !== expected || Object.keys(outreach.statuses).length !== 1)
    problems.push(`outreach_messages by status: ${JSON.stringify(outreach.statuses)}`);
  if ((outreach.verification.enrollments.completed ?? 0) !== enrolment.enrolled)
    problems.push(`enrollments by status: ${JSON.stringify(outreach.verification.enrollments)}`);
  if (outreach.verification.attempts.max > 1)
    problems.push(`some steps took more than one attempt (max ${outreach.verification.attempts.max}, total ${outreach.verification.attempts.sum})`);
  if (outreach.queue.failed) problems.push(`${fmt(outreach.queue.failed)} failed jobs on the outreach queue`);
  if (enrolment.enrolled !== N) problems.push(`only ${fmt(enrolment.enrolled)} of ${fmt(N)} enrolled: ${JSON.stringify(enrolment.skippedReasons)}`);
  if (enqueued.waiting + enqueued.delayed + enqueued.prioritized !== enrolment.enrolled)
    problems.push(`enrolment left ${JSON.stringify(enqueued)} jobs for ${fmt(enrolment.enrolled)} steps`);

  console.log(`\n--- Report: ${fmt(N)} candidates, ${workers} worker(s) x concurrency ${concurrency} ---`);
  console.log(
    `  Enrolment through the API (no worker running): ${fmt(enrolment.enrolled)} in ${secs(enrolment.totalMs)} = ${fmt((enrolment.enrolled / enrolment.totalMs) * 1000)} enrolments/s`,
  );
  const callMs = enrolment.calls.map((c) => c.ms);
  const callList = callMs.length <= 20 ? `${callMs.map((m) => (m / 1000).toFixed(2)).join(', ')} s ` : '';
  console.log(
    `    per call of ${fmt(ENROL_CALL)}: ${callList}(mean ${(callMs.reduce((a, b) => a + b, 0) / callMs.length / 1000).toFixed(3)} s, ${callMs.length} calls)`,
  );
  console.log(`    jobs on the outreach queue afterwards: ${JSON.stringify(enqueued)}`);
  for (const r of rawBefore) printRaw(r, `before the outreach run, concurrency ${r.concurrency}`);
  printOutreach(outreach);
  for (const r of rawAfter) printRaw(r, `after the outreach run, concurrency ${r.concurrency}`);
  console.log(
    `\n  Checks: ${problems.length ? `PROBLEMS:\n    - ${problems.join('\n    - ')}` : `OK: ${fmt(outreach.sinkCount)} messages in the sink = ${fmt(expected)} steps enrolled, ${fmt(outreach.distinctIds)} distinct Message-IDs, every one 'sent' in Postgres with one attempt, every enrollment completed`}`,
  );
  if (outreach.verification.details.length) console.log(`    not sent: ${JSON.stringify(outreach.verification.details)}`);
  console.log(`\n  | measure | value |\n  | --- | --- |`);
  console.log(`  | candidates enrolled | ${fmt(enrolment.enrolled)} (${STEPS} step(s) each, delay PT0S, window always open) |`);
  console.log(
    `  | enrolment time (API, ${enrolment.calls.length} calls) | ${secs(enrolment.totalMs)} (${fmt((enrolment.enrolled / enrolment.totalMs) * 1000)}/s) |`,
  );
  console.log(`  | worker processes x concurrency | ${workers} x ${concurrency} (SMTP_MAX_CONNECTIONS ${smtpConnections}) |`);
  console.log(
    `  | outreach end to end (worker start -> last message in the sink) | ${fmt(outreachRate, 1)} steps/s (${fmt(outreach.sinkCount)} in ${secs(outreach.elapsedMs)}${outreach.timedOut ? ', CUT OFF: incomplete' : ''}) |`,
  );
  const rawList = raws.map((r) => `${r.when} x${r.concurrency}: ${fmt((r.completed / r.elapsedMs) * 1000, 1)}`).join(', ');
  console.log(`  | raw BullMQ no-op, same ${workers} x ${concurrency} (best of ${same.length}, worker start -> last job) | ${fmt(rawRate, 1)} jobs/s |`);
  console.log(`  | raw BullMQ no-op, every run | ${rawList} |`);
  console.log(`  | ratio outreach / raw at the same concurrency | ${(ratio * 100).toFixed(1)} % (first-to-last: ${(ratioSteady * 100).toFixed(1)} %) |`);
  console.log(`  | ratio outreach / fastest raw run (x${fastestRaw.concurrency}, ${fastestRaw.when}) | ${(ratioStrict * 100).toFixed(1)} % |`);
  console.log(`  | goal >= ${GOAL * 100} % of raw | ${ratio >= GOAL ? 'MET' : 'NOT MET'} |`);
  console.log(`  | correctness checks | ${problems.length ? `${problems.length} problem(s)` : 'OK'} |`);

  return {
    workers,
    concurrency,
    smtpConnections,
    enrolled: enrolment.enrolled,
    enrolMs: enrolment.totalMs,
    outreachRate,
    outreachSteady,
    rawRate,
    rawSteady,
    ratio,
    ratioSteady,
    ratioStrict,
    problems: problems.length,
  };
}

async function cleanUp() {
  await stopAll();
  for (const prefix of [PREFIX, RAW_PREFIX]) await removeKeys(prefix).catch((e) => log(`removing ${prefix}:* failed: ${e.message}`));
  if (!process.env.BENCH_KEEP) await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch((e) => log(`dropping ${DB} failed: ${e.message}`));
}

let cleaning = null;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: cleaning up`);
    aborting = true;
    cleaning ??= cleanUp();
    cleaning.finally(() => process.exit(130));
  });
}

(async () => {
  const matrix = [];
  for (const workers of WORKER_COUNTS)
    for (const concurrency of CONCURRENCIES) for (const smtpConnections of SMTP_CONNECTIONS) matrix.push({ workers, concurrency, smtpConnections });
  log(
    `bench/outreach: ${fmt(N)} candidates, ${STEPS} step(s), runs: ${matrix.map((m) => `${m.workers}w x ${m.concurrency}c x ${m.smtpConnections}smtp`).join(', ')}; ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const results = [];
  let failed = false;
  try {
    for (const m of matrix) {
      try {
        results.push(await cycle(m));
      } finally {
        await stopAll();
        for (const prefix of [PREFIX, RAW_PREFIX]) {
          const removed = await removeKeys(prefix).catch((e) => (log(`removing ${prefix}:* failed: ${e.message}`), 0));
          log(`removed ${fmt(removed)} Redis keys under ${prefix}:*`);
        }
      }
    }
  } catch (e) {
    failed = true;
    console.error(e);
  } finally {
    cleaning ??= cleanUp();
    await cleaning;
  }
  if (results.length > 1) {
    console.log(`\nSummary (${fmt(N)} candidates; figures are indicative: ${os.cpus().length} cores, shared with whatever else runs):`);
    console.log(
      '| workers x concurrency | SMTP conns | enrolment | outreach steps/s | raw no-op jobs/s | ratio | ratio first-to-last | ratio to fastest raw | goal ${GOAL * 100} % | checks |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    );
    for (const r of results) {
      console.log(
        `| ${r.workers} x ${r.concurrency} | ${r.smtpConnections} | ${secs(r.enrolMs)} | ${fmt(r.outreachRate, 1)} | ${fmt(r.rawRate, 1)} | ${(r.ratio * 100).toFixed(1)} % | ${(r.ratioSteady * 100).toFixed(1)} % | ${(r.ratioStrict * 100).toFixed(1)} % | ${r.ratio >= GOAL ? 'met' : 'not met'} | ${r.problems ? `${r.problems} problem(s)` : 'OK'} |`,
      );
    }
  }
  process.exit(failed ? 1 : 0);
})();
