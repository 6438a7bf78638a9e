// bench/insight: loads a pipeline at scale into a database of its own (default 1,000,000
// candidates, 200,000 applications with their stage history, 350,000 enrollments and about
// 1,000,000 outreach steps, about 6,000 offers), lets the real worker build the insight facts and
// count the market, then measures every insight report through the real API: N sequential
// requests and N more over 4 connections per case, p50/p95/p99 against the 300 ms goal.
//   npm run bench:insight             (BENCH_CANDIDATES=100000 for a quicker run; the rest scales)
// BENCH_DB names the database (default hiring_bench_insight); BENCH_REUSE_DB=1 keeps it after the
// run and, if it already holds the data, migrates and re-measures it instead of loading again (the
// facts too, unless BENCH_REBUILD=1); BENCH_KEEP=1 keeps it without reusing.
//   BENCH_APPLICATIONS, BENCH_ENROLLMENTS, BENCH_COMPETING   override the counts derived from N
//   BENCH_REQUESTS=40                                          requests per case and mode
//   BENCH_EXPLAIN=0                                            skip EXPLAIN of the two slowest reports
// The data is generated in PostgreSQL from fixed seeds (setseed), relative to the time of the load.
require('reflect-metadata');
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const { Queue } = require('bullmq');
const { redisOptionsFromUrl } = require('../../dist/libs/platform/src/queue/redis-connection');
const { adminQuery, databaseUrl, freePort, freshDatabase, migrate, removeRedisKeys, sleep, waitForHealth } = require('../lib');
const P = require('../people');

const N = Number(process.env.BENCH_CANDIDATES ?? 1_000_000);
const APPLICATIONS = Number(process.env.BENCH_APPLICATIONS ?? Math.round(N / 5));
const ENROLLMENTS = Number(process.env.BENCH_ENROLLMENTS ?? Math.round(N * 0.35));
const COMPETING = Number(process.env.BENCH_COMPETING ?? Math.round(APPLICATIONS / 100));
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const CONNECTIONS = 4;
const GOAL_MS = 300;
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB = process.env.BENCH_DB ?? 'hiring_bench_insight';
const QUEUE_PREFIX = 'bench-insight';
const ROOT = path.join(__dirname, '../..');
const dbUrl = databaseUrl(BASE_URL, DB);

const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
const admin = (sql) => adminQuery(BASE_URL, sql);
const fmt = (n) => Number(n).toLocaleString('en-US');

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const RECRUITER_TOKEN = `${ADMIN_TOKEN}-recruiter`;
const RECRUITER2_TOKEN = `${ADMIN_TOKEN}-recruiter2`;
const U_ADMIN = '00000000-0000-7000-8000-000000000001';
const U_R1 = '00000000-0000-7000-8000-000000000002';
const U_R2 = '00000000-0000-7000-8000-000000000003';
const tfId = (n) => `00000000-0000-7000-8000-0000000000f${n}`;
const openingId = (n) => `00000000-0000-7000-8001-${String(n).padStart(12, '0')}`;
const sequenceId = (n) => `00000000-0000-7000-8002-${String(n).padStart(12, '0')}`;
const bandId = (n) => `00000000-0000-7000-8003-${String(n).padStart(12, '0')}`;
const fxId = (n) => `00000000-0000-7000-8004-${String(n).padStart(12, '0')}`;

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Message-ID host of the steps, as PUBLIC_BASE_URL's would be. */
const MAIL_HOST = 'hiring.example.com';

/** The four task forces: [name, company, location, focus areas, headcount target, target employers, weight of applications, sender]. */
const TASK_FORCES = [
  [
    'Alibaba Sunnyvale / Accio',
    'Alibaba',
    'Sunnyvale, CA',
    ['search', 'llm', 'recommendation', 'cloud'],
    60,
    ['OpenAI', 'Google DeepMind', 'Anthropic', 'Meta'],
    35,
  ],
  [
    'ByteDance / Doubao LLM',
    'ByteDance',
    'San Jose, CA',
    ['llm', 'infra', 'vision'],
    45,
    ['OpenAI', 'Anthropic', 'Google DeepMind', 'Meta FAIR', 'NVIDIA'],
    30,
  ],
  ['Baidu SV AI lab', 'Baidu', 'Sunnyvale, CA', ['speech', 'autonomous-driving', 'vision'], 30, ['Waymo', 'Tesla', 'Cruise', 'NVIDIA', 'Apple'], 20],
  ['ByteDance / Seed Speech', 'ByteDance', 'San Jose, CA', ['speech', 'llm'], 20, ['Google DeepMind', 'Meta', 'Apple', 'Microsoft'], 15],
];
/** Who works each task force's pipeline and sends its sequence: recruiter 1 (and 2) in the first, recruiter 2 in the second, the admin in the others. */
const SENDERS = [
  ['Bench Recruiter', 'recruiter@example.com'],
  ['Bench Recruiter Two', 'recruiter2@example.com'],
  ['Bench Admin', 'bench@example.com'],
  ['Bench Admin', 'bench@example.com'],
];
/** SQL: the user acting in task force `tf` (1-4) on row `i`. */
const actorOf = (tf, i) =>
  `(CASE ${tf} WHEN 1 THEN CASE WHEN ${i} % 2 = 0 THEN '${U_R2}' ELSE '${U_R1}' END WHEN 2 THEN '${U_R2}' ELSE '${U_ADMIN}' END)::uuid`;
const TF_IDS = `(ARRAY[${[1, 2, 3, 4].map((n) => `'${tfId(n)}'`).join(',')}]::uuid[])`;
const SEQ_IDS = `(ARRAY[${[1, 2, 3, 4].map((n) => `'${sequenceId(n)}'`).join(',')}]::uuid[])`;
const SENDER_ADDRESSES = P.arr(SENDERS.map((s) => s[1]));

// Pipeline odds: the chance of moving on from each stage, and how long the move takes (hours, lowest + spread x r^2).
const FORWARD = ['sourced', 'contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired'];
const ADVANCE = [0.75, 0.35, 0.65, 0.55, 0.36, 0.55];
const GAP_LOW = [0, 1, 6, 12, 48, 120, 48];
const GAP_SPREAD = [0, 120, 336, 240, 504, 720, 456];
const REJECT_EARLY = [
  ['unresponsive', 50],
  ['not_qualified', 20],
  ['location_mismatch', 8],
  ['visa_constraints', 7],
  ['level_mismatch', 5],
  ['position_filled', 5],
  ['other', 3],
  ['compensation_mismatch', 2],
];
const REJECT_LATE = [
  ['not_qualified', 35],
  ['level_mismatch', 15],
  ['compensation_mismatch', 15],
  ['visa_constraints', 10],
  ['position_filled', 10],
  ['location_mismatch', 5],
  ['unresponsive', 5],
  ['other', 5],
];
const WITHDRAW = [
  ['not_interested', 25],
  ['stayed_with_current_employer', 22],
  ['accepted_other_offer', 18],
  ['relocation', 14],
  ['compensation', 12],
  ['personal', 6],
  ['other', 3],
];
const WITHDRAW_AT_OFFER = [
  ['accepted_other_offer', 45],
  ['compensation', 25],
  ['stayed_with_current_employer', 20],
  ['relocation', 6],
  ['personal', 4],
];
const DECLINE_COMMENTS = [
  ['Accepted another offer', 30],
  ['Compensation below competing offer', 25],
  ['Decided to stay at current employer', 18],
  ['Accepted an offer from OpenAI', 10],
  ['Relocation not possible', 8],
  ['Visa timing', 5],
  ['accepted another offer ', 4],
];
const APPROVAL_COMMENTS = [
  ['Competing offer from a frontier lab; approved above band', 40],
  ['Critical hire for the team; approved', 30],
  ['Matches current total compensation', 20],
  ['Exceptional publication record', 10],
];
const SMTP_BOUNCE = '550 5.1.1 Recipient address rejected: User unknown in virtual mailbox table';

// Salary bands: job family multipliers (in AREAS' order), zones, levels and their midpoints (major units, version 2).
const FAMILY_FACTOR = [1.0, 0.95, 0.9, 0.95, 0.85, 0.9, 0.92, 0.93];
const BAND_ZONES = [
  // zone, currency, period, months a year, factor, levels
  ['us-bay-area', 'USD', 'annual', 12, 1.0, ['L4', 'L5', 'L6', 'L7']],
  ['us-seattle', 'USD', 'annual', 12, 0.95, ['L4', 'L5', 'L6', 'L7']],
  ['cn-beijing', 'CNY', 'monthly', 14, 1.0, ['P6', 'P7', 'P8', 'P9']],
  ['cn-shanghai', 'CNY', 'monthly', 14, 0.97, ['P6', 'P7', 'P8', 'P9']],
];
const USD_MIDS = [185_000, 235_000, 310_000, 410_000];
/** The top band's midpoint is the reported 42,874 CNY a month of top AI talent. */
const CNY_MIDS = [26_000, 32_000, 37_500, 42_874];
const CNY_USD = '0.1380';

/** SQL: cumulative weights of `weights`, as the thresholds of width_bucket over [0, 1). */
function thresholds(weights) {
  const total = weights.reduce((a, b) => a + b, 0);
  const out = [0];
  let sum = 0;
  for (const w of weights.slice(0, -1)) out.push((sum += w) / total);
  return `'{${out.map((x) => x.toFixed(6)).join(',')}}'::float8[]`;
}
/** SQL: the index (1-based) that `r`, uniform in [0, 1), picks from `weights`. */
const pickIndex = (weights, r) => `width_bucket(${r}, ${thresholds(weights)})`;
/** SQL: a value of `list` (rows whose last element is the weight) picked by `r`; `column` chooses the value. */
const pick = (list, r, column = 0) =>
  `${P.arr(list.map((row) => String(row[column])))}[${pickIndex(
    list.map((row) => row[row.length - 1]),
    r,
  )}]`;
