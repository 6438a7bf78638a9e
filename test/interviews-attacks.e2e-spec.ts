import { DateTime } from 'luxon';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { ADMIN_TOKEN, createUser, HttpClient, HttpResult, ResponseBody, taskForceBody, useApi, waitFor } from './support/harness';
import { BuiltProcess, spawnApiProcess } from './support/processes';
import { tracesInDatabase } from './support/traces';

type User = { id: string; token: string };
type App = { id: string; candidateId: string };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ALL_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, { start: '00:00', end: '24:00' }]));

/**
 * The interviews feature as an outside reviewer attacks it: scoping through chains of legal calls,
 * the interviewer role against every route, bad and hostile input, races between scheduling,
 * rescheduling, cancelling, rejecting and erasing, and what an erasure leaves behind.
 */
describe('interviews under attack', () => {
  const suite = useApi('interviews_attacks');
  const http = () => suite.api.http;
  const as = (u: User) => ({ token: u.token });

  const tf = { a: '', b: '' };
  const opening = { a: '', b: '' };
  let rA: User;
  let rB: User;
  /** Interviewers (role interviewer): a1-a3 for A, b1 for B, shared for both. */
  const iv: Record<'a1' | 'a2' | 'a3' | 'b1' | 'shared', User> = {} as never;
  let n = 0;

  const ok = async <T = ResponseBody>(res: Promise<HttpResult<T>>, status = [200, 201]): Promise<T> => {
    const r = await res;
    if (!status.includes(r.status)) throw new Error(`set-up call answered ${r.status}: ${r.text}`);
    return r.body;
  };
  /** Everyone works around the clock unless told otherwise, so hours and holidays never hide what a test is about. */
  const profile = (taskForceIds: string[], extra: Record<string, unknown> = {}) => ({
    timeZone: 'UTC',
    workingHours: ALL_DAY,
    holidayCalendars: [],
    taskForceIds,
    ...extra,
  });
  const interviewer = async (label: string, taskForceIds: string[], extra: Record<string, unknown> = {}): Promise<User> => {
    const user = await createUser(http(), 'interviewer', label);
    await ok(http().put(`/v1/interviewers/${user.id}`, profile(taskForceIds, extra)));
    return user;
  };
  const application = async (taskForceId = tf.a, openingId: string | null = opening.a, person: Record<string, unknown> = {}): Promise<App> => {
    const c = await ok(
      http().post('/v1/candidates', {
        fullName: `Attack Candidate ${++n}`,
        emails: [`attack.${n}.${randomUUID().slice(0, 8)}@example.com`],
        timeZone: 'America/Los_Angeles',
        ...person,
      }),
    );
    const a = await ok(http().post('/v1/applications', { candidateId: c.id, taskForceId, ...(openingId && { openingId }) }));
    return { id: a.id, candidateId: c.id };
  };

  /** Hours no other test uses: three hours apart from three weeks ahead, on the hour. */
  const base = Math.ceil((Date.now() + 21 * DAY) / DAY) * DAY;
  let slots = 0;
  const freshHour = () => new Date(base + ++slots * 3 * HOUR);

  const scheduleBody = (start: Date, interviewerIds: string[], extra: Record<string, unknown> = {}) => ({
    kind: 'technical',
    durationMinutes: 60,
    attributes: ['coding'],
    start: start.toISOString(),
    interviewerIds,
    ...extra,
  });
  const schedule = (app: App, start: Date, interviewerIds: string[], extra: Record<string, unknown> = {}, token?: string) =>
    http().post(`/v1/applications/${app.id}/interviews`, scheduleBody(start, interviewerIds, extra), token ? { token } : {});

  /** Active panel rows of one person that overlap, and active rows whose times are not their interview's: both must never exist. */
  const doubleBookings = () =>
    suite.db.query(
      `SELECT a.user_id, a.interview_id AS first, b.interview_id AS second FROM interview_panel a
         JOIN interview_panel b ON b.user_id = a.user_id AND b.interview_id > a.interview_id AND b.active
        WHERE a.active AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)
       UNION ALL
       SELECT p.user_id, p.interview_id, NULL FROM interview_panel p JOIN interviews i ON i.id = p.interview_id
        WHERE p.active AND (p.starts_at <> i.starts_at OR p.ends_at <> i.ends_at OR i.status <> 'scheduled')`,
    );
  const lockWaiters = async () =>
    (
      await suite.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
      )
    )[0].n;
  /** A connection of its own that holds an uncommitted interview of `user` at `start`, as a slow scheduler would. */
  const holdPanel = async (app: App, user: string, start: Date) => {
    const holder = new Client({ connectionString: suite.db.url });
    await holder.connect();
    await holder.query('BEGIN');
    const id = randomUUID();
    const end = new Date(start.getTime() + HOUR);
    await holder.query(
      `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, kind, starts_at, ends_at, candidate_time_zone, status, attributes, created_by, created_at, updated_at)
       SELECT $1, a.id, a.candidate_id, a.task_force_id, 'technical', $2, $3, 'UTC', 'scheduled', '{x}', $4, now(), now() FROM applications a WHERE a.id = $5`,
      [id, start, end, rA.id, app.id],
    );
    await holder.query(`INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) VALUES ($1, $2, $3, $4, true)`, [id, user, start, end]);
    return {
      release: async () => {
        await holder.query('ROLLBACK');
        await holder.end();
      },
    };
  };
  /** A candidate free at any hour of any day, so only busy times decide. */
  const openCandidate = { candidateTimeZone: 'UTC', candidateWorkingHours: ALL_DAY, candidateHolidayCalendars: [] };
  const isProblem = (res: HttpResult) => (res.headers.get('content-type') ?? '').startsWith('application/problem+json');

  beforeAll(async () => {
    tf.a = (await ok(http().post('/v1/task-forces', taskForceBody({ name: `Attack A ${randomUUID().slice(0, 6)}` })))).id;
    tf.b = (await ok(http().post('/v1/task-forces', taskForceBody({ name: `Attack B ${randomUUID().slice(0, 6)}` })))).id;
    opening.a = (await ok(http().post(`/v1/task-forces/${tf.a}/openings`, { title: 'LLM infra', skillArea: 'llm', level: 'P8', headcount: 2 }))).id;
    opening.b = (await ok(http().post(`/v1/task-forces/${tf.b}/openings`, { title: 'RL research', skillArea: 'llm', level: 'P8', headcount: 1 }))).id;
    rA = await createUser(http(), 'recruiter', 'attack-ra');
    rB = await createUser(http(), 'recruiter', 'attack-rb');
    await ok(http().post(`/v1/task-forces/${tf.a}/members`, { userId: rA.id }));
    await ok(http().post(`/v1/task-forces/${tf.b}/members`, { userId: rB.id }));
    iv.a1 = await interviewer('attack-a1', [tf.a]);
    iv.a2 = await interviewer('attack-a2', [tf.a]);
    iv.a3 = await interviewer('attack-a3', [tf.a]);
    iv.b1 = await interviewer('attack-b1', [tf.b]);
    iv.shared = await interviewer('attack-shared', [tf.a, tf.b]);
    await ok(
      http().put(`/v1/openings/${opening.a}/interview-plan`, {
        steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 2, pool: [iv.a1.id, iv.a2.id, iv.a3.id], attributes: ['coding', 'ml depth'] }],
      }),
    );
  });

  describe('scoping across task forces', () => {
    it("refuses B A's interviewers in its plan pool, its schedules and its slot searches, alike for an unknown id", async () => {
      const appB = await application(tf.b, opening.b);
      const unknown = randomUUID();
      const step = (pool: string[]) => ({ steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 1, pool, attributes: ['x'] }] });
      const search = (ids: string[]) =>
        http().post(
          `/v1/applications/${appB.id}/interview-slots`,
          { durationMinutes: 60, interviewerIds: ids, from: freshHour().toISOString(), to: new Date(freshHour().getTime() + 2 * DAY).toISOString() },
          as(rB),
        );
      for (const [label, call] of [
        ['plan', (id: string) => http().put(`/v1/openings/${opening.b}/interview-plan`, step([id]), as(rB))],
        ['schedule', (id: string) => schedule(appB, freshHour(), [id], {}, rB.token)],
        ['slots', (id: string) => search([id])],
      ] as const) {
        const foreign = await call(iv.a1.id);
        const nobody = await call(unknown);
        expect([label, foreign.status, foreign.body.code]).toEqual([label, 422, 'not_an_interviewer']);
        // An interviewer of A and an id that names no one get the same answer: A's people do not show through.
        expect(foreign.body.userIds).toEqual([iv.a1.id]);
        expect(foreign.body.detail.replace(iv.a1.id, 'ID')).toBe(nobody.body.detail.replace(unknown, 'ID'));
        expect(foreign.text).not.toContain(tf.a);
      }
      // Ids of the wrong kind: a candidate, an application, a task force as interviewers.
      const appA = await application();
      for (const id of [appA.candidateId, appA.id, tf.a, rA.id]) expect((await search([id])).body.code).toBe('not_an_interviewer');
      expect((await http().get(`/v1/openings/${opening.a}/interview-plan`, as(rB))).status).toBe(404);
      expect((await http().put(`/v1/openings/${opening.a}/interview-plan`, step([iv.b1.id]), as(rB))).status).toBe(404);
      expect((await http().get(`/v1/interviewers?taskForceId=${tf.a}`, as(rB))).status).toBe(404);
      expect((await http().get(`/v1/interviewers?taskForceId=${unknown}`, as(rB))).status).toBe(404);
      expect((await http().get(`/v1/interviewers/${iv.a1.id}`, as(rB))).status).toBe(404);
      expect((await http().get(`/v1/interviewers/${iv.a1.id}/blocks`, as(rB))).status).toBe(404);
    });

    it("shows B a shared interviewer's profile without naming A's task force", async () => {
      const listed = await http().get('/v1/interviewers?limit=100', as(rB));
      expect(listed.body.data.map((p: { userId: string }) => p.userId).sort()).toEqual([iv.b1.id, iv.shared.id].sort());
      expect(listed.text).not.toContain(tf.a);
      const one = await http().get(`/v1/interviewers/${iv.shared.id}`, as(rB));
      expect(one.body.taskForceIds).toEqual([tf.b]);
      // The person, A's recruiters and admins see their own part or all of it.
      expect((await http().get(`/v1/interviewers/${iv.shared.id}`, as(iv.shared))).body.taskForceIds.sort()).toEqual([tf.a, tf.b].sort());
      expect((await http().get(`/v1/interviewers/${iv.shared.id}`, as(rA))).body.taskForceIds).toEqual([tf.a]);
      expect((await http().get(`/v1/interviewers/${iv.shared.id}`)).body.taskForceIds.sort()).toEqual([tf.a, tf.b].sort());
    });

    it("lets A's interviews of a shared interviewer or a shared candidate show in B's slot search only as busy", async () => {
      const appA = await application();
      const start = freshHour();
      const interview = await ok(schedule(appA, start, [iv.shared.id], { location: 'https://meet.example.com/a-secret-room' }, rA.token));
      const appB = await application(tf.b, opening.b);
      const hour = { from: start.toISOString(), to: new Date(start.getTime() + HOUR).toISOString(), durationMinutes: 60, ...openCandidate };
      const search = await http().post(`/v1/applications/${appB.id}/interview-slots`, { ...hour, interviewerIds: [iv.shared.id] }, as(rB));
      expect(search.status).toBe(200);
      expect(search.body.slots).toEqual([]);
      expect(search.body.daysWithoutSlot).toEqual([
        { date: expect.any(String), reasons: [{ code: 'busy', participantId: iv.shared.id, detail: `${iv.shared.id} is busy at every time left` }] },
      ]);
      for (const secret of [interview.id, appA.id, appA.candidateId, tf.a, 'a-secret-room']) expect(search.text).not.toContain(secret);
      // A wider search steers around the hour and says nothing more.
      const wide = await http().post(
        `/v1/applications/${appB.id}/interview-slots`,
        {
          from: new Date(start.getTime() - 3 * HOUR).toISOString(),
          to: new Date(start.getTime() + 4 * HOUR).toISOString(),
          durationMinutes: 60,
          interviewerIds: [iv.shared.id],
          ...openCandidate,
        },
        as(rB),
      );
      expect(wide.body.slots.length).toBeGreaterThan(0);
      for (const slot of wide.body.slots) expect(new Date(slot.end) <= start || new Date(slot.start) >= new Date(start.getTime() + HOUR)).toBe(true);
      for (const secret of [interview.id, appA.id, appA.candidateId, tf.a]) expect(wide.text).not.toContain(secret);
      const clash = await schedule(appB, start, [iv.shared.id], {}, rB.token);
      expect([clash.status, clash.body.code]).toEqual([409, 'interviewer_busy']);
      for (const secret of [interview.id, appA.id, appA.candidateId, tf.a]) expect(clash.text).not.toContain(secret);

      // A person in both pipelines (only an admin puts them there): busy, and 409 candidate_busy, nothing else.
      const sharedCandidate = await ok(http().post(`/v1/applications`, { candidateId: appA.candidateId, taskForceId: tf.b }));
      const asCandidate = await http().post(`/v1/applications/${sharedCandidate.id}/interview-slots`, { ...hour, interviewerIds: [iv.b1.id] }, as(rB));
      expect(asCandidate.body.daysWithoutSlot[0].reasons).toEqual([
        { code: 'busy', participantId: appA.candidateId, detail: 'the candidate is busy at every time left' },
      ]);
      for (const secret of [interview.id, appA.id, tf.a, iv.shared.id]) expect(asCandidate.text).not.toContain(secret);
      const candidateClash = await schedule({ id: sharedCandidate.id, candidateId: appA.candidateId }, start, [iv.b1.id], {}, rB.token);
      expect([candidateClash.status, candidateClash.body.code]).toEqual([409, 'candidate_busy']);
      for (const secret of [interview.id, appA.id, tf.a, iv.shared.id]) expect(candidateClash.text).not.toContain(secret);
    });

    it('lets a recruiter of B who sits on an A panel see that interview and nothing else of A', async () => {
      const panelist = await createUser(http(), 'recruiter', 'attack-rb-panelist');
      await ok(http().post(`/v1/task-forces/${tf.b}/members`, { userId: panelist.id }));
      await ok(http().put(`/v1/interviewers/${panelist.id}`, profile([tf.a, tf.b])));
      const appA = await application();
      const other = await application();
      const interview = await ok(schedule(appA, freshHour(), [panelist.id, iv.a1.id], {}, rA.token));
      const notTheirs = await ok(schedule(other, freshHour(), [iv.a1.id], {}, rA.token));
      const me = as(panelist);
      const mine = await http().get('/v1/me/interviews?limit=100', me);
      expect(mine.body.data.map((i: { id: string }) => i.id)).toEqual([interview.id]);
      expect((await http().get(`/v1/interviews/${interview.id}`, me)).status).toBe(200);
      expect((await http().get(`/v1/interviews/${notTheirs.id}`, me)).status).toBe(404);
      for (const [method, path, body] of [
        ['GET', `/v1/candidates/${appA.candidateId}`, undefined],
        ['GET', `/v1/applications/${appA.id}`, undefined],
        ['GET', `/v1/applications/${appA.id}/interviews`, undefined],
        ['GET', `/v1/applications/${appA.id}/interview-progress`, undefined],
        [
          'POST',
          `/v1/applications/${appA.id}/interview-slots`,
          { planStep: 1, from: freshHour().toISOString(), to: new Date(freshHour().getTime() + DAY).toISOString() },
        ],
        ['POST', `/v1/applications/${appA.id}/interviews`, scheduleBody(freshHour(), [panelist.id])],
        ['PATCH', `/v1/interviews/${interview.id}`, { location: 'https://meet.example.com/moved' }],
        ['POST', `/v1/interviews/${interview.id}/cancel`, { reason: 'no' }],
        ['GET', `/v1/openings/${opening.a}/interview-plan`, undefined],
        ['GET', `/v1/interviewers?taskForceId=${tf.a}`, undefined],
        ['GET', `/v1/interviewers/${iv.a1.id}`, undefined],
      ] as const) {
        const res = await http().request<ResponseBody>(method, path, body, me);
        expect([method, path, res.status]).toEqual([method, path, 404]);
      }
      // Taken off the panel: the interview is gone from their view.
      await ok(http().patch(`/v1/interviews/${interview.id}`, { interviewerIds: [iv.a1.id, iv.a2.id] }, as(rA)));
      expect((await http().get(`/v1/interviews/${interview.id}`, me)).status).toBe(404);
      expect((await http().get('/v1/me/interviews', me)).body.data).toEqual([]);
    });

    it('takes an interviewer off a panel for good: a reschedule that drops them ends their view of the interview', async () => {
      const app = await application();
      const first = freshHour();
      const interview = await ok(schedule(app, first, [iv.a1.id, iv.a2.id], { location: 'https://meet.example.com/old-room' }, rA.token));
      expect((await http().get(`/v1/interviews/${interview.id}`, as(iv.a2))).status).toBe(200);
      const moved = await ok(
        http().patch(
          `/v1/interviews/${interview.id}`,
          {
            start: freshHour().toISOString(),
            interviewerIds: [iv.a1.id, iv.a3.id],
            location: 'https://meet.example.com/new-room',
            expectedVersion: interview.version,
          },
          as(rA),
        ),
      );
      expect(moved.panel.map((p: { userId: string }) => p.userId).sort()).toEqual([iv.a1.id, iv.a3.id].sort());
      const dropped = await http().get(`/v1/interviews/${interview.id}`, as(iv.a2));
      expect([dropped.status, dropped.body.code]).toEqual([404, 'interview_not_found']);
      expect(dropped.text).not.toContain('new-room');
      expect((await http().get('/v1/me/interviews?limit=100', as(iv.a2))).body.data.map((i: { id: string }) => i.id)).not.toContain(interview.id);
      expect((await http().get(`/v1/interviews/${interview.id}/scorecards`, as(iv.a2))).status).toBe(404);
      expect((await http().get(`/v1/applications/${app.id}/scorecards`, as(iv.a2))).status).toBe(404);
      expect(
        (await http().post(`/v1/interviews/${interview.id}/scorecards`, { ratings: [{ attribute: 'coding', rating: 3 }], recommendation: 'yes' }, as(iv.a2)))
          .status,
      ).toBe(404);
      // Those on it still see it; they were told, the dropped one got a cancellation.
      expect((await http().get(`/v1/interviews/${interview.id}`, as(iv.a3))).body.location).toBe('https://meet.example.com/new-room');
      const cancelled = await suite.db.query(`SELECT recipient_user_id FROM interview_mails WHERE interview_id = $1 AND kind = 'cancel'`, [interview.id]);
      expect(cancelled).toEqual([{ recipient_user_id: iv.a2.id }]);
      // A cancelled interview leaves its panel's view too; admins and the task force's recruiters keep it.
      await ok(http().post(`/v1/interviews/${interview.id}/cancel`, { reason: 'hiring freeze' }, as(rA)));
      expect((await http().get(`/v1/interviews/${interview.id}`, as(iv.a3))).status).toBe(404);
      expect((await http().get(`/v1/interviews/${interview.id}`, as(rA))).body.status).toBe('cancelled');
    });

    it('keeps an interviewer whose profile moved to another task force on the panels they sit on, and out of new ones', async () => {
      const mover = await interviewer('attack-mover', [tf.a]);
      const app = await application();
      const start = freshHour();
      const interview = await ok(schedule(app, start, [mover.id], {}, rA.token));
      await ok(http().put(`/v1/interviewers/${mover.id}`, profile([tf.b])));
      // Still on the panel: they see it; A's recruiters no longer read the profile, B's do.
      expect((await http().get(`/v1/interviews/${interview.id}`, as(mover))).status).toBe(200);
      expect((await http().get(`/v1/interviewers/${mover.id}`, as(rA))).status).toBe(404);
      expect((await http().get(`/v1/interviewers/${mover.id}`, as(rB))).body.taskForceIds).toEqual([tf.b]);
      // A new panel of A cannot take them, and moving the interview needs a panel of A's interviewers.
      expect((await schedule(await application(), freshHour(), [mover.id], {}, rA.token)).body.code).toBe('not_an_interviewer');
      const move = await http().patch(`/v1/interviews/${interview.id}`, { start: freshHour().toISOString() }, as(rA));
      expect([move.status, move.body.code, move.body.userIds]).toEqual([422, 'not_an_interviewer', [mover.id]]);
      expect((await http().patch(`/v1/interviews/${interview.id}`, { start: freshHour().toISOString(), interviewerIds: [iv.a1.id] }, as(rA))).status).toBe(200);
      expect((await http().get(`/v1/interviews/${interview.id}`, as(mover))).status).toBe(404);
      // B cannot use the A interview's hour to learn more than "busy", nor reach it.
      expect((await http().get(`/v1/interviews/${interview.id}`, as(rB))).status).toBe(404);
    });

    it('gives an interviewer who is also a member of a task force only their own interviews and profile', async () => {
      const member = await interviewer('attack-member', [tf.a]);
      await ok(http().post(`/v1/task-forces/${tf.a}/members`, { userId: member.id }));
      const app = await application();
      const theirs = await ok(schedule(app, freshHour(), [member.id], {}, rA.token));
      const other = await ok(schedule(await application(), freshHour(), [iv.a1.id], {}, rA.token));
      expect((await http().get(`/v1/interviews/${theirs.id}`, as(member))).status).toBe(200);
      expect((await http().get(`/v1/interviews/${other.id}`, as(member))).status).toBe(404);
      expect((await http().get(`/v1/interviewers/${iv.a1.id}`, as(member))).status).toBe(404);
      expect((await http().get(`/v1/interviewers/${member.id}`, as(member))).status).toBe(200);
      expect((await http().get(`/v1/applications/${other.applicationId}/scorecards`, as(member))).status).toBe(404);
      expect((await http().get(`/v1/interviews/${other.id}/scorecards`, as(member))).status).toBe(404);
      const listed = await http().get('/v1/interviewers', as(member));
      expect([listed.status, listed.body.code]).toEqual([403, 'interviewer_not_allowed']);
    });

    it('shuts a revoked token out of every interviewer route at once', async () => {
      const user = await interviewer('attack-revoked', [tf.a]);
      const interview = await ok(schedule(await application(), freshHour(), [user.id], {}, rA.token));
      expect((await http().get(`/v1/interviews/${interview.id}`, as(user))).status).toBe(200);
      const [token] = (await ok(http().get(`/v1/users/${user.id}/tokens`))).data;
      expect((await http().delete(`/v1/tokens/${token.id}`)).status).toBe(204);
      for (const path of [
        '/v1/me',
        '/v1/me/interviews',
        `/v1/interviews/${interview.id}`,
        `/v1/interviewers/${user.id}`,
        `/v1/interviewers/${user.id}/blocks`,
      ]) {
        const res = await http().get(path, as(user));
        expect([path, res.status, res.body.code]).toEqual([path, 401, 'invalid_token']);
      }
    });
  });

  describe('the interviewer role', () => {
    /** Routes made for interviewers; every other route refuses them before it runs. */
    const THEIRS = new Set([
      'GET /v1/me',
      'GET /v1/me/interviews',
      'GET /v1/interviews/{id}',
      'GET /v1/interviewers/{userId}',
      'POST /v1/interviewers/{userId}/blocks',
      'GET /v1/interviewers/{userId}/blocks',
      'DELETE /v1/interviewers/{userId}/blocks/{blockId}',
      'POST /v1/interviews/{id}/scorecards',
      'GET /v1/interviews/{id}/scorecards',
      'GET /v1/applications/{id}/scorecards',
      'GET /v1/scorecards/{id}/versions',
    ]);
    type Operation = { method: string; path: string; security?: unknown[] };
    let operations: Operation[] = [];
    let me: User;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const doc = (await http().get('/docs-json', { token: null })).body;
      operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) =>
        Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
      );
      me = await interviewer('attack-role', [tf.a]);
      const other = await interviewer('attack-role-other', [tf.a]);
      const mineApp = await application();
      const otherApp = await application();
      // One interview of theirs that has started (written as the scheduler would), one of another candidate they are not on.
      ids.mine = randomUUID();
      await suite.db.query(
        `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, kind, starts_at, ends_at, candidate_time_zone, status, attributes, created_by, created_at, updated_at)
         SELECT $1, a.id, a.candidate_id, a.task_force_id, 'technical', now() - interval '2 hours', now() - interval '1 hour', 'UTC', 'scheduled', '{coding}', $2, now(), now()
           FROM applications a WHERE a.id = $3`,
        [ids.mine, rA.id, mineApp.id],
      );
      await suite.db.query(
        `INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT i.id, u, i.starts_at, i.ends_at, true FROM interviews i, unnest($2::uuid[]) u WHERE i.id = $1`,
        [ids.mine, [me.id, other.id]],
      );
      ids.other = (await ok(schedule(otherApp, freshHour(), [other.id], {}, rA.token))).id;
      ids.myCard = (
        await ok(
          http().post(`/v1/interviews/${ids.mine}/scorecards`, { ratings: [{ attribute: 'coding', rating: 3 }], recommendation: 'yes', notes: 'mine' }, as(me)),
        )
      ).id;
      ids.otherCard = (
        await ok(
          http().post(
            `/v1/interviews/${ids.mine}/scorecards`,
            { ratings: [{ attribute: 'coding', rating: 2 }], recommendation: 'no', notes: 'theirs' },
            as(other),
          ),
        )
      ).id;
      ids.myBlock = (
        await ok(
          http().post(
            `/v1/interviewers/${me.id}/blocks`,
            { start: freshHour().toISOString(), end: new Date(freshHour().getTime() + HOUR).toISOString() },
            as(me),
          ),
        )
      ).id;
      ids.otherBlock = (
        await ok(
          http().post(`/v1/interviewers/${other.id}/blocks`, { start: freshHour().toISOString(), end: new Date(freshHour().getTime() + HOUR).toISOString() }),
        )
      ).id;
      Object.assign(ids, {
        me: me.id,
        otherUser: other.id,
        mineApp: mineApp.id,
        mineCandidate: mineApp.candidateId,
        otherApp: otherApp.id,
        otherCandidate: otherApp.candidateId,
      });
    });

    it('answers 403 interviewer_not_allowed on every route not made for interviewers, whatever the ids and the body', async () => {
      const failures: string[] = [];
      const authenticated = operations.filter((o) => Array.isArray(o.security) && o.security.length > 0);
      expect(authenticated.length).toBeGreaterThan(50);
      for (const op of authenticated.filter((o) => !THEIRS.has(`${o.method} ${o.path}`))) {
        const url = op.path.replace(/\{(\w+)\}/g, () => ids.mine);
        const res = await http().request<ResponseBody>(op.method, url, ['POST', 'PUT', 'PATCH'].includes(op.method) ? {} : undefined, as(me));
        if (res.status !== 403 || res.body?.code !== 'interviewer_not_allowed' || !isProblem(res))
          failures.push(`${op.method} ${op.path}: ${res.status} ${res.text.slice(0, 120)}`);
      }
      expect(failures).toEqual([]);
      // Every route made for them still exists: this list is the whole of their reach.
      const listed = new Set(authenticated.map((o) => `${o.method} ${o.path}`));
      expect([...THEIRS].filter((k) => !listed.has(k))).toEqual([]);
    });

    it("answers their own routes with their own data, and 404 for anyone else's, naming no other candidate", async () => {
      const own: [string, string, unknown, number][] = [
        ['GET', '/v1/me', undefined, 200],
        ['GET', '/v1/me/interviews?after=2000-01-01T00:00:00Z', undefined, 200],
        ['GET', `/v1/interviews/${ids.mine}`, undefined, 200],
        ['GET', `/v1/interviewers/${ids.me}`, undefined, 200],
        ['GET', `/v1/interviewers/${ids.me}/blocks`, undefined, 200],
        ['GET', `/v1/interviews/${ids.mine}/scorecards`, undefined, 200],
        ['GET', `/v1/applications/${ids.mineApp}/scorecards`, undefined, 200],
        ['GET', `/v1/scorecards/${ids.myCard}/versions`, undefined, 200],
      ];
      const others: [string, string, unknown][] = [
        ['GET', `/v1/interviews/${ids.other}`, undefined],
        ['GET', `/v1/interviewers/${ids.otherUser}`, undefined],
        ['GET', `/v1/interviewers/${ids.otherUser}/blocks`, undefined],
        ['POST', `/v1/interviewers/${ids.otherUser}/blocks`, { start: freshHour().toISOString(), end: new Date(freshHour().getTime() + HOUR).toISOString() }],
        ['DELETE', `/v1/interviewers/${ids.otherUser}/blocks/${ids.otherBlock}`, undefined],
        ['DELETE', `/v1/interviewers/${ids.me}/blocks/${ids.otherBlock}`, undefined],
        ['GET', `/v1/interviews/${ids.other}/scorecards`, undefined],
        ['POST', `/v1/interviews/${ids.other}/scorecards`, { ratings: [{ attribute: 'coding', rating: 1 }], recommendation: 'strong_no' }],
        ['GET', `/v1/applications/${ids.otherApp}/scorecards`, undefined],
        ['GET', `/v1/scorecards/${randomUUID()}/versions`, undefined],
      ];
      const failures: string[] = [];
      const foreign = [ids.other, ids.otherApp, ids.otherCandidate, ids.otherBlock];
      for (const [method, path, body, status] of own) {
        const res = await http().request<ResponseBody>(method, path, body, as(me));
        if (res.status !== status) failures.push(`${method} ${path}: ${res.status} ${res.text.slice(0, 120)}`);
        const leaked = foreign.filter((s) => res.text.includes(s));
        if (leaked.length) failures.push(`${method} ${path} names ${leaked.join(', ')}`);
      }
      for (const [method, path, body] of others) {
        const res = await http().request<ResponseBody>(method, path, body, as(me));
        if (res.status !== 404 || !isProblem(res)) failures.push(`${method} ${path}: ${res.status} ${res.text.slice(0, 120)}`);
        const leaked = foreign.filter((s) => res.text.includes(s) && !path.includes(s));
        if (leaked.length) failures.push(`${method} ${path} names ${leaked.join(', ')}`);
      }
      expect(failures).toEqual([]);
      // The list of their interviews is theirs alone.
      const mine = await http().get('/v1/me/interviews?after=2000-01-01T00:00:00Z', as(me));
      expect(mine.body.data.map((i: { id: string }) => i.id)).toEqual([ids.mine]);
    });
  });

  describe('bad input', () => {
    it('refuses huge arrays, repeated ids and ids of the wrong kind with 400 or 422', async () => {
      const app = await application();
      const url = `/v1/applications/${app.id}/interviews`;
      const start = freshHour();
      const many = (k: number) => Array.from({ length: k }, () => randomUUID());
      const cases: [unknown, number, string][] = [
        [scheduleBody(start, many(11)), 400, 'validation_failed'],
        [scheduleBody(start, many(10_001)), 400, 'array_too_long'],
        [scheduleBody(start, [iv.a1.id, iv.a1.id]), 400, 'validation_failed'],
        [scheduleBody(start, [iv.a1.id.toUpperCase(), iv.a1.id]), 400, 'validation_failed'],
        [scheduleBody(start, [app.candidateId]), 422, 'not_an_interviewer'],
        [scheduleBody(start, [app.id]), 422, 'not_an_interviewer'],
        [scheduleBody(start, ['not-a-uuid']), 400, 'validation_failed'],
        [scheduleBody(start, [iv.a1.id], { attributes: Array.from({ length: 21 }, (_, i) => `a${i}`) }), 400, 'validation_failed'],
        [scheduleBody(start, [iv.a1.id], { attributes: ['x'.repeat(101)] }), 400, 'validation_failed'],
        [scheduleBody(start, [iv.a1.id], { planStep: 1, interviewerIds: [iv.a1.id] }), 422, 'panel_too_small'],
      ];
      for (const [body, status, code] of cases) {
        const res = await http().post(url, body);
        expect([res.status, res.body.code, isProblem(res)]).toEqual([status, code, true]);
      }
      // Nothing of the refused was stored.
      expect(await suite.db.query(`SELECT 1 FROM interviews WHERE application_id = $1`, [app.id])).toEqual([]);
      const slotUrl = `/v1/applications/${app.id}/interview-slots`;
      const range = { from: freshHour().toISOString(), to: new Date(freshHour().getTime() + DAY).toISOString(), durationMinutes: 60 };
      expect((await http().post(slotUrl, { ...range, interviewerIds: many(21) })).status).toBe(400);
      expect((await http().post(slotUrl, { ...range, interviewerIds: [iv.a1.id], interviewersNeeded: 2 })).body.code).toBe('invalid_slot_query');
      expect(
        (await http().post(slotUrl, { ...range, interviewerIds: [iv.a1.id], candidateAvailability: [{ start: range.to, end: range.from }] })).body.code,
      ).toBe('invalid_slot_query');
      const pool = (ids: string[]) => ({ steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 1, pool: ids, attributes: ['x'] }] });
      expect((await http().put(`/v1/openings/${opening.a}/interview-plan`, pool(many(21)))).status).toBe(400);
      expect((await http().put(`/v1/openings/${opening.a}/interview-plan`, pool([app.candidateId]))).body.code).toBe('not_an_interviewer');
      expect((await http().put(`/v1/openings/${app.candidateId}/interview-plan`, pool([iv.a1.id]))).status).toBe(404);
      expect((await http().put(`/v1/interviewers/${iv.a1.id}`, profile([app.candidateId]))).body.code).toBe('unknown_task_forces');
      expect((await http().put(`/v1/interviewers/${app.candidateId}`, profile([tf.a]))).status).toBe(404);
      expect((await http().put(`/v1/interviewers/${iv.a1.id}`, profile([tf.a, tf.a]))).status).toBe(400);
      expect((await http().get(`/v1/interviews/${app.id}`)).status).toBe(404);
      expect((await http().get(`/v1/scorecards/${app.id}/versions`)).status).toBe(404);
      // The plan is as it was.
      expect((await http().get(`/v1/openings/${opening.a}/interview-plan`)).body.steps[0].pool).toEqual([iv.a1.id, iv.a2.id, iv.a3.id]);

      // A UUID in capitals names the same person: accepted, and a reschedule naming the same panel so changes nothing.
      const upper = [iv.a1.id.toUpperCase(), iv.a2.id.toUpperCase()];
      const range2 = { from: freshHour().toISOString(), to: new Date(freshHour().getTime() + DAY).toISOString(), durationMinutes: 60 };
      expect((await http().post(slotUrl, { ...range2, interviewerIds: upper, candidateWorkingHours: ALL_DAY })).status).toBe(200);
      const made = await http().post(url, scheduleBody(freshHour(), upper));
      expect(made.status).toBe(201);
      expect(made.body.panel.map((p: { userId: string }) => p.userId).sort()).toEqual([iv.a1.id, iv.a2.id].sort());
      const same = await http().patch(`/v1/interviews/${made.body.id}`, { interviewerIds: upper });
      expect([same.status, same.body.sequence]).toEqual([200, 0]);
      expect(await suite.db.query(`SELECT kind FROM interview_mails WHERE interview_id = $1 AND kind = 'cancel'`, [made.body.id])).toEqual([]);
      const plan = await http().put(`/v1/openings/${opening.b}/interview-plan`, {
        steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 1, pool: [iv.b1.id.toUpperCase()], attributes: ['x'] }],
      });
      expect([plan.status, plan.body.steps?.[0]?.pool]).toEqual([200, [iv.b1.id]]);
    });

    it('keeps location and attributes on one line: line breaks and control characters are refused, unicode is kept', async () => {
      const app = await application();
      const url = `/v1/applications/${app.id}/interviews`;
      const injected = [
        'https://meet.example.com/x\r\nATTENDEE;CN=Mallory:mailto:mallory@evil.example',
        'Room 1\nEND:VEVENT',
        'Room\r\nBcc: mallory@evil.example',
        'Room\u2028two',
        'Room\u0007bell',
        'Room\u0085next',
      ];
      for (const location of injected) {
        const res = await http().post(url, scheduleBody(freshHour(), [iv.a1.id], { location }));
        expect([JSON.stringify(location), res.status, res.body.errors?.[0]?.field]).toEqual([JSON.stringify(location), 400, 'location']);
      }
      for (const attribute of ['coding\r\nDESCRIPTION:hired', 'ml\tdepth', '   ']) {
        const res = await http().post(url, scheduleBody(freshHour(), [iv.a1.id], { attributes: [attribute] }));
        expect([JSON.stringify(attribute), res.status]).toEqual([JSON.stringify(attribute), 400]);
      }
      // Attributes the same once trimmed are the same attribute.
      expect((await http().post(url, scheduleBody(freshHour(), [iv.a1.id], { attributes: [' coding', 'coding '] }))).status).toBe(400);
      const plan = await http().put(`/v1/openings/${opening.b}/interview-plan`, {
        steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 1, pool: [iv.b1.id], attributes: ['x', ' x'] }],
      });
      expect(plan.status).toBe(400);
      const nul = await http().post(url, scheduleBody(freshHour(), [iv.a1.id], { location: 'Room\u0000' }));
      expect([nul.status, nul.body.code]).toEqual([400, 'invalid_characters']);
      expect(await suite.db.query(`SELECT 1 FROM interviews WHERE application_id = $1`, [app.id])).toEqual([]);

      // Unicode stays as written: names of rooms, links with non-ASCII paths, emoji, right-to-left text.
      const location = '会议室 3F · https://meet.example.com/面试-🧪 · غرفة';
      const kept = await http().post(url, scheduleBody(freshHour(), [iv.a1.id], { location: `  ${location}  `, attributes: ['深度学习', ' coding '] }));
      expect(kept.status).toBe(201);
      expect(kept.body).toMatchObject({ location, attributes: ['深度学习', 'coding'] });
      expect(await suite.db.query(`SELECT location, attributes FROM interviews WHERE id = $1`, [kept.body.id])).toEqual([
        { location, attributes: ['深度学习', 'coding'] },
      ]);
      const moved = await http().patch(`/v1/interviews/${kept.body.id}`, { location: 'Room 2\r\nX-Injected: yes' });
      expect([moved.status, moved.body.errors?.[0]?.field]).toEqual([400, 'location']);
      // A cancellation reason is free text for people: several lines are fine there, it goes into no mail or calendar.
      const reason = 'Candidate asked to pause.\nWill reapply in spring.';
      expect((await http().post(`/v1/interviews/${kept.body.id}/cancel`, { reason })).body.cancelReason).toBe(reason);
    });

    it('answers dates far in the past or future, odd offsets and DST-ambiguous instants without a 500', async () => {
      const app = await application();
      const slotUrl = `/v1/applications/${app.id}/interview-slots`;
      const failures: string[] = [];
      // Searching the distant past or future is pointless but harmless: a month is a month whenever it is.
      for (const [from, to] of [
        ['1000-01-01T00:00:00Z', '1000-01-31T00:00:00Z'],
        ['1969-12-20T00:00:00Z', '1970-01-10T00:00:00Z'],
        ['2038-01-10T00:00:00Z', '2038-01-25T00:00:00Z'],
        ['9999-12-01T00:00:00Z', '9999-12-31T00:00:00Z'],
        ['2027-03-14T01:00:00-08:00', '2027-03-14T05:00:00-07:00'],
        ['2027-11-07T01:30:00-07:00', '2027-11-07T01:30:00-08:00'],
        ['2027-03-10T09:00:00+14:00', '2027-03-10T09:00:00-12:00'],
      ]) {
        const res = await http().post(slotUrl, { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id] });
        if (res.status !== 200) failures.push(`slots ${from}..${to}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      // Refused as input: years before 100 (which Date.UTC would read as 19xx), no offset, days and hours that do not exist.
      for (const from of [
        '0000-01-01T00:00:00Z',
        '0001-01-01T00:00:00Z',
        '2027-03-10T09:00:00',
        '2027-03-10',
        '+010000-01-01T00:00:00Z',
        '2027-02-29T00:00:00Z',
        '2027-13-01T00:00:00Z',
        '2027-03-10T25:00:00Z',
      ]) {
        const res = await http().post(slotUrl, { from, to: '2027-03-20T00:00:00Z', durationMinutes: 60, interviewerIds: [iv.a1.id] });
        if (![400, 422].includes(res.status) || !isProblem(res)) failures.push(`slots from ${from}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      for (const start of [
        '0001-01-01T00:00:00Z',
        '9999-12-31T23:00:00Z',
        new Date(Date.now() + 366 * DAY).toISOString(),
        new Date(Date.now() - 1000).toISOString(),
      ]) {
        const res = await http().post(`/v1/applications/${app.id}/interviews`, { ...scheduleBody(new Date(), [iv.a1.id]), start });
        if (![400, 422].includes(res.status) || !isProblem(res)) failures.push(`schedule at ${start}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      for (const [start, end] of [
        ['0001-01-01T00:00:00Z', '0001-01-02T00:00:00Z'],
        ['9999-12-30T00:00:00Z', '9999-12-31T00:00:00Z'],
        [new Date(Date.now() + DAY).toISOString(), new Date(Date.now() + 62 * DAY).toISOString()],
      ]) {
        const res = await http().post(`/v1/interviewers/${iv.a1.id}/blocks`, { start, end });
        if (![400, 422].includes(res.status) || !isProblem(res)) failures.push(`block ${start}..${end}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      for (const [path, status] of [
        ['/v1/me/interviews?after=0001-01-01T00:00:00Z', 400],
        ['/v1/me/interviews?after=1000-01-01T00:00:00Z', 200],
        ['/v1/me/interviews?after=9999-12-31T23:59:59Z', 200],
        [`/v1/interviewers/${iv.a1.id}/blocks?after=1000-01-01T00:00:00Z`, 200],
        [`/v1/interviewers/${iv.a1.id}/blocks?after=9999-12-31T23:59:59Z`, 200],
      ] as const) {
        const res = await http().get(path);
        if (res.status !== status) failures.push(`GET ${path}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      expect(failures).toEqual([]);

      // 01:30 on the day US daylight time ends happens twice in Los Angeles: two instants an hour apart, two interviews.
      const fallBack = nextFallBack();
      const pdt = DateTime.fromISO(`${fallBack}T01:30:00-07:00`).toJSDate();
      const pst = DateTime.fromISO(`${fallBack}T01:30:00-08:00`).toJSDate();
      const first = await http().post(`/v1/applications/${app.id}/interviews`, {
        ...scheduleBody(pdt, [iv.a1.id]),
        start: `${fallBack}T01:30:00-07:00`,
        durationMinutes: 30,
      });
      const second = await http().post(`/v1/applications/${app.id}/interviews`, {
        ...scheduleBody(pst, [iv.a1.id]),
        start: `${fallBack}T01:30:00-08:00`,
        durationMinutes: 30,
      });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(new Date(second.body.start).getTime() - new Date(first.body.start).getTime()).toBe(HOUR);
      expect([first.body.candidateLocalStart, second.body.candidateLocalStart]).toEqual([`${fallBack}T01:30:00-07:00`, `${fallBack}T01:30:00-08:00`]);
      // An hour-long one at the first 01:30 overlaps the second.
      const third = await http().post(`/v1/applications/${app.id}/interviews`, scheduleBody(pdt, [iv.a2.id]));
      expect([third.status, third.body.code]).toEqual([409, 'candidate_busy']);
      // The slot search over the repeated hour offers each real instant once, on the UTC grid.
      const around = await http().post(slotUrl, {
        from: `${fallBack}T00:00:00-07:00`,
        to: `${fallBack}T04:00:00-08:00`,
        durationMinutes: 30,
        interviewerIds: [iv.a3.id],
        candidateWorkingHours: ALL_DAY,
        limit: 100,
        maxStretchMinutes: 240,
      });
      expect(around.status).toBe(200);
      const starts: string[] = around.body.slots.map((s: { start: string }) => s.start);
      expect(new Set(starts).size).toBe(starts.length);
      expect(starts.every((s) => new Date(s).getTime() % (15 * 60_000) === 0)).toBe(true);
    });

    it('stays bounded and correct with 10,000 blocked times and 20 interviewers over 31 days', async () => {
      const wide = { timeZone: 'UTC', workingHours: ALL_DAY, holidayCalendars: [] };
      const crowded = await interviewer('attack-crowded', [tf.a], wide);
      const others: User[] = [];
      for (let i = 0; i < 19; i++) others.push(await interviewer(`attack-wide-${i}`, [tf.a], wide));
      const app = await application(tf.a, opening.a, { timeZone: 'UTC' });
      const from = new Date(Math.ceil((Date.now() + 60 * DAY) / DAY) * DAY);
      const to = new Date(from.getTime() + 31 * DAY);
      // 10,000 one-minute blocks spread over the range and a day either side: every hour holds a dozen.
      const every = Math.floor((to.getTime() - from.getTime() + 2 * DAY) / 10_000 / 1000);
      await suite.db.query(
        `INSERT INTO interviewer_blocks (id, user_id, starts_at, ends_at)
         SELECT gen_random_uuid(), $1, $2::timestamptz + k * $3::int * interval '1 second', $2::timestamptz + k * $3::int * interval '1 second' + interval '1 minute'
           FROM generate_series(0, 9999) k`,
        [crowded.id, new Date(from.getTime() - DAY), every],
      );
      expect(
        (
          await http().post(
            `/v1/interviewers/${crowded.id}/blocks`,
            { start: from.toISOString(), end: new Date(from.getTime() + HOUR).toISOString() },
            as(crowded),
          )
        ).status,
      ).toBe(201);
      // One of the others has 500 hour-long blocks, every 90 minutes.
      await suite.db.query(
        `INSERT INTO interviewer_blocks (id, user_id, starts_at, ends_at)
         SELECT gen_random_uuid(), $1, $2::timestamptz + k * interval '90 minutes', $2::timestamptz + k * interval '90 minutes' + interval '1 hour' FROM generate_series(0, 499) k`,
        [others[0].id, from],
      );
      const url = `/v1/applications/${app.id}/interview-slots`;
      const query = {
        from: from.toISOString(),
        to: to.toISOString(),
        durationMinutes: 60,
        candidateWorkingHours: ALL_DAY,
        candidateHolidayCalendars: [],
        limit: 100,
      };

      // Alone, the crowded interviewer has no free hour anywhere in the month.
      const alone = await http().post(url, { ...query, interviewerIds: [crowded.id] });
      expect(alone.status).toBe(200);
      expect(alone.body.slots).toEqual([]);
      expect(alone.body.daysWithoutSlot).toHaveLength(31);
      expect(alone.body.daysWithoutSlot.every((d: { reasons: { code: string }[] }) => d.reasons.some((r) => r.code === 'busy'))).toBe(true);

      // With 19 more, three at a time: never the crowded one, never someone inside a blocked time.
      const panel = await http().post(url, { ...query, interviewerIds: [crowded.id, ...others.map((o) => o.id)], interviewersNeeded: 3 });
      expect(panel.status).toBe(200);
      expect(panel.body.slots).toHaveLength(100);
      const blocks = await suite.db.query<{ user_id: string; starts_at: Date; ends_at: Date }>(
        `SELECT user_id, starts_at, ends_at FROM interviewer_blocks WHERE user_id = ANY($1::uuid[])`,
        [[crowded.id, others[0].id]],
      );
      for (const slot of panel.body.slots as { start: string; end: string; participants: { id: string; kind: string }[] }[]) {
        const [s, e] = [new Date(slot.start), new Date(slot.end)];
        expect(s >= from && e <= to).toBe(true);
        const chosen = slot.participants.filter((p) => p.kind === 'interviewer').map((p) => p.id);
        expect(chosen).toHaveLength(3);
        expect(chosen).not.toContain(crowded.id);
        expect(blocks.filter((b) => chosen.includes(b.user_id) && b.starts_at < e && b.ends_at > s)).toEqual([]);
      }
    });
  });

  describe('races', () => {
    it('refuses a stale expectedVersion and serializes concurrent reschedules of one interview', async () => {
      const app = await application();
      const interview = await ok(schedule(app, freshHour(), [iv.a1.id, iv.a2.id]));
      const targets = [freshHour(), freshHour(), freshHour(), freshHour()];
      const versioned = await Promise.all(
        targets.map((t) => http().patch(`/v1/interviews/${interview.id}`, { start: t.toISOString(), expectedVersion: interview.version })),
      );
      expect(versioned.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
      expect(versioned.filter((r) => r.status === 409).every((r) => r.body.code === 'stale_version' && r.body.currentVersion === interview.version + 1)).toBe(
        true,
      );
      const free = await Promise.all(targets.map((t) => http().patch(`/v1/interviews/${interview.id}`, { start: t.toISOString() })));
      expect(free.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      const final = (await http().get(`/v1/interviews/${interview.id}`)).body;
      // Each move that changed the time took a sequence of its own, one after the other; the last one stands, panel and all.
      const sequences = free.map((r) => r.body.sequence as number);
      expect(final.sequence).toBe(Math.max(...sequences));
      expect(targets.map((t) => t.toISOString())).toContain(final.start);
      expect(await doubleBookings()).toEqual([]);
      const requests = await suite.db.query<{ n: number }>(
        `SELECT count(DISTINCT sequence)::int AS n FROM interview_mails WHERE interview_id = $1 AND kind = 'request'`,
        [interview.id],
      );
      expect(requests[0].n).toBe(final.sequence + 1);
      const person = await interviewer('attack-versioned', [tf.a]);
      const read = (await http().get(`/v1/interviewers/${person.id}`)).body.version;
      const writes = await Promise.all([tf.a, tf.b].map((t) => http().put(`/v1/interviewers/${person.id}`, { ...profile([t]), expectedVersion: read })));
      expect(writes.map((w) => w.status).sort()).toEqual([200, 409]);
      expect(writes.find((w) => w.status === 409)!.body).toMatchObject({ code: 'stale_version', currentVersion: read + 1 });
    });

    it('never double-books an interviewer when reschedules swap two interviews or a schedule races a cancel', async () => {
      const failures: string[] = [];
      const pairs = await Promise.all(
        Array.from({ length: 6 }, async (_, k) => {
          const who = await interviewer(`attack-swap-${k}`, [tf.a]);
          const [t1, t2] = [freshHour(), freshHour()];
          const x = await ok(schedule(await application(), t1, [who.id]));
          const y = await ok(schedule(await application(), t2, [who.id]));
          return { who, x, y, t1, t2 };
        }),
      );
      const swaps = await Promise.all(
        pairs.flatMap(({ x, y, t1, t2 }) => [
          http().patch(`/v1/interviews/${x.id}`, { start: t2.toISOString() }),
          http().patch(`/v1/interviews/${y.id}`, { start: t1.toISOString() }),
        ]),
      );
      for (const s of swaps)
        if (![200, 409].includes(s.status) || (s.status === 409 && s.body.code !== 'interviewer_busy'))
          failures.push(`swap: ${s.status} ${s.text.slice(0, 160)}`);
      // A schedule racing the cancellation of the interview holding the hour: 201 if the cancel came first, else 409.
      const races = await Promise.all(
        pairs.map(async ({ who, x }) => {
          const current = (await http().get(`/v1/interviews/${x.id}`)).body;
          const other = await application();
          return Promise.all([
            http().post(`/v1/interviews/${x.id}/cancel`, { reason: 'moved' }),
            http().post(`/v1/applications/${other.id}/interviews`, scheduleBody(new Date(current.start), [who.id])),
          ]);
        }),
      );
      for (const [cancel, scheduled] of races) {
        if (cancel.status !== 200) failures.push(`cancel: ${cancel.status} ${cancel.text.slice(0, 160)}`);
        if (![201, 409].includes(scheduled.status)) failures.push(`schedule: ${scheduled.status} ${scheduled.text.slice(0, 160)}`);
      }
      expect(failures).toEqual([]);
      expect(await doubleBookings()).toEqual([]);
    });

    it('gives one of two schedules released at once a 409, not a deadlock answered with 500', async () => {
      const who = await interviewer('attack-deadlock', [tf.a]);
      const start = freshHour();
      const holder = await holdPanel(await application(), who.id, start);
      let answers: HttpResult[];
      try {
        const racing = Promise.all([await application(), await application()].map((a) => schedule(a, start, [who.id])));
        await waitFor(async () => (await lockWaiters()) >= 2);
        await holder.release();
        answers = await racing;
      } finally {
        await holder.release().catch(() => undefined);
      }
      expect(answers.map((r) => [r.status, r.body.code]).sort()).toEqual([
        [201, undefined],
        [409, 'interviewer_busy'],
      ]);
      expect(await doubleBookings()).toEqual([]);
    });

    it('leaves no interview ahead on an application rejected while the interview was being scheduled', async () => {
      const app = await application();
      const start = freshHour();
      // A slow schedule: it has read the application (open) and waits on the interviewer's calendar.
      const holder = await holdPanel(await application(), iv.a3.id, start);
      let scheduled: HttpResult | undefined;
      let rejected: HttpResult | undefined;
      try {
        const scheduling = schedule(app, start, [iv.a3.id], {}, rA.token);
        await waitFor(async () => (await lockWaiters()) >= 1);
        let done = false;
        const rejecting = http()
          .post(`/v1/applications/${app.id}/transitions`, { to: 'rejected', reason: 'not_qualified' }, as(rA))
          .finally(() => (done = true));
        await waitFor(async () => done || (await lockWaiters()) >= 2);
        await holder.release();
        [scheduled, rejected] = await Promise.all([scheduling, rejecting]);
      } finally {
        await holder.release().catch(() => undefined);
      }
      expect(rejected.status).toBe(200);
      expect([201, 422]).toContain(scheduled.status);
      const ahead = await suite.db.query(`SELECT id FROM interviews WHERE application_id = $1 AND status = 'scheduled' AND ends_at > now()`, [app.id]);
      expect(ahead).toEqual([]);
      if (scheduled.status === 201) {
        expect((await http().get(`/v1/interviews/${scheduled.body.id}`)).body).toMatchObject({ status: 'cancelled', cancelReason: 'application_rejected' });
      }
      expect(await doubleBookings()).toEqual([]);
    });

    it('leaves no interview ahead for a person erased while the interview was being scheduled, and schedules none after', async () => {
      const app = await application();
      const start = freshHour();
      const holder = await holdPanel(await application(), iv.a3.id, start);
      let scheduled: HttpResult | undefined;
      let erased: HttpResult | undefined;
      try {
        const scheduling = schedule(app, start, [iv.a3.id]);
        await waitFor(async () => (await lockWaiters()) >= 1);
        let done = false;
        const erasing = http()
          .delete(`/v1/candidates/${app.candidateId}`)
          .finally(() => (done = true));
        await waitFor(async () => done || (await lockWaiters()) >= 2);
        await holder.release();
        [scheduled, erased] = await Promise.all([scheduling, erasing]);
      } finally {
        await holder.release().catch(() => undefined);
      }
      expect(erased.status).toBe(204);
      expect([201, 422]).toContain(scheduled.status);
      expect(await suite.db.query(`SELECT id FROM interviews WHERE application_id = $1 AND status = 'scheduled' AND ends_at > now()`, [app.id])).toEqual([]);
      // The application is still open (pipeline counts add up), but takes no interview for an erased person.
      const after = await schedule(app, freshHour(), [iv.a3.id]);
      expect([after.status, after.body.code]).toEqual([422, 'candidate_erased']);
    });

    it('moves no interview of a closed application into the future', async () => {
      const app = await application();
      // An interview that already took place (written as the scheduler would have, back then).
      const [{ id }] = await suite.db.query<{ id: string }>(
        `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, kind, starts_at, ends_at, candidate_time_zone, status, attributes, created_by, created_at, updated_at)
         SELECT gen_random_uuid(), a.id, a.candidate_id, a.task_force_id, 'technical', now() - interval '3 hours', now() - interval '2 hours', 'UTC', 'scheduled', '{coding}', $2, now(), now()
           FROM applications a WHERE a.id = $1 RETURNING id`,
        [app.id, rA.id],
      );
      await suite.db.query(
        `INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT id, $2, starts_at, ends_at, true FROM interviews WHERE id = $1`,
        [id, iv.a1.id],
      );
      await ok(http().post(`/v1/applications/${app.id}/transitions`, { to: 'withdrawn', reason: 'not_interested' }));
      // The past interview stays as it was (it happened); it cannot be brought back ahead.
      expect((await http().get(`/v1/interviews/${id}`)).body.status).toBe('scheduled');
      const moved = await http().patch(`/v1/interviews/${id}`, { start: freshHour().toISOString() });
      expect([moved.status, moved.body.code]).toEqual([422, 'application_closed']);
      expect(await suite.db.query(`SELECT 1 FROM interviews WHERE application_id = $1 AND ends_at > now()`, [app.id])).toEqual([]);
      // A cancellation of it is still possible.
      expect((await http().post(`/v1/interviews/${id}/cancel`, { reason: 'did not happen' })).status).toBe(200);
    });
  });

  describe('erasure', () => {
    const PERSON = { fullName: 'Quorra Vantablack', emails: ['quorra.vantablack@qvhome.example'], phone: '+1 650 555 0142', timeZone: 'America/Denver' };
    const TRACES = ['quorra', 'vantablack', 'qvhome', '555 0142', 'qv-room', 'qv-reason', 'qv-notes'];

    it('leaves nothing of the person in the interview tables but ids, and sends the person nothing more', async () => {
      const app = await application(tf.a, opening.a, PERSON);
      const key = (label: string) => ({ headers: { 'idempotency-key': `${label}-${randomUUID()}` } });
      const ahead = await http().post(
        `/v1/applications/${app.id}/interviews`,
        scheduleBody(freshHour(), [iv.a1.id, iv.a2.id], { location: 'QV-Room: Quorra’s home office' }),
        key('schedule'),
      );
      expect(ahead.status).toBe(201);
      expect(ahead.body.candidateTimeZone).toBe('America/Denver');
      const dropped = await ok(http().post(`/v1/applications/${app.id}/interviews`, scheduleBody(freshHour(), [iv.a3.id], { location: 'QV-Room 2' })));
      expect((await http().post(`/v1/interviews/${dropped.id}/cancel`, { reason: 'QV-reason: Quorra is in hospital' }, key('cancel'))).status).toBe(200);
      const search = await http().post(
        `/v1/applications/${app.id}/interview-slots`,
        { from: freshHour().toISOString(), to: new Date(freshHour().getTime() + DAY).toISOString(), durationMinutes: 60, interviewerIds: [iv.a1.id] },
        key('slots'),
      );
      expect(search.status).toBe(200);
      // A past interview with a scorecard.
      const [{ id: past }] = await suite.db.query<{ id: string }>(
        `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, kind, starts_at, ends_at, candidate_time_zone, status, location, attributes, created_by, created_at, updated_at)
         SELECT gen_random_uuid(), a.id, a.candidate_id, a.task_force_id, 'technical', now() - interval '3 hours', now() - interval '2 hours', 'America/Denver', 'scheduled',
                'QV-Room 3', '{coding}', $2, now(), now() FROM applications a WHERE a.id = $1 RETURNING id`,
        [app.id, rA.id],
      );
      await suite.db.query(
        `INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) SELECT id, $2, starts_at, ends_at, true FROM interviews WHERE id = $1`,
        [past, iv.a3.id],
      );
      expect(
        (
          await http().post(
            `/v1/interviews/${past}/scorecards`,
            { ratings: [{ attribute: 'coding', rating: 4 }], recommendation: 'yes', notes: 'QV-notes: Quorra shone' },
            { ...as(iv.a3), ...key('card') },
          )
        ).status,
      ).toBe(201);
      expect((await tracesInDatabase(suite.db, TRACES)).length).toBeGreaterThan(0);

      expect((await http().delete(`/v1/candidates/${app.candidateId}`)).status).toBe(204);

      expect(await tracesInDatabase(suite.db, TRACES)).toEqual([]);
      const rows = await suite.db.query<{ id: string; status: string; location: string | null; candidate_time_zone: string; cancel_reason: string | null }>(
        `SELECT id, status, location, candidate_time_zone, cancel_reason FROM interviews WHERE application_id = $1 ORDER BY starts_at`,
        [app.id],
      );
      expect(rows.every((r) => r.location === null && r.candidate_time_zone === 'UTC')).toBe(true);
      expect(rows.find((r) => r.id === ahead.body.id)).toMatchObject({ status: 'cancelled', cancel_reason: 'candidate_erased' });
      expect(rows.find((r) => r.id === dropped.id)).toMatchObject({ status: 'cancelled', cancel_reason: null });
      expect(rows.find((r) => r.id === past)).toMatchObject({ status: 'scheduled' });
      // Mails: nothing pending for the person; the panel still learns of the cancellation.
      const mails = await suite.db.query<{ recipient_user_id: string | null; kind: string; status: string }>(
        `SELECT m.recipient_user_id, m.kind, m.status FROM interview_mails m JOIN interviews i ON i.id = m.interview_id WHERE i.application_id = $1`,
        [app.id],
      );
      expect(mails.filter((m) => m.recipient_user_id === null && m.status === 'pending')).toEqual([]);
      expect(
        mails
          .filter((m) => m.recipient_user_id !== null && m.kind === 'cancel' && m.status === 'pending')
          .map((m) => m.recipient_user_id)
          .sort(),
      ).toEqual([iv.a1.id, iv.a2.id, iv.a3.id].sort());
      expect(await suite.db.query(`SELECT notes FROM scorecards WHERE application_id = $1`, [app.id])).toEqual([{ notes: null }]);
      // The views answer with what is left.
      const view = (await http().get(`/v1/interviews/${ahead.body.id}`)).body;
      expect(view).toMatchObject({ location: null, candidateTimeZone: 'UTC', status: 'cancelled' });
    });
    describe('logs', () => {
      let api: BuiltProcess;
      beforeAll(async () => {
        api = await spawnApiProcess(suite.config);
      });
      afterAll(async () => {
        await api?.stop();
      });

      it("logs nothing personal of an interview's candidate, whatever the requests and their refusals", async () => {
        const client = new HttpClient(api.url);
        const person = { ...PERSON, fullName: 'Quorra Logtrace', emails: ['quorra.logtrace@qvhome.example'], phone: '+1 650 555 0143' };
        const c = await client.post('/v1/candidates', person, { token: ADMIN_TOKEN });
        expect(c.status).toBe(201);
        const app = (await client.post('/v1/applications', { candidateId: c.body.id, taskForceId: tf.a }, { token: ADMIN_TOKEN })).body;
        const url = `/v1/applications/${app.id}/interviews`;
        const start = freshHour();
        const made = await client.post(url, scheduleBody(start, [iv.a1.id], { location: 'QV-Room: Quorra’s place' }), { token: ADMIN_TOKEN });
        expect(made.status).toBe(201);
        const refusals = [
          await client.post(url, scheduleBody(start, [iv.a1.id], { location: 'QV-Room again' }), { token: ADMIN_TOKEN }),
          await client.post(url, scheduleBody(freshHour(), [iv.a1.id], { location: 'QV-Room\r\nQuorra' }), { token: ADMIN_TOKEN }),
          await client.post(url, scheduleBody(freshHour(), [c.body.id], { location: 'QV-Room Quorra' }), { token: ADMIN_TOKEN }),
          await client.patch(`/v1/interviews/${made.body.id}`, { location: 'QV-Room Quorra', expectedVersion: 99 }, { token: ADMIN_TOKEN }),
          await client.post(
            `/v1/interviews/${made.body.id}/scorecards`,
            { ratings: [], recommendation: 'yes', notes: 'QV-notes Quorra' },
            { token: ADMIN_TOKEN },
          ),
        ];
        expect(refusals.map((r) => r.status)).toEqual([409, 400, 422, 409, 403]);
        expect(
          (await client.post(`/v1/interviews/${made.body.id}/cancel`, { reason: 'QV-reason: Quorra moved to Tiburon' }, { token: ADMIN_TOKEN })).status,
        ).toBe(200);
        expect((await client.delete(`/v1/candidates/${c.body.id}`, { token: ADMIN_TOKEN })).status).toBe(204);
        const lines = await waitFor(async () => {
          const all = api.logLines();
          return all.some((l) => l.includes(`/v1/candidates/${c.body.id}`)) ? all : undefined;
        });
        const text = lines.join('\n').toLowerCase();
        expect([...TRACES, 'logtrace', '555 0143', 'tiburon'].filter((trace) => text.includes(trace))).toEqual([]);
        expect(lines.some((l) => l.includes(made.body.id))).toBe(true);
      });
    });
  });

  describe('errors', () => {
    it('answers every malformed interview request with a problem (400, 403, 404, 409 or 422), never a 500', async () => {
      const app = await application();
      const interview = await ok(schedule(app, freshHour(), [iv.a1.id, iv.a2.id]));
      const from = freshHour().toISOString();
      const to = new Date(freshHour().getTime() + DAY).toISOString();
      const junk: unknown[] = [
        null,
        [],
        'text',
        42,
        true,
        { x: 1 },
        { from: 1, to: true },
        { start: null },
        { interviewerIds: 'x' },
        { interviewerIds: [null] },
      ];
      const routes: [string, string, unknown[]][] = [
        [
          'POST',
          `/v1/applications/${app.id}/interview-slots`,
          [
            ...junk,
            { from, to, planStep: 1.5 },
            { from, to, planStep: 1e308 },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateWorkingHours: { mon: { start: '24:00', end: '24:00' } } },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateWorkingHours: { funday: { start: '09:00', end: '10:00' } } },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateWorkingHours: { mon: null } },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateWorkingHours: { mon: { start: '18:00', end: '09:00' } } },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateAvailability: [{ start: from, end: from }] },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateAvailability: [null] },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateHolidayCalendars: ['CN', 'CN'] },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], candidateTimeZone: 'Etc/GMT+14' },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], maxStretchMinutes: -1 },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], limit: 0 },
            { from, to, durationMinutes: 60, interviewerIds: [iv.a1.id], interviewersNeeded: 0 },
            { from, to: from, durationMinutes: 60, interviewerIds: [iv.a1.id] },
            { from, to: new Date(new Date(from).getTime() + 10 * 60_000).toISOString(), durationMinutes: 60, interviewerIds: [iv.a1.id] },
            { planStep: 1, from, to, interviewerIds: [iv.a1.id], interviewersNeeded: 5 },
          ],
        ],
        [
          'POST',
          `/v1/applications/${app.id}/interviews`,
          [
            ...junk,
            { ...scheduleBody(freshHour(), [iv.a1.id]), durationMinutes: 479.5 },
            { ...scheduleBody(freshHour(), [iv.a1.id]), durationMinutes: 481 },
            { ...scheduleBody(freshHour(), [iv.a1.id]), start: '2027-02-30T10:00:00Z' },
            { ...scheduleBody(freshHour(), [iv.a1.id]), kind: undefined, planStep: 7 },
            { ...scheduleBody(freshHour(), [iv.a1.id]), candidateTimeZone: 'Mars/Olympus' },
            { ...scheduleBody(freshHour(), [iv.a1.id]), location: '' },
            { ...scheduleBody(freshHour(), [iv.a1.id]), location: null },
            { ...scheduleBody(freshHour(), [iv.a1.id]), attributes: [] },
            { ...scheduleBody(freshHour(), [iv.a1.id]), attributes: [42] },
          ],
        ],
        [
          'PATCH',
          `/v1/interviews/${interview.id}`,
          [
            ...junk,
            {},
            { expectedVersion: 0 },
            { expectedVersion: 2 ** 53 },
            { interviewerIds: [] },
            { interviewerIds: [iv.a1.id] },
            { interviewerIds: [iv.b1.id, iv.a1.id] },
            { durationMinutes: 14 },
            { start: '1999-01-01T00:00:00Z' },
            { location: null },
          ],
        ],
        ['POST', `/v1/interviews/${interview.id}/cancel`, [...junk, { reason: '' }, { reason: '   ' }, { reason: 'x'.repeat(501) }]],
        ['POST', `/v1/interviews/${interview.id}/scorecards`, [...junk, { ratings: [{ attribute: 'coding', rating: 3 }], recommendation: 'yes' }]],
        [
          'PUT',
          `/v1/openings/${opening.b}/interview-plan`,
          [...junk, { steps: [null] }, { steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 3, pool: [iv.b1.id], attributes: ['x'] }] }],
        ],
        [
          'PUT',
          `/v1/interviewers/${iv.b1.id}`,
          [
            ...junk,
            profile([tf.b], { workingHours: { mon: null } }),
            profile([tf.b], { workingHours: [] }),
            profile([tf.b], { expectedVersion: 2 ** 31 }),
            profile([]),
          ],
        ],
        ['POST', `/v1/interviewers/${iv.b1.id}/blocks`, [...junk, { start: from, end: from }, { start: to, end: from }]],
      ];
      const failures: string[] = [];
      for (const [method, path, bodies] of routes) {
        for (const body of bodies) {
          const res = await http().request<ResponseBody>(method, path, body, { rawBody: JSON.stringify(body) });
          if (![200, 201, 400, 403, 404, 409, 422].includes(res.status) || (res.status >= 400 && !isProblem(res)))
            failures.push(`${method} ${path} ${JSON.stringify(body).slice(0, 100)}: ${res.status} ${res.text.slice(0, 160)}`);
        }
      }
      for (const path of [
        '/v1/me/interviews?limit=0',
        '/v1/me/interviews?cursor=garbage',
        '/v1/me/interviews?after=yesterday',
        '/v1/interviewers?taskForceId=not-a-uuid',
        `/v1/interviewers/${iv.a1.id}/blocks?limit=1000`,
        `/v1/applications/${app.id}/interviews?status=deleted`,
        `/v1/scorecards/${interview.id}/versions?cursor=%00`,
        '/v1/interviews/00000000-0000-0000-0000-000000000000',
      ]) {
        const res = await http().get(path);
        if (![400, 404].includes(res.status) || !isProblem(res)) failures.push(`GET ${path}: ${res.status} ${res.text.slice(0, 160)}`);
      }
      expect(failures).toEqual([]);
      expect(await doubleBookings()).toEqual([]);
    });
  });
});

/** The next day, at least a day ahead, on which US daylight time ends in Los Angeles (the first Sunday of November). */
function nextFallBack(): string {
  let d = DateTime.now().setZone('America/Los_Angeles').plus({ days: 1 }).startOf('day');
  while (!(d.month === 11 && d.weekday === 7 && d.day <= 7)) d = d.plus({ days: 1 });
  return d.toISODate()!;
}
