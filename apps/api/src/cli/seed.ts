import 'reflect-metadata';
import { ConfigValidationError, dataSourceOptions, loadConfig, newId, runMigrationsLocked } from '@app/platform';
import { FORWARD_STAGES, normalizeEmail } from '@app/candidates';
import { hashToken } from '@app/users';
import { DataSource, EntityManager } from 'typeorm';
import { BAND_COLUMNS, BandRow, toBandView } from '@app/compensation';
import { SequenceDefinition } from '@app/outreach';
import { DEMO_ADMIN, DEMO_BANDS, DEMO_CANDIDATES, DEMO_FX_RATES, DEMO_INTERVIEWERS, DEMO_PLAN, DEMO_SEQUENCES, DEMO_TASK_FORCES } from './demo-data';
import { buildHistory, DEMO_PEOPLE, HistoryPlan, HistoryTaskForce, SETUP_DAYS } from './demo-history';

const DAY = 86_400_000;

/**
 * Loads the demo data. Idempotent: rows are matched by their natural keys and never doubled.
 * The task forces, users, openings, bands and sequences it creates are dated SETUP_DAYS back, so
 * the generated history (demo-history.ts) that follows them happened after they existed.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL)).initialize();
  const now = new Date();
  const setupAt = new Date(now.getTime() - SETUP_DAYS * DAY);
  try {
    await runMigrationsLocked(dataSource);
    await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      await ensureUser(tx, DEMO_ADMIN.email, DEMO_ADMIN.name, 'admin', DEMO_ADMIN.token, setupAt);
      const taskForceIds = new Map<string, string>();
      for (const tf of DEMO_TASK_FORCES) {
        const taskForceId = await ensureTaskForce(tx, tf, setupAt);
        taskForceIds.set(tf.name, taskForceId);
        const recruiterId = await ensureUser(tx, tf.recruiter.email, tf.recruiter.name, 'recruiter', tf.recruiter.token, setupAt);
        await tx.query(`INSERT INTO task_force_members (task_force_id, user_id, added_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
          taskForceId,
          recruiterId,
          setupAt,
        ]);
        for (const o of tf.openings) {
          await tx.query(
            `INSERT INTO openings (id, task_force_id, title, skill_area, level, headcount, created_at, updated_at)
             SELECT $1, $2, $3, $4, $5, $6, $7, $7 WHERE NOT EXISTS (SELECT 1 FROM openings WHERE task_force_id = $2 AND title = $3)`,
            [newId(), taskForceId, o.title, o.skillArea, o.level, o.headcount, setupAt],
          );
        }
      }
    });
    const candidates = await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      const taskForces: { id: string; name: string }[] = await tx.query(`SELECT id, name FROM task_forces`);
      const [{ id: adminId }] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [DEMO_ADMIN.email]);
      let added = 0;
      for (const [i, c] of DEMO_CANDIDATES.entries()) {
        if ((await tx.query(`SELECT 1 FROM candidate_identities WHERE kind = 'email' AND value = $1`, [normalizeEmail(c.email)])).length) continue;
        // Their history as the pipeline writes it: sourced, then a move a day up to their stage, the last a few days ago.
        const stages = FORWARD_STAGES.slice(0, FORWARD_STAGES.indexOf(c.stage) + 1);
        const sourcedAt = now.getTime() - (stages.length + 1 + (i % 4)) * DAY;
        const times = stages.map((_, k) => new Date(sourcedAt + k * DAY));
        const candidateId = newId();
        await tx.query(
          `INSERT INTO candidates (id, full_name, native_name, emails, current_employer, current_title, skills, skill_areas, visa_status, education, owner_id, location, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'San Francisco Bay Area', $12, $12)`,
          [
            candidateId,
            c.fullName,
            c.nativeName,
            [c.email],
            c.employer,
            c.title,
            c.skills,
            [c.skillArea],
            c.visa,
            JSON.stringify(c.education),
            adminId,
            times[0],
          ],
        );
        await tx.query(`INSERT INTO candidate_identities (kind, value, candidate_id) VALUES ('email', $1, $2)`, [normalizeEmail(c.email), candidateId]);
        const taskForceId = taskForces.find((t) => t.name === c.taskForce)!.id;
        const applicationId = newId();
        await tx.query(
          `INSERT INTO applications (id, candidate_id, task_force_id, stage, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [applicationId, candidateId, taskForceId, c.stage, stages.length, adminId, times[0], times[times.length - 1]],
        );
        await tx.query(
          `INSERT INTO application_stage_changes (id, application_id, from_stage, to_stage, actor_id, at)
           SELECT t.id, $2, t.from_stage, t.to_stage, $3, t.at FROM unnest($1::uuid[], $4::text[], $5::text[], $6::timestamptz[]) AS t(id, from_stage, to_stage, at)`,
          [stages.map(() => newId()), applicationId, adminId, stages.map((_, k) => stages[k - 1] ?? null), stages, times],
        );
        added++;
      }
      return added;
    });
    const bands = await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      const [{ id: adminId }] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [DEMO_ADMIN.email]);
      for (const r of DEMO_FX_RATES) {
        await tx.query(`INSERT INTO fx_rates (id, base, quote, as_of, rate, created_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, [
          newId(),
          r.base,
          r.quote,
          r.asOf,
          r.rate,
          adminId,
        ]);
      }
      let added = 0;
      for (const b of DEMO_BANDS) {
        // Amounts are stored in minor units: both currencies here have 2 decimals.
        const inserted: { id: string }[] = await tx.query(
          `INSERT INTO salary_bands (id, job_family, level, zone, currency, period, months_per_year, base_min, base_mid, base_max, effective_from, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '2026-01-01', $11, $11) ON CONFLICT DO NOTHING RETURNING id`,
          [newId(), b.jobFamily, b.level, b.zone, b.currency, b.period, b.monthsPerYear, b.min * 100, b.mid * 100, b.max * 100, setupAt],
        );
        if (!inserted.length) continue;
        const [row]: BandRow[] = await tx.query(`SELECT ${BAND_COLUMNS} FROM salary_bands WHERE id = $1`, [inserted[0].id]);
        await tx.query(`INSERT INTO salary_band_versions (band_id, version, snapshot, created_by, created_at) VALUES ($1, 1, $2, $3, $4)`, [
          row.id,
          JSON.stringify(toBandView(row)),
          adminId,
          setupAt,
        ]);
        added++;
      }
      for (const seq of DEMO_SEQUENCES) {
        const [taskForce]: { id: string }[] = await tx.query(`SELECT id FROM task_forces WHERE lower(name) = lower($1)`, [seq.taskForce]);
        const id = newId();
        const inserted: unknown[] = await tx.query(
          `INSERT INTO sequences (id, task_force_id, name, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING RETURNING id`,
          [id, taskForce.id, seq.name, adminId, setupAt],
        );
        if (inserted.length) {
          await tx.query(`INSERT INTO sequence_versions (sequence_id, version, definition, created_by, created_at) VALUES ($1, 1, $2, $3, $4)`, [
            id,
            JSON.stringify(seq.definition),
            adminId,
            setupAt,
          ]);
        }
      }
      return added;
    });
    const history = await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      return loadHistory(tx, now, config.PUBLIC_BASE_URL);
    });
    const interviews = await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      return seedInterviews(tx, now, setupAt);
    });
    // Analytics built from these tables (when that module is installed) are rebuilt by the worker.
    const [{ projection }]: { projection: boolean }[] = await dataSource.query(`SELECT to_regclass('insight_projection') IS NOT NULL AS projection`);
    if (projection) await dataSource.query(`UPDATE insight_projection SET rebuild_requested = true`);
    const lines = [
      `demo data loaded (${candidates} new candidates, ${bands} new salary bands, ${DEMO_FX_RATES.length} exchange rates, ${DEMO_SEQUENCES.length} outreach sequences)`,
      history
        ? `  history:         ${history.candidates.length} generated candidates over the past 12 weeks (${history.stageChanges.length} stage changes, ` +
          `${history.messages.filter((m) => m.sent_at).length} messages sent, ${history.offers.length} offers, ` +
          `${history.applications.filter((a) => a.stage === 'hired').length} hires)`
        : `  history:         already loaded`,
      interviews
        ? `  interviews:      ${interviews} for ByteDance (two held and scored, two ahead with invitations queued)`
        : `  interviews:      already loaded`,
      `  admin token:     ${DEMO_ADMIN.token}`,
      ...DEMO_TASK_FORCES.map((tf) => `  recruiter token: ${tf.recruiter.token}  (${tf.recruiter.name}, ${tf.name})`),
      `  interviewer token: ${DEMO_INTERVIEWERS[1].token}  (${DEMO_INTERVIEWERS[1].name})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * ByteDance's interviewers (Beijing, Hangzhou, Sunnyvale), its first opening's interview plan, and
 * three candidates in interviews: a technical interview held and scored by both, a screen held
 * and scored with the technical one ahead, and a hiring-manager interview ahead. Upcoming ones get
 * their invitations queued, as scheduling through the API does; the worker sends them.
 */
