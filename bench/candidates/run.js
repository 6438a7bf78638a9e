// bench/candidates: loads N candidates (default 1,000,000) into a database of its own, then
// measures search latency through the real API and GET /v1/candidates/:id throughput under 64
// connections beside a bare Fastify + pg lookup of the same rows, in the same run.
//   npm run bench:candidates            (BENCH_CANDIDATES=200000 for a quicker run)
// BENCH_DB names the database (default hiring_bench); BENCH_REUSE_DB=1 keeps it after the run and,
// if it already holds N candidates, migrates and re-measures it instead of loading again;
// BENCH_SEARCH_ONLY=1 is BENCH_ONLY=search.
// Throughput is measured in two configurations, each against its own bare baseline run just
// before it: as shipped (.env.example: LOG_LEVEL=info, rate limits on, with a per-user budget too
// high to refuse) and stripped (LOG_LEVEL=warn, rate limits off).
//   BENCH_ONLY=throughput      skip the search latency part
//   BENCH_CONFIGS=shipped      only these configurations, comma-separated: shipped, stripped, and
//                              logs-only or limits-only (one difference at a time)
//   BENCH_SECONDS=15           per measured run; BENCH_WARMUP_SECONDS=5 before each
//   BENCH_PROFILE=dir          run the API under node --cpu-prof, profiles written to dir
//   BENCH_BASELINE_DIR=dir     also measure the API built in another checkout (dir/dist), each
//                              configuration right after this one's, for before/after in one run
//   BENCH_ROUNDS=5             repeat the throughput runs (builds in alternating order) and print
//                              the median of each figure: a single run moves with the neighbours' load
// The API's log goes to a file (as a container's stdout would go to a pipe), not to /dev/null.
require('reflect-metadata');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { Client } = require('pg');
const autocannon = require('autocannon');
const { adminQuery, databaseUrl, freshDatabase, migrate, sleep } = require('../lib');
const { SURNAMES, NATIVE_SURNAMES, GIVEN, EMPLOYERS, TITLES, SKILLS, AREAS, VISAS, arr } = require('../people');

const N = Number(process.env.BENCH_CANDIDATES ?? 1_000_000);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DB = process.env.BENCH_DB ?? 'hiring_bench';
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const API_PORT = 3710;
const BARE_PORT = 3711;
const DURATION = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5);
const ONLY = process.env.BENCH_ONLY ?? (process.env.BENCH_SEARCH_ONLY ? 'search' : 'all');
const CONFIGS = (process.env.BENCH_CONFIGS ?? 'shipped,stripped').split(',');
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const PROFILE_DIR = process.env.BENCH_PROFILE;

const dbUrl = databaseUrl(BASE_URL, DB);

const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);

const admin = (sql) => adminQuery(BASE_URL, sql);

/** A database an earlier run kept (BENCH_REUSE_DB=1), migrated to this build and analysed again; null if there is none of N candidates. */
async function reuse() {
  const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${DB}'`)).rows.length > 0;
  if (!exists) return null;
  await migrate(dbUrl);
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const n = Number((await c.query(`SELECT count(*) AS n FROM candidates`)).rows[0].n);
    if (n !== N) return null;
    await c.query(`VACUUM ANALYZE`);
    const ids = (await c.query(`SELECT id FROM candidates TABLESAMPLE SYSTEM (1) LIMIT 5000`)).rows.map((r) => r.id);
    const size = (await c.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
    return { rowsSeconds: 0, indexSeconds: 0, ids, size };
  } finally {
    await c.end();
  }
}