/** SQL: a two-dimensional text array. */
const arr2 = (rows) => `(ARRAY[${rows.map((r) => `ARRAY[${r.map((s) => `'${s.replace(/'/g, "''")}'`).join(',')}]`).join(',')}])`;
/** SQL: a UUID of version 7's layout: the time in ms, then bits of md5(key); unique per key. */
const uuidAt = (ms, key) => `(lpad(to_hex((${ms})::bigint), 12, '0') || '7' || substr(md5(${key}), 1, 3) || '8' || substr(md5(${key}), 4, 15))::uuid`;
const ts = (ms) => `to_timestamp((${ms}) / 1000.0)`;
/** SQL: '<whole>.<cents>' of an amount in minor units, as formatAmount writes it. */
const money = (minor) => `CASE WHEN (${minor}) IS NULL THEN NULL ELSE ((${minor}) / 100)::text || '.' || lpad(((${minor}) % 100)::text, 2, '0') END`;
const capDomainKey = (domain) => createHash('sha256').update(domain, 'utf8').digest('hex').slice(0, 32);

// ---------------------------------------------------------------------------------------------
// Part 1: the data

/** Counts of the main tables, for the report and the reuse check. */
async function rowCounts(c) {
  const tables = [
    'candidates',
    'candidate_identities',
    'applications',
    'application_stage_changes',
    'openings',
    'sequences',
    'enrollments',
    'outreach_messages',
    'bounced_addresses',
    'sequence_stat_totals',
    'sequence_stat_deltas',
    'salary_bands',
    'salary_band_versions',
    'fx_rates',
    'offers',
    'offer_events',
    'offer_versions',
    'competing_offers',
  ];
  const counts = {};
  for (const t of tables) counts[t] = Number((await c.query(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
  return counts;
}

/** Sequence counters (totals plus deltas, kept by the triggers) that differ from a count of the rows: 0 when they agree. */
async function counterMismatches(c) {
  const { rows } = await c.query(`
    WITH actual AS (
      SELECT e.sequence_id, m.step, 'status:' || m.status AS counter, count(*) AS n FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id GROUP BY 1, 2, 3
      UNION ALL
      SELECT e.sequence_id, m.step, 'response:' || m.response, count(*) FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
       WHERE m.response IS NOT NULL GROUP BY 1, 2, 3
      UNION ALL
      SELECT sequence_id, 0, 'enrollment:' || status, count(*) FROM enrollments GROUP BY 1, 2, 3),
    counted AS (
      SELECT sequence_id, step, counter, sum(n) AS n
        FROM (SELECT sequence_id, step, counter, n FROM sequence_stat_totals UNION ALL SELECT sequence_id, step, counter, n FROM sequence_stat_deltas) x
       GROUP BY 1, 2, 3)
    SELECT count(*)::int AS n FROM actual a FULL JOIN counted k USING (sequence_id, step, counter) WHERE coalesce(a.n, 0) <> coalesce(k.n, 0)`);
  return rows[0].n;
}

/** A database an earlier run kept (BENCH_REUSE_DB=1), migrated to this build; null if it does not hold this run's data. */
async function reuse() {
  const exists = (await admin(`SELECT 1 FROM pg_database WHERE datname = '${DB}'`)).rows.length > 0;
  if (!exists) return null;
  await migrate(dbUrl);
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  try {
    const counts = await rowCounts(c);
    // A run stopped while loading leaves some tables full and the last ones (enrollments, offers) empty.
    if (counts.candidates !== N || counts.applications !== APPLICATIONS || counts.enrollments !== ENROLLMENTS || !counts.competing_offers) return null;
    await c.query(`ANALYZE`);
    const size = (await c.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
    return { rowsSeconds: 0, indexSeconds: 0, counts, size, reused: true };
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
  const q = (sql, params) => c.query(sql, params);
  const started = Date.now();
  // Times are relative to the load: two years up to a minute ago.
  const NOW_MS = Math.floor(started / 60_000) * 60_000;
  const START_MS = NOW_MS - 730 * DAY;
  /** When the sequences and bands got their second version. */
  const V2_MS = START_MS + 365 * DAY;
  const SPAN = NOW_MS - START_MS - HOUR;
  const candMs = (i) => `(${START_MS} + (${i})::bigint * ${SPAN} / ${N})`;
  const candId = (i) => uuidAt(candMs(i), `'c' || (${i})`);

  // Bulk load the way a real one is done: secondary indexes off, rows in, indexes rebuilt. Primary
  // keys, unique constraints and foreign keys stay, and so do the triggers (the candidates' task
  // forces, the sequence counters): they keep what they maintain exact as the rows go in.
  const indexes = (
    await q(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
        WHERE t.relname = ANY($1) AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`,
      [
        [
          'candidates',
          'candidate_identities',
          'applications',
          'application_stage_changes',
          'enrollments',
          'outreach_messages',
          'offers',
          'offer_events',
          'competing_offers',
          'bounced_addresses',
        ],
      ],
    )
  ).rows;
  for (const i of indexes) await q(`DROP INDEX ${i.name}`);
  await q(`SET maintenance_work_mem = '1GB'`);
  await q(`SET work_mem = '256MB'`);
  await q(`SELECT setseed(0.42)`);

  // Users, task forces, openings.
  const hash = (t) => createHash('sha256').update(t).digest('hex');
  await q(
    `INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES
       ($1, 'bench@example.com', 'Bench Admin', 'admin', $4, $4), ($2, 'recruiter@example.com', 'Bench Recruiter', 'recruiter', $4, $4),
       ($3, 'recruiter2@example.com', 'Bench Recruiter Two', 'recruiter', $4, $4)`,
    [U_ADMIN, U_R1, U_R2, new Date(START_MS - 30 * DAY)],
  );
  await q(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix) VALUES
       ('00000000-0000-7000-8000-0000000000a1', $1, 'bench', $2, 'bench'), ('00000000-0000-7000-8000-0000000000a2', $3, 'bench', $4, 'bench'),
       ('00000000-0000-7000-8000-0000000000a3', $5, 'bench', $6, 'bench')`,
    [U_ADMIN, hash(ADMIN_TOKEN), U_R1, hash(RECRUITER_TOKEN), U_R2, hash(RECRUITER2_TOKEN)],
  );
  for (const [n, [name, company, location, focus, headcount, targets]] of TASK_FORCES.entries()) {
    await q(
      `INSERT INTO task_forces (id, name, company, location, time_zone, focus_areas, headcount_target, target_employers, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'America/Los_Angeles', $5, $6, $7, $8, $8)`,
      [tfId(n + 1), name, company, location, focus, headcount, targets, new Date(START_MS - (20 - n) * DAY)],
    );
  }
  await q(`INSERT INTO task_force_members (task_force_id, user_id) VALUES ($1, $3), ($1, $4), ($2, $4)`, [tfId(1), tfId(2), U_R1, U_R2]);
  // 40 openings, 14/12/8/6 across the task forces, skill areas from each one's focus, created over
  // the two years (the first at the start), mostly open.
  const openings = [];
  const perTaskForce = [14, 12, 8, 6];
  const LEVELS = ['P6', 'P7', 'P8', 'P9', 'L4', 'L5', 'L6', 'L7'];
  const ROLES = ['Research Scientist', 'Research Engineer', 'Software Engineer', 'Tech Lead'];
  let n = 0;
  for (const [t, count] of perTaskForce.entries()) {
    const focus = TASK_FORCES[t][3];
    for (let k = 0; k < count; k++) {
      n++;
      const area = focus[k % focus.length];
      const level = LEVELS[(n * 3) % LEVELS.length];
      const status = n % 10 === 3 ? 'filled' : n % 13 === 7 ? 'on_hold' : n % 17 === 11 ? 'closed' : 'open';
      const created = new Date(START_MS + Math.floor((k / count) * 640 * DAY) + t * DAY);
      openings.push([openingId(n), tfId(t + 1), `${ROLES[n % ROLES.length]}, ${area} (${level})`, area, level, 1 + ((n * 7) % 5), status, created]);
    }
  }
  for (const o of openings) {
    await q(
      `INSERT INTO openings (id, task_force_id, title, skill_area, level, headcount, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      o,
    );
  }

  // Candidates, in chunks of 100,000: created evenly over the two years (ids follow), places,
  // employers, titles, visas and skill areas drawn with the weights of bench/people.js. Erased
  // people are stored as erasure leaves them.
  const areaSkills = arr2(P.AREA_SKILLS);
  const domainKey = P.EMAIL_DOMAINS.map(([d]) => `WHEN '${d}' THEN '${capDomainKey(d)}'`).join(' ');
  const chunk = 100_000;
  for (let from = 1; from <= N; from += chunk) {
    const to = Math.min(N, from + chunk - 1);
    await q(`
      INSERT INTO candidates (id, full_name, native_name, native_name_pinyin, emails, location, time_zone, current_employer, current_title,
                              years_of_experience, skills, skill_areas, education, visa_status, source, owner_id, tags, consent_state,
                              consent_updated_at, erased_at, version, created_at, updated_at)
      SELECT ${candId('i')},
             CASE WHEN erased THEN '[erased]' ELSE g || ' ' || s END,
             CASE WHEN NOT erased AND native THEN ns || ng END,
             CASE WHEN NOT erased AND native THEN s || ' ' || g END,
             CASE WHEN erased THEN '{}'::text[] ELSE ARRAY[lower(g || '.' || s || '.' || i || '@' || dom)] END,
             CASE WHEN NOT erased THEN loc END, CASE WHEN NOT erased THEN tz END,
             CASE WHEN NOT erased THEN employer END, CASE WHEN NOT erased THEN title END, CASE WHEN NOT erased THEN yoe END,
             CASE WHEN erased THEN '{}'::text[] ELSE ARRAY[${areaSkills}[pa][k1 + 1], ${areaSkills}[pa][(k1 + 1 + k2) % 6 + 1]] END,
             CASE WHEN second THEN ARRAY[${P.arr(P.AREAS)}[pa], ${P.arr(P.AREAS)}[(pa + qa) % 8 + 1]] ELSE ARRAY[${P.arr(P.AREAS)}[pa]] END,
             CASE WHEN erased OR NOT educated THEN '[]'::jsonb
                  ELSE jsonb_build_array(jsonb_build_object('university', uni, 'degree', (ARRAY['bachelor', 'master', 'phd'])[1 + floor(r_deg * 3)::int],
                                                            'field', ${P.arr(P.FIELDS)}[1 + floor(r_field * ${P.FIELDS.length})::int], 'year', 1998 + floor(r_deg * 27)::int)) END,
             CASE WHEN erased THEN 'unknown' ELSE visa END,
             source, (ARRAY['${U_ADMIN}', '${U_R1}', '${U_R2}']::uuid[])[1 + i % 3],
             CASE WHEN erased OR r_tag >= 0.08 THEN '{}'::text[] ELSE ARRAY[${P.arr(P.TAGS)}[1 + floor(r_tag * 100)::int % ${P.TAGS.length}]] END,
             CASE WHEN erased OR r_consent < 0.012 THEN 'opted_out' WHEN r_consent < 0.2 THEN 'granted' ELSE 'unknown' END,
             CASE WHEN erased THEN erased_at WHEN r_consent < 0.2 THEN created_at + (to_timestamp(${NOW_MS} / 1000.0) - created_at) * r_consent * 4 END,
             CASE WHEN erased THEN erased_at END,
             CASE WHEN erased THEN 2 ELSE 1 END, created_at, CASE WHEN erased THEN erased_at ELSE created_at END
        FROM (SELECT i, created_at, erased, created_at + (to_timestamp(${NOW_MS} / 1000.0) - created_at) * r_erased_at AS erased_at,
                     ${P.arr(P.GIVEN)}[gi] AS g, ${P.arr(P.SURNAMES)}[si] AS s,
                     ${P.arr(P.NATIVE_GIVEN)}[least(gi, 20)] AS ng, ${P.arr(P.NATIVE_SURNAMES)}[least(si, 20)] AS ns,
                     gi <= 20 AND si <= 20 AND r_native < 0.7 AS native,
                     ${P.arr(P.LOCATIONS.map((l) => l[0]))}[li] AS loc, ${P.arr(P.LOCATIONS.map((l) => l[1]))}[li] AS tz,
                     CASE WHEN r_noemp < 0.03 THEN NULL WHEN ${P.arr(P.LOCATIONS.map((l) => l[2]))}[li] = 'us' THEN ${pick(P.US_EMPLOYERS, 'r_emp')}
                          ELSE ${pick(P.CN_EMPLOYERS, 'r_emp')} END AS employer,
                     CASE WHEN ${P.arr(P.LOCATIONS.map((l) => l[2]))}[li] = 'us' THEN ${pick(P.US_VISA_SHARES, 'r_visa')} ELSE ${pick(P.CN_VISA_SHARES, 'r_visa')} END AS visa,
                     ${pick(P.TITLE_SHARES, 'r_title')} AS title, round((0.5 + 24 * r_yoe ^ 1.7)::numeric, 1) AS yoe,
                     ${pickIndex(P.AREA_SHARES, 'r_area')} AS pa, floor(r_area2 * 7)::int AS qa, r_area2 < 0.35 AS second,
                     floor(r_skill * 6)::int AS k1, floor(r_skill2 * 5)::int AS k2,
                     ${pick(P.EMAIL_DOMAINS, 'r_dom')} AS dom, ${pick(P.SOURCE_SHARES, 'r_source')} AS source,
                     r_edu < 0.45 AS educated, ${pick(P.UNIVERSITIES, 'r_uni')} AS uni, r_deg, r_field, r_tag, r_consent
                FROM (SELECT i, ${ts(candMs('i'))} AS created_at, random() < 0.005 AS erased, random() AS r_erased_at,
                             1 + floor(random() * ${P.GIVEN.length})::int AS gi, 1 + floor(random() * ${P.SURNAMES.length})::int AS si, random() AS r_native,
                             ${pickIndex(
                               P.LOCATIONS.map((l) => l[3]),
                               'random()',
                             )} AS li, random() AS r_noemp, random() AS r_emp, random() AS r_visa,
                             random() AS r_title, random() AS r_yoe, random() AS r_area, random() AS r_area2, random() AS r_skill, random() AS r_skill2,
                             random() AS r_dom, random() AS r_source, random() AS r_edu, random() AS r_uni, random() AS r_deg, random() AS r_field,
                             random() AS r_tag, random() AS r_consent
                        FROM generate_series(${from}, ${to}) AS i) r) x`);
    log(`loaded ${fmt(to)} / ${fmt(N)} candidates`);
  }
  await q(`INSERT INTO candidate_identities (kind, value, candidate_id) SELECT 'email', emails[1], id FROM candidates WHERE emails <> '{}'`);
  log('identities loaded');

  // Applications. Nine in ten go to distinct candidates; the tenth reuses one of those in another
  // task force. Most start within weeks of the candidate's record (sourced into a pipeline), some
  // any time later (an older record picked up again), so starts spread over the two years about as
  // the candidates do, a little more in recent months; second applications follow within months.
  const A1 = APPLICATIONS - Math.floor(APPLICATIONS / 10);
  if (A1 >= N) throw new Error('BENCH_APPLICATIONS must be well below BENCH_CANDIDATES');
  const LATEST = NOW_MS - 10 * 60_000;
  await q(`
    CREATE TEMP TABLE app_plan AS
    SELECT i, cidx, tf,
           cand_ms + CASE WHEN r_soon < 0.85 THEN least(${LATEST} - cand_ms, ${14 * DAY} * -ln(1 - random())) ELSE (${LATEST} - cand_ms) * random() END AS start_ms
      FROM (SELECT i, random() AS r_soon, (i::bigint * 7919) % ${N} + 1 AS cidx, ${pickIndex(
        TASK_FORCES.map((t) => t[6]),
        'random()',
      )} AS tf FROM generate_series(1, ${A1}) AS i) a
      CROSS JOIN LATERAL (SELECT ${candMs('a.cidx')} AS cand_ms) m`);
  await q(`
    INSERT INTO app_plan
    SELECT g.n, p.cidx, p.tf % 4 + 1, p.start_ms + least(${LATEST} - p.start_ms, ${60 * DAY} * -ln(1 - random()))
      FROM generate_series(${A1 + 1}, ${APPLICATIONS}) AS g(n) JOIN app_plan p ON p.i = ((g.n - ${A1}) * 9 - 1) % ${A1} + 1`);
  // How far each gets (one draw against the cumulative odds), whether and why it leaves.
  const reach = [];
  let odds = 1;
  for (const a of ADVANCE) reach.push((odds *= a));
  await q(`
    CREATE TEMP TABLE app_path AS
    SELECT i, cidx, tf, start_ms, reached, exit_kind,
           CASE exit_kind WHEN 'rejected' THEN CASE WHEN reached <= 2 THEN ${pick(REJECT_EARLY, 'r_reason')} ELSE ${pick(REJECT_LATE, 'r_reason')} END
                          WHEN 'withdrawn' THEN CASE WHEN reached = 6 THEN ${pick(WITHDRAW_AT_OFFER, 'r_reason')} ELSE ${pick(WITHDRAW, 'r_reason')} END END AS reason
      FROM (SELECT i, cidx, tf, start_ms, reached, r_reason,
                   CASE WHEN reached = 7 THEN NULL
                        WHEN reached = 6 THEN CASE WHEN r_exit < 0.7 THEN 'withdrawn' WHEN r_exit < 0.85 THEN 'rejected' END
                        ELSE CASE WHEN r_exit < 0.62 THEN 'rejected' WHEN r_exit < 0.87 THEN 'withdrawn' END END AS exit_kind
              FROM (SELECT p.*, 1 + ${reach.map((x) => `(u < ${x})::int`).join(' + ')} AS reached, random() AS r_exit, random() AS r_reason
                      FROM (SELECT *, random() AS u FROM app_plan) p) s) t`);
  // The stage changes, hours to weeks apart; whatever would fall after now has not happened yet.
  await q(`
    CREATE TEMP TABLE chg AS
    SELECT * FROM (
      SELECT p.i, k, CASE WHEN k <= p.reached THEN ${P.arr(FORWARD)}[k] ELSE p.exit_kind END AS to_stage,
             CASE WHEN k = 1 THEN NULL WHEN k <= p.reached THEN ${P.arr(FORWARD)}[k - 1] ELSE ${P.arr(FORWARD)}[p.reached] END AS from_stage,
             CASE WHEN k > p.reached THEN p.reason END AS reason,
             p.start_ms + ${HOUR} * sum(g.h) OVER (PARTITION BY p.i ORDER BY k) AS at_ms
        FROM app_path p CROSS JOIN LATERAL generate_series(1, p.reached + (p.exit_kind IS NOT NULL)::int) AS k
        CROSS JOIN LATERAL (SELECT CASE WHEN k = 1 THEN 0 WHEN k > p.reached THEN 48 + 1400 * random()
                                        ELSE (ARRAY[${GAP_LOW}])[k] + (ARRAY[${GAP_SPREAD}])[k] * random() ^ 2 END AS h) g) x
     WHERE at_ms <= ${NOW_MS - 60_000}`);
  await q(`CREATE INDEX ON chg (i, k)`);
  await q(`ANALYZE chg`);
  // One row per application: its last change is where it stands; nine in ten name an opening of
  // their task force created before they started.
  await q(`
    CREATE TEMP TABLE app_final AS
    SELECT p.i, p.tf, ${uuidAt('p.start_ms', `'a' || p.i`)} AS id, ${candId('p.cidx')} AS candidate_id, p.start_ms, l.to_stage AS stage,
           l.reason, l.at_ms AS last_ms, l.k AS changes, l.to_stage NOT IN ('hired', 'rejected', 'withdrawn') AS open,
           CASE WHEN random() < 0.9 THEN o.id END AS opening_id
      FROM app_path p
      JOIN (SELECT DISTINCT ON (i) i, k, to_stage, reason, at_ms FROM chg ORDER BY i, k DESC) l ON l.i = p.i
      LEFT JOIN LATERAL (SELECT o.id FROM openings o WHERE o.task_force_id = ${TF_IDS}[p.tf] AND o.created_at <= ${ts('p.start_ms')}
                          ORDER BY random() LIMIT 1) o ON true`);
  await q(`ANALYZE app_final`);
  // The trigger on applications keeps candidates.task_force_ids, row by row.
  await q(`
    INSERT INTO applications (id, candidate_id, task_force_id, opening_id, stage, closed_reason, version, created_by, created_at, updated_at)
    SELECT id, candidate_id, ${TF_IDS}[tf], opening_id, stage, reason, changes, ${actorOf('tf', 'i')}, ${ts('start_ms')}, ${ts('last_ms')}
      FROM app_final ORDER BY start_ms`);
  await q(`
    INSERT INTO application_stage_changes (id, application_id, from_stage, to_stage, reason, actor_id, at)
    SELECT ${uuidAt('c.at_ms', `'s' || c.i || '.' || c.k`)}, a.id, c.from_stage, c.to_stage, c.reason, ${actorOf('a.tf', 'a.i')}, ${ts('c.at_ms')}
      FROM chg c JOIN app_final a ON a.i = c.i ORDER BY c.at_ms`);
  // An open opening keeps at least one seat free (the market's demand): later hires for it count as hires without an opening.
  await q(`
    UPDATE applications a SET opening_id = NULL
      FROM (SELECT a.id, o.headcount, row_number() OVER (PARTITION BY a.opening_id ORDER BY a.updated_at) AS n
              FROM applications a JOIN openings o ON o.id = a.opening_id WHERE a.stage = 'hired' AND o.status = 'open') x
     WHERE a.id = x.id AND x.n >= x.headcount`);
  await q(`UPDATE app_final f SET opening_id = a.opening_id FROM applications a WHERE a.id = f.id AND a.opening_id IS DISTINCT FROM f.opening_id`);
  log('applications and stage changes loaded');

  // Outreach: one sequence per task force, version 2 a year in.
  for (const [t, [name, company]] of TASK_FORCES.entries()) {
    const [fromName, fromAddress] = SENDERS[t];
    const definition = (v) => ({
      name: `${name}: AI engineers, first approach`,
      sender: { fromName: `${fromName}, ${company}`, fromAddress, replyTo: null },
      steps: [
        {
          delay: 'PT0S',
          subject: v === 1 ? '{{taskForce.company}} is hiring in {{taskForce.location}}' : '{{candidate.firstName}}, a role on {{taskForce.name}}',
          body: 'Hi {{candidate.firstName}},\n\nYour work at {{candidate.currentEmployer}} caught our eye. {{taskForce.name}} is building a team in {{taskForce.location}}; could we talk this week?\n\n{{sender.name}}\n\nNot interested? {{unsubscribeUrl}}',
        },
        {
          delay: 'P3D',
          subject: 'Re: {{taskForce.company}} is hiring in {{taskForce.location}}',
          body: 'Hi {{candidate.firstName}}, following up on my note. Happy to share details on the role and the team.\n\n{{sender.name}}\n\n{{unsubscribeUrl}}',
        },
        {
          delay: 'P7D',
          subject: 'Last note from {{taskForce.company}}',
          body: "Hi {{candidate.firstName}}, I won't write again unless you'd like me to.\n\n{{sender.name}}\n\n{{unsubscribeUrl}}",
        },
      ],
      sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
      timeZoneRule: 'candidate',
      holidayCalendars: ['US', 'CN'],
      dailyCapPerSender: 200,
      dailyCapPerRecipientDomain: 20,
      stopRules: { onReply: true, onSameEmployerReply: false },
    });
    const creator = t === 0 ? U_R1 : t === 1 ? U_R2 : U_ADMIN;
    await q(`INSERT INTO sequences (id, task_force_id, name, current_version, created_by, created_at, updated_at) VALUES ($1, $2, $3, 2, $4, $5, $6)`, [
      sequenceId(t + 1),
      tfId(t + 1),
      `${name}: AI engineers, first approach`,
      creator,
      new Date(START_MS),
      new Date(V2_MS),
    ]);
    await q(`INSERT INTO sequence_versions (sequence_id, version, definition, created_by, created_at) VALUES ($1, 1, $2, $4, $5), ($1, 2, $3, $4, $6)`, [
      sequenceId(t + 1),
      JSON.stringify(definition(1)),
      JSON.stringify(definition(2)),
      creator,
      new Date(START_MS),
      new Date(V2_MS),
    ]);
  }
  // Enrollments: every application once, a day or two after it starts (while it is open), and the
  // rest again every three weeks while it stays open (a round's three steps take at most 17 days).
  const SECOND = Math.max(0, ENROLLMENTS - APPLICATIONS);
  await q(`
    CREATE TEMP TABLE enr_plan AS
    SELECT row_number() OVER (ORDER BY t0_ms, i, round) AS j, i, round, t0_ms FROM (
      SELECT i, 0 AS round, start_ms + (CASE WHEN open THEN ${NOW_MS} ELSE last_ms END - start_ms) * least(0.5, ${HOUR} * (1 + 47 * random()) / greatest(1, CASE WHEN open THEN ${NOW_MS} ELSE last_ms END - start_ms)) AS t0_ms
        FROM app_final
      UNION ALL
      (SELECT i, r, start_ms + r * ${21 * DAY}::float8 + ${3 * DAY} * random()
         FROM (SELECT i, start_ms, CASE WHEN open THEN ${NOW_MS} ELSE last_ms END AS close_ms FROM app_final) a CROSS JOIN generate_series(1, 6) AS r
        WHERE close_ms > start_ms + (r * 21 + 4) * ${DAY}::float8 ORDER BY r, random() LIMIT ${SECOND})) e`);
  // Each enrollment's three steps, each on the next weekday, 09:00-17:00 where the candidate is
  // (after 1, 3 and 7 days), what came back (reply, bounce, unsubscribe), and where it stops:
  // an answer, an SMTP refusal, the application closing, or now (the step waits, scheduled).
  const slot = (prev, days, r) => {
    const day = `((${prev}) AT TIME ZONE tz)::date + ${days}`;
    return `(((${day}) + CASE extract(isodow FROM (${day})) WHEN 6 THEN 2 WHEN 7 THEN 1 ELSE 0 END) + interval '9 hours' + ${r} * interval '8 hours') AT TIME ZONE tz`;
  };
  const outcome = (u) => `CASE WHEN ${u} < 0.09 THEN 'replied' WHEN ${u} < 0.12 THEN 'bounced' WHEN ${u} < 0.13 THEN 'unsubscribed' END`;
  const answered = (k) =>
    `s${k} + CASE o${k} WHEN 'replied' THEN interval '1 hour' + rd${k} * interval '59 hours' WHEN 'unsubscribed' THEN interval '30 minutes' + rd${k} * interval '47 hours'
                      ELSE CASE WHEN bk${k} < 0.6 THEN interval '2 seconds' ELSE interval '2 minutes' + rd${k} * interval '1 hour' END END`;
  const now = `to_timestamp(${NOW_MS} / 1000.0)`;
  await q(`
    CREATE TEMP TABLE enr AS
    SELECT *,
           -- A_k: after the cut; F_k: refused by SMTP; R_k: an answer that has arrived by now.
           s1 > cut AS a1, s2 > cut AS a2, s3 > cut AS a3,
           s1 <= cut AND o1 IS NOT NULL AND o1 = 'bounced' AND bk1 < 0.6 AS f1, s2 <= cut AND o2 IS NOT NULL AND o2 = 'bounced' AND bk2 < 0.6 AS f2, s3 <= cut AND o3 IS NOT NULL AND o3 = 'bounced' AND bk3 < 0.6 AS f3,
           s1 <= cut AND o1 IS NOT NULL AND ${answered(1)} <= ${now} AS r1, s2 <= cut AND o2 IS NOT NULL AND ${answered(2)} <= ${now} AS r2,
           s3 <= cut AND o3 IS NOT NULL AND ${answered(3)} <= ${now} AS r3,
           ${answered(1)} AS at1, ${answered(2)} AS at2, ${answered(3)} AS at3
      FROM (SELECT *, ${slot('s2', 7, 'h3')} AS s3
              FROM (SELECT *, ${slot('s1', 3, 'h2')} AS s2
                      FROM (SELECT *, ${slot(ts('t0_ms'), 1, 'h1')} AS s1, ${outcome('u1')} AS o1, ${outcome('u2')} AS o2, ${outcome('u3')} AS o3
                              FROM (SELECT e.j, e.round, e.t0_ms, ${uuidAt('e.t0_ms', `'e' || e.j`)} AS id, a.id AS application_id, a.candidate_id, a.tf,
                                           a.i AS app_i, a.open, ${ts('CASE WHEN a.open THEN ' + NOW_MS + ' ELSE a.last_ms END')} AS cut,
                                           c.erased_at IS NOT NULL AS erased, coalesce(c.time_zone, 'America/Los_Angeles') AS tz,
                                           CASE WHEN c.erased_at IS NULL THEN c.time_zone ELSE 'UTC' END AS enrollment_tz, c.emails[1] AS email,
                                           random() AS h1, random() AS h2, random() AS h3,
                                           random() AS u1, random() AS u2, random() AS u3,
                                           random() AS bk1, random() AS bk2, random() AS bk3, random() AS rd1, random() AS rd2, random() AS rd3
                                      FROM enr_plan e JOIN app_final a ON a.i = e.i JOIN candidates c ON c.id = a.candidate_id) x0) x1) x2) x3`);
  // Per step: whether its row exists and its status. Step k+1 is planned when step k is sent.
  const status = (k) => {
    const beyond = `CASE WHEN a${k} THEN CASE WHEN open THEN 'scheduled' ELSE 'skipped' END WHEN f${k} THEN 'failed' ELSE 'sent' END`;
    return k === 1 ? beyond : `CASE WHEN r${k - 1} THEN 'skipped' ELSE ${beyond} END`;
  };
  await q(`
    CREATE TEMP TABLE steps AS
    SELECT e.j, e.id AS enrollment_id, e.t0_ms, e.tf, e.erased, e.email, k.k,
           CASE k.k WHEN 1 THEN ${status(1)} WHEN 2 THEN ${status(2)} ELSE ${status(3)} END AS status,
           CASE k.k WHEN 1 THEN e.s1 WHEN 2 THEN e.s2 ELSE e.s3 END AS due,
           CASE k.k WHEN 1 THEN e.r1 WHEN 2 THEN e.r2 ELSE e.r3 END AS answered,
           CASE k.k WHEN 1 THEN e.o1 WHEN 2 THEN e.o2 ELSE e.o3 END AS response,
           CASE k.k WHEN 1 THEN e.at1 WHEN 2 THEN e.at2 ELSE e.at3 END AS response_at,
           CASE k.k WHEN 2 THEN e.o1 WHEN 3 THEN e.o2 END AS previous_response,
           CASE k.k WHEN 2 THEN e.at1 WHEN 3 THEN e.at2 END AS previous_response_at,
           CASE k.k WHEN 1 THEN ${ts('e.t0_ms')} WHEN 2 THEN e.s1 ELSE e.s2 END AS planned_at, e.cut
      FROM enr e CROSS JOIN LATERAL (VALUES (1), (2), (3)) AS k(k)
     WHERE k.k = 1 OR (k.k = 2 AND NOT e.a1 AND NOT e.f1) OR (k.k = 3 AND NOT e.a1 AND NOT e.f1 AND NOT e.r1 AND NOT e.a2 AND NOT e.f2)`);
  // Each enrollment as its last step leaves it.
  await q(`
    INSERT INTO enrollments (id, sequence_id, sequence_version, candidate_id, application_id, task_force_id, status, stop_reason, time_zone, enrolled_by,
                             created_at, updated_at)
    SELECT e.id, ${SEQ_IDS}[e.tf], CASE WHEN e.t0_ms < ${V2_MS} THEN 1 ELSE 2 END, e.candidate_id, e.application_id, ${TF_IDS}[e.tf],
           CASE WHEN l.status = 'scheduled' THEN 'active' WHEN l.status = 'sent' AND l.k = 3 THEN 'completed' ELSE 'stopped' END,
           CASE WHEN l.status = 'failed' THEN 'bounced'
                WHEN l.status = 'skipped' AND l.previous_response IS NOT NULL AND l.previous_response_at <= l.cut THEN l.previous_response
                WHEN l.status = 'skipped' THEN 'application_closed' END,
           e.enrollment_tz, ${actorOf('e.tf', 'e.app_i')}, ${ts('e.t0_ms')},
           CASE WHEN l.status = 'scheduled' THEN l.planned_at WHEN l.status = 'skipped' THEN least(coalesce(l.previous_response_at, e.cut), e.cut) ELSE greatest(l.due, CASE WHEN l.answered THEN l.response_at END) END
      FROM enr e JOIN (SELECT DISTINCT ON (j) * FROM steps ORDER BY j, k DESC) l ON l.j = e.j
     ORDER BY e.t0_ms`);
  // Sent steps keep their claim, recipient, cap counters and SMTP answer; an erased person's are gone.
  await q(`
    INSERT INTO outreach_messages (id, enrollment_id, step, status, due_at, message_id, sent_at, detail, created_at, updated_at, attempts, claim_token,
                                   claimed_at, recipient, cap_day, cap_keys, smtp_response, response, response_at)
    SELECT ${uuidAt('extract(epoch FROM s.planned_at) * 1000', `'m' || s.j || '.' || s.k`)}, s.enrollment_id, s.k, s.status,
           CASE WHEN s.status = 'scheduled' THEN greatest(s.due, ${now} + interval '1 day') ELSE s.due END,
           '<' || s.enrollment_id || '.' || s.k || '@${MAIL_HOST}>',
           CASE WHEN s.status = 'sent' THEN s.due END,
           CASE WHEN s.erased THEN NULL WHEN s.status = 'failed' THEN '${SMTP_BOUNCE}'
                WHEN s.status = 'skipped' AND s.previous_response IS NOT NULL AND s.previous_response_at <= s.cut THEN s.previous_response
                WHEN s.status = 'skipped' THEN 'application_closed' END,
           s.planned_at,
           CASE WHEN s.status = 'scheduled' THEN s.planned_at WHEN s.status = 'skipped' THEN least(coalesce(s.previous_response_at, s.cut), s.cut)
                WHEN s.answered THEN s.response_at ELSE s.due END,
           CASE WHEN s.status IN ('sent', 'failed') THEN 1 ELSE 0 END,
           CASE WHEN s.status IN ('sent', 'failed') THEN md5('claim' || s.j || '.' || s.k)::uuid END,
           CASE WHEN s.status IN ('sent', 'failed') THEN s.due - interval '1 second' END,
           CASE WHEN s.status IN ('sent', 'failed') AND NOT s.erased THEN s.email END,
           CASE WHEN s.status IN ('sent', 'failed') THEN (s.due AT TIME ZONE 'UTC')::date END,
           CASE WHEN s.status = 'sent' AND NOT s.erased
                THEN ARRAY['sender:' || ${SENDER_ADDRESSES}[s.tf], 'domain:' || ${SENDER_ADDRESSES}[s.tf] || ':' || CASE split_part(s.email, '@', 2) ${domainKey} END]
                ELSE '{}'::text[] END,
           CASE WHEN s.erased THEN NULL WHEN s.status = 'failed' THEN '${SMTP_BOUNCE}'
                WHEN s.status = 'sent' THEN '250 2.0.0 Ok: queued as ' || upper(substr(md5('q' || s.j || '.' || s.k), 1, 12)) END,
           CASE WHEN s.status = 'failed' THEN 'bounced' WHEN s.status = 'sent' AND s.answered THEN s.response END,
           CASE WHEN s.status = 'failed' OR (s.status = 'sent' AND s.answered) THEN s.response_at END
      FROM steps s ORDER BY s.planned_at`);
  log('enrollments and outreach steps loaded');
  // What the answers did elsewhere: an unsubscribe opts the person out, a bounce suppresses the
  // address; either stops the person's other running sequences, as erasure and opting out do.
  await q(`
    UPDATE candidates c SET consent_state = 'opted_out', consent_updated_at = x.at, version = c.version + 1, updated_at = greatest(c.updated_at, x.at)
      FROM (SELECT e.candidate_id, min(m.response_at) AS at FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
             WHERE m.response = 'unsubscribed' GROUP BY 1) x
     WHERE c.id = x.candidate_id AND c.consent_state <> 'opted_out'`);
  await q(`
    INSERT INTO bounced_addresses (id, email, bounced_at, detail, enrollment_id, sequence_id, step)
    SELECT DISTINCT ON (lower(m.recipient)) md5('b' || m.id)::uuid, lower(m.recipient), m.response_at, '${SMTP_BOUNCE}', m.enrollment_id, e.sequence_id, m.step
      FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id
     WHERE m.response = 'bounced' AND m.recipient IS NOT NULL ORDER BY lower(m.recipient), m.response_at`);
  await q(`
    WITH stopped AS (
      UPDATE enrollments e SET status = 'stopped', updated_at = ${now},
             stop_reason = CASE WHEN c.erased_at IS NOT NULL THEN 'erased' WHEN c.consent_state = 'opted_out' THEN 'opted_out' ELSE 'bounced' END
        FROM candidates c
       WHERE c.id = e.candidate_id AND e.status = 'active'
         AND (c.erased_at IS NOT NULL OR c.consent_state = 'opted_out' OR EXISTS (SELECT 1 FROM bounced_addresses b WHERE b.email = c.emails[1]))
      RETURNING e.id, e.stop_reason)
    UPDATE outreach_messages m SET status = 'skipped', detail = CASE WHEN s.stop_reason = 'erased' THEN NULL ELSE s.stop_reason END, updated_at = ${now}
      FROM stopped s WHERE m.enrollment_id = s.id AND m.status = 'scheduled'`);
  log('outreach answers applied');

  // Compensation: a band per job family, level and zone (CNY monthly at 14 months in China, USD
  // annual in the US), version 1 two years ago, version 2 (5% up) a year ago; CNY/USD rates monthly.
  const bandRows = [];
  for (const [f, area] of P.AREAS.entries()) {
    for (const [z, [zone, currency, period, months, factor, levels]] of BAND_ZONES.entries()) {
      for (const [l, level] of levels.entries()) {
        const mid2 = Math.round((currency === 'USD' ? USD_MIDS[l] : CNY_MIDS[l]) * FAMILY_FACTOR[f] * factor);
        const amounts = (mid) => [Math.round(mid * 0.8) * 100, mid * 100, Math.round(mid * 1.2) * 100];
        const n = f * 16 + z * 4 + l + 1;
        bandRows.push({ n, area, zone, currency, period, months, level, v1: amounts(Math.round(mid2 / 1.05)), v2: amounts(mid2) });
      }
    }
  }
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  for (const b of bandRows) {
    const usd = b.currency === 'USD';
    const signOn = usd ? [0, Math.round(b.v2[1] * 0.15)] : [null, null];
    const equity = usd ? [0, b.v2[1]] : [null, null];
    await q(
      `INSERT INTO salary_bands (id, job_family, level, zone, currency, period, months_per_year, base_min, base_mid, base_max, sign_on_min, sign_on_max,
                                 equity_min, equity_max, effective_from, version, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 2, $16, $17)`,
      [bandId(b.n), b.area, b.level, b.zone, b.currency, b.period, b.months, ...b.v2, ...signOn, ...equity, day(START_MS), new Date(START_MS), new Date(V2_MS)],
    );
    for (const [version, amounts, updated] of [
      [1, b.v1, START_MS],
      [2, b.v2, V2_MS],
    ]) {
      // The snapshot is the band's view (toBandView): amounts as decimal strings in major units.
      const m = (minor) => (minor === null ? null : `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`);
      const view = {
        id: bandId(b.n),
        version,
        jobFamily: b.area,
        level: b.level,
        zone: b.zone,
        currency: b.currency,
        period: b.period,
        monthsPerYear: b.months,
        baseMin: m(amounts[0]),
        baseMid: m(amounts[1]),
        baseMax: m(amounts[2]),
        signOnMin: m(signOn[0]),
        signOnMax: m(usd ? Math.round(amounts[1] * 0.15) : null),
        equityMin: m(equity[0]),
        equityMax: m(usd ? amounts[1] : null),
        effectiveFrom: day(START_MS),
        effectiveTo: null,
        createdAt: new Date(START_MS).toISOString(),
        updatedAt: new Date(updated).toISOString(),
      };
      await q(`INSERT INTO salary_band_versions (band_id, version, snapshot, created_by, created_at) VALUES ($1, $2, $3, $4, $5)`, [
        bandId(b.n),
        version,
        JSON.stringify(view),
        U_ADMIN,
        new Date(updated),
      ]);
    }
  }
  for (let m = 0; m <= 24; m++) {
    const at = START_MS + m * 30 * DAY;
    const rate = m === 24 ? CNY_USD : (0.138 + 0.0025 * Math.sin(m / 2.5)).toFixed(4);
    await q(`INSERT INTO fx_rates (id, base, quote, as_of, rate, created_by, created_at) VALUES ($1, 'CNY', 'USD', $2, $3, $4, $5)`, [
      fxId(m + 1),
      day(m === 24 ? NOW_MS : at),
      rate,
      U_ADMIN,
      new Date(m === 24 ? NOW_MS - HOUR : at),
    ]);
  }
  // Offers: one for each application that reached the offer stage (sending the offer is what moved
  // it there), drafted after the interviews, approved (by an admin when above the band), sent,
  // then accepted (hired), declined, expired or withdrawn as the application went on.
  await q(`
    CREATE TEMP TABLE offer_plan AS
    SELECT x.*, ${uuidAt('x.draft_ms', `'o' || x.i`)} AS id,
           CASE WHEN x.draft_ms < ${V2_MS} THEN 1 ELSE 2 END AS band_version
      FROM (SELECT a.i, a.id AS application_id, a.tf, a.candidate_id, f.to_stage AS fin_stage, f.at_ms AS fin_ms, o.at_ms AS sent_ms, iv.at_ms AS intv_ms,
                   o.at_ms - (o.at_ms - iv.at_ms) * (0.3 + 0.3 * random()) AS draft_ms, random() < 0.15 AS above,
                   c.erased_at IS NOT NULL AS erased, random() AS r_base, random() AS r_cur, random() AS r_end, random() AS r_exp, random() AS r_start,
                   random() AS r_sign, random() AS r_equity, random() AS r_comment,
                   coalesce(array_position(${P.arr(P.AREAS)}, op.skill_area), array_position(${P.arr(P.AREAS)}, c.skill_areas[1]), 1) AS fam,
                   ${pickIndex([56, 14, 18, 12], 'random()')} AS zone,
                   coalesce(CASE WHEN op.level LIKE 'P%' THEN substr(op.level, 2)::int - 5 ELSE substr(op.level, 2)::int - 3 END, ${pickIndex([25, 35, 28, 12], 'random()')}) AS lvl
              FROM chg o
              JOIN chg iv ON iv.i = o.i AND iv.k = o.k - 1
              LEFT JOIN chg f ON f.i = o.i AND f.k = o.k + 1
              JOIN app_final a ON a.i = o.i
              JOIN candidates c ON c.id = a.candidate_id
              LEFT JOIN openings op ON op.id = a.opening_id
             WHERE o.to_stage = 'offer') x`);
  await q(`ALTER TABLE offer_plan ADD COLUMN band_id uuid, ADD COLUMN status text, ADD COLUMN end_ms float8, ADD COLUMN expires_ms float8`);
  await q(`UPDATE offer_plan SET band_id = ('${bandId(0).slice(0, -12)}' || lpad(((fam - 1) * 16 + (zone - 1) * 4 + lvl)::text, 12, '0'))::uuid`);
  // How each ends, when, and when it expires (after the answer; an open one after now).
  await q(`
    UPDATE offer_plan SET
      status = CASE WHEN fin_stage = 'hired' THEN 'accepted' WHEN fin_stage IS NULL THEN 'sent'
                    WHEN r_end < 0.65 THEN 'declined' WHEN r_end < 0.85 THEN 'expired' ELSE 'withdrawn' END,
      end_ms = CASE WHEN fin_stage = 'hired' THEN fin_ms WHEN fin_stage IS NULL THEN NULL
                    WHEN r_end >= 0.65 AND r_end < 0.85 THEN sent_ms + (fin_ms - sent_ms) * 0.5 ELSE fin_ms - 60000 END`);
  await q(`
    UPDATE offer_plan SET expires_ms = CASE WHEN status = 'expired' THEN end_ms WHEN status = 'sent' THEN greatest(sent_ms + ${21 * DAY} + ${14 * DAY} * r_exp, ${NOW_MS + 7 * DAY})
                                            ELSE greatest(sent_ms + ${14 * DAY} + ${14 * DAY} * r_exp, end_ms + ${DAY}) END`);
  // Terms: in the band for most, above its maximum for the ones that needed an admin; some
  // Chinese bands' offers quoted in USD a year at the CNY/USD rate pinned at approval.
  await q(`
    CREATE TEMP TABLE offer_terms AS
    SELECT p.*, v.snapshot->>'currency' AS band_currency, (v.snapshot->>'monthsPerYear')::int AS months,
           round(CASE WHEN p.above THEN (v.snapshot->>'baseMax')::numeric * (1.02 + 0.13 * p.r_base) ELSE (v.snapshot->>'baseMid')::numeric * (0.85 + 0.3 * p.r_base) END) AS band_base,
           (v.snapshot->>'currency') = 'CNY' AND p.r_cur < 0.15 AS in_usd, r.rate AS pinned_rate, r.as_of AS pinned_as_of
      FROM offer_plan p JOIN salary_band_versions v ON v.band_id = p.band_id AND v.version = p.band_version
      LEFT JOIN LATERAL (SELECT rate, as_of FROM fx_rates WHERE base = 'CNY' AND quote = 'USD' AND as_of <= ${ts('p.draft_ms + (p.sent_ms - p.draft_ms) * 0.6')}::date
                          ORDER BY as_of DESC LIMIT 1) r ON true`);
  const approvedMs = `(t.draft_ms + (t.sent_ms - t.draft_ms) * CASE WHEN t.above THEN 0.6 ELSE 0.25 END)`;
  await q(`
    INSERT INTO offers (id, application_id, status, version, salary_band_id, band_version, currency, period, base, sign_on, equity, start_date, expires_at,
                        pinned_rate, pinned_rate_as_of, pinned_rate_inverted, status_reason, created_by, created_at, updated_at)
    SELECT t.id, t.application_id, t.status, 1, t.band_id, t.band_version, CASE WHEN t.in_usd THEN 'USD' ELSE t.band_currency END,
           CASE WHEN t.in_usd OR t.band_currency = 'USD' THEN 'annual' ELSE 'monthly' END,
           CASE WHEN t.in_usd THEN round(t.band_base * t.months * t.pinned_rate) ELSE t.band_base END * 100,
           CASE WHEN t.in_usd OR t.band_currency = 'USD' THEN CASE WHEN t.r_sign < 0.5 THEN (10000 + floor(50000 * t.r_sign * 2)) * 100 END
                ELSE CASE WHEN t.r_sign < 0.25 THEN (30000 + floor(120000 * t.r_sign * 4)) * 100 END END,
           CASE WHEN (t.in_usd OR t.band_currency = 'USD') AND t.r_equity < 0.6 THEN (50000 + floor(550000 * t.r_equity / 0.6)) * 100 END,
           (${ts('t.sent_ms')} + interval '30 days' + t.r_start * interval '45 days')::date, ${ts('t.expires_ms')},
           CASE WHEN t.in_usd THEN t.pinned_rate END, CASE WHEN t.in_usd THEN t.pinned_as_of END, CASE WHEN t.in_usd THEN true END,
           CASE WHEN t.status = 'expired' THEN 'expired unanswered' END, ${actorOf('t.tf', 't.i')}, ${ts('t.draft_ms')},
           ${ts("CASE WHEN t.status = 'sent' THEN t.sent_ms ELSE t.end_ms END")}
      FROM offer_terms t ORDER BY t.draft_ms`);
  await q(`
    INSERT INTO offer_versions (offer_id, version, snapshot, created_at)
    SELECT o.id, 1, jsonb_build_object('id', o.id, 'applicationId', o.application_id, 'status', 'draft', 'version', 1, 'currency', o.currency, 'period', o.period,
                                       'base', ${money('o.base')}, 'signOn', ${money('o.sign_on')}, 'equity', ${money('o.equity')},
                                       'startDate', to_char(o.start_date, 'YYYY-MM-DD'), 'expiresAt', to_char(o.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                       'statusReason', NULL, 'createdAt', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                       'updatedAt', to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')), o.created_at
      FROM offers o`);
  await q(`
    INSERT INTO offer_events (id, offer_id, from_status, to_status, offer_version, actor_id, comment, at)
    SELECT ${uuidAt('ev.at_ms', `'oe' || t.i || '.' || ev.k`)}, t.id, ev.from_status, ev.to_status, 1, ev.actor, CASE WHEN t.erased THEN NULL ELSE ev.comment END, ${ts('ev.at_ms')}
      FROM offer_terms t CROSS JOIN LATERAL (VALUES
        (1, NULL, 'draft', ${actorOf('t.tf', 't.i')}, NULL, t.draft_ms),
        (2, 'draft', CASE WHEN t.above THEN 'pending_approval' ELSE 'approved' END, ${actorOf('t.tf', 't.i')}, NULL, t.draft_ms + (t.sent_ms - t.draft_ms) * 0.25),
        (3, CASE WHEN t.above THEN 'pending_approval' END, 'approved', '${U_ADMIN}'::uuid, ${pick(APPROVAL_COMMENTS, 't.r_comment')}, ${approvedMs}),
        (4, 'approved', 'sent', ${actorOf('t.tf', 't.i')}, NULL, t.sent_ms),
        (5, CASE WHEN t.status <> 'sent' THEN 'sent' END, t.status, CASE WHEN t.status <> 'expired' THEN ${actorOf('t.tf', 't.i')} END,
            CASE t.status WHEN 'declined' THEN ${pick(DECLINE_COMMENTS, 't.r_comment')} WHEN 'expired' THEN 'expired unanswered'
                          WHEN 'withdrawn' THEN 'Candidate withdrew from the process' END, t.end_ms)
      ) AS ev(k, from_status, to_status, actor, comment, at_ms)
     WHERE ev.from_status IS NOT NULL OR ev.k = 1
     ORDER BY ev.at_ms`);
  // Competing offers on a third of the offers' applications, from the labs that compete for the same people.
  await q(`
    INSERT INTO competing_offers (id, application_id, employer, currency, period, base, bonus, equity, created_by, created_at)
    SELECT ${uuidAt('ms', `'co' || i`)}, application_id, CASE WHEN erased THEN '[erased]' ELSE ${pick(P.COMPETITORS, 'r_emp')} END,
           ${pick(P.COMPETITORS, 'r_emp', 1)}, ${pick(P.COMPETITORS, 'r_emp', 2)},
           CASE WHEN ${pick(P.COMPETITORS, 'r_emp', 1)} = 'USD' THEN 220000 + floor(430000 * r_base) ELSE 45000 + floor(85000 * r_base) END * 100,
           CASE WHEN r_bonus < 0.35 THEN CASE WHEN ${pick(P.COMPETITORS, 'r_emp', 1)} = 'USD' THEN 20000 + floor(100000 * r_bonus) ELSE 50000 + floor(250000 * r_bonus) END * 100 END,
           CASE WHEN ${pick(P.COMPETITORS, 'r_emp', 1)} = 'USD' AND r_equity < 0.5 THEN (100000 + floor(1400000 * r_equity * 2)) * 100 END,
           ${actorOf('tf', 'i')}, ${ts('ms')}
      FROM (SELECT i, application_id, tf, erased, intv_ms + (sent_ms - intv_ms) * random() AS ms, random() AS r_emp, random() AS r_base, random() AS r_bonus,
                   random() AS r_equity
              FROM offer_plan ORDER BY random() LIMIT ${COMPETING}) x ORDER BY ms`);
  log('compensation loaded');

  const loadedAt = Date.now();
  for (const i of indexes) await q(i.def);
  // As autovacuum leaves tables in service: visibility maps set, statistics current.
  await q(`VACUUM ANALYZE`);
  const indexedAt = Date.now();
  // The worker derives every fact from the tables on its next pass.
  await q(`UPDATE insight_projection SET rebuild_requested = true`);
  const counts = await rowCounts(c);
  const mismatches = await counterMismatches(c);
  const size = (await q(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
  await c.end();
  return { rowsSeconds: (loadedAt - started) / 1000, indexSeconds: (indexedAt - loadedAt) / 1000, counts, mismatches, size, reused: false };
}

// ---------------------------------------------------------------------------------------------
// Processes

const redisConnection = { ...redisOptionsFromUrl(REDIS_URL), maxRetriesPerRequest: null };

const removeKeys = () => removeRedisKeys(redisConnection, QUEUE_PREFIX);

function startProcess(script, env, logFile) {
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  return child;
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

const common = () => ({
  DATABASE_URL: dbUrl,
  REDIS_URL,
  QUEUE_PREFIX,
  MIGRATIONS_RUN_ON_START: 'false',
  HOST: '127.0.0.1',
});

// ---------------------------------------------------------------------------------------------
// Part 2: the facts, built by the worker

/** Starts the worker and waits until it has rebuilt the facts and counted the market; returns the timings. */
async function buildFacts() {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const state = async () => (await c.query(`SELECT rebuild_requested, rebuilt_at, market_at FROM insight_projection WHERE id = 1`)).rows[0];
  try {
    const before = await state();
    if (process.env.BENCH_REUSE_DB && !process.env.BENCH_REBUILD && !before.rebuild_requested && before.market_at) {
      log('facts kept from an earlier run (BENCH_REBUILD=1 to rebuild them)');
      return null;
    }
    await c.query(`UPDATE insight_projection SET rebuild_requested = true, market_at = NULL`);
    const port = await freePort();
    const logFile = path.join(os.tmpdir(), 'bench-insight-worker.log');
    const started = Date.now();
    const worker = startProcess(
      path.join(ROOT, 'dist/apps/worker/src/main.js'),
      { ...common(), WORKER_PORT: String(port), LOG_LEVEL: 'info', INSIGHT_PROJECTION_INTERVAL_MS: '1000' },
      logFile,
    );
    try {
      if (!(await waitForHealth(`http://127.0.0.1:${port}/health`, worker, 120_000))) throw new Error(`the worker did not start; see ${logFile}`);
      log(`worker up in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the facts and the market (log: ${logFile})`);
      for (;;) {
        const s = await state();
        if (!s.rebuild_requested && s.market_at) break;
        if (worker.exitCode !== null) throw new Error(`the worker exited; see ${logFile}`);
        if (Date.now() - started > 3_600_000) throw new Error('the facts were not built within an hour');
        await sleep(1000);
      }
      const wall = (Date.now() - started) / 1000;
      const rebuiltMs = Number(/insight facts rebuilt in (\d+) ms/.exec(fs.readFileSync(logFile, 'utf8'))?.[1] ?? NaN);
      // The jobs as BullMQ recorded them: the market job's own time excludes any wait for the rebuild's lock.
      const queue = new Queue('maintenance', { connection: redisConnection, prefix: QUEUE_PREFIX });
      const jobs = await queue.getJobs(['completed'], 0, 10_000);
      await queue.close();
      const rebuild = jobs.find((j) => j.name === 'project-insight' && j.returnvalue?.rebuilt);
      const market = jobs
        .filter((j) => j.name === 'refresh-market')
        .sort((a, b) => a.finishedOn - b.finishedOn)
        .shift();
      const waited = market && rebuild && rebuild.processedOn <= market.processedOn && rebuild.finishedOn > market.processedOn;
      const marketOwn = waited ? market.finishedOn - rebuild.finishedOn : market?.returnvalue?.ms;
      return { wall, rebuiltMs, rebuildJobMs: rebuild ? rebuild.finishedOn - rebuild.processedOn : null, marketMs: market?.returnvalue?.ms, marketOwn };
    } finally {
      await stop(worker);
      // The rebuild truncates and refills the facts without analysing them; autovacuum does within
      // a minute or so in service. The reports are measured on analysed facts, as they would be then.
      const { rows } = await c.query(
        `SELECT relname, last_autoanalyze IS NOT NULL AS analysed FROM pg_stat_user_tables WHERE relname IN ('insight_stage_visits', 'insight_outreach_steps') ORDER BY 1`,
      );
      log(`facts analysed by autovacuum by now: ${rows.map((r) => `${r.relname} ${r.analysed ? 'yes' : 'no'}`).join(', ')}; ANALYZE of the insight tables`);
      await c.query(`ANALYZE insight_stage_visits, insight_outreach_steps, insight_market, insight_market_top, insight_market_weeks`);
    }
  } finally {
    await c.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Part 3: the reports through the API

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
const stats = (times) => {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
};

async function cases() {
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  const [{ opening }] = (
    await c.query(`SELECT opening_id AS opening FROM applications WHERE opening_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`)
  ).rows;
  await c.end();
  const today = new Date().toISOString().slice(0, 10);
  const twoYears = { from: new Date(Date.now() - 730 * DAY).toISOString().slice(0, 10), to: today };
  const adminActor = { userId: U_ADMIN, role: 'admin', tokenId: 'bench' };
  const recruiter2 = { userId: U_R2, role: 'recruiter', tokenId: 'bench' };
  const A = [ADMIN_TOKEN, adminActor, 'admin'];
  const R2 = [RECRUITER2_TOKEN, recruiter2, 'recruiter 2 (2 task forces)'];
  const all = [
    ['market', 'whole pool', 'market', {}, A],
    ['market', 'two task forces', 'market', {}, R2],
    ['funnel', 'default period (12 weeks)', 'funnel', {}, A],
    ['funnel', '731 days', 'funnel', { ...twoYears }, A],
    ['funnel', 'task force 1, 731 days', 'funnel', { ...twoYears, taskForceId: tfId(1) }, A],
    ['funnel', 'busiest opening, 731 days', 'funnel', { ...twoYears, openingId: opening }, A],
    ['funnel', 'source=referral, 731 days', 'funnel', { ...twoYears, source: 'referral' }, A],
    ['funnel/openings', 'limit=50', 'openings', { limit: 50 }, A],
    ['outreach', 'default period (12 weeks)', 'outreach', {}, A],
    ['outreach', '731 days', 'outreach', { ...twoYears }, A],
    ['outreach', 'two task forces, 731 days', 'outreach', { ...twoYears }, R2],
    ['offers', '731 days', 'offers', { ...twoYears }, A],
    ['offers', 'CNY, 731 days', 'offers', { ...twoYears, currency: 'CNY' }, A],
    ['market', 'CSV', 'market', { format: 'csv' }, A],
    ['funnel', 'CSV, 731 days', 'funnel', { ...twoYears, format: 'csv' }, A],
    ['funnel/openings', 'CSV, limit=50', 'openings', { limit: 50, format: 'csv' }, A],
    ['outreach', 'CSV, 731 days', 'outreach', { ...twoYears, format: 'csv' }, A],
    ['offers', 'CSV, 731 days', 'offers', { ...twoYears, format: 'csv' }, A],
  ];
  return all.map(([route, label, method, q, [token, actor, caller]]) => {
    const query = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();
    return { route, label, method, q, token, actor, caller, path: `/v1/insight/${route}${query ? `?${query}` : ''}` };
  });
}

async function request(baseUrl, c) {
  const started = performance.now();
  const res = await fetch(`${baseUrl}${c.path}`, { headers: { authorization: `Bearer ${c.token}` } });
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${c.path}: ${res.status} ${body.slice(0, 500)}`);
  return { ms, bytes: Buffer.byteLength(body) };
}

async function measure(baseUrl, c) {
  let bytes = 0;
  for (let i = 0; i < 3; i++) bytes = (await request(baseUrl, c)).bytes;
  const sequential = [];
  for (let i = 0; i < REQUESTS; i++) sequential.push((await request(baseUrl, c)).ms);
  const concurrent = [];
  let issued = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (issued++ < REQUESTS) concurrent.push((await request(baseUrl, c)).ms);
    }),
  );
  return { ...c, bytes, sequential: stats(sequential), concurrent: stats(concurrent) };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the statements a report runs: the built InsightService is given a
 * database handle that explains each statement before it runs it, so the SQL and its parameters are
 * exactly the API's. Returns the statements, slowest first.
 */
async function explain(c) {
  const { InsightService } = require('../../dist/libs/insight/src');
  const client = new Client({ connectionString: dbUrl });
  await client.connect();
  const statements = [];
  const run = async (sql, params) => {
    if (/^\s*(SET|BEGIN|COMMIT)\b/i.test(sql)) return (await client.query(sql, params)).rows;
    const plan = (await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params)).rows.map((r) => r['QUERY PLAN']);
    const total = Number(/Execution Time: ([\d.]+) ms/.exec(plan[plan.length - 1])?.[1] ?? 0);
    statements.push({ sql: sql.replace(/\s+/g, ' ').trim(), params, plan, ms: total });
    return (await client.query(sql, params)).rows;
  };
  // The service runs some statements at once; one connection takes them one after another.
  let queue = Promise.resolve();
  const db = {
    query: (sql, params = []) => {
      const result = queue.then(() => run(sql, params));
      queue = result.catch(() => undefined);
      return result;
    },
    // Settings the service makes for one transaction (work_mem) hold for the statements explained in it.
    transaction: async (work) => {
      await db.query('BEGIN');
      try {
        return await work(db);
      } finally {
        await db.query('COMMIT');
      }
    },
  };
  try {
    const service = new InsightService(db, { now: () => new Date() }, { requireVisible: async () => undefined });
    await service[c.method](c.actor, c.method === 'openings' ? { limit: 50, ...c.q } : { ...c.q });
  } finally {
    await client.end();
  }
  return statements.sort((a, b) => b.ms - a.ms);
}

async function reports() {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const logFile = path.join(os.tmpdir(), 'bench-insight-api.log');
  const api = startProcess(
    path.join(ROOT, 'dist/apps/api/src/main.js'),
    { ...common(), PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', PUBLIC_BASE_URL: baseUrl },
    logFile,
  );
  const results = [];
  try {
    if (!(await waitForHealth(`${baseUrl}/health`, api, 120_000))) throw new Error(`the API did not start; see ${logFile}`);
    for (const c of await cases()) {
      const r = await measure(baseUrl, c);
      results.push(r);
      log(
        `${r.route} (${r.caller}, ${r.label}): sequential p50 ${r.sequential.p50.toFixed(0)} / p95 ${r.sequential.p95.toFixed(0)} ms, ` +
          `${CONNECTIONS} connections p50 ${r.concurrent.p50.toFixed(0)} / p95 ${r.concurrent.p95.toFixed(0)} ms`,
      );
    }
  } finally {
    await stop(api);
  }
  return results;
}

// ---------------------------------------------------------------------------------------------

(async () => {
  log(
    `bench/insight: ${fmt(N)} candidates, ${fmt(APPLICATIONS)} applications, ${fmt(ENROLLMENTS)} enrollments, ` +
      `${REQUESTS} requests per case, ${os.cpus().length} cores`,
  );
  await removeKeys();
  const loaded = await load();
  if (loaded.reused) log(`reused the database kept by an earlier run (migrated, ANALYZE), ${loaded.size}`);
  else log(`rows in ${loaded.rowsSeconds.toFixed(1)} s, indexes rebuilt and VACUUM ANALYZE in ${loaded.indexSeconds.toFixed(1)} s, database ${loaded.size}`);
  console.log('\n| table | rows |\n| --- | --- |');
  for (const [t, count] of Object.entries(loaded.counts)) console.log(`| ${t} | ${fmt(count)} |`);
  console.log('');
  if (!loaded.reused) log(`sequence counters that disagree with the rows they count: ${loaded.mismatches}`);

  const facts = await buildFacts();
  if (facts) {
    log(
      `facts rebuilt in ${(facts.rebuiltMs / 1000).toFixed(1)} s (the worker's log; the job took ${((facts.rebuildJobMs ?? NaN) / 1000).toFixed(1)} s), ` +
        `market counted in ${((facts.marketOwn ?? NaN) / 1000).toFixed(1)} s (the job reported ${((facts.marketMs ?? NaN) / 1000).toFixed(1)} s with any wait for the rebuild), ` +
        `${facts.wall.toFixed(1)} s from the worker's start`,
    );
  }
  await removeKeys();

  const results = await reports();
  const flag = (ms) => (ms <= GOAL_MS ? 'PASS' : 'OVER');
  const f = (s) => `${s.p50.toFixed(0)} / ${s.p95.toFixed(0)} / ${s.p99.toFixed(0)}`;
  console.log(
    `\nInsight reports through the API (ms, p50 / p95 / p99; ${REQUESTS} sequential requests after 3 warm-up, then ${REQUESTS} over ${CONNECTIONS} connections; ` +
      `p99 of ${REQUESTS} is their slowest); goal p95 <= ${GOAL_MS} ms:`,
  );
  console.log(`| report | caller | case | size | sequential | ${CONNECTIONS} connections | p95 <= ${GOAL_MS} ms |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    const size = r.bytes >= 1024 ? `${(r.bytes / 1024).toFixed(1)} KB` : `${r.bytes} B`;
    const verdict = `${flag(r.sequential.p95)} / ${flag(r.concurrent.p95)}`;
    console.log(`| \`${r.route}\` | ${r.caller} | ${r.label} | ${size} | ${f(r.sequential)} | ${f(r.concurrent)} | ${verdict} |`);
  }
  const over = results.filter((r) => r.sequential.p95 > GOAL_MS || r.concurrent.p95 > GOAL_MS);
  console.log(`\n${over.length ? `${over.length} of ${results.length} cases over ${GOAL_MS} ms at p95` : `every case within ${GOAL_MS} ms at p95`}.`);

  if (process.env.BENCH_EXPLAIN !== '0') {
    // The slowest case of each of the two slowest reports (JSON; a CSV runs the same statements),
    // their slowest statement explained.
    const slowest = [];
    for (const r of results.filter((x) => !x.q.format).sort((a, b) => b.sequential.p95 - a.sequential.p95)) {
      if (slowest.length < 2 && !slowest.some((s) => s.route === r.route)) slowest.push(r);
    }
    for (const r of slowest) {
      const statements = await explain(r);
      const main = statements[0];
      console.log(`\nEXPLAIN (ANALYZE, BUFFERS), ${r.route} (${r.caller}, ${r.label}): the slowest of its ${statements.length} statements`);
      console.log(`statements, ms each: ${statements.map((s) => s.ms.toFixed(0)).join(', ')}`);
      console.log(`parameters: ${JSON.stringify(main.params)}`);
      console.log(`${main.sql}\n${main.plan.join('\n')}`);
    }
  }
})()
  .then(async () => {
    // BENCH_REUSE_DB=1 keeps the database for the next run, as BENCH_KEEP=1 does.
    if (!process.env.BENCH_KEEP && !process.env.BENCH_REUSE_DB) await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await removeKeys();
    process.exit(0);
  })
  .catch(async (e) => {
    console.error(e);
    await removeKeys().catch(() => undefined);
    process.exit(1);
  });