async function seedInterviews(tx: EntityManager, now: Date, setupAt: Date): Promise<number> {
  const [tf]: { id: string }[] = await tx.query(`SELECT id FROM task_forces WHERE lower(name) = lower($1)`, [DEMO_PLAN.taskForce]);
  const [opening]: { id: string }[] = await tx.query(`SELECT id FROM openings WHERE task_force_id = $1 AND title = $2`, [tf.id, DEMO_PLAN.opening]);
  const user = new Map<string, string>();
  for (const i of DEMO_INTERVIEWERS) {
    const id = await ensureUser(tx, i.email, i.name, 'interviewer', i.token, setupAt);
    user.set(i.key, id);
    await tx.query(
      `INSERT INTO interviewer_profiles (user_id, time_zone, working_hours, holiday_calendars, task_force_ids, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (user_id) DO NOTHING`,
      [id, i.zone, JSON.stringify(i.hours), i.calendars, [tf.id], setupAt],
    );
  }
  const [{ planned }]: { planned: boolean }[] = await tx.query(`SELECT EXISTS (SELECT 1 FROM interview_plan_steps WHERE opening_id = $1) AS planned`, [
    opening.id,
  ]);
  if (!planned) {
    for (const [i, s] of DEMO_PLAN.steps.entries()) {
      await tx.query(
        `INSERT INTO interview_plan_steps (opening_id, position, kind, duration_minutes, interviewers_needed, pool, attributes, scorecard_required)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [opening.id, i + 1, s.kind, s.minutes, s.needed, s.pool.map((k) => user.get(k)), s.attributes, s.required],
      );
    }
  }
  const [{ held }]: { held: boolean }[] = await tx.query(`SELECT EXISTS (SELECT 1 FROM interviews WHERE task_force_id = $1) AS held`, [tf.id]);
  if (held) return 0;
  const apps: { id: string; candidate_id: string }[] = await tx.query(
    `SELECT a.id, a.candidate_id FROM applications a JOIN candidates c ON c.id = a.candidate_id
      WHERE a.task_force_id = $1 AND a.stage = 'interviewing' AND c.erased_at IS NULL ORDER BY c.full_name LIMIT 3`,
    [tf.id],
  );
  if (apps.length < 3) return 0;
  await tx.query(`UPDATE applications SET opening_id = $2 WHERE id = ANY($1::uuid[]) AND opening_id IS NULL`, [apps.map((a) => a.id), opening.id]);
  const [{ id: recruiterId }] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [DEMO_TASK_FORCES[1].recruiter.email]);
  // 01:00 UTC is 09:00 in Beijing and Hangzhou, the afternoon before in the Bay Area.
  // A weekday where the panel sits (offset: the panel's UTC offset, hours).
  const at = (days: number, hour = 1, offset = 8) => {
    const d = new Date(now.getTime() + days * DAY);
    d.setUTCHours(hour, 0, 0, 0);
    while ([0, 6].includes(new Date(d.getTime() + offset * 3_600_000).getUTCDay())) d.setTime(d.getTime() + (days < 0 ? -DAY : DAY));
    return d;
  };
  const interview = async (app: { id: string; candidate_id: string }, step: number, start: Date, panel: string[]) => {
    const id = newId();
    const s = DEMO_PLAN.steps[step - 1];
    const end = new Date(start.getTime() + s.minutes * 60_000);
    await tx.query(
      `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, plan_position, kind, starts_at, ends_at, candidate_time_zone, status, location, attributes,
                               created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'America/Los_Angeles', 'scheduled', 'https://meet.example.com/doubao-panel', $9, $10, $11, $11)`,
      [id, app.id, app.candidate_id, tf.id, step, s.kind, start, end, s.attributes, recruiterId, new Date(Math.min(start.getTime() - 3 * DAY, now.getTime()))],
    );
    await tx.query(`INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT $1, u, $2, $3, true FROM unnest($4::uuid[]) u`, [
      id,
      start,
      end,
      panel.map((k) => user.get(k)),
    ]);
    if (start > now) {
      const recipients = [null, ...panel.map((k) => user.get(k))];
      for (const [kind, due] of [
        ['request', now],
        ['reminder_24h', new Date(start.getTime() - DAY)],
        ['reminder_1h', new Date(start.getTime() - 3_600_000)],
      ] as const) {
        if (due < now && kind !== 'request') continue;
        await tx.query(
          `INSERT INTO interview_mails (id, interview_id, recipient_user_id, kind, sequence, due_at, status, created_at)
           SELECT gen_random_uuid(), $1, r, $2, 0, $3, 'pending', $4 FROM unnest($5::uuid[]) r`,
          [id, kind, due, now, recipients],
        );
      }
    }
    return { id, app, end };
  };
  const score = async (iv: { id: string; app: { id: string }; end: Date }, who: string, ratings: number[], recommendation: string, notes: string) => {
    const [{ attributes }]: { attributes: string[] }[] = await tx.query(`SELECT attributes FROM interviews WHERE id = $1`, [iv.id]);
    await tx.query(
      `INSERT INTO scorecards (id, interview_id, application_id, interviewer_id, version, ratings, recommendation, notes, submitted_at) VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8)`,
      [
        newId(),
        iv.id,
        iv.app.id,
        user.get(who),
        JSON.stringify(attributes.map((attribute, i) => ({ attribute, rating: ratings[i] }))),
        recommendation,
        notes,
        new Date(iv.end.getTime() + 2 * 3_600_000),
      ],
    );
  };
  const technical = await interview(apps[0], 2, at(-5), ['beijing', 'hangzhou']);
  await score(technical, 'beijing', [4, 3], 'strong_yes', 'Ran 4k-GPU pre-training runs; clear on pipeline parallelism trade-offs.');
  await score(technical, 'hangzhou', [3, 4], 'yes', 'Strong coder; less depth on data mixture ablations.');
  const screen = await interview(apps[1], 1, at(-3, 17, -8), ['sunnyvale']);
  await score(screen, 'sunnyvale', [4, 3], 'yes', 'Wants to lead a pre-training effort; open to relocating in two years.');
  await interview(apps[1], 2, at(7), ['beijing', 'hangzhou']);
  await interview(apps[2], 3, at(10, 2), ['beijing']);
  return 4;
}

async function ensureUser(tx: EntityManager, email: string, name: string, role: string, token: string, createdAt: Date): Promise<string> {
  await tx.query(`INSERT INTO users (id, email, name, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT ((lower(email))) DO NOTHING`, [
    newId(),
    email,
    name,
    role,
    createdAt,
  ]);
  const [{ id }] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [email]);
  await tx.query(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix) VALUES ($1, $2, 'demo', $3, '(demo)') ON CONFLICT (token_hash) DO NOTHING`,
    [newId(), id, hashToken(token)],
  );
  return id;
}

async function ensureTaskForce(tx: EntityManager, tf: (typeof DEMO_TASK_FORCES)[number], createdAt: Date): Promise<string> {
  await tx.query(
    `INSERT INTO task_forces (id, name, company, location, time_zone, focus_areas, headcount_target, target_employers, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT ((lower(name))) DO NOTHING`,
    [newId(), tf.name, tf.company, tf.location, tf.timeZone, tf.focusAreas, tf.headcountTarget, tf.targetEmployers, createdAt],
  );
  const [{ id }] = await tx.query(`SELECT id FROM task_forces WHERE lower(name) = lower($1)`, [tf.name]);
  return id;
}

/**
 * The generated history, as a whole, once: when none of its people is known yet. It is one
 * simulation (the daily send caps and the openings' seats are shared), so it is never topped up
 * person by person; a database that holds any of them (erased or merged ones aside) has it.
 */
async function loadHistory(tx: EntityManager, now: Date, publicBaseUrl: string): Promise<HistoryPlan | null> {
  const [{ known }]: { known: number }[] = await tx.query(
    `SELECT count(*)::int AS known FROM candidate_identities WHERE kind = 'email' AND value = ANY($1::text[])`,
    [DEMO_PEOPLE.map((p) => normalizeEmail(p.email))],
  );
  if (known > 0) return null;
  const [{ id: adminId }]: { id: string }[] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [DEMO_ADMIN.email]);
  const taskForces: HistoryTaskForce[] = [];
  for (const tf of DEMO_TASK_FORCES) {
    const [row]: { id: string; name: string; company: string; location: string; time_zone: string }[] = await tx.query(
      `SELECT id, name, company, location, time_zone FROM task_forces WHERE lower(name) = lower($1)`,
      [tf.name],
    );
    const [{ id: recruiterId }]: { id: string }[] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [tf.recruiter.email]);
    const openings: { id: string; title: string; skill_area: string; level: string; headcount: number }[] = await tx.query(
      `SELECT DISTINCT ON (title) id, title, skill_area, level, headcount FROM openings WHERE task_force_id = $1 AND title = ANY($2::text[]) ORDER BY title, id`,
      [row.id, tf.openings.map((o) => o.title)],
    );
    const demo = DEMO_SEQUENCES.find((s) => s.taskForce === tf.name)!;
    const [sequence]: { id: string; current_version: number; definition: SequenceDefinition }[] = await tx.query(
      `SELECT s.id, s.current_version, v.definition FROM sequences s JOIN sequence_versions v ON v.sequence_id = s.id AND v.version = 1
        WHERE s.task_force_id = $1 AND lower(s.name) = lower($2)`,
      [row.id, demo.name],
    );
    taskForces.push({
      id: row.id,
      name: row.name,
      company: row.company,
      location: row.location,
      timeZone: row.time_zone,
      recruiterId,
      openings: openings.map((o) => ({ id: o.id, title: o.title, skillArea: o.skill_area, level: o.level, headcount: o.headcount })),
      // A sequence someone has edited since the seed made it keeps its own versions: the history uses version 1 only.
      sequence: { id: sequence.id, definition: sequence.definition, revision: sequence.current_version === 1 ? (demo.revision as SequenceDefinition) : null },
    });
  }
  if (taskForces.some((tf) => tf.openings.length < DEMO_TASK_FORCES.find((d) => d.name === tf.name)!.openings.length)) return null;
  const bands: {
    id: string;
    version: number;
    job_family: string;
    level: string;
    zone: string;
    currency: 'USD' | 'CNY';
    period: 'annual' | 'monthly';
    months_per_year: number;
    base_min: string;
    base_mid: string;
    base_max: string;
  }[] = await tx.query(
    `SELECT id, version, job_family, level, zone, currency, period, months_per_year, base_min::text, base_mid::text, base_max::text FROM salary_bands
        WHERE currency IN ('USD', 'CNY') AND daterange(effective_from, effective_to, '[]') @> $1::date`,
    [now.toISOString().slice(0, 10)],
  );
  const plan = buildHistory({
    now,
    adminId,
    publicBaseUrl,
    taskForces,
    bands: bands.map((b) => ({
      id: b.id,
      version: b.version,
      jobFamily: b.job_family,
      level: b.level,
      zone: b.zone,
      currency: b.currency,
      period: b.period,
      monthsPerYear: b.months_per_year,
      min: BigInt(b.base_min),
      mid: BigInt(b.base_mid),
      max: BigInt(b.base_max),
    })),
  });
  await writeHistory(tx, plan);
  return plan;
}