async function load() {
  if (process.env.BENCH_REUSE_DB) {
    const kept = await reuse();
    if (kept) return kept;
  }
  await freshDatabase(BASE_URL, DB);

  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const started = Date.now();
  // Bulk load the way a real one is done: secondary indexes off, rows in, indexes rebuilt.
  const indexes = (
    await c.query(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('candidates', 'candidate_identities') AND indexname NOT LIKE '%pkey'`)
  ).rows;
  for (const i of indexes) await c.query(`DROP INDEX ${i.indexname}`);
  await c.query(`SET maintenance_work_mem = '1GB'`);
  await c.query(`SELECT setseed(0.42)`);
  const u = await c.query(
    `INSERT INTO users (id, email, name, role) VALUES ('00000000-0000-7000-8000-000000000001', 'bench@example.com', 'Bench Admin', 'admin'), ('00000000-0000-7000-8000-000000000002', 'recruiter@example.com', 'Bench Recruiter', 'recruiter'), ('00000000-0000-7000-8000-000000000003', 'recruiter2@example.com', 'Bench Recruiter Two', 'recruiter') RETURNING id`,
  );
  const { createHash } = require('node:crypto');
  const hash = (t) => createHash('sha256').update(t).digest('hex');
  await c.query(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix) VALUES ('00000000-0000-7000-8000-0000000000a1', $1, 'bench', $2, 'bench'), ('00000000-0000-7000-8000-0000000000a2', $3, 'bench', $4, 'bench'), ('00000000-0000-7000-8000-0000000000a3', $5, 'bench', $6, 'bench')`,
    [u.rows[0].id, hash(ADMIN_TOKEN), u.rows[1].id, hash(`${ADMIN_TOKEN}-recruiter`), u.rows[2].id, hash(`${ADMIN_TOKEN}-recruiter2`)],
  );
  await c.query(
    `INSERT INTO task_forces (id, name, company, location, time_zone, focus_areas, headcount_target) VALUES ('00000000-0000-7000-8000-0000000000f1', 'ByteDance / Doubao LLM', 'ByteDance', 'San Jose, CA', 'America/Los_Angeles', '{llm}', 20), ('00000000-0000-7000-8000-0000000000f2', 'ByteDance / Seed Speech', 'ByteDance', 'San Jose, CA', 'America/Los_Angeles', '{speech}', 20)`,
  );
  // The second recruiter is in both task forces: 50,000 applications at 1,000,000 candidates.
  await c.query(
    `INSERT INTO task_force_members (task_force_id, user_id) VALUES ('00000000-0000-7000-8000-0000000000f1', $1), ('00000000-0000-7000-8000-0000000000f1', $2), ('00000000-0000-7000-8000-0000000000f2', $2)`,
    [u.rows[1].id, u.rows[2].id],
  );

  const chunk = 100_000;
  for (let from = 1; from <= N; from += chunk) {
    const to = Math.min(N, from + chunk - 1);
    await c.query(`
      INSERT INTO candidates (id, full_name, native_name, emails, current_employer, current_title, years_of_experience, skills, skill_areas,
                              visa_status, source, owner_id, tags, education, created_at, updated_at)
      SELECT (lpad(to_hex(1764000000000 + i), 12, '0') || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15))::uuid,
             g || ' ' || s, CASE WHEN i % 3 = 0 THEN ns || '某' END,
             ARRAY[lower(g || '.' || s || '.' || i || '@example.com')],
             e, t, (i % 200) / 10.0,
             ARRAY[${arr(SKILLS)}[1 + i % 20], ${arr(SKILLS)}[1 + (i / 20) % 20]],
             ARRAY[${arr(AREAS)}[1 + i % 8]],
             ${arr(VISAS)}[1 + (i / 7) % 7], 'sourced', '00000000-0000-7000-8000-000000000001',
             CASE WHEN i % 100 = 0 THEN ARRAY['neurips-2026'] ELSE '{}' END,
             CASE WHEN i % 4 = 0 THEN '[{"university": "Tsinghua University", "degree": "phd"}]'::jsonb ELSE '[]'::jsonb END,
             now() - (i % 1000) * interval '1 hour', now() - (i % 1000) * interval '1 hour'
        FROM (SELECT i,
                     ${arr(GIVEN)}[1 + floor(random() * ${GIVEN.length})::int] AS g,
                     ${arr(SURNAMES)}[1 + floor(random() * ${SURNAMES.length})::int] AS s,
                     ${arr(NATIVE_SURNAMES)}[1 + floor(random() * ${NATIVE_SURNAMES.length})::int] AS ns,
                     ${arr(EMPLOYERS)}[1 + floor(random() * ${EMPLOYERS.length})::int] AS e,
                     ${arr(TITLES)}[1 + floor(random() * ${TITLES.length})::int] AS t
                FROM generate_series(${from}, ${to}) AS i) src`);
    log(`loaded ${to.toLocaleString()} / ${N.toLocaleString()} candidates`);
  }
  await c.query(`INSERT INTO candidate_identities (kind, value, candidate_id) SELECT 'email', emails[1], id FROM candidates`);
  // 2% of candidates are in the recruiter's task force pipeline.
  await c.query(`
    INSERT INTO applications (id, candidate_id, task_force_id, stage)
    SELECT (lpad(to_hex(1765000000000 + row_number() OVER ()), 12, '0') || '7' || substr(md5(id::text), 1, 3) || '8' || substr(md5(id::text), 4, 15))::uuid,
           id, '00000000-0000-7000-8000-0000000000f1', (ARRAY['sourced','contacted','replied','screening','interviewing'])[1 + (abs(hashtext(id::text || 'stage')) % 5)]
      FROM candidates WHERE abs(hashtext(id::text)) % 50 = 0`);
  // And 3% more in the second task force, which only the second recruiter is in.
  await c.query(`
    INSERT INTO applications (id, candidate_id, task_force_id, stage)
    SELECT (lpad(to_hex(1766000000000 + row_number() OVER ()), 12, '0') || '7' || substr(md5(id::text), 1, 3) || '8' || substr(md5(id::text), 4, 15))::uuid,
           id, '00000000-0000-7000-8000-0000000000f2', (ARRAY['sourced','contacted','replied','screening','interviewing'])[1 + (abs(hashtext(id::text || 'stage')) % 5)]
      FROM candidates WHERE abs(hashtext(id::text)) % 100 BETWEEN 1 AND 3`);
  const loadedAt = Date.now();
  for (const i of indexes) await c.query(i.indexdef);
  // As autovacuum leaves a table in service: index-only scans (look-alike counts) then skip the heap.
  await c.query(`VACUUM ANALYZE`);
  const indexedAt = Date.now();
  const ids = (await c.query(`SELECT id FROM candidates TABLESAMPLE SYSTEM (1) LIMIT 5000`)).rows.map((r) => r.id);
  const size = (await c.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
  await c.end();
  return { rowsSeconds: (loadedAt - started) / 1000, indexSeconds: (indexedAt - loadedAt) / 1000, ids, size };
}

function startProcess(script, env, readyUrl, { nodeArgs = [], stdout = 'ignore' } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', stdout, 'inherit'] });
  return (async () => {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await fetch(readyUrl)).status < 500) return child;
      } catch {
        // Not listening yet: try again after the pause.
      }
      await sleep(200);
    }
    child.kill();
    throw new Error(`${script} did not start`);
  })();
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** The query string of page `n` of a search, following nextCursor from page 1. */
async function pageOf(pathAndQuery, token, n) {
  let url = pathAndQuery;
  for (let page = 1; page < n; page++) {
    const res = await fetch(`http://127.0.0.1:${API_PORT}${url}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    if (res.status !== 200 || !body.nextCursor) throw new Error(`${pathAndQuery}: no page ${page + 1} (${res.status})`);
    url = `${pathAndQuery}&cursor=${encodeURIComponent(body.nextCursor)}`;
  }
  return url;
}

async function searchLatency(name, pathAndQuery, token, runs = 200) {
  const times = [];
  let count = 0;
  for (let i = 0; i < runs + 10; i++) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${API_PORT}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(body)}`);
    if (i >= 10) times.push(performance.now() - t);
    count = body.data.length;
  }
  times.sort((a, b) => a - b);
  return { name, query: pathAndQuery, rows: count, p50: percentile(times, 50), p95: percentile(times, 95), p99: percentile(times, 99) };
}

