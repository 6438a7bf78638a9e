import { randomUUID } from 'node:crypto';
import { bandBody, createUser, HttpResult, ResponseBody, taskForceBody, useApi } from './support/harness';

/**
 * Every route, called by a recruiter of task force B with the ids of task force A's data. The
 * routes come from the OpenAPI document, so a new route fails this suite until it says how it
 * is reached with another team's ids.
 */
describe('access across task forces', () => {
  const suite = useApi('access');
  const http = () => suite.api.http;
  const tag = Math.random().toString(36).slice(2, 8);

  type Ids = Record<string, string>;
  const A: Ids = {};
  const B: Ids = {};
  let rA: { id: string; token: string };
  let rB: { id: string; token: string };
  const secrets: string[] = [];
  const asB = () => ({ token: rB.token });

  const sequenceBody = (taskForceId: string) => ({
    taskForceId,
    name: `Access check ${tag} ${Math.random().toString(36).slice(2, 6)}`,
    sender: { fromName: 'Jun Wang', fromAddress: 'jun.wang@example.com' },
    steps: [{ delay: 'P1D', subject: 'Hello {{candidate.firstName}}', body: 'Hi {{candidate.firstName}}\n{{unsubscribeUrl}}' }],
    sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
  });
  const ok = async <T>(res: Promise<HttpResult<T>>, status = [200, 201]): Promise<T> => {
    const r = await res;
    if (!status.includes(r.status)) throw new Error(`set-up call answered ${r.status}: ${r.text}`);
    return r.body;
  };

  beforeAll(async () => {
    rA = await createUser(http(), 'recruiter', 'ra');
    rB = await createUser(http(), 'recruiter', 'rb');
    A.taskForce = (await ok(http().post('/v1/task-forces', taskForceBody()))).id;
    B.taskForce = (await ok(http().post('/v1/task-forces', taskForceBody()))).id;
    await ok(http().post(`/v1/task-forces/${A.taskForce}/members`, { userId: rA.id }));
    await ok(http().post(`/v1/task-forces/${B.taskForce}/members`, { userId: rB.id }));
    const asA = { token: rA.token };
    A.user = rA.id;
    A.token = (await ok(http().get(`/v1/users/${rA.id}/tokens`))).data[0].id;
    A.opening = (
      await ok(http().post(`/v1/task-forces/${A.taskForce}/openings`, { title: 'Research Scientist', skillArea: 'llm', level: 'P8', headcount: 1 }))
    ).id;
    A.email = `Mei.Lin.${tag}@Example.com`;
    A.phone = `+1 650 555 ${String(Math.floor(Math.random() * 9000) + 1000)}`;
    A.candidate = (
      await ok(http().post('/v1/candidates', { fullName: `Mei Lin ${tag}`, emails: [A.email], phone: A.phone, currentEmployer: 'OpenAI' }, asA))
    ).id;
    A.application = (await ok(http().post('/v1/applications', { candidateId: A.candidate, taskForceId: A.taskForce, openingId: A.opening }, asA))).id;
    A.note = `A's private assessment ${tag}`;
    A.noteId = (await ok(http().post(`/v1/candidates/${A.candidate}/notes`, { body: A.note, taskForceId: A.taskForce }, asA))).id;
    A.comment = `moved after call ${tag}`;
    await ok(http().post(`/v1/applications/${A.application}/transitions`, { to: 'contacted', comment: A.comment }, asA));
    A.adminCandidate = (await ok(http().post('/v1/candidates', { fullName: `Admin Made ${tag}`, emails: [`admin.made.${tag}@example.com`] }))).id;
    A.band = (await ok(http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01', level: 'P9' })))).id;
    await ok(http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-01' }));
    A.offer = (
      await ok(
        http().post(
          '/v1/offers',
          {
            applicationId: A.application,
            salaryBandId: A.band,
            base: '45000.00',
            currency: 'CNY',
            period: 'monthly',
            startDate: '2027-03-01',
            expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
          },
          asA,
        ),
      )
    ).id;
    A.sequence = (await ok(http().post('/v1/sequences', sequenceBody(A.taskForce), asA))).id;
    const enrolled = await ok(http().post(`/v1/sequences/${A.sequence}/enrollments`, { candidateIds: [A.candidate] }, asA));
    A.enrollment = enrolled.enrolled[0].enrollmentId;

    B.candidate = (await ok(http().post('/v1/candidates', { fullName: `Own Person ${tag}`, emails: [`own.${tag}@example.com`] }, asB()))).id;
    B.application = (await ok(http().post('/v1/applications', { candidateId: B.candidate, taskForceId: B.taskForce }, asB()))).id;
    B.sequence = (await ok(http().post('/v1/sequences', sequenceBody(B.taskForce), asB()))).id;
    A.suppression = randomUUID();
    await suite.db.query(`INSERT INTO bounced_addresses (id, email, detail) VALUES ($1, $2, '550 5.1.1 unknown')`, [
      A.suppression,
      `bounced.${tag}@example.com`,
    ]);
    // An interview of A's application, written as the scheduler would, with a scorecard of its panel.
    const interviewer = await createUser(http(), 'interviewer', 'ia');
    A.interview = randomUUID();
    await suite.db.query(
      `INSERT INTO interviews (id, application_id, candidate_id, task_force_id, plan_position, kind, starts_at, ends_at, candidate_time_zone, status, attributes, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 1, 'technical', now() - interval '2 hours', now() - interval '1 hour', 'America/Los_Angeles', 'scheduled', '{coding}', $5, now(), now())`,
      [A.interview, A.application, A.candidate, A.taskForce, rA.id],
    );
    await suite.db.query(
      `INSERT INTO interview_panel (interview_id, user_id, starts_at, ends_at, active) VALUES ($1, $2, now() - interval '2 hours', now() - interval '1 hour', true)`,
      [A.interview, interviewer.id],
    );
    A.scorecardNotes = `A's panel verdict ${tag}`;
    A.scorecard = (
      await ok(
        http().post(
          `/v1/interviews/${A.interview}/scorecards`,
          { ratings: [{ attribute: 'coding', rating: 4 }], recommendation: 'yes', notes: A.scorecardNotes },
          {
            token: interviewer.token,
          },
        ),
      )
    ).id;
    A.group = (await suite.db.query<{ lookalike_key: string }>(`SELECT lookalike_key FROM candidates WHERE id = $1`, [A.candidate]))[0].lookalike_key;
    // Webhooks are the admins': an endpoint filtered to A's task force and a delivery of its ping.
    await ok(http().put('/v1/webhook-settings', { allowedNetworks: ['127.0.0.1'] }));
    A.webhook = (await ok(http().post('/v1/webhooks', { url: `http://127.0.0.1:9/access-${tag}`, taskForceIds: [A.taskForce] }))).id;
    A.delivery = (await ok(http().post(`/v1/webhooks/${A.webhook}/test`), [202])).deliveryId;
    A.interviewer = (await createUser(http(), 'interviewer', 'ia')).id;
    await ok(
      http().put(`/v1/interviewers/${A.interviewer}`, {
        timeZone: 'Asia/Shanghai',
        workingHours: { mon: { start: '09:00', end: '18:00' } },
        holidayCalendars: ['CN'],
        taskForceIds: [A.taskForce],
      }),
    );
    await ok(
      http().put(`/v1/openings/${A.opening}/interview-plan`, {
        steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 1, pool: [A.interviewer], attributes: ['coding'] }],
      }),
    );
    const inAWeek = Date.now() + 7 * 86_400_000;
    A.upcoming = (
      await ok(
        http().post(`/v1/applications/${A.application}/interviews`, { planStep: 1, start: new Date(inAWeek).toISOString(), interviewerIds: [A.interviewer] }),
      )
    ).id;
    A.interviewMail = (await suite.db.query<{ id: string }>(`SELECT id FROM interview_mails WHERE interview_id = $1 ORDER BY id LIMIT 1`, [A.upcoming]))[0].id;
    A.block = (
      await ok(
        http().post(`/v1/interviewers/${A.interviewer}/blocks`, {
          start: new Date(inAWeek + 86_400_000).toISOString(),
          end: new Date(inAWeek + 90_000_000).toISOString(),
        }),
      )
    ).id;
    secrets.push(
      ...Object.entries(A)
        .filter(([k]) => k !== 'band')
        .map(([, v]) => v),
      A.email.toLowerCase(),
    );
  });

  /** What the path parameters of A's data are, by the collection they follow. */
  const pathValue = (path: string, name: string): string | undefined => {
    if (name === 'userId' && path.startsWith('/v1/interviewers/')) return A.interviewer;
    if (name === 'id') {
      const collection = path.split('/')[2];
      return (
        {
          candidates: A.candidate,
          applications: A.application,
          'task-forces': A.taskForce,
          offers: A.offer,
          sequences: A.sequence,
          enrollments: A.enrollment,
          users: A.user,
          tokens: A.token,
          'salary-bands': A.band,
          outreach: A.suppression,
          webhooks: A.webhook,
          openings: A.opening,
          interviews: A.interview,
          'interview-mails': A.interviewMail,
          scorecards: A.scorecard,
        } as Record<string, string>
      )[collection];
    }
    return (
      {
        openingId: A.opening,
        userId: A.user,
        version: '1',
        step: '1',
        action: 'withdraw',
        base: 'CNY',
        quote: 'USD',
        section: 'notes',
        group: A.group,
        deliveryId: A.delivery,
        blockId: A.block,
      } as Record<string, string>
    )[name];
  };

  /** A valid body for each writing route, so that only the scope can refuse it. */
  const bodies: Record<string, () => unknown> = {
    'PATCH /v1/candidates/{id}': () => ({ tags: ['taken-over'] }),
    'POST /v1/candidates/{id}/merge': () => ({ duplicateId: B.candidate }),
    'POST /v1/candidates/{id}/notes': () => ({ body: 'note from B' }),
    'POST /v1/applications/{id}/transitions': () => ({ to: 'rejected', reason: 'other' }),
    'POST /v1/interviews/{id}/scorecards': () => ({ ratings: [{ attribute: 'coding', rating: 1 }], recommendation: 'strong_no' }),
    'POST /v1/applications/{id}/competing-offers': () => ({ employer: 'Google DeepMind', base: '300000.00', currency: 'USD', period: 'annual' }),
    'PATCH /v1/task-forces/{id}': () => ({ headcountTarget: 1 }),
    'POST /v1/task-forces/{id}/members': () => ({ userId: rB.id }),
    'POST /v1/task-forces/{id}/openings': () => ({ title: 'Planted', skillArea: 'llm', level: 'P8', headcount: 1 }),
    'PATCH /v1/task-forces/{id}/openings/{openingId}': () => ({ headcount: 2 }),
    'PATCH /v1/offers/{id}': () => ({ base: '46000.00' }),
    'POST /v1/offers/{id}/{action}': () => ({}),
    'PATCH /v1/sequences/{id}': () => ({ name: 'renamed by B' }),
    'POST /v1/sequences/{id}/preview': () => ({ candidateId: B.candidate }),
    'POST /v1/sequences/{id}/enrollments': () => ({ candidateIds: [B.candidate] }),
    'POST /v1/enrollments/{id}/pause': () => undefined,
    'POST /v1/enrollments/{id}/resume': () => undefined,
    'POST /v1/enrollments/{id}/stop': () => undefined,
    'POST /v1/enrollments/{id}/steps/{step}/resend': () => undefined,
    'POST /v1/enrollments/{id}/steps/{step}/mark-sent': () => undefined,
    'POST /v1/interview-mails/{id}/resend': () => undefined,
    'POST /v1/interview-mails/{id}/mark-sent': () => undefined,
    'POST /v1/users/{id}/tokens': () => ({ name: 'laptop' }),
    'PATCH /v1/salary-bands/{id}': () => ({ baseMax: '99999.00' }),
    'PUT /v1/fx-rates/{base}/{quote}': () => ({ rate: '0.2', asOf: '2026-11-02' }),
    'PATCH /v1/webhooks/{id}': () => ({ url: `http://127.0.0.1:9/taken-over-${tag}` }),
    'POST /v1/webhooks/{id}/rotate-secret': () => ({}),
    'POST /v1/webhooks/{id}/test': () => undefined,
    'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver': () => undefined,
    'PUT /v1/interviewers/{userId}': () => ({ timeZone: 'UTC', workingHours: {}, holidayCalendars: [], taskForceIds: [B.taskForce] }),
    'POST /v1/interviewers/{userId}/blocks': () => ({
      start: new Date(Date.now() + 86_400_000).toISOString(),
      end: new Date(Date.now() + 90_000_000).toISOString(),
    }),
    'PUT /v1/openings/{id}/interview-plan': () => ({
      steps: [{ kind: 'technical', durationMinutes: 60, interviewersNeeded: 1, pool: [A.interviewer], attributes: ['x'] }],
    }),
    'POST /v1/applications/{id}/interview-slots': () => ({
      planStep: 1,
      from: new Date().toISOString(),
      to: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    }),
    'POST /v1/applications/{id}/interviews': () => ({
      planStep: 1,
      start: new Date(Date.now() + 20 * 86_400_000).toISOString(),
      interviewerIds: [A.interviewer],
    }),
    'PATCH /v1/interviews/{id}': () => ({ location: 'https://meet.example.com/taken-over' }),
    'POST /v1/interviews/{id}/cancel': () => ({ reason: 'taken over' }),
  };

  /** Company-wide reference data, not owned by a task force: every recruiter reads it. */
  const shared = new Set(['GET /v1/salary-bands/{id}', 'GET /v1/salary-bands/{id}/versions', 'GET /v1/salary-bands/{id}/versions/{version}']);

  /**
   * Writing routes that take another team's ids in the body, with what B sends: A's ids in every
   * field that names something, B's own where the route needs one of theirs to be accepted.
   */
  const foreignBodies: Record<string, { body: () => unknown; expect: number[] }[]> = {
    'POST /v1/applications': [
      { body: () => ({ candidateId: A.candidate, taskForceId: B.taskForce }), expect: [422] },
      { body: () => ({ candidateId: A.adminCandidate, taskForceId: B.taskForce }), expect: [422] },
      { body: () => ({ candidateId: B.candidate, taskForceId: A.taskForce }), expect: [404] },
      { body: () => ({ candidateId: B.candidate, taskForceId: B.taskForce, openingId: A.opening }), expect: [409, 422] },
    ],
    'POST /v1/offers': [
      {
        body: () => ({
          applicationId: A.application,
          salaryBandId: A.band,
          base: '45000.00',
          currency: 'CNY',
          period: 'monthly',
          startDate: '2027-03-01',
          expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
        }),
        expect: [404, 422],
      },
    ],
    'POST /v1/sequences': [{ body: () => sequenceBody(A.taskForce), expect: [404] }],
    'POST /v1/candidates': [{ body: () => ({ fullName: 'Owned elsewhere', emails: [`owned.${tag}@example.com`], ownerId: A.user }), expect: [422] }],
    'POST /v1/task-forces': [{ body: () => taskForceBody(), expect: [403] }],
    'POST /v1/users': [{ body: () => ({ email: `u.${tag}@example.com`, name: 'U', role: 'admin' }), expect: [403] }],
    'POST /v1/salary-bands': [{ body: () => bandBody({ level: 'P10' }), expect: [403] }],
    'POST /v1/webhooks': [{ body: () => ({ url: `http://127.0.0.1:9/b-${tag}`, taskForceIds: [A.taskForce] }), expect: [403] }],
  };

  /** Ids a list may be filtered by, with A's value for each. */
  const filterValue = (name: string): string | undefined =>
    (
      ({ taskForceId: A.taskForce, candidateId: A.candidate, ownerId: A.user, applicationId: A.application, sequenceId: A.sequence, userId: A.user }) as Record<
        string,
        string
      >
    )[name];

  type Operation = {
    method: string;
    path: string;
    security?: unknown[];
    parameters?: { name: string; in: string }[];
    requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  };
  let operations: Operation[] = [];
  let schemas: Record<string, { properties?: Record<string, unknown> }> = {};

  beforeAll(async () => {
    const doc = (await http().get('/docs-json', { token: null })).body;
    schemas = doc.components.schemas;
    operations = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ ...op, method: method.toUpperCase(), path })),
    );
    expect(operations.length).toBeGreaterThan(50);
  });

  /** A's data in an answer, beyond what the caller itself sent. */
  const leaks = (res: HttpResult, sent: unknown = '') =>
    secrets.filter((s) => res.text.toLowerCase().includes(s.toLowerCase()) && !JSON.stringify(sent).toLowerCase().includes(s.toLowerCase()));
  const call = (method: string, path: string, body?: unknown) => http().request<ResponseBody>(method, path, body, asB());

  it('refuses every route that names A data in its path', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => o.path.includes('{'))) {
      const key = `${op.method} ${op.path}`;
      const url = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const value = pathValue(op.path, name);
        if (!value) failures.push(`${key}: no value of A's for {${name}}; teach this suite what it names`);
        return value ?? name;
      });
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(op.method);
      if (hasBody && !(key in bodies)) {
        failures.push(`${key}: no body; add a valid one to \`bodies\``);
        continue;
      }
      const res = await call(op.method, url, hasBody ? bodies[key]() : undefined);
      if (shared.has(key)) {
        if (res.status !== 200) failures.push(`${key}: shared reference data answered ${res.status}`);
        continue;
      }
      if (![403, 404].includes(res.status)) failures.push(`${key}: answered ${res.status} ${res.text.slice(0, 200)}`);
      const leaked = leaks(res).filter((s) => !url.includes(s));
      if (leaked.length) failures.push(`${key}: answer names A's data ${leaked.join(', ')}`);
    }
    expect(failures).toEqual([]);
  });

  it('refuses A ids in bodies, and every creating route that takes ids is listed', async () => {
    const failures: string[] = [];
    for (const op of operations.filter((o) => !o.path.includes('{') && ['POST', 'PUT', 'PATCH'].includes(o.method))) {
      const key = `${op.method} ${op.path}`;
      const ref = op.requestBody?.content?.['application/json']?.schema?.$ref;
      const props = Object.keys((ref && schemas[ref.split('/').pop()!]?.properties) ?? {});
      if (!props.some((p) => /Ids?$/.test(p))) continue;
      if (!foreignBodies[key]) {
        failures.push(`${key}: takes ids (${props.filter((p) => /Ids?$/.test(p)).join(', ')}) but has no case in \`foreignBodies\``);
        continue;
      }
      for (const c of foreignBodies[key]) {
        const body = c.body();
        const res = await call(op.method, op.path, body);
        if (!c.expect.includes(res.status)) failures.push(`${key}: answered ${res.status}, expected ${c.expect.join('/')}: ${res.text.slice(0, 200)}`);
        if (leaks(res, body).length) failures.push(`${key}: answer names A's data ${leaks(res, body).join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('filters every list by A ids to nothing of A', async () => {
    const failures: string[] = [];
    const authenticated = (o: Operation) => Array.isArray(o.security) && o.security.length > 0;
    for (const op of operations.filter((o) => o.method === 'GET' && !o.path.includes('{') && o.path.startsWith('/v1/') && authenticated(o))) {
      const key = `${op.method} ${op.path}`;
      const filters = (op.parameters ?? []).filter((p) => p.in === 'query' && filterValue(p.name));
      const queries = ['', ...filters.map((f) => `${f.name}=${filterValue(f.name)}`)];
      for (const q of queries) {
        const res = await call('GET', `${op.path}${q ? `?${q}` : ''}`);
        if (![200, 403, 404].includes(res.status)) failures.push(`${key}?${q}: answered ${res.status} ${res.text.slice(0, 200)}`);
        const leaked = leaks(res).filter((s) => !q.includes(s));
        if (leaked.length) failures.push(`${key}?${q}: answer names A's data ${leaked.join(', ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers a duplicate without naming a candidate the caller cannot see', async () => {
    const created = await call('POST', '/v1/candidates', { fullName: 'Mei Lin', emails: [A.email.toUpperCase()] });
    expect(created.status).toBe(409);
    expect(created.body).toMatchObject({ code: 'duplicate_candidate', matchedOn: [{ kind: 'email' }] });
    expect(created.body.existingCandidateId).toBeUndefined();
    expect(leaks(created, A.email)).toEqual([]);

    const patched = await call('PATCH', `/v1/candidates/${B.candidate}`, { emails: [`own.${tag}@example.com`, A.email] });
    expect(patched.status).toBe(409);
    expect(patched.body.existingCandidateId).toBeUndefined();
    expect(leaks(patched, A.email)).toEqual([]);

    const imported = await http().request<ResponseBody>('POST', '/v1/candidates/import', undefined, {
      ...asB(),
      headers: { 'content-type': 'text/csv' },
      rawBody: `full_name,email\nMei Lin,${A.email}\n`,
    });
    expect(imported.status).toBe(200);
    expect(imported.body.results[0]).toMatchObject({ outcome: 'duplicate' });
    expect(leaks(imported, A.email)).toEqual([]);

    // Someone who may see the candidate is told which one it is.
    const asA = await http().post('/v1/candidates', { fullName: 'Mei Lin', emails: [A.email] }, { token: rA.token });
    expect(asA.body.existingCandidateId).toBe(A.candidate);
  });

  it('cannot reach A candidates through a chain of legal calls, and A keeps everything', async () => {
    expect((await call('POST', '/v1/applications', { candidateId: A.candidate, taskForceId: B.taskForce })).status).toBe(422);
    expect((await call('GET', `/v1/candidates/${A.candidate}`)).status).toBe(404);
    expect((await call('POST', `/v1/candidates/${B.candidate}/merge`, { duplicateId: A.candidate })).status).toBe(404);
    expect((await call('POST', `/v1/candidates/${B.candidate}/merge`, { duplicateId: A.adminCandidate })).status).toBe(404);

    const asA = { token: rA.token };
    const mine = await http().get(`/v1/candidates/${A.candidate}`, asA);
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ fullName: `Mei Lin ${tag}`, phone: A.phone, tags: [] });
    expect(mine.body.applications.map((a: { id: string }) => a.id)).toEqual([A.application]);
    expect((await http().get(`/v1/candidates/${A.candidate}/notes`, asA)).body.data.map((n: { body: string }) => n.body)).toEqual([A.note]);
    expect((await http().get(`/v1/applications/${A.application}`, asA)).body.stage).toBe('contacted');
    expect((await http().get(`/v1/task-forces/${A.taskForce}/members`, asA)).body.data.map((m: { userId: string }) => m.userId)).toEqual([rA.id]);
  });

  describe('a person in two task forces', () => {
    let shared: string;
    beforeAll(async () => {
      const asA = { token: rA.token };
      shared = (await ok(http().post('/v1/candidates', { fullName: `Shared Person ${tag}`, emails: [`shared.${tag}@example.com`] }, asA))).id;
      await ok(http().post('/v1/applications', { candidateId: shared, taskForceId: A.taskForce }, asA));
      await ok(http().post(`/v1/candidates/${shared}/notes`, { body: `A only ${tag}`, taskForceId: A.taskForce }, asA));
      await ok(http().post(`/v1/candidates/${shared}/notes`, { body: `rA's own ${tag}` }, asA));
      // Only an admin puts someone another team holds into a pipeline; that is audited.
      await ok(http().post('/v1/applications', { candidateId: shared, taskForceId: B.taskForce }));
    });

    it("shows B only what is B's: its applications, its notes, its part of the export", async () => {
      const view = await call('GET', `/v1/candidates/${shared}`);
      expect(view.status).toBe(200);
      expect(view.body.applications.map((a: { taskForceId: string }) => a.taskForceId)).toEqual([B.taskForce]);
      const note = await call('POST', `/v1/candidates/${shared}/notes`, { body: `B's view ${tag}`, taskForceId: B.taskForce });
      expect(note.status).toBe(201);
      expect((await call('GET', `/v1/candidates/${shared}/notes`)).body.data.map((n: { body: string }) => n.body)).toEqual([`B's view ${tag}`]);
      expect((await http().get(`/v1/candidates/${shared}/notes`, { token: rA.token })).body.data.map((n: { body: string }) => n.body)).toEqual([
        `A only ${tag}`,
        `rA's own ${tag}`,
      ]);
      const exported = await call('GET', `/v1/candidates/${shared}/export`);
      expect(exported.status).toBe(200);
      expect(exported.body.applications.map((a: { taskForceId: string }) => a.taskForceId)).toEqual([B.taskForce]);
      expect(exported.body.notes.map((n: { body: string }) => n.body)).toEqual([`B's view ${tag}`]);
      expect(exported.body.auditTrail.every((e: { actorId: string }) => e.actorId === rB.id)).toBe(true);
      expect(exported.text).not.toContain(A.taskForce);
      for (const section of ['notes', 'applications', 'auditTrail']) {
        const page = await call('GET', `/v1/candidates/${shared}/export/${section}?limit=200`);
        // Each page is audited too, so the trail grows by the pages read so far.
        expect(page.body.data.slice(0, exported.body[section].length)).toEqual(exported.body[section]);
        expect(page.body.data.slice(exported.body[section].length).every((e: { actorId: string }) => e.actorId === rB.id)).toBe(true);
      }
      const all = await http().get(`/v1/candidates/${shared}/export`);
      expect(all.body.applications).toHaveLength(2);
      expect(all.body.auditTrail.map((e: { action: string }) => e.action)).toContain('application.created');
    });

    it("refuses B a note for A, the owner's seat, and a merge that moves A's pipeline", async () => {
      expect((await call('POST', `/v1/candidates/${shared}/notes`, { body: 'planted', taskForceId: A.taskForce })).body.code).toBe('unknown_task_force');
      const owner = await call('PATCH', `/v1/candidates/${shared}`, { ownerId: rB.id });
      expect(owner.status).toBe(403);
      expect((await call('DELETE', `/v1/candidates/${shared}`)).status).toBe(403);
      const merge = await call('POST', `/v1/candidates/${B.candidate}/merge`, { duplicateId: shared });
      expect(merge.status).toBe(403);
      expect(merge.body.code).toBe('merge_requires_admin');
      expect((await http().get(`/v1/candidates/${shared}`, { token: rA.token })).status).toBe(200);
    });
  });
});
