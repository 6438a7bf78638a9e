// bench/faults: an outreach campaign under fault injection. N messages (default 5,000: 2,500
// candidates x 2 steps) go out through 3 worker processes while a random worker is killed with
// SIGKILL every few seconds (and replaced), and the bench's own Redis is FLUSHALLed once, about a
// third of the way through. Afterwards every step must be `sent` or `uncertain`, no Message-ID may
// reach the SMTP sink twice, and no `sent` step may be missing from the sink.
//   npm run -s build && node bench/faults/run.js            (full form: >= 5,000 messages)
//   npm run -s build && node bench/faults/run.js --short    (CI form, BENCH_SHORT=1 too: 1,000 messages)
// Settings (env): BENCH_MESSAGES, BENCH_STEPS (2), BENCH_WORKERS (3), BENCH_KILL_MIN_MS / BENCH_KILL_MAX_MS
// (2000-3000 full and short), BENCH_TIMEOUT_S (600 full, 180 short), BENCH_CONCURRENCY (8),
// BENCH_SMTP_DELAY_MS (40: the sink takes this long to accept each message) and BENCH_SMTP_CONNECTIONS
// (2 per worker): a slow server keeps batches in the middle of SMTP exchanges when the kills land,
// BENCH_KEEP=1 keeps the database and the process logs. DATABASE_URL names the Postgres server
// (its database is replaced by hiring_bench_faults). The Redis is a redis-server of the bench's
// own on a free port: the shared one is never touched. Exits 1 when an invariant fails.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const Redis = require('ioredis');
const { startSmtpSink } = require('../../scripts/smtp-sink');
const { adminQuery, benchTaskForce, databaseUrl, freePort, sleep, waitForHealth } = require('../lib');

const ROOT = path.join(__dirname, '../..');
const API_MAIN = path.join(ROOT, 'dist/apps/api/src/main.js');
const WORKER_MAIN = path.join(ROOT, 'dist/apps/worker/src/main.js');

const SHORT = process.argv.includes('--short') || ['1', 'true'].includes(String(process.env.BENCH_SHORT ?? '').toLowerCase());
const num = (name, fallback) => (process.env[name] !== undefined && process.env[name] !== '' ? Number(process.env[name]) : fallback);
const MESSAGES = num('BENCH_MESSAGES', SHORT ? 1_000 : 5_000);
const STEPS = num('BENCH_STEPS', 2);
const CANDIDATES = Math.ceil(MESSAGES / STEPS);
const WORKERS = num('BENCH_WORKERS', 3);
const KILL_MIN_MS = num('BENCH_KILL_MIN_MS', 2_000);
const KILL_MAX_MS = Math.max(KILL_MIN_MS, num('BENCH_KILL_MAX_MS', 3_000));
const TIMEOUT_MS = num('BENCH_TIMEOUT_S', SHORT ? 180 : 600) * 1000;
const CONCURRENCY = num('BENCH_CONCURRENCY', 8);
const SMTP_DELAY_MS = num('BENCH_SMTP_DELAY_MS', 40);
const SMTP_CONNECTIONS = num('BENCH_SMTP_CONNECTIONS', 2);
const DOMAINS = 500;
const KEEP = Boolean(process.env.BENCH_KEEP);

const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = 'hiring_bench_faults';
const QUEUE_PREFIX = 'bench-faults';
const ADMIN_TOKEN = 'bench-faults-admin-token-0123456789';
const SHARED_REDIS_PORT = 6379;

const dbUrl = databaseUrl(BASE_URL, DB);

const t0 = Date.now();
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)} +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...args);
const fmt = (n) => Number(n).toLocaleString('en-US');

const admin = (sql) => adminQuery(BASE_URL, sql);

/** Every child this run started, so that any exit path can take them down. */
const children = new Set();
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-faults-'));

function spawnChild(label, command, args, env) {
  const out = fs.openSync(path.join(logDir, `${label}.log`), 'a');
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  child.label = label;
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  child.exited.then(() => children.delete(child));
  return child;
}

async function stopChild(child, graceMs = 12_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const stopped = await Promise.race([child.exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!stopped) {
    child.kill('SIGKILL');
    await child.exited;
  }
}

process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // Already gone: nothing to kill.
    }
  }
});

const waitHttp = waitForHealth;

// ---------------------------------------------------------------- Redis of its own