type ColumnType = 'uuid' | 'text' | 'int' | 'bigint' | 'numeric' | 'date' | 'timestamptz' | 'jsonb' | 'text[]' | 'uuid[]';

/**
 * One INSERT ... SELECT FROM unnest(...) for all the rows: a parameter per column holding every
 * row's value. Array columns travel as JSON text (unnest would flatten a two-dimensional array).
 */
async function insertRows<T extends object>(tx: EntityManager, table: string, columns: { [K in keyof T]?: ColumnType }, rows: T[], tail = ''): Promise<void> {
  if (!rows.length) return;
  const names = Object.keys(columns) as (keyof T & string)[];
  const type = (name: keyof T & string) => columns[name]!;
  const viaText = (name: keyof T & string) => type(name).endsWith('[]') || type(name) === 'jsonb';
  const params = names.map((name) => rows.map((row) => (type(name).endsWith('[]') ? JSON.stringify(row[name]) : row[name])));
  const values = names.map((name) =>
    type(name).endsWith('[]')
      ? `ARRAY(SELECT jsonb_array_elements_text(t."${name}"::jsonb))::${type(name)}`
      : type(name) === 'jsonb'
        ? `t."${name}"::jsonb`
        : `t."${name}"`,
  );
  await tx.query(
    `INSERT INTO ${table} (${names.map((n) => `"${n}"`).join(', ')})
     SELECT ${values.join(', ')} FROM unnest(${names.map((n, i) => `$${i + 1}::${viaText(n) ? 'text' : type(n)}[]`).join(', ')}) AS t(${names.map((n) => `"${n}"`).join(', ')}) ${tail}`,
    params,
  );
}

