import { Client } from 'pg';
import { createUser, ResponseBody, taskForceBody, useApi, waitFor } from './support/harness';

type User = { id: string; token: string };

/**
 * Scorecards: submission and versions, the bias guard, interview progress, the offer gate and
 * erasure. Interviews are written by SQL here (scheduling is another suite's); everything else
 * goes through the API.
 */
describe('scorecards', () => {
  const suite = useApi('scorecards');
  const http = () => suite.api.http;
  const as = (u: User) => ({ token: u.token });
  const HOUR = 3_600_000;
  const ATTRIBUTES = ['coding', 'ml_depth', 'communication'];

  let recruiter: User;
  let outsider: User;
  let ia: User;
  let ib: User;
  let ic: User;
  let taskForce: string;
  let opening: string;
  let n = 0;
  let slot = 0;

  const ratings = (values: number[] = [3, 4, 2], attributes = ATTRIBUTES) => attributes.map((attribute, i) => ({ attribute, rating: values[i] ?? 3 }));
  const card = (overrides: Record<string, unknown> = {}) => ({
    ratings: ratings(),
    recommendation: 'yes',
    notes: 'Solid on transformers, weak on systems.',
    ...overrides,
  });
  /** As the user given, else as the admin. */
  const submit = (interview: string, user?: User, body: unknown = card()) => http().post(`/v1/interviews/${interview}/scorecards`, body, user ? as(user) : {});
  const ok = async (res: Promise<{ status: number; body: ResponseBody; text: string }>, status = [200, 201]) => {
    const r = await res;
    if (!status.includes(r.status)) throw new Error(`set-up call answered ${r.status}: ${r.text}`);
    return r.body;
  };

  /** An application in `interviewing` (or the stage given), for a new candidate, of the opening unless told otherwise. */
  const application = async (options: { openingId?: string | null; stage?: string } = {}): Promise<{ id: string; candidateId: string }> => {
    const candidate = await ok(
      http().post('/v1/candidates', { fullName: `Engineer ${++n}`, emails: [`scorecards.${n}.${Date.now()}@example.com`] }, as(recruiter)),
    );
    const openingId = options.openingId === undefined ? opening : options.openingId;
    const app = await ok(
      http().post('/v1/applications', { candidateId: candidate.id, taskForceId: taskForce, ...(openingId ? { openingId } : {}) }, as(recruiter)),
    );
    const path = ['contacted', 'replied', 'screening', 'interviewing'];
    for (const to of path.slice(0, path.indexOf(options.stage ?? 'interviewing') + 1)) {
      await ok(http().post(`/v1/applications/${app.id}/transitions`, { to }, as(recruiter)));
    }
    return { id: app.id, candidateId: candidate.id };
  };

  /** An interview written as the scheduler would: started in the past unless `future`, each in a slot of its own, later ones later. */
  const interview = async (
    applicationId: string,
    panel: User[],
    options: { position?: number | null; future?: boolean; status?: 'scheduled' | 'cancelled'; attributes?: string[] } = {},
  ): Promise<string> => {
    const k = ++slot;
    const start = (options.future ? Date.now() + 24 * HOUR : Date.now() - 1000 * HOUR) + k * 2 * HOUR;
    const [starts, ends] = [new Date(start), new Date(start + HOUR)];
    const [{ id }] = await suite.db.query<{ id: string }>(
      `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, plan_position, kind, starts_at, ends_at, candidate_time_zone, status, attributes, created_by, created_at, updated_at)
       SELECT gen_random_uuid(), a.id, a.candidate_id, a.task_force_id, $2, 'technical', $3, $4, 'America/Los_Angeles', $5, $6, $7, now(), now()
         FROM applications a WHERE a.id = $1 RETURNING id`,
      [
        applicationId,
        options.position === undefined ? 1 : options.position,
        starts,
        ends,
        options.status ?? 'scheduled',
        options.attributes ?? ATTRIBUTES,
        recruiter.id,
      ],
    );
    await suite.db.query(
      `INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT $1, u, $3, $4, true FROM unnest($2::uuid[]) u`,
      [id, panel.map((u) => u.id), starts, ends],
    );
    return id;
  };

  beforeAll(async () => {
    recruiter = await createUser(http(), 'recruiter', 'cards-recruiter');
    outsider = await createUser(http(), 'recruiter', 'cards-outsider');
    ia = await createUser(http(), 'interviewer', 'cards-a');
    ib = await createUser(http(), 'interviewer', 'cards-b');
    ic = await createUser(http(), 'interviewer', 'cards-c');
    taskForce = (await ok(http().post('/v1/task-forces', taskForceBody()))).id;
    const otherTaskForce = (await ok(http().post('/v1/task-forces', taskForceBody()))).id;
    await ok(http().post(`/v1/task-forces/${taskForce}/members`, { userId: recruiter.id }));
    await ok(http().post(`/v1/task-forces/${otherTaskForce}/members`, { userId: outsider.id }));
    opening = (await ok(http().post(`/v1/task-forces/${taskForce}/openings`, { title: 'LLM researcher', skillArea: 'llm', level: 'L7', headcount: 3 }))).id;
    // The plan: two technical interviewers, then the hiring manager; the executive chat needs no scorecard.
    await suite.db.query(
      `INSERT INTO interview_plan_steps (opening_id, position, kind, duration_minutes, interviewers_needed, pool, attributes, scorecard_required)
       VALUES ($1, 1, 'technical', 60, 2, $2, $3, true), ($1, 2, 'hiring_manager', 45, 1, $2, $3, true), ($1, 3, 'executive', 30, 1, $2, $3, false)`,
      [opening, [ia.id, ib.id, ic.id], ATTRIBUTES],
    );
  });

  describe('submitting', () => {
    it('takes a panel member’s scorecard once the interview started; a later one is a new version, the old kept', async () => {
      const app = await application();
      const id = await interview(app.id, [ia, ib]);
      const first = await submit(id, ia, card({ ratings: [...ratings([4, 3, 2])].reverse() }));
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({
        interviewId: id,
        applicationId: app.id,
        interviewerId: ia.id,
        version: 1,
        recommendation: 'yes',
        notes: 'Solid on transformers, weak on systems.',
        // In the order of the interview's attributes, whatever order they came in.
        ratings: [
          { attribute: 'coding', rating: 4 },
          { attribute: 'ml_depth', rating: 3 },
          { attribute: 'communication', rating: 2 },
        ],
      });
      const second = await submit(id, ia, card({ recommendation: 'strong_yes', notes: undefined }));
      expect(second.status).toBe(201);
      expect(second.body).toMatchObject({ version: 2, recommendation: 'strong_yes', notes: null });
      expect(second.body.id).not.toBe(first.body.id);

      const versions = await http().get(`/v1/scorecards/${second.body.id}/versions`, as(ia));
      expect(versions.status).toBe(200);
      expect(versions.body.data).toEqual([first.body, second.body]);
      const paged = await http().get(`/v1/scorecards/${first.body.id}/versions?limit=1`, as(ia));
      expect(paged.body.data).toEqual([first.body]);
      expect((await http().get(`/v1/scorecards/${first.body.id}/versions?limit=1&cursor=${paged.body.nextCursor}`, as(ia))).body).toEqual({
        data: [second.body],
        nextCursor: null,
      });

      // The latest version of each interviewer's scorecard.
      const list = await http().get(`/v1/interviews/${id}/scorecards`, as(recruiter));
      expect(list.body).toEqual({ data: [second.body], hidden: 0, reason: null });

      const audit = await suite.db.query<{ action: string; details: Record<string, unknown> }>(
        `SELECT action, details FROM audit_log WHERE entity_id = $1 AND action = 'scorecard.submitted' ORDER BY id`,
        [app.candidateId],
      );
      expect(audit.map((a) => a.details)).toEqual([
        { scorecardId: first.body.id, interviewId: id, applicationId: app.id, version: 1 },
        { scorecardId: second.body.id, interviewId: id, applicationId: app.id, version: 2 },
      ]);
      const events = await http().get('/v1/events?type=scorecard.submitted&limit=200');
      const mine = events.body.data.filter((e: { data: { interviewId: string } }) => e.data.interviewId === id);
      expect(mine.map((e: { version: number; actorId: string; taskForceId: string; data: unknown }) => [e.version, e.actorId, e.taskForceId, e.data])).toEqual(
        [1, 2].map((version, i) => [
          1,
          ia.id,
          taskForce,
          {
            scorecardId: [first, second][i].body.id,
            interviewId: id,
            applicationId: app.id,
            candidateId: app.candidateId,
            taskForceId: taskForce,
            interviewerId: ia.id,
            version,
          },
        ]),
      );
      // Versions are never rewritten.
      const stored = await suite.db.query(`SELECT version, recommendation, notes FROM scorecards WHERE interview_id = $1 ORDER BY version`, [id]);
      expect(stored).toEqual([
        { version: 1, recommendation: 'yes', notes: 'Solid on transformers, weak on systems.' },
        { version: 2, recommendation: 'strong_yes', notes: null },
      ]);
    });

    it('wants exactly the interview’s attributes, ratings 1-4, a known recommendation and notes of at most 10,000 characters', async () => {
      const app = await application();
      const id = await interview(app.id, [ia]);
      const refused = async (body: unknown, status: number, code: string) => {
        const res = await submit(id, ia, body);
        expect({ status: res.status, code: res.body.code, type: res.headers.get('content-type') }).toEqual({
          status,
          code,
          type: expect.stringContaining('application/problem+json'),
        });
        return res.body;
      };
      expect(await refused(card({ ratings: ratings().slice(0, 2) }), 422, 'ratings_mismatch')).toMatchObject({
        missing: ['communication'],
        unknown: [],
        duplicated: [],
        attributes: ATTRIBUTES,
      });
      expect(await refused(card({ ratings: [...ratings(), { attribute: 'leadership', rating: 3 }] }), 422, 'ratings_mismatch')).toMatchObject({
        missing: [],
        unknown: ['leadership'],
      });
      const twice = await refused(card({ ratings: [...ratings(), { attribute: 'coding', rating: 1 }] }), 422, 'ratings_mismatch');
      expect(twice).toMatchObject({ missing: [], unknown: [], duplicated: ['coding'] });
      expect(twice.detail).toContain('rated twice: coding');
      for (const rating of [0, 5, 2.5, '3']) {
        const body = await refused(card({ ratings: ratings([rating as number]) }), 400, 'validation_failed');
        expect([...new Set(body.errors.map((e: { field: string }) => e.field))]).toEqual(['ratings[0].rating']);
      }
      expect((await refused(card({ recommendation: 'maybe' }), 400, 'validation_failed')).errors).toEqual([
        { field: 'recommendation', message: 'recommendation must be one of strong_no, no, yes, strong_yes' },
      ]);
      expect((await refused(card({ notes: 'x'.repeat(10_001) }), 400, 'validation_failed')).errors[0].field).toBe('notes');
      expect((await refused(card({ ratings: undefined }), 400, 'validation_failed')).errors[0]).toEqual({ field: 'ratings', message: 'ratings is required' });
      expect((await refused(card({ ratings: [{ attribute: 'coding' }] }), 400, 'validation_failed')).errors[0].field).toBe('ratings[0].rating');
      expect((await refused(card({ score: 3 }), 400, 'validation_failed')).errors[0].message).toBe('score is not a known field');
      // Nothing refused was stored; the longest notes are.
      expect(await suite.db.query(`SELECT 1 FROM scorecards WHERE interview_id = $1`, [id])).toEqual([]);
      expect((await submit(id, ia, card({ notes: 'x'.repeat(10_000) }))).status).toBe(201);
    });

    it('waits for the interview to start, and refuses a cancelled one', async () => {
      const app = await application();
      const upcoming = await interview(app.id, [ia], { future: true });
      const early = await submit(upcoming, ia);
      expect(early.status).toBe(422);
      expect(early.body).toMatchObject({ code: 'interview_not_started', startsAt: expect.any(String) });
      const cancelled = await interview(app.id, [ia], { status: 'cancelled' });
      expect((await submit(cancelled, ia)).body).toMatchObject({ status: 422, code: 'interview_cancelled' });
    });

    it('is for the panel as it stands: 403 to those who see the interview otherwise, 404 to everyone else', async () => {
      const app = await application();
      const id = await interview(app.id, [ia, ib]);
      await suite.db.query(`UPDATE interview_panel SET active = false WHERE interview_id = $1 AND user_id = $2`, [id, ib.id]);
      // Taken off the panel by a reschedule: the interview is no longer theirs to see, nor to score.
      expect((await submit(id, ib)).body).toMatchObject({ status: 404, code: 'interview_not_found' });
      expect((await submit(id, recruiter)).body).toMatchObject({ status: 403, code: 'not_on_panel' });
      expect((await submit(id)).body).toMatchObject({ status: 403, code: 'not_on_panel' });
      expect((await submit(id, ic)).body).toMatchObject({ status: 404, code: 'interview_not_found' });
      expect((await submit(id, outsider)).body).toMatchObject({ status: 404, code: 'interview_not_found' });
      // ... and does not read the application's scorecards either, being on no panel of it.
      expect((await submit(id, ia)).status).toBe(201);
      expect((await http().get(`/v1/interviews/${id}/scorecards`, as(ib))).status).toBe(404);
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(ic))).status).toBe(404);
    });

    it('gives concurrent submissions of the same interviewer consecutive versions', async () => {
      const app = await application();
      const id = await interview(app.id, [ia, ib]);
      // Hold the panel row so the submissions all read the versions before any writes: a true race.
      const holder = new Client({ connectionString: suite.db.url });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query('SELECT 1 FROM interview_panel WHERE interview_id = $1 FOR UPDATE', [id]);
        const racing = Promise.all(Array.from({ length: 4 }, (_, i) => submit(id, i % 2 ? ia : ib, card({ notes: `take ${i}` }))));
        await waitFor(async () => {
          await holder.query('SELECT pg_stat_clear_snapshot()');
          const [{ n }] = (
            await holder.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'SELECT active FROM interview_panel%'`,
            )
          ).rows;
          return n === 4;
        });
        await holder.query('COMMIT');
        const results = await racing;
        expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
        for (const user of [ia, ib]) {
          const stored = await suite.db.query<{ version: number }>(
            `SELECT version FROM scorecards WHERE interview_id = $1 AND interviewer_id = $2 ORDER BY version`,
            [id, user.id],
          );
          expect(stored.map((s) => s.version)).toEqual([1, 2]);
          expect(
            results
              .filter((r) => r.body.interviewerId === user.id)
              .map((r) => r.body.version)
              .sort(),
          ).toEqual([1, 2]);
        }
      } finally {
        await holder.end();
      }
    });
  });

  describe('the bias guard', () => {
    it('shows a panelist only their own until they submitted for every started interview of theirs; then everything', async () => {
      const app = await application();
      const id = await interview(app.id, [ia, ib]);
      const b = (await submit(id, ib, card({ recommendation: 'no', notes: 'B thinks no' }))).body;

      for (const path of [`/v1/interviews/${id}/scorecards`, `/v1/applications/${app.id}/scorecards`]) {
        expect((await http().get(path, as(ia))).body).toEqual({ data: [], hidden: 1, reason: 'submit_your_own_first' });
        expect((await http().get(path, as(ib))).body).toEqual({ data: [b], hidden: 0, reason: null });
      }
      const peek = await http().get(`/v1/scorecards/${b.id}/versions`, as(ia));
      expect(peek.body).toMatchObject({ status: 403, code: 'submit_your_own_first' });
      expect(peek.text).not.toContain('B thinks no');

      const a = (await submit(id, ia, card({ recommendation: 'strong_yes', notes: 'A thinks yes' }))).body;
      for (const path of [`/v1/interviews/${id}/scorecards`, `/v1/applications/${app.id}/scorecards`]) {
        expect((await http().get(path, as(ia))).body).toEqual({ data: [b, a], hidden: 0, reason: null });
        expect((await http().get(path, as(recruiter))).body).toEqual({ data: [b, a], hidden: 0, reason: null });
        expect((await http().get(path)).body).toEqual({ data: [b, a], hidden: 0, reason: null });
      }
      expect((await http().get(`/v1/scorecards/${b.id}/versions`, as(ia))).body.data).toEqual([b]);

      // A second interview of the application that has started puts the guard back up for its panel.
      const later = await interview(app.id, [ia, ic], { position: 2 });
      const view = (await http().get(`/v1/applications/${app.id}/scorecards`, as(ia))).body;
      expect(view).toEqual({ data: [a], hidden: 1, reason: 'submit_your_own_first' });
      expect((await http().get(`/v1/interviews/${later}/scorecards`, as(ic))).body).toEqual({ data: [], hidden: 0, reason: 'submit_your_own_first' });
      expect((await http().get(`/v1/interviews/${id}/scorecards`, as(ic))).body).toEqual({ data: [], hidden: 2, reason: 'submit_your_own_first' });
    });

    it('holds back recruiters and admins on a panel like anyone else, and not before their interview starts', async () => {
      const app = await application();
      const first = await interview(app.id, [ia]);
      await submit(first, ia);
      const panel = await interview(app.id, [recruiter, ib]);
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(recruiter))).body).toMatchObject({
        data: [],
        hidden: 1,
        reason: 'submit_your_own_first',
      });
      expect((await http().get(`/v1/applications/${app.id}/interview-progress`, as(recruiter))).body).toMatchObject({
        reason: 'submit_your_own_first',
        totals: { recommendations: null, scorecardsSubmitted: 1 },
      });
      expect((await submit(panel, recruiter)).status).toBe(201);
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(recruiter))).body).toMatchObject({ hidden: 0, reason: null });
      // ib owes the started interview; ic sits only on one that has not started yet and reads everything.
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(ib))).body).toMatchObject({ data: [], hidden: 2 });
      await interview(app.id, [ic], { future: true });
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(ic))).body).toMatchObject({ hidden: 0, reason: null });
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(ic))).body.data).toHaveLength(2);
    });

    it('leaves interviewers every other route, and other task forces nothing', async () => {
      const app = await application();
      const id = await interview(app.id, [ia]);
      const mine = (await submit(id, ia)).body;
      for (const path of [
        '/v1/candidates',
        `/v1/applications/${app.id}`,
        `/v1/candidates/${app.candidateId}`,
        `/v1/applications/${app.id}/interview-progress`,
        '/v1/events',
      ]) {
        expect((await http().get(path, as(ia))).body).toMatchObject({ status: 403, code: 'interviewer_not_allowed' });
      }
      expect((await http().post(`/v1/applications/${app.id}/transitions`, { to: 'offer', override: { reason: 'mine' } }, as(ia))).status).toBe(403);
      for (const path of [
        `/v1/interviews/${id}/scorecards`,
        `/v1/applications/${app.id}/scorecards`,
        `/v1/scorecards/${mine.id}/versions`,
        `/v1/applications/${app.id}/interview-progress`,
      ]) {
        const res = await http().get(path, as(outsider));
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.text).not.toContain(mine.notes);
      }
      expect((await submit(id, outsider)).status).toBe(404);
      const unknown = '01890a5d-ac96-774b-bcce-b302099a8057';
      expect((await http().get(`/v1/scorecards/${unknown}/versions`)).body.code).toBe('scorecard_not_found');
      expect((await http().get(`/v1/interviews/${unknown}/scorecards`)).body.code).toBe('interview_not_found');
      expect((await http().get(`/v1/applications/${unknown}/scorecards`)).body.code).toBe('application_not_found');
    });
  });

  describe('progress and the offer gate', () => {
    const move = (id: string, body: Record<string, unknown>, user: User = recruiter) => http().post(`/v1/applications/${id}/transitions`, body, as(user));

    it('refuses an offer until every step that requires scorecards has them, and reports the progress', async () => {
      const app = await application();
      const refused = await move(app.id, { to: 'offer' });
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({
        code: 'scorecards_missing',
        steps: [
          { position: 1, kind: 'technical', scorecardsNeeded: 2, scorecardsSubmitted: 0 },
          { position: 2, kind: 'hiring_manager', scorecardsNeeded: 1, scorecardsSubmitted: 0 },
        ],
      });

      // One of two technical interviewers, and a cancelled interview's scorecards, do not count.
      const technical = await interview(app.id, [ia, ib], { position: 1 });
      const dropped = await interview(app.id, [ic], { position: 2 });
      await submit(technical, ia, card({ recommendation: 'strong_yes' }));
      await submit(dropped, ic, card({ recommendation: 'no' }));
      await suite.db.query(`UPDATE interviews SET status = 'cancelled' WHERE id = $1`, [dropped]);
      expect((await move(app.id, { to: 'offer' })).body.steps).toEqual([
        { position: 1, kind: 'technical', scorecardsNeeded: 2, scorecardsSubmitted: 1 },
        { position: 2, kind: 'hiring_manager', scorecardsNeeded: 1, scorecardsSubmitted: 0 },
      ]);

      await submit(technical, ib, card({ recommendation: 'yes' }));
      await submit(technical, ib, card({ recommendation: 'no' }));
      const manager = await interview(app.id, [ic], { position: 2 });
      const extra = await interview(app.id, [ia], { position: null });
      await submit(extra, ia, card({ recommendation: 'yes' }));
      expect((await move(app.id, { to: 'offer' })).body.steps).toEqual([{ position: 2, kind: 'hiring_manager', scorecardsNeeded: 1, scorecardsSubmitted: 0 }]);
      await submit(manager, ic, card({ recommendation: 'yes' }));

      const progress = await http().get(`/v1/applications/${app.id}/interview-progress`, as(recruiter));
      expect(progress.status).toBe(200);
      const tally = (t: Partial<Record<string, number>>) => ({ strong_no: 0, no: 0, yes: 0, strong_yes: 0, ...t });
      expect(progress.body).toMatchObject({
        applicationId: app.id,
        openingId: opening,
        offerReady: true,
        reason: null,
        totals: { steps: 3, requiredSteps: 2, requiredStepsComplete: 2, scorecardsSubmitted: 5, recommendations: tally({ strong_yes: 1, no: 2, yes: 2 }) },
      });
      const [one, two, three] = progress.body.steps;
      expect(one).toMatchObject({
        position: 1,
        kind: 'technical',
        scorecardRequired: true,
        interviewersNeeded: 2,
        scorecardsSubmitted: 2,
        scorecardsNeeded: 2,
        complete: true,
        // ib's latest says no; their yes was an earlier version.
        recommendations: tally({ strong_yes: 1, no: 1 }),
      });
      expect(one.interviews).toEqual([expect.objectContaining({ id: technical, status: 'scheduled', panelSize: 2, scorecardsSubmitted: 2 })]);
      expect(two).toMatchObject({ position: 2, complete: true, scorecardsSubmitted: 1, recommendations: tally({ no: 1, yes: 1 }) });
      expect(two.interviews.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([
        [dropped, 'cancelled'],
        [manager, 'scheduled'],
      ]);
      expect(three).toMatchObject({ position: 3, kind: 'executive', scorecardRequired: false, complete: false, interviews: [], scorecardsSubmitted: 0 });
      expect(progress.body.unplannedInterviews.map((i: { id: string }) => i.id)).toEqual([extra]);

      const moved = await move(app.id, { to: 'offer', comment: 'panel agrees' });
      expect(moved.status).toBe(200);
      expect(moved.body.history.at(-1)).toMatchObject({ from: 'interviewing', to: 'offer', comment: 'panel agrees' });
      expect((await move(app.id, { to: 'hired' })).status).toBe(200);
    });

    it('moves with an override, keeping the reason in the stage change and the facts in the audit', async () => {
      const app = await application();
      const reason = 'Final round waived: the CTO interviewed her at a previous company';
      const moved = await move(app.id, { to: 'offer', comment: 'fast track', override: { reason } });
      expect(moved.status).toBe(200);
      expect(moved.body.stage).toBe('offer');
      expect(moved.body.history.at(-1).comment).toBe(`fast track\n\nOverride of scorecards_missing: ${reason}`);
      const [audit] = await suite.db.query<{ actor_id: string; details: Record<string, unknown> }>(
        `SELECT actor_id, details FROM audit_log WHERE entity_id = $1 AND action = 'application.gate_overridden'`,
        [app.candidateId],
      );
      expect(audit.actor_id).toBe(recruiter.id);
      expect(audit.details).toEqual({
        applicationId: app.id,
        from: 'interviewing',
        to: 'offer',
        refusals: [
          {
            code: 'scorecards_missing',
            steps: [
              { position: 1, kind: 'technical', scorecardsNeeded: 2, scorecardsSubmitted: 0 },
              { position: 2, kind: 'hiring_manager', scorecardsNeeded: 1, scorecardsSubmitted: 0 },
            ],
          },
        ],
      });
      expect(JSON.stringify(audit.details)).not.toContain('CTO');

      // An override is for a move a gate holds back, and its reason is 1-500 characters.
      const other = await application();
      expect((await move(other.id, { to: 'rejected', reason: 'other', override: { reason } })).body).toMatchObject({
        status: 422,
        code: 'override_not_needed',
      });
      for (const override of [{ reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }, {}, 'because', { reason, by: 'me' }]) {
        expect((await move(other.id, { to: 'offer', override })).body).toMatchObject({ status: 400, code: 'validation_failed' });
      }
      expect((await move(other.id, { to: 'offer', override: { reason: 'x'.repeat(500) } })).status).toBe(200);
    });

    it('lets an application without a plan move as before', async () => {
      const bare = await application({ openingId: null });
      expect((await move(bare.id, { to: 'offer' })).status).toBe(200);
      const planless = (
        await ok(http().post(`/v1/task-forces/${taskForce}/openings`, { title: 'Search engineer', skillArea: 'search', level: 'L6', headcount: 1 }))
      ).id;
      const app = await application({ openingId: planless });
      expect((await http().get(`/v1/applications/${app.id}/interview-progress`, as(recruiter))).body).toEqual({
        applicationId: app.id,
        openingId: planless,
        steps: [],
        unplannedInterviews: [],
        totals: {
          steps: 0,
          requiredSteps: 0,
          requiredStepsComplete: 0,
          scorecardsSubmitted: 0,
          recommendations: { strong_no: 0, no: 0, yes: 0, strong_yes: 0 },
        },
        offerReady: true,
        reason: null,
      });
      expect((await move(app.id, { to: 'offer' })).status).toBe(200);
    });
  });

  it('clears the notes of an erased candidate’s scorecards in the erasure', async () => {
    const app = await application();
    const kept = await application();
    const id = await interview(app.id, [ia]);
    const other = await interview(kept.id, [ia]);
    const first = (await submit(id, ia, card({ notes: 'Mentioned her visa expires in May' }))).body;
    await submit(id, ia, card({ notes: 'Second thoughts about her visa' }));
    await submit(other, ia, card({ notes: 'Someone else entirely' }));
    expect((await http().delete(`/v1/candidates/${app.candidateId}`)).status).toBe(204);
    const stored = await suite.db.query<{ version: number; notes: string | null; recommendation: string }>(
      `SELECT version, notes, recommendation FROM scorecards WHERE interview_id = $1 ORDER BY version`,
      [id],
    );
    expect(stored).toEqual([
      { version: 1, notes: null, recommendation: 'yes' },
      { version: 2, notes: null, recommendation: 'yes' },
    ]);
    expect((await http().get(`/v1/scorecards/${first.id}/versions`)).body.data.map((s: { notes: string | null }) => s.notes)).toEqual([null, null]);
    expect((await suite.db.query(`SELECT notes FROM scorecards WHERE interview_id = $1`, [other]))[0]).toEqual({ notes: 'Someone else entirely' });
    // A scorecard submitted after the erasure keeps its ratings, not its notes.
    expect((await submit(id, ia, card({ notes: 'Too late' }))).body).toMatchObject({ version: 3, notes: null });
  });
});