async function startRedis() {
  const port = await freePort();
  if (port === SHARED_REDIS_PORT) throw new Error('refusing to use the shared Redis port');
  const dir = path.join(logDir, 'redis');
  fs.mkdirSync(dir);
  const child = spawnChild('redis', 'redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--maxmemory-policy',
    'noeviction',
    '--dir',
    dir,
  ]);
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
  client.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      if (client.status !== 'ready') await client.connect().catch(() => undefined);
      if ((await client.ping()) === 'PONG') break;
    } catch {
      // Not answering yet: check the process is alive, then try again.
    }
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}); see ${logDir}/redis.log`);
    await sleep(100);
  }
  const [, actualPort] = await client.config('GET', 'port');
  if (Number(actualPort) !== port || port === SHARED_REDIS_PORT) throw new Error(`connected to the wrong Redis (port ${actualPort})`);
  return { port, child, client, url: `redis://127.0.0.1:${port}` };
}

// ---------------------------------------------------------------- API calls

let apiUrl;
async function api(method, pathname, body) {
  const res = await fetch(`${apiUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (res.status >= 300) throw new Error(`${method} ${pathname}: ${res.status} ${text.slice(0, 500)}`);
  return json;
}

/** Error lines the workers wrote (pino JSON), grouped by message: the kills and the FLUSHALL leave traces. */
function logSummary() {
  const tally = new Map();
  let lines = 0;
  for (const file of fs.readdirSync(logDir).filter((f) => f.startsWith('worker-'))) {
    for (const line of fs.readFileSync(path.join(logDir, file), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      lines += 1;
      let key = line.slice(0, 80);
      try {
        const j = JSON.parse(line);
        key = `${j.msg ?? ''}${j.err?.message ? `: ${j.err.message}` : ''}`
          .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
          .replace(/\d+/g, 'N')
          .slice(0, 100);
      } catch {
        // Not a JSON log line: tallied by its first 80 characters.
      }
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
  }
  const top = [...tally]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, c]) => `${c}x "${k.replace(/\|/g, '/')}"`);
  return `${lines}${top.length ? ` (${top.join('; ')})` : ''}`;
}

// ---------------------------------------------------------------- the run

(async () => {
  let exitCode = 1;
  let redis;
  let sink;
  let db;
  let apiProc;
  const workers = [];
  let stopKilling = false;
  let killLoop = Promise.resolve();
  try {
    log(
      `bench/faults (${SHORT ? 'short' : 'full'} form): ${fmt(CANDIDATES)} candidates x ${STEPS} steps = ${fmt(CANDIDATES * STEPS)} messages, ${WORKERS} workers, ` +
        `SIGKILL every ${KILL_MIN_MS}-${KILL_MAX_MS} ms, SMTP sink answering after ${SMTP_DELAY_MS} ms on ${SMTP_CONNECTIONS} connection(s) per worker, ${os.cpus().length} cores; logs in ${logDir}`,
    );
    if (!SHORT && CANDIDATES * STEPS < 5_000) log(`note: the full form is meant to send at least 5,000 messages (BENCH_MESSAGES=${MESSAGES})`);
    if (!fs.existsSync(API_MAIN) || !fs.existsSync(WORKER_MAIN)) {
      log('dist is missing: npm run -s build');
      const built = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
      if (built.status !== 0) throw new Error('the build failed');
    }

    redis = await startRedis();
    log(`own redis-server on port ${redis.port} (pid ${redis.child.pid})`);

    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB}`);

    sink = await startSmtpSink({ port: 0 });
    sink.delayMs = SMTP_DELAY_MS;
    const smtpUrl = `smtp://127.0.0.1:${sink.port}`;
    log(`smtp sink on port ${sink.port}`);

    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    const common = {
      DATABASE_URL: dbUrl,
      REDIS_URL: redis.url,
      HOST: '127.0.0.1',
      QUEUE_PREFIX,
      SMTP_URL: smtpUrl,
      PUBLIC_BASE_URL: apiUrl,
      LOG_LEVEL: 'error',
      RATE_LIMIT_PER_MINUTE: '0',
    };
    apiProc = spawnChild('api', process.execPath, [API_MAIN], {
      ...common,
      PORT: String(apiPort),
      ADMIN_BOOTSTRAP_TOKEN: ADMIN_TOKEN,
      MIGRATIONS_RUN_ON_START: 'true',
    });
    if (!(await waitHttp(`${apiUrl}/health`, apiProc))) throw new Error(`the API did not become healthy; see ${logDir}/api.log`);
    log(`API on port ${apiPort} (migrations run, bootstrap admin created)`);

    // Task force through the API; candidates and applications by SQL (fast); sequence and enrolment through the API.
    const taskForce = await api('POST', '/v1/task-forces', benchTaskForce('ByteDance / Doubao fault bench'));
    db = new Client({ connectionString: dbUrl });
    await db.connect();
    await db.query(
      `INSERT INTO candidates (id, full_name, emails, current_employer, current_title)
       SELECT gen_random_uuid(), 'Bench Candidate ' || i, ARRAY['cand.' || i || '@lab' || (i % ${DOMAINS}) || '.example.com'], 'OpenAI', 'Research Engineer'
         FROM generate_series(1, $1::int) AS i`,
      [CANDIDATES],
    );
    await db.query(`INSERT INTO candidate_identities (kind, value, candidate_id) SELECT 'email', emails[1], id FROM candidates`);
    await db.query(`INSERT INTO applications (id, candidate_id, task_force_id, stage) SELECT gen_random_uuid(), id, $1, 'sourced' FROM candidates`, [
      taskForce.id,
    ]);
    const candidateIds = (await db.query(`SELECT id FROM candidates ORDER BY id`)).rows.map((r) => r.id);
    const allDay = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
    const sequence = await api('POST', '/v1/sequences', {
      taskForceId: taskForce.id,
      name: 'Fault bench',
      sender: { fromName: 'Jun Wang', fromAddress: 'jun.wang@talent.example.com', replyTo: 'replies@talent.example.com' },
      steps: Array.from({ length: STEPS }, (_, i) => ({
        delay: 'PT0S',
        subject: i === 0 ? '{{taskForce.company}}: hello {{candidate.firstName}}' : `Note ${i + 1}`,
        body: `Hi {{candidate.firstName}}, note ${i + 1}.\nUnsubscribe: {{unsubscribeUrl}}`,
      })),
      sendWindow: allDay,
      dailyCapPerSender: 100_000,
      dailyCapPerRecipientDomain: 100_000,
    });
    let enrolledCount = 0;
    for (let i = 0; i < candidateIds.length; i += 10_000) {
      const result = await api('POST', `/v1/sequences/${sequence.id}/enrollments`, { candidateIds: candidateIds.slice(i, i + 10_000) });
      if (result.skipped.length) throw new Error(`enrolment skipped ${result.skipped.length} candidates, e.g. ${JSON.stringify(result.skipped[0])}`);
      enrolledCount += result.enrolled.length;
    }
    const expected = enrolledCount * STEPS;
    log(`${fmt(enrolledCount)} candidates enrolled through the API: ${fmt(expected)} messages to send; ${await redis.client.dbsize()} keys in the bench redis`);

    // ------------------------------------------------------------ workers, kills, FLUSHALL
    let workerSeq = 0;
    const startWorker = async () => {
      const port = await freePort();
      const n = ++workerSeq;
      const child = spawnChild(`worker-${n}`, process.execPath, [WORKER_MAIN], {
        ...common,
        WORKER_PORT: String(port),
        MIGRATIONS_RUN_ON_START: 'false',
        OUTREACH_CONCURRENCY: String(CONCURRENCY),
        SMTP_MAX_CONNECTIONS: String(SMTP_CONNECTIONS),
        OUTREACH_RECONCILE_INTERVAL_MS: '1000',
        OUTREACH_CLAIM_GRACE_MS: '2000',
        OUTREACH_RETRY_BASE_MS: '1000',
        SHUTDOWN_TIMEOUT_MS: '5000',
      });
      const w = { n, port, child, ready: false, startedAt: Date.now() };
      w.readyPromise = waitHttp(`http://127.0.0.1:${port}/health`, child, 120_000).then((ok) => (w.ready = ok));
      workers.push(w);
      return w;
    };

    const startedAt = Date.now();
    const since = () => (Date.now() - startedAt) / 1000;
    for (let i = 0; i < WORKERS; i++) await startWorker();
    const readyAll = await Promise.all(workers.map((w) => w.readyPromise));
    if (!readyAll.every(Boolean)) throw new Error(`a worker did not become healthy; see ${logDir}/worker-*.log`);
    log(`${WORKERS} workers healthy after ${since().toFixed(1)} s`);

    const kills = [];
    const unexpectedExits = [];
    const live = () => workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null && !w.killed);
    killLoop = (async () => {
      while (!stopKilling) {
        await sleep(KILL_MIN_MS + Math.random() * (KILL_MAX_MS - KILL_MIN_MS));
        if (stopKilling) break;
        // Workers that died by themselves are replaced too, and reported.
        for (const w of workers) {
          if (!w.killed && !w.reported && (w.child.exitCode !== null || w.child.signalCode !== null)) {
            w.reported = true;
            unexpectedExits.push({ worker: w.n, code: w.child.exitCode, signal: w.child.signalCode, at: since() });
            await startWorker();
          }
        }
        const candidates = live().filter((w) => w.ready);
        if (!candidates.length) continue;
        const victim = candidates[Math.floor(Math.random() * candidates.length)];
        victim.killed = true;
        victim.child.kill('SIGKILL');
        kills.push({ worker: victim.n, pid: victim.child.pid, at: since(), livedMs: Date.now() - victim.startedAt });
        await startWorker();
      }
    })();

    const counts = async () => {
      const rows = (await db.query(`SELECT status, count(*)::int AS n FROM outreach_messages GROUP BY status`)).rows;
      const by = Object.fromEntries(rows.map((r) => [r.status, r.n]));
      return { ...by, total: rows.reduce((s, r) => s + r.n, 0) };
    };

    // Read-only look at the BullMQ jobs of steps that wait long (why the tail is what it is).
    const { Queue } = require('bullmq');
    const outreachQueue = new Queue('outreach', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: QUEUE_PREFIX });
    outreachQueue.on('error', () => undefined);
    const jobStates = async (limit) => {
      const open = (
        await db.query(`SELECT id, step, status, due_at FROM outreach_messages WHERE status IN ('scheduled', 'sending') ORDER BY due_at LIMIT $1`, [limit])
      ).rows;
      const states = await Promise.all(
        open.map((r) => outreachQueue.getJobState(`send-${r.id}-${new Date(r.due_at).getTime()}`).catch((e) => `? ${e.message}`)),
      );
      return open.map((r, i) => ({ ...r, job: states[i] }));
    };

    let flush = null;
    let lastLog = 0;
    let done = false;
    let timedOut = false;
    let at99 = null;
    let lastFinished = -1;
    let lastProgressAt = Date.now();
    let lastTailLog = 0;
    while (!done) {
      const c = await counts();
      const finished = (c.sent ?? 0) + (c.uncertain ?? 0);
      if (finished !== lastFinished) {
        lastFinished = finished;
        lastProgressAt = Date.now();
      }
      if (at99 === null && c.total > 0 && finished >= c.total * 0.99) at99 = { at: since(), sink: new Set(sink.messages.map((m) => m.messageId)).size };
      if (Date.now() - lastProgressAt > 5000 && Date.now() - lastTailLog > 10_000 && ((c.scheduled ?? 0) || (c.sending ?? 0))) {
        lastTailLog = Date.now();
        const open = await jobStates(200);
        const tally = {};
        for (const o of open) tally[`${o.status}/job ${o.job}`] = (tally[`${o.status}/job ${o.job}`] ?? 0) + 1;
        log(
          `no progress for ${((Date.now() - lastProgressAt) / 1000).toFixed(0)} s; open steps by Postgres status / BullMQ job state: ${JSON.stringify(tally)}`,
        );
      }
      if (!flush && finished >= expected / 3) {
        const keys = await redis.client.dbsize();
        await redis.client.flushall();
        flush = { at: since(), finished, keys, scheduled: c.scheduled ?? 0, sending: c.sending ?? 0, sinkMessages: sink.messages.length };
        log(
          `FLUSHALL on the bench redis (port ${redis.port}): ${fmt(keys)} keys dropped at ${fmt(finished)} / ${fmt(expected)} steps done, ${fmt(flush.scheduled)} scheduled, ${flush.sending} sending`,
        );
      }
      if (!(c.scheduled ?? 0) && !(c.sending ?? 0) && c.total > 0 && flush) done = true;
      else if (Date.now() - startedAt > TIMEOUT_MS) {
        timedOut = true;
        break;
      } else {
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(
            `sent ${fmt(c.sent ?? 0)}, uncertain ${c.uncertain ?? 0}, scheduled ${fmt(c.scheduled ?? 0)}, sending ${c.sending ?? 0}; sink ${fmt(sink.messages.length)}; kills ${kills.length}`,
          );
        }
        await sleep(250);
      }
    }
    const wallSeconds = since();
    stopKilling = true;
    await killLoop;
    log(timedOut ? `TIMEOUT after ${(TIMEOUT_MS / 1000).toFixed(0)} s` : `no step scheduled or sending after ${wallSeconds.toFixed(1)} s`);

    // Diagnostics for steps still open (only on a timeout): their BullMQ job, while Redis still runs.
    let stuck = [];
    if (timedOut) {
      const rows = (
        await db.query(
          `SELECT m.id, m.step, m.status, m.due_at, m.claimed_at, m.attempts, m.detail, m.message_id, e.status AS enrollment_status
           FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
          WHERE m.status IN ('scheduled', 'sending') ORDER BY m.due_at LIMIT 20`,
        )
      ).rows;
      for (const r of rows)
        stuck.push({ ...r, job: await outreachQueue.getJobState(`send-${r.id}-${new Date(r.due_at).getTime()}`).catch((e) => `? ${e.message}`) });
    }
    await outreachQueue.close().catch(() => undefined);

    // API view of the same campaign, before the processes stop.
    const stats = await api('GET', `/v1/sequences/${sequence.id}/stats`).catch((e) => ({ error: e.message }));

    await Promise.all(workers.map((w) => stopChild(w.child)));
    await stopChild(apiProc);
    apiProc = null;
    await sleep(200);

    // ------------------------------------------------------------ the report
    const statusRows = (await db.query(`SELECT step, status, count(*)::int AS n FROM outreach_messages GROUP BY step, status ORDER BY step, status`)).rows;
    const byStatus = {};
    for (const r of statusRows) byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    const rows = (await db.query(`SELECT message_id, status, step FROM outreach_messages`)).rows;
    const enrollmentStatus = (await db.query(`SELECT status, count(*)::int AS n FROM enrollments GROUP BY status ORDER BY status`)).rows;
    // Steps never planned because an earlier step of the same enrollment is uncertain (it is not resent, so the next is not planned).
    const [{ blocked, broken }] = (
      await db.query(
        `SELECT coalesce(sum(CASE WHEN l.status = 'uncertain' THEN $1 - l.step ELSE 0 END), 0)::int AS blocked,
              count(*) FILTER (WHERE l.status = 'sent' AND l.step < $1)::int AS broken
         FROM (SELECT DISTINCT ON (enrollment_id) enrollment_id, step, status FROM outreach_messages ORDER BY enrollment_id, step DESC) l`,
        [STEPS],
      )
    ).rows;

    const received = new Map();
    for (const m of sink.messages) received.set(m.messageId, (received.get(m.messageId) ?? 0) + 1);
    const duplicates = [...received].filter(([, n]) => n > 1);
    const known = new Map(rows.map((r) => [r.message_id, r]));
    const unknownAtSink = [...received.keys()].filter((id) => !known.has(id));
    const sentRows = rows.filter((r) => r.status === 'sent');
    const missing = sentRows.filter((r) => !received.has(r.message_id));
    const uncertainRows = rows.filter((r) => r.status === 'uncertain');
    const uncertainArrived = uncertainRows.filter((r) => received.has(r.message_id)).length;
    const n = (s) => byStatus[s] ?? 0;
    const other = Object.entries(byStatus).filter(([s]) => !['sent', 'uncertain', 'scheduled', 'sending'].includes(s));
    const otherCount = other.reduce((s, [, c]) => s + c, 0);
    const unaccounted = expected - rows.length - blocked;

    const checks = [
      ['every step is sent or uncertain (none scheduled, sending, skipped or failed)', n('scheduled') + n('sending') + otherCount === 0],
      ['every expected step exists or follows an uncertain one', unaccounted === 0 && broken === 0],
      ['no Message-ID arrived at the sink twice', duplicates.length === 0],
      ['no sent step is missing from the sink', missing.length === 0],
      ['every Message-ID at the sink belongs to a step', unknownAtSink.length === 0],
      ['the FLUSHALL happened', Boolean(flush)],
      ['workers were killed', kills.length > 0],
    ];
    const ok = checks.every(([, pass]) => pass);
    const uniqueAtSink = received.size;

    console.log(`\nbench/faults report (${SHORT ? 'short' : 'full'} form)`);
    console.log('| metric | value |\n| --- | --- |');
    const row = (k, v) => console.log(`| ${k} | ${v} |`);
    row('steps expected (enrollments x steps)', `${fmt(expected)} (${fmt(enrolledCount)} x ${STEPS})`);
    row('step rows in Postgres', fmt(rows.length));
    row('  sent', fmt(n('sent')));
    row('  uncertain', fmt(n('uncertain')));
    row('  scheduled', fmt(n('scheduled')));
    row('  sending', fmt(n('sending')));
    row('  other', otherCount ? other.map(([s, c]) => `${s} ${c}`).join(', ') : '0');
    row('steps not planned because an earlier step is uncertain', fmt(blocked));
    row('unaccounted steps (expected - rows - not planned)', fmt(unaccounted));
    row('enrollments by status', enrollmentStatus.map((r) => `${r.status} ${fmt(r.n)}`).join(', '));
    row('messages received by the sink (all / distinct Message-IDs)', `${fmt(sink.messages.length)} / ${fmt(uniqueAtSink)}`);
    row('duplicates at the sink (Message-IDs received more than once)', duplicates.length);
    row('missing (sent in Postgres, never at the sink)', missing.length);
    row('Message-IDs at the sink that match no step', unknownAtSink.length);
    row('uncertain steps that did reach the sink', `${uncertainArrived} of ${uncertainRows.length}`);
    row('kills (SIGKILL of a random worker, each replaced)', `${kills.length} (workers started: ${workerSeq})`);
    row('workers that exited by themselves', unexpectedExits.length ? JSON.stringify(unexpectedExits) : 0);
    row(
      'FLUSHALL',
      flush
        ? `at ${flush.at.toFixed(1)} s, ${fmt(flush.finished)} / ${fmt(expected)} steps done, ${fmt(flush.keys)} keys dropped, ${fmt(flush.scheduled)} steps scheduled then`
        : 'did not happen',
    );
    row('wall time (workers started -> no step scheduled or sending)', `${wallSeconds.toFixed(1)} s${timedOut ? ' (TIMEOUT)' : ''}`);
    row('throughput (distinct messages at the sink / wall time)', `${(uniqueAtSink / wallSeconds).toFixed(1)} messages/s`);
    row('99% of the step rows sent or uncertain after', at99 ? `${at99.at.toFixed(1)} s (${(at99.sink / at99.at).toFixed(1)} messages/s until then)` : '-');
    row('worker log lines at LOG_LEVEL=error (most frequent)', logSummary());
    row('API stats totals', stats.totals ? `sent ${fmt(stats.totals.sent)}, uncertain ${fmt(stats.totals.uncertain)}` : JSON.stringify(stats));
    console.log('\nInvariants:');
    for (const [name, pass] of checks) console.log(`  ${pass ? 'PASS' : 'FAIL'}  ${name}`);
    if (duplicates.length)
      console.log(
        'duplicates (first 10):',
        duplicates
          .slice(0, 10)
          .map(([id, c]) => `${id} x${c} (${known.get(id)?.status ?? 'no step'})`)
          .join(', '),
      );
    if (missing.length)
      console.log(
        'missing (first 10):',
        missing
          .slice(0, 10)
          .map((r) => `${r.message_id} step ${r.step}`)
          .join(', '),
      );
    if (unknownAtSink.length) console.log('unknown at the sink (first 10):', unknownAtSink.slice(0, 10).join(', '));
    if (stuck.length) {
      console.log('steps still open (first 20), with the state of their BullMQ job:');
      for (const s of stuck)
        console.log(
          `  ${s.id} step ${s.step} ${s.status} due ${new Date(s.due_at).toISOString()} claimed ${s.claimed_at ? new Date(s.claimed_at).toISOString() : '-'} attempts ${s.attempts} enrollment ${s.enrollment_status} job ${s.job} detail ${s.detail ?? '-'}`,
        );
    }
    console.log(ok ? '\nRESULT: PASS' : `\nRESULT: FAIL (process logs kept in ${logDir})`);
    exitCode = ok ? 0 : 1;
  } catch (error) {
    console.error(error);
    console.error(`process logs in ${logDir}`);
    exitCode = 1;
  } finally {
    stopKilling = true;
    await killLoop.catch(() => undefined);
    await Promise.all([...children].filter((c) => c !== redis?.child).map((c) => stopChild(c, 5_000).catch(() => undefined)));
    await db?.end().catch(() => undefined);
    await sink?.close().catch(() => undefined);
    if (redis) {
      redis.client.disconnect();
      await stopChild(redis.child, 5_000).catch(() => undefined);
    }
    if (!KEEP) await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`).catch((e) => console.error(`dropping ${DB}: ${e.message}`));
    if (!KEEP && exitCode === 0) fs.rmSync(logDir, { recursive: true, force: true });
    process.exit(exitCode);
  }
})();

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const child of children) {
      try {
        child.kill('SIGKILL');
      } catch {
        // Already gone: nothing to kill.
      }
    }
    admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`)
      .catch(() => undefined)
      .finally(() => process.exit(130));
  });
}