function cannon(url, ids, headers, duration = DURATION) {
  let n = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections: 64,
        duration,
        headers,
        requests: [{ setupRequest: (req) => ({ ...req, path: `/v1/candidates/${ids[n++ % ids.length]}` }) }],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

async function searchPart(apiScript, env, apiHealth) {
  const api = await startProcess(apiScript, env, apiHealth);
  try {
    const recruiter = `${ADMIN_TOKEN}-recruiter`;
    const recruiter2 = `${ADMIN_TOKEN}-recruiter2`;
    const searches = [
      await searchLatency('name prefix', '/v1/candidates?q=xiaoy%20zhan&limit=50', ADMIN_TOKEN),
      await searchLatency('Chinese surname', `/v1/candidates?q=${encodeURIComponent('王')}&limit=50`, ADMIN_TOKEN),
      await searchLatency('employer + skill words', '/v1/candidates?q=deepmind%20jax&limit=50', ADMIN_TOKEN),
      await searchLatency('rare word', '/v1/candidates?q=triton%20diffusion%20speech&limit=50', ADMIN_TOKEN),
      await searchLatency('skill area + visa', '/v1/candidates?skillArea=speech&visa=o1&limit=50', ADMIN_TOKEN),
      await searchLatency('employer exact', '/v1/candidates?employer=anthropic&limit=50', ADMIN_TOKEN),
      await searchLatency('tag', '/v1/candidates?tag=neurips-2026&limit=50', ADMIN_TOKEN),
      await searchLatency('recruiter scope, stage', '/v1/candidates?stage=interviewing&limit=50', recruiter),
      await searchLatency('recruiter scope, q', '/v1/candidates?q=chen&limit=50', recruiter),
      await searchLatency('likely duplicates (name + employer)', '/v1/candidates/duplicates?limit=50', ADMIN_TOKEN),
      await searchLatency('two-letter prefix', '/v1/candidates?q=zh&limit=50', ADMIN_TOKEN),
      await searchLatency('common surname + employer + visa', '/v1/candidates?q=wang&employer=openai&visa=h1b&limit=50', ADMIN_TOKEN),
      await searchLatency('page 20 of a common query (cursor)', await pageOf('/v1/candidates?q=chen&limit=50', ADMIN_TOKEN, 20), ADMIN_TOKEN),
      await searchLatency('recruiter, 50,000 applications', '/v1/candidates?limit=50', recruiter2),
      await searchLatency('recruiter, 50,000 applications, stage', '/v1/candidates?stage=interviewing&limit=50', recruiter2),
      await searchLatency('recruiter, 50,000 applications, q', '/v1/candidates?q=chen&limit=50', recruiter2),
      await searchLatency('recruiter, 50,000 applications, page 20', await pageOf('/v1/candidates?limit=50', recruiter2, 20), recruiter2),
    ];
    console.log('\nSearch latency through the API (ms, 200 sequential requests each, after 10 warm-up):');
    console.log('| query | rows | p50 | p95 | p99 |\n| --- | --- | --- | --- | --- |');
    for (const s of searches) console.log(`| ${s.name}: \`${s.query}\` | ${s.rows} | ${s.p50.toFixed(1)} | ${s.p95.toFixed(1)} | ${s.p99.toFixed(1)} |`);
  } finally {
    await stop(api);
  }
}

/**
 * The two configurations throughput is reported for. `shipped` is .env.example's: info logging,
 * rate limits on; its per-user budget is raised so that 64 connections are never refused, but
 * every request still spends it.
 */
const THROUGHPUT_CONFIGS = {
  shipped: { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '1000000000' },
  stripped: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0' },
  // One of the two differences at a time, to tell their costs apart.
  'logs-only': { LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0' },
  'limits-only': { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000000' },
};

/** User + system CPU time of a process so far, in microseconds (Linux /proc). */
function cpuMicros(pid) {
  const fields = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / 100;
}

async function throughputPart(builds, env, apiHealth, ids) {
  const fs = require('node:fs');
  const os = require('node:os');
  const bareUrl = `http://127.0.0.1:${BARE_PORT}`;
  const apiUrl = `http://127.0.0.1:${API_PORT}`;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const errors = (r) => r.errors + r.non2xx;
  const rows = [];
  // Rounds alternate the builds' order, so neither always runs first on a warming machine.
  const runs = [];
  for (let round = 0; round < ROUNDS; round++) {
    const ordered = round % 2 === 0 ? builds : [...builds].reverse();
    for (const name of CONFIGS) for (const build of ordered) runs.push([name, build]);
  }
  for (const [name, build] of runs) {
    const config = THROUGHPUT_CONFIGS[name];
    if (!config) throw new Error(`BENCH_CONFIGS: unknown configuration ${name}`);
    const apiScript = build.script;
    const logFile = path.join(os.tmpdir(), `bench-candidates-api-${name}.log`);
    const logFd = fs.openSync(logFile, 'w');
    const nodeArgs = PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=api-${name}-${Date.now()}.cpuprofile`] : [];
    const api = await startProcess(apiScript, { ...env, ...config }, apiHealth, { nodeArgs, stdout: logFd });
    try {
      await cannon(bareUrl, ids, {}, WARMUP);
      const bareResult = await cannon(bareUrl, ids, {});
      await cannon(apiUrl, ids, auth, WARMUP);
      const cpuBefore = cpuMicros(api.pid);
      const apiResult = await cannon(apiUrl, ids, auth);
      // CPU the API process used per answered request: steadier than req/s on shared cores.
      apiResult.cpuPerRequest = (cpuMicros(api.pid) - cpuBefore) / Math.max(1, apiResult.requests.total);
      rows.push({ name: `${name}${build.label}`, config, bareResult, apiResult });
      log(`${name}${build.label}: bare ${bareResult.requests.average.toFixed(0)} req/s, API ${apiResult.requests.average.toFixed(0)} req/s`);
    } finally {
      await stop(api);
      fs.closeSync(logFd);
    }
    log(`${name}: API log ${logFile} (${fs.statSync(logFile).size.toLocaleString()} bytes)`);
  }
  console.log(`\nGET /v1/candidates/:id, 64 connections, ${DURATION} s each after ${WARMUP} s warm-up, random ids from the table:`);
  console.log(
    '| configuration | bare req/s | API req/s | ratio | bare p50 / p99 ms | API p50 / p99 ms | p99 API / bare | API CPU µs per request | errors or non-2xx (bare, API) |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { name, config, bareResult: b, apiResult: a } of rows) {
    const label = `${name} (LOG_LEVEL=${config.LOG_LEVEL}, rate limit ${config.RATE_LIMIT_PER_MINUTE === '0' ? 'off' : 'on'})`;
    console.log(
      `| ${label} | ${b.requests.average.toFixed(0)} | ${a.requests.average.toFixed(0)} | ${(a.requests.average / b.requests.average).toFixed(2)} | ` +
        `${b.latency.p50} / ${b.latency.p99} | ${a.latency.p50} / ${a.latency.p99} | ${(a.latency.p99 / Math.max(1, b.latency.p99)).toFixed(1)} | ${a.cpuPerRequest.toFixed(0)} | ${errors(b)}, ${errors(a)} |`,
    );
  }
  if (ROUNDS < 2) return;
  const median = (values) => {
    const sorted = [...values].sort((x, y) => x - y);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  console.log(`\nMedians over ${ROUNDS} rounds:`);
  console.log(
    '| configuration | bare req/s | API req/s | ratio (median of the rounds) | ratios, lowest to highest | p99 API / bare | API CPU µs per request |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const name of [...new Set(rows.map((r) => r.name))]) {
    const mine = rows.filter((r) => r.name === name);
    const ratios = mine.map((r) => r.apiResult.requests.average / r.bareResult.requests.average);
    console.log(
      `| ${name} | ${median(mine.map((r) => r.bareResult.requests.average)).toFixed(0)} | ${median(mine.map((r) => r.apiResult.requests.average)).toFixed(0)} | ` +
        `**${median(ratios).toFixed(2)}** | ${[...ratios]
          .sort((x, y) => x - y)
          .map((x) => x.toFixed(2))
          .join(', ')} | ` +
        `${median(mine.map((r) => r.apiResult.latency.p99 / Math.max(1, r.bareResult.latency.p99))).toFixed(1)} | ${median(mine.map((r) => r.apiResult.cpuPerRequest)).toFixed(0)} |`,
    );
  }
}

(async () => {
  log(`bench/candidates: ${N.toLocaleString()} candidates, ${DURATION} s per throughput run, ${require('node:os').cpus().length} cores`);
  const loaded = await load();
  if (loaded.rowsSeconds === 0) log(`reused the database kept by an earlier run (migrated, VACUUM ANALYZE), ${loaded.size}`);
  else log(`rows in ${loaded.rowsSeconds.toFixed(1)} s, indexes rebuilt in ${loaded.indexSeconds.toFixed(1)} s, database ${loaded.size}`);

  const env = {
    DATABASE_URL: dbUrl,
    PORT: String(API_PORT),
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: 'bench',
    MIGRATIONS_RUN_ON_START: 'false',
  };
  const apiScript = path.join(__dirname, '../../dist/apps/api/src/main.js');
  const apiHealth = `http://127.0.0.1:${API_PORT}/health`;
  const bare = await startProcess(
    path.join(__dirname, 'bare-server.js'),
    { DATABASE_URL: dbUrl, PORT: String(BARE_PORT) },
    `http://127.0.0.1:${BARE_PORT}/v1/candidates/00000000-0000-7000-8000-000000000000`,
  );
  try {
    if (ONLY !== 'throughput') await searchPart(apiScript, env, apiHealth);
    if (ONLY !== 'search') {
      const builds = [{ label: '', script: apiScript }];
      if (process.env.BENCH_BASELINE_DIR) {
        builds.push({ label: ' [baseline build]', script: path.resolve(process.env.BENCH_BASELINE_DIR, 'dist/apps/api/src/main.js') });
      }
      // BENCH_BASELINE_FIRST=1: the other build first, so the order's effect can be seen.
      if (process.env.BENCH_BASELINE_FIRST) builds.reverse();
      await throughputPart(builds, env, apiHealth, loaded.ids);
    }
  } finally {
    bare.kill('SIGTERM');
  }
})()
  .then(async () => {
    // BENCH_REUSE_DB=1 keeps the database for the next run, as BENCH_KEEP=1 does.
    if (!process.env.BENCH_KEEP && !process.env.BENCH_REUSE_DB) await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    process.exit(0);
  })
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
