// bench/bounds: loads a pathological data set into a database of its own (10,000 look-alikes of
// one person among 100,000 candidates, a candidate with thousands of notes, audit entries and
// applications, a sequence with 10,000 enrollments, a band and an offer with long histories),
// starts the real API and prints, for every route whose work could grow with the data, the
// latency and response size at limit=1 and limit=200; then times a 10,000-row CSV import and a
// 10,000-candidate enrolment while probing how long another user's request waits meanwhile.
//   npm run bench:bounds            (BENCH_BACKGROUND=20000 for a quicker run)
require('reflect-metadata');
const { spawn } = require('node:child_process');
const path = require('node:path');
const { createHash, randomBytes } = require('node:crypto');
const { Client } = require('pg');
const IORedis = require('ioredis');
const { adminQuery, databaseUrl, freshDatabase, sleep, waitForHealth } = require('../lib');

const BACKGROUND = Number(process.env.BENCH_BACKGROUND ?? 100_000);
const LOOK_ALIKES = Number(process.env.BENCH_LOOK_ALIKES ?? 10_000);
const HEAVY = Number(process.env.BENCH_HEAVY ?? 5_000);
const ENROL = Number(process.env.BENCH_ENROL ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DB = 'hiring_bench_bounds';
const PREFIX = `bench-bounds-${randomBytes(3).toString('hex')}`;
const ADMIN_TOKEN = 'bench-bounds-admin-token-0123456789';
const RECRUITER_TOKEN = 'bench-bounds-recruiter-token-0123456789';
const OUTSIDER_TOKEN = 'bench-bounds-outsider-token-0123456789';
const PORT = 3720;
const API = `http://127.0.0.1:${PORT}`;
const ADMIN_ID = '00000000-0000-7000-8000-000000000001';
const RECRUITER_ID = '00000000-0000-7000-8000-000000000002';
const OUTSIDER_ID = '00000000-0000-7000-8000-000000000003';
const TASK_FORCE_ID = '00000000-0000-7000-8000-0000000000f1';

const dbUrl = databaseUrl(BASE_URL, DB);
const log = (...args) => console.log(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
const admin = (sql) => adminQuery(BASE_URL, sql);
const sha256 = (t) => createHash('sha256').update(t).digest('hex');
/** A time-ordered UUID (v7 layout) from a millisecond count and a seed, so ids sort in creation order. */
const uuidSql = (ms, seed) => `(lpad(to_hex(${ms}), 12, '0') || '7' || substr(md5(${seed}), 1, 3) || '8' || substr(md5(${seed}), 4, 15))::uuid`;

const GIVEN = [
  'Wei',
  'Fang',
  'Min',
  'Jing',
  'Lei',
  'Yang',
  'Jun',
  'Hao',
  'Xiaoyu',
  'Yifan',
  'Zihan',
  'Yuxuan',
  'Haoran',
  'Siyu',
  'Tian',
  'Rui',
  'Kai',
  'Ning',
  'Bo',
  'Chen',
];
const SURNAMES = [
  'Wang',
  'Li',
  'Zhang',
  'Liu',
  'Chen',
  'Yang',
  'Huang',
  'Zhao',
  'Wu',
  'Zhou',
  'Xu',
  'Sun',
  'Ma',
  'Zhu',
  'Hu',
  'Guo',
  'He',
  'Lin',
  'Gao',
  'Luo',
];
const EMPLOYERS = ['OpenAI', 'Google DeepMind', 'Meta FAIR', 'Anthropic', 'Microsoft Research', 'Apple', 'NVIDIA', 'Waymo', 'Tesla', 'Amazon'];
const arr = (list) => `(ARRAY[${list.map((s) => `'${s}'`).join(',')}])`;

async function api(method, route, body, token = ADMIN_TOKEN, headers = {}) {
  const res = await fetch(`${API}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 300)}`);
  return { status: res.status, bytes: Buffer.byteLength(text), body: text ? JSON.parse(text) : null };
}

async function load() {
  await freshDatabase(BASE_URL, DB);
  const c = new Client({ connectionString: dbUrl });
  await c.connect();
  await c.query(`SELECT setseed(0.42)`);
  // The outsider is a recruiter who sees none of the candidates: every key a page walks costs them a full check.
  await c.query(
    `INSERT INTO users (id, email, name, role) VALUES ($1, 'admin@example.com', 'Bench Admin', 'admin'), ($2, 'recruiter@example.com', 'Bench Recruiter', 'recruiter'), ($3, 'outsider@example.com', 'Bench Outsider', 'recruiter')`,
    [ADMIN_ID, RECRUITER_ID, OUTSIDER_ID],
  );
  await c.query(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix) VALUES ('00000000-0000-7000-8000-0000000000a1', $1, 'bench', $2, 'bench'), ('00000000-0000-7000-8000-0000000000a2', $3, 'bench', $4, 'bench'), ('00000000-0000-7000-8000-0000000000a3', $5, 'bench', $6, 'bench')`,
    [ADMIN_ID, sha256(ADMIN_TOKEN), RECRUITER_ID, sha256(RECRUITER_TOKEN), OUTSIDER_ID, sha256(OUTSIDER_TOKEN)],
  );
  await c.query(
    `INSERT INTO task_forces (id, name, company, location, time_zone, focus_areas, headcount_target) VALUES ($1, 'ByteDance / Doubao LLM', 'ByteDance', 'San Jose, CA', 'America/Los_Angeles', '{llm}', 20)`,
    [TASK_FORCE_ID],
  );
  await c.query(`INSERT INTO task_force_members (task_force_id, user_id) VALUES ($1, $2)`, [TASK_FORCE_ID, RECRUITER_ID]);

  // Background: half share one of 4,000 name-and-employer keys (natural groups of ~12), half are unique.
  await c.query(
    `
    INSERT INTO candidates (id, full_name, emails, current_employer, owner_id, created_at, updated_at)
    SELECT ${uuidSql('1764000000000 + i', 'i::text')},
           CASE WHEN i % 2 = 0 THEN ${arr(GIVEN)}[1 + i % 20] || ' ' || ${arr(SURNAMES)}[1 + (i / 20) % 20]
                ELSE ${arr(GIVEN)}[1 + i % 20] || ' ' || ${arr(SURNAMES)}[1 + (i / 20) % 20] || ' ' || i END,
           ARRAY['bg.' || i || '@example.com'], ${arr(EMPLOYERS)}[1 + (i / 400) % 10], $1, now(), now()
      FROM generate_series(1, ${BACKGROUND}) AS i`,
    [ADMIN_ID],
  );
  // The issue's import: one recruiter, thousands of rows with the same name and employer, spelt a little differently.
  await c.query(
    `
    INSERT INTO candidates (id, full_name, emails, current_employer, owner_id, created_at, updated_at)
    SELECT ${uuidSql('1764100000000 + i', "'la' || i")}, (ARRAY['Wei Zhang', 'wei  zhang', 'WEI ZHANG ', ' Wei Zhang'])[1 + i % 4],
           ARRAY['wei.zhang.' || i || '@example.com'], (ARRAY['OpenAI', 'openai', 'OPENAI'])[1 + i % 3], $1, now(), now()
      FROM generate_series(1, ${LOOK_ALIKES}) AS i`,
    [RECRUITER_ID],
  );
  await c.query(`INSERT INTO candidate_identities (kind, value, candidate_id) SELECT 'email', emails[1], id FROM candidates`);
  // 2% of the background is in the recruiter's task force.
  await c.query(
    `
    INSERT INTO applications (id, candidate_id, task_force_id, stage)
    SELECT ${uuidSql('1764200000000 + row_number() OVER ()', 'id::text')}, id, $1, 'sourced' FROM candidates WHERE abs(hashtext(id::text)) % 50 = 0 AND full_name <> 'Wei Zhang'`,
    [TASK_FORCE_ID],
  );

  // One candidate with a long record: notes, audit entries, applications (each with its history).
  const heavy = '00000000-0000-7000-8000-0000000000c1';
  await c.query(`INSERT INTO candidates (id, full_name, emails, owner_id) VALUES ($1, 'Long Record', ARRAY['long.record@example.com'], $2)`, [heavy, ADMIN_ID]);
  await c.query(
    `INSERT INTO candidate_notes (id, candidate_id, author_id, body) SELECT ${uuidSql('1764300000000 + i', "'n' || i")}, $1, $2, repeat('Met at NeurIPS; open to Sunnyvale. ', 8) FROM generate_series(1, ${HEAVY}) i`,
    [heavy, ADMIN_ID],
  );
  await c.query(
    `INSERT INTO audit_log (id, actor_id, action, entity_type, entity_id, details) SELECT ${uuidSql('1764300000000 + i', "'a' || i")}, $2, 'candidate.viewed', 'candidate', $1, '{"via": "bench"}' FROM generate_series(1, ${HEAVY}) i`,
    [heavy, ADMIN_ID],
  );
  await c.query(
    `
    INSERT INTO applications (id, candidate_id, task_force_id, stage, closed_reason)
    SELECT ${uuidSql('1764400000000 + i', "'ap' || i")}, $1, $2, CASE WHEN i = 500 THEN 'interviewing' ELSE 'withdrawn' END, CASE WHEN i = 500 THEN NULL ELSE 'personal' END
      FROM generate_series(1, 500) i`,
    [heavy, TASK_FORCE_ID],
  );
  await c.query(
    `
    INSERT INTO application_stage_changes (id, application_id, from_stage, to_stage, reason, comment, actor_id)
    SELECT ${uuidSql('1764500000000 + row_number() OVER ()', 'a.id::text || s.n')}, a.id, s.f, s.t, s.r, 'called', $2
      FROM applications a, (VALUES (1, NULL, 'sourced', NULL), (2, 'sourced', 'withdrawn', 'personal')) AS s(n, f, t, r)
     WHERE a.candidate_id = $1`,
    [heavy, ADMIN_ID],
  );

  // Candidates for the enrolment run: each with an open application in the task force.
  await c.query(
    `
    INSERT INTO candidates (id, full_name, emails, owner_id, time_zone)
    SELECT ${uuidSql('1764600000000 + i', "'en' || i")}, 'Enrol ' || i, ARRAY['enrol.' || i || '@example' || (i % 100) || '.com'], $1, 'America/Los_Angeles'
      FROM generate_series(1, ${ENROL}) i`,
    [ADMIN_ID],
  );
  await c.query(
    `
    INSERT INTO applications (id, candidate_id, task_force_id, stage)
    SELECT ${uuidSql('1764700000000 + row_number() OVER ()', 'id::text')}, id, $1, 'contacted' FROM candidates WHERE full_name LIKE 'Enrol %'`,
    [TASK_FORCE_ID],
  );
  await c.query(`ANALYZE`);
  const size = (await c.query(`SELECT pg_size_pretty(pg_database_size(current_database())) AS s`)).rows[0].s;
  return { c, heavy, size };
}

async function measure(
  label,
  route,
  { token = ADMIN_TOKEN, method = 'GET', body, runs = RUNS, count = (b) => (Array.isArray(b?.data) ? b.data.length : null) } = {},
) {
  const times = [];
  let last;
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    last = await api(method, route, body, token);
    if (i >= 2) times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return { label, route, p50: times[Math.floor(times.length / 2)], max: times[times.length - 1], bytes: last.bytes, items: count(last.body), body: last.body };
}

/** Times one big request while another user reads a candidate every 25 ms; reports the slowest probe. */
async function whileProbing(run, probeRoute) {
  let stop = false;
  const probes = [];
  const probing = (async () => {
    while (!stop) {
      const t = performance.now();
      await api('GET', probeRoute, undefined, RECRUITER_TOKEN);
      probes.push(performance.now() - t);
      await sleep(25);
    }
  })();
  const t = performance.now();
  const result = await run();
  const elapsed = performance.now() - t;
  stop = true;
  await probing;
  probes.sort((a, b) => a - b);
  return { elapsed, result, probeP50: probes[Math.floor(probes.length / 2)] ?? 0, probeMax: probes[probes.length - 1] ?? 0, probes: probes.length };
}

const OLD_STATS_SQL = `
  SELECT m.step, count(*) FILTER (WHERE m.status = 'scheduled')::int, count(*) FILTER (WHERE m.status = 'sent')::int,
         count(*) FILTER (WHERE m.response = 'replied')::int
    FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.sequence_id = $1 GROUP BY m.step ORDER BY m.step`;

(async () => {
  log(
    `bench/bounds: ${BACKGROUND.toLocaleString()} background candidates, ${LOOK_ALIKES.toLocaleString()} look-alikes, ${HEAVY.toLocaleString()} notes and audit entries on one candidate, ${ENROL.toLocaleString()} to enrol`,
  );
  const { c, heavy, size } = await load();
  log(`loaded, database ${size}`);
  const env = {
    DATABASE_URL: dbUrl,
    REDIS_URL,
    PORT: String(PORT),
    RATE_LIMIT_PER_MINUTE: '0',
    LOG_LEVEL: 'warn',
    QUEUE_PREFIX: PREFIX,
    MIGRATIONS_RUN_ON_START: 'false',
  };
  const child = spawn(process.execPath, [path.join(__dirname, '../../dist/apps/api/src/main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const redis = new IORedis(REDIS_URL);
  try {
    if (!(await waitForHealth(`${API}/health`, child))) throw new Error('the API did not start');

    // A sequence and an offer through the API, so they are valid; then their long histories.
    const seq = (
      await api('POST', '/v1/sequences', {
        taskForceId: TASK_FORCE_ID,
        name: 'Bounds bench',
        sender: { fromName: 'Jun Wang', fromAddress: 'jun.wang@example.com' },
        steps: [
          { delay: 'P30D', subject: 'Hello {{candidate.firstName}}', body: 'Hi {{candidate.firstName}}\n{{unsubscribeUrl}}' },
          { delay: 'P3D', subject: 'Re: hello', body: 'Following up\n{{unsubscribeUrl}}' },
          { delay: 'P3D', subject: 'Last note', body: 'Last one\n{{unsubscribeUrl}}' },
        ],
        sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
      })
    ).body;
    const band = (
      await api('POST', '/v1/salary-bands', {
        jobFamily: 'llm',
        level: 'P8',
        zone: 'cn-beijing',
        currency: 'CNY',
        period: 'monthly',
        monthsPerYear: 14,
        baseMin: '36000.00',
        baseMid: '42874.00',
        baseMax: '52000.00',
        effectiveFrom: '2026-01-01',
      })
    ).body;
    await c.query(
      `INSERT INTO salary_band_versions (band_id, version, snapshot, created_by) SELECT $1, v, jsonb_set(snapshot, '{version}', to_jsonb(v)), $2 FROM salary_band_versions, generate_series(2, 1000) v WHERE band_id = $1 AND version = 1`,
      [band.id, ADMIN_ID],
    );
    await c.query(`UPDATE salary_bands SET version = 1000 WHERE id = $1`, [band.id]);
    const offerApp = (await c.query(`SELECT id FROM applications WHERE candidate_id = $1 AND stage = 'interviewing'`, [heavy])).rows[0].id;
    const offer = (
      await api('POST', '/v1/offers', {
        applicationId: offerApp,
        salaryBandId: band.id,
        base: '45000.00',
        currency: 'CNY',
        period: 'monthly',
        startDate: '2027-03-01',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      })
    ).body;
    await c.query(
      `INSERT INTO offer_events (id, offer_id, from_status, to_status, offer_version, actor_id, comment) SELECT ${uuidSql('1764800000000 + i', "'oe' || i")}, $1, 'draft', 'draft', 1, $2, 'noted' FROM generate_series(1, ${HEAVY}) i`,
      [offer.id, ADMIN_ID],
    );
    for (let i = 0; i < 20; i++)
      await api('POST', `/v1/applications/${offerApp}/competing-offers`, { employer: `Lab ${i}`, base: `${40000 + i}.00`, currency: 'CNY', period: 'monthly' });

    // The 10,000-candidate enrolment, with another user probing meanwhile.
    const enrolIds = (await c.query(`SELECT id FROM candidates WHERE full_name LIKE 'Enrol %' ORDER BY id`)).rows.map((r) => r.id);
    const probeId = (await c.query(`SELECT candidate_id FROM applications WHERE task_force_id = $1 AND candidate_id <> $2 LIMIT 1`, [TASK_FORCE_ID, heavy]))
      .rows[0].candidate_id;
    const enrol = await whileProbing(() => api('POST', `/v1/sequences/${seq.id}/enrollments`, { candidateIds: enrolIds }), `/v1/candidates/${probeId}`);
    // Steps 2 and 3 as if sent, so the sequence holds 30,000 messages.
    await c.query(
      `
      INSERT INTO outreach_messages (id, enrollment_id, step, due_at, status, sent_at, message_id, response)
      SELECT ${uuidSql('1764900000000 + row_number() OVER ()', 'e.id::text || s')}, e.id, s, now(), 'sent', now(), '<' || e.id || '.' || s || '@bench>', CASE WHEN abs(hashtext(e.id::text)) % 10 = 0 THEN 'replied' END
        FROM enrollments e, generate_series(2, 3) s WHERE e.sequence_id = $1`,
      [seq.id],
    );
    await c.query(`ANALYZE`);

    // The 10,000-row CSV import, the same way.
    const csv = ['full_name,email,current_employer', ...Array.from({ length: 10_000 }, (_, i) => `Li Ming,li.ming.${i}@import.example.com,DeepMind`)].join(
      '\n',
    );
    const imported = await whileProbing(
      () => api('POST', '/v1/candidates/import', csv, RECRUITER_TOKEN, { 'content-type': 'text/csv' }),
      `/v1/candidates/${probeId}`,
    );

    const big = { group: (await c.query(`SELECT lookalike_key FROM candidates WHERE full_name = 'Wei Zhang' LIMIT 1`)).rows[0].lookalike_key };
    const recruiterBig = (await api('GET', `/v1/candidates/duplicates/${big.group}/members?limit=1`, undefined, RECRUITER_TOKEN)).body;
    if (!recruiterBig.data.length) throw new Error('the recruiter should see the look-alikes they imported');

    const rows = [];
    for (const limit of [1, 200]) {
      rows.push(await measure('duplicate groups, admin', `/v1/candidates/duplicates?limit=${limit}`));
      rows.push(await measure('duplicate groups, recruiter', `/v1/candidates/duplicates?limit=${limit}`, { token: RECRUITER_TOKEN }));
      rows.push(await measure('duplicate groups, a recruiter who sees none', `/v1/candidates/duplicates?limit=${limit}`, { token: OUTSIDER_TOKEN }));
      rows.push(await measure(`members of the ${LOOK_ALIKES.toLocaleString()}-strong group`, `/v1/candidates/duplicates/${big.group}/members?limit=${limit}`));
      rows.push(await measure('candidates, recruiter scope', `/v1/candidates?limit=${limit}`, { token: RECRUITER_TOKEN }));
      rows.push(await measure(`notes of the long record`, `/v1/candidates/${heavy}/notes?limit=${limit}`));
      rows.push(await measure('export section: notes', `/v1/candidates/${heavy}/export/notes?limit=${limit}`));
      rows.push(await measure('export section: auditTrail', `/v1/candidates/${heavy}/export/auditTrail?limit=${limit}`));
      rows.push(await measure('applications of the long record', `/v1/applications?candidateId=${heavy}&limit=${limit}`));
      rows.push(await measure('enrollments of the sequence', `/v1/sequences/${seq.id}/enrollments?limit=${limit}`));
      rows.push(await measure('band versions (1,000)', `/v1/salary-bands/${band.id}/versions?limit=${limit}`));
      rows.push(await measure(`offer history (${HEAVY.toLocaleString()} events)`, `/v1/offers/${offer.id}/history?limit=${limit}`));
      rows.push(await measure('event feed, admin', `/v1/events?limit=${limit}`));
      // Sees none of the events: each request scans its bounded stretch of the feed and moves the cursor on.
      rows.push(await measure('event feed, a recruiter who sees none', `/v1/events?limit=${limit}`, { token: OUTSIDER_TOKEN }));
    }
    const fixed = [
      await measure('export (first page of each section)', `/v1/candidates/${heavy}/export`, {
        runs: 5,
        count: (b) => b.notes.length + b.applications.length + b.auditTrail.length,
      }),
      await measure('candidate page (500 applications)', `/v1/candidates/${heavy}`, { count: (b) => b.applications.length }),
      await measure('sequence stats (30,000 messages)', `/v1/sequences/${seq.id}/stats`, { count: (b) => b.steps.length }),
      await measure('preview, all steps', `/v1/sequences/${seq.id}/preview`, { method: 'POST', body: { candidateId: enrolIds[0] }, count: (b) => b.length }),
      await measure('competing offers (capped at 20)', `/v1/applications/${offerApp}/competing-offers`, { count: (b) => b.length }),
      await measure('offer with 20 competing offers', `/v1/offers/${offer.id}`, { count: () => null }),
    ];

    /** A caller walking every duplicate group to the end. */
    const walkAll = async (token) => {
      let pages = 0;
      let groups = 0;
      let cursor = '';
      let slowest = 0;
      const started = performance.now();
      for (;;) {
        const t = performance.now();
        const page = (await api('GET', `/v1/candidates/duplicates?limit=200${cursor ? `&cursor=${cursor}` : ''}`, undefined, token)).body;
        slowest = Math.max(slowest, performance.now() - t);
        pages += 1;
        groups += page.data.length;
        if (!page.nextCursor) return { pages, groups, ms: performance.now() - started, slowest };
        cursor = page.nextCursor;
      }
    };
    const walks = [
      ['admin', await walkAll(ADMIN_TOKEN)],
      ['recruiter', await walkAll(RECRUITER_TOKEN)],
      ['recruiter who sees none', await walkAll(OUTSIDER_TOKEN)],
    ];

    const oldStats = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      await c.query(OLD_STATS_SQL, [seq.id]);
      oldStats.push(performance.now() - t);
    }
    oldStats.sort((a, b) => a - b);

    const kb = (b) => (b < 1024 ? `${b} B` : `${(b / 1024).toFixed(1)} KiB`);
    console.log('\nPaged routes (ms over ' + RUNS + ' sequential requests after 2 warm-up; size of the last answer):');
    console.log('| route | limit | items | p50 ms | max ms | size |\n| --- | --- | --- | --- | --- | --- |');
    for (const r of rows)
      console.log(
        `| ${r.label}: \`${r.route
          .split('?')[0]
          .replace(/[0-9a-f-]{36}/g, ':id')
          .replace(
            /[0-9a-f]{32}/g,
            ':group',
          )}\` | ${/limit=(\d+)/.exec(r.route)[1]} | ${r.items} | ${r.p50.toFixed(1)} | ${r.max.toFixed(1)} | ${kb(r.bytes)} |`,
      );
    console.log('\nRoutes with a fixed ceiling:');
    console.log('| route | items | p50 ms | max ms | size |\n| --- | --- | --- | --- | --- |');
    for (const r of fixed)
      console.log(
        `| ${r.label}: \`${r.route.replace(/[0-9a-f-]{36}/g, ':id')}\` | ${r.items ?? '-'} | ${r.p50.toFixed(1)} | ${r.max.toFixed(1)} | ${kb(r.bytes)} |`,
      );
    console.log(`\nsequence stats as the old query computed them (every message scanned, run directly): p50 ${oldStats[3].toFixed(1)} ms`);
    console.log('\nWalking every duplicate group at limit=200:');
    console.log('| caller | pages | groups | total s | slowest page ms |\n| --- | --- | --- | --- | --- |');
    for (const [who, w] of walks) console.log(`| ${who} | ${w.pages} | ${w.groups} | ${(w.ms / 1000).toFixed(1)} | ${w.slowest.toFixed(1)} |`);
    console.log('\nBulk requests, with another user reading a candidate every 25 ms meanwhile:');
    console.log('| request | took | answer | other user p50 ms | other user max ms |\n| --- | --- | --- | --- | --- |');
    console.log(
      `| enrol ${ENROL.toLocaleString()} candidates | ${(enrol.elapsed / 1000).toFixed(1)} s | ${kb(enrol.result.bytes)}, ${enrol.result.body.enrolled.length} enrolled | ${enrol.probeP50.toFixed(1)} | ${enrol.probeMax.toFixed(1)} |`,
    );
    console.log(
      `| import 10,000 CSV rows | ${(imported.elapsed / 1000).toFixed(1)} s | ${kb(imported.result.bytes)}, ${imported.result.body.created} created | ${imported.probeP50.toFixed(1)} | ${imported.probeMax.toFixed(1)} |`,
    );
    const peak = /VmHWM:\s+(\d+) kB/.exec(require('node:fs').readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (peak) console.log(`\nAPI process peak resident memory over the whole run: ${(Number(peak[1]) / 1024).toFixed(0)} MiB`);
  } finally {
    child.kill('SIGTERM');
    await c.end();
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  if (!process.env.BENCH_KEEP) await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