/** The history's rows, table by table, parents first. */
async function writeHistory(tx: EntityManager, plan: HistoryPlan): Promise<void> {
  await insertRows(
    tx,
    'candidates',
    {
      id: 'uuid',
      full_name: 'text',
      native_name: 'text',
      native_name_pinyin: 'text',
      emails: 'text[]',
      linkedin_url: 'text',
      github_url: 'text',
      location: 'text',
      time_zone: 'text',
      current_employer: 'text',
      current_title: 'text',
      years_of_experience: 'numeric',
      skills: 'text[]',
      skill_areas: 'text[]',
      education: 'jsonb',
      visa_status: 'text',
      source: 'text',
      owner_id: 'uuid',
      consent_state: 'text',
      consent_updated_at: 'timestamptz',
      version: 'int',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
    plan.candidates,
  );
  await insertRows(tx, 'candidate_identities', { kind: 'text', value: 'text', candidate_id: 'uuid' }, plan.identities, 'ON CONFLICT DO NOTHING');
  // Their trigger keeps the candidates' task_force_ids, as for every other writer of applications.
  await insertRows(
    tx,
    'applications',
    {
      id: 'uuid',
      candidate_id: 'uuid',
      task_force_id: 'uuid',
      opening_id: 'uuid',
      stage: 'text',
      closed_reason: 'text',
      version: 'int',
      created_by: 'uuid',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
    plan.applications,
  );
  await insertRows(
    tx,
    'application_stage_changes',
    {
      id: 'uuid',
      application_id: 'uuid',
      from_stage: 'text',
      to_stage: 'text',
      reason: 'text',
      comment: 'text',
      actor_id: 'uuid',
      at: 'timestamptz',
    },
    plan.stageChanges,
  );
  await insertRows(
    tx,
    'sequence_versions',
    { sequence_id: 'uuid', version: 'int', definition: 'jsonb', created_by: 'uuid', created_at: 'timestamptz' },
    plan.sequenceVersions,
  );
  for (const v of plan.sequenceVersions) {
    await tx.query(`UPDATE sequences SET current_version = $2, updated_at = $3 WHERE id = $1 AND current_version < $2`, [
      v.sequence_id,
      v.version,
      v.created_at,
    ]);
  }
  // The sequence counters (sequence_stat_deltas) follow from these inserts, by their triggers.
  await insertRows(
    tx,
    'enrollments',
    {
      id: 'uuid',
      sequence_id: 'uuid',
      sequence_version: 'int',
      candidate_id: 'uuid',
      application_id: 'uuid',
      task_force_id: 'uuid',
      status: 'text',
      stop_reason: 'text',
      time_zone: 'text',
      enrolled_by: 'uuid',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
    plan.enrollments,
  );
  await insertRows(
    tx,
    'outreach_messages',
    {
      id: 'uuid',
      enrollment_id: 'uuid',
      step: 'int',
      status: 'text',
      due_at: 'timestamptz',
      message_id: 'text',
      sent_at: 'timestamptz',
      detail: 'text',
      attempts: 'int',
      claim_token: 'uuid',
      claimed_at: 'timestamptz',
      recipient: 'text',
      cap_day: 'date',
      cap_keys: 'text[]',
      smtp_response: 'text',
      response: 'text',
      response_at: 'timestamptz',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
    plan.messages,
  );
  await insertRows(
    tx,
    'inbound_events',
    {
      id: 'uuid',
      body_sha256: 'text',
      kind: 'text',
      from_address: 'text',
      to_address: 'text',
      recipient: 'text',
      subject: 'text',
      in_reply_to: 'text',
      references: 'text[]',
      headers: 'jsonb',
      text: 'text',
      outcome: 'text',
      matched_by: 'text',
      candidate_id: 'uuid',
      enrollment_ids: 'uuid[]',
      received_at: 'timestamptz',
    },
    plan.inboundEvents,
    'ON CONFLICT DO NOTHING',
  );
  await insertRows(
    tx,
    'bounced_addresses',
    {
      id: 'uuid',
      email: 'text',
      bounced_at: 'timestamptz',
      detail: 'text',
      enrollment_id: 'uuid',
      sequence_id: 'uuid',
      step: 'int',
    },
    plan.bounces,
    'ON CONFLICT (email) DO NOTHING',
  );
  await insertRows(
    tx,
    'outreach_daily_counts',
    { day: 'date', counter: 'text', sent: 'int', granted: 'int' },
    plan.dailyCounts,
    'ON CONFLICT (day, counter) DO UPDATE SET sent = outreach_daily_counts.sent + EXCLUDED.sent',
  );
  await insertRows(
    tx,
    'competing_offers',
    {
      id: 'uuid',
      application_id: 'uuid',
      employer: 'text',
      currency: 'text',
      period: 'text',
      base: 'bigint',
      bonus: 'bigint',
      equity: 'bigint',
      created_by: 'uuid',
      created_at: 'timestamptz',
    },
    plan.competingOffers,
  );
  await insertRows(
    tx,
    'offers',
    {
      id: 'uuid',
      application_id: 'uuid',
      status: 'text',
      version: 'int',
      salary_band_id: 'uuid',
      band_version: 'int',
      currency: 'text',
      period: 'text',
      base: 'bigint',
      sign_on: 'bigint',
      equity: 'bigint',
      start_date: 'date',
      expires_at: 'timestamptz',
      status_reason: 'text',
      created_by: 'uuid',
      created_at: 'timestamptz',
      updated_at: 'timestamptz',
    },
    plan.offers,
  );
  await insertRows(tx, 'offer_versions', { offer_id: 'uuid', version: 'int', snapshot: 'jsonb', created_at: 'timestamptz' }, plan.offerVersions);
  await insertRows(
    tx,
    'offer_events',
    {
      id: 'uuid',
      offer_id: 'uuid',
      from_status: 'text',
      to_status: 'text',
      offer_version: 'int',
      actor_id: 'uuid',
      comment: 'text',
      at: 'timestamptz',
    },
    plan.offerEvents,
  );
  for (const o of plan.filledOpenings) {
    await tx.query(`UPDATE openings SET status = 'filled', updated_at = $2 WHERE id = $1 AND status = 'open'`, [o.id, o.updated_at]);
  }
}

main().catch((error) => {
  process.stderr.write(error instanceof ConfigValidationError ? `${error.message}\n` : `seed failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
