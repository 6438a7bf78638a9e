import 'reflect-metadata';
import { ConfigValidationError, dataSourceOptions, loadConfig, newId, runMigrationsLocked } from '@app/platform';
import { normalizeEmail } from '@app/candidates';
import { hashToken } from '@app/users';
import { DataSource, EntityManager } from 'typeorm';
import { BAND_COLUMNS, BandRow, toBandView } from '@app/compensation';
import { DEMO_ADMIN, DEMO_BANDS, DEMO_CANDIDATES, DEMO_FX_RATES, DEMO_SEQUENCES, DEMO_TASK_FORCES } from './demo-data';

/** Loads the demo data. Idempotent: rows are matched by their natural keys and never doubled. */
async function main(): Promise<void> {
  const config = loadConfig();
  const dataSource = await new DataSource(dataSourceOptions(config.DATABASE_URL)).initialize();
  try {
    await runMigrationsLocked(dataSource);
    await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      await ensureUser(tx, DEMO_ADMIN.email, DEMO_ADMIN.name, 'admin', DEMO_ADMIN.token);
      const taskForceIds = new Map<string, string>();
      for (const tf of DEMO_TASK_FORCES) {
        const taskForceId = await ensureTaskForce(tx, tf);
        taskForceIds.set(tf.name, taskForceId);
        const recruiterId = await ensureUser(tx, tf.recruiter.email, tf.recruiter.name, 'recruiter', tf.recruiter.token);
        await tx.query(`INSERT INTO task_force_members (task_force_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [taskForceId, recruiterId]);
        for (const o of tf.openings) {
          await tx.query(
            `INSERT INTO openings (id, task_force_id, title, skill_area, level, headcount)
             SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM openings WHERE task_force_id = $2 AND title = $3)`,
            [newId(), taskForceId, o.title, o.skillArea, o.level, o.headcount],
          );
        }
      }
    });
    const candidates = await dataSource.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(7412330020)`);
      const taskForces: { id: string; name: string }[] = await tx.query(`SELECT id, name FROM task_forces`);
      const [{ id: adminId }] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [DEMO_ADMIN.email]);
      let added = 0;
      for (const c of DEMO_CANDIDATES) {
        if ((await tx.query(`SELECT 1 FROM candidate_identities WHERE kind = 'email' AND value = $1`, [normalizeEmail(c.email)])).length) continue;
        const candidateId = newId();
        await tx.query(
          `INSERT INTO candidates (id, full_name, native_name, emails, current_employer, current_title, skills, skill_areas, visa_status, education, owner_id, location)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'San Francisco Bay Area')`,
          [candidateId, c.fullName, c.nativeName, [c.email], c.employer, c.title, c.skills, [c.skillArea], c.visa, JSON.stringify(c.education), adminId],
        );
        await tx.query(`INSERT INTO candidate_identities (kind, value, candidate_id) VALUES ('email', $1, $2)`, [normalizeEmail(c.email), candidateId]);
        const taskForceId = taskForces.find((t) => t.name === c.taskForce)!.id;
        const applicationId = newId();
        await tx.query(`INSERT INTO applications (id, candidate_id, task_force_id, stage, created_by) VALUES ($1, $2, $3, $4, $5)`, [
          applicationId,
          candidateId,
          taskForceId,
          c.stage,
          adminId,
        ]);
        await tx.query(`INSERT INTO application_stage_changes (id, application_id, from_stage, to_stage, actor_id) VALUES ($1, $2, NULL, $3, $4)`, [
          newId(),
          applicationId,
          c.stage,
          adminId,
        ]);
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
          `INSERT INTO salary_bands (id, job_family, level, zone, currency, period, months_per_year, base_min, base_mid, base_max, effective_from)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '2026-01-01') ON CONFLICT DO NOTHING RETURNING id`,
          [newId(), b.jobFamily, b.level, b.zone, b.currency, b.period, b.monthsPerYear, b.min * 100, b.mid * 100, b.max * 100],
        );
        if (!inserted.length) continue;
        const [row]: BandRow[] = await tx.query(`SELECT ${BAND_COLUMNS} FROM salary_bands WHERE id = $1`, [inserted[0].id]);
        await tx.query(`INSERT INTO salary_band_versions (band_id, version, snapshot, created_by) VALUES ($1, 1, $2, $3)`, [
          row.id,
          JSON.stringify(toBandView(row)),
          adminId,
        ]);
        added++;
      }
      for (const seq of DEMO_SEQUENCES) {
        const [taskForce]: { id: string }[] = await tx.query(`SELECT id FROM task_forces WHERE lower(name) = lower($1)`, [seq.taskForce]);
        const id = newId();
        const inserted: unknown[] = await tx.query(
          `INSERT INTO sequences (id, task_force_id, name, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id`,
          [id, taskForce.id, seq.name, adminId],
        );
        if (inserted.length) {
          await tx.query(`INSERT INTO sequence_versions (sequence_id, version, definition, created_by) VALUES ($1, 1, $2, $3)`, [
            id,
            JSON.stringify(seq.definition),
            adminId,
          ]);
        }
      }
      return added;
    });
    const lines = [
      `demo data loaded (${candidates} new candidates, ${bands} new salary bands, ${DEMO_FX_RATES.length} exchange rates, ${DEMO_SEQUENCES.length} outreach sequences)`,
      `  admin token:     ${DEMO_ADMIN.token}`,
      ...DEMO_TASK_FORCES.map((tf) => `  recruiter token: ${tf.recruiter.token}  (${tf.recruiter.name}, ${tf.name})`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await dataSource.destroy();
  }
}

async function ensureUser(tx: EntityManager, email: string, name: string, role: string, token: string): Promise<string> {
  await tx.query(`INSERT INTO users (id, email, name, role) VALUES ($1, $2, $3, $4) ON CONFLICT ((lower(email))) DO NOTHING`, [newId(), email, name, role]);
  const [{ id }] = await tx.query(`SELECT id FROM users WHERE lower(email) = lower($1)`, [email]);
  await tx.query(
    `INSERT INTO api_tokens (id, user_id, name, token_hash, token_prefix) VALUES ($1, $2, 'demo', $3, '(demo)') ON CONFLICT (token_hash) DO NOTHING`,
    [newId(), id, hashToken(token)],
  );
  return id;
}

async function ensureTaskForce(tx: EntityManager, tf: (typeof DEMO_TASK_FORCES)[number]): Promise<string> {
  await tx.query(
    `INSERT INTO task_forces (id, name, company, location, time_zone, focus_areas, headcount_target, target_employers)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT ((lower(name))) DO NOTHING`,
    [newId(), tf.name, tf.company, tf.location, tf.timeZone, tf.focusAreas, tf.headcountTarget, tf.targetEmployers],
  );
  const [{ id }] = await tx.query(`SELECT id FROM task_forces WHERE lower(name) = lower($1)`, [tf.name]);
  return id;
}

main().catch((error) => {
  process.stderr.write(error instanceof ConfigValidationError ? `${error.message}\n` : `seed failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exit(1);
});
