import { createUser, taskForceBody, useApi } from './support/harness';

describe('task forces, members and openings', () => {
  const suite = useApi('taskforces');

  it('creates, reads and changes a task force with computed headcount', async () => {
    const created = await suite.api.http.post(
      '/v1/task-forces',
      taskForceBody({ name: 'Alibaba Sunnyvale / Accio', company: 'Alibaba', headcountTarget: 12, focusAreas: ['search', 'llm'] }),
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Alibaba Sunnyvale / Accio',
      status: 'active',
      headcountTarget: 12,
      hiredCount: 0,
      openHeadcount: 12,
      focusAreas: ['search', 'llm'],
    });

    const patched = await suite.api.http.patch(`/v1/task-forces/${created.body.id}`, { status: 'paused', targetEmployers: ['OpenAI', 'Anthropic'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ status: 'paused', targetEmployers: ['OpenAI', 'Anthropic'], name: 'Alibaba Sunnyvale / Accio' });
    expect(new Date(patched.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(created.body.updatedAt).getTime());

    const read = await suite.api.http.get(`/v1/task-forces/${created.body.id}`);
    expect(read.body).toEqual(patched.body);
  });

  it('refuses a second task force with the same name (any case) with 409', async () => {
    const body = taskForceBody();
    expect((await suite.api.http.post('/v1/task-forces', body)).status).toBe(201);
    const dup = await suite.api.http.post('/v1/task-forces', { ...body, name: body.name.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('task_force_name_taken');
  });

  it('scopes recruiters to their task forces: others are 404, not 403', async () => {
    const mine = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const other = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const recruiter = await createUser(suite.api.http, 'recruiter');
    const add = await suite.api.http.post(`/v1/task-forces/${mine.id}/members`, { userId: recruiter.id });
    expect(add.status).toBe(201);
    expect(add.body).toMatchObject({ userId: recruiter.id, role: 'recruiter' });
    const as = { token: recruiter.token };

    const list = await suite.api.http.get('/v1/task-forces?limit=200', as);
    expect(list.body.data.map((t: { id: string }) => t.id)).toEqual([mine.id]);
    expect((await suite.api.http.get(`/v1/task-forces/${mine.id}`, as)).status).toBe(200);
    for (const res of [
      await suite.api.http.get(`/v1/task-forces/${other.id}`, as),
      await suite.api.http.patch(`/v1/task-forces/${other.id}`, { status: 'closed' }, as),
      await suite.api.http.get(`/v1/task-forces/${other.id}/openings`, as),
      await suite.api.http.get(`/v1/task-forces/${other.id}/members`, as),
      await suite.api.http.post(`/v1/task-forces/${other.id}/openings`, { title: 't', skillArea: 'llm', level: 'P7', headcount: 1 }, as),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('task_force_not_found');
    }
    // Inside their own task force a recruiter reads but does not administer.
    expect((await suite.api.http.patch(`/v1/task-forces/${mine.id}`, { status: 'closed' }, as)).status).toBe(403);

    const removed = await suite.api.http.delete(`/v1/task-forces/${mine.id}/members/${recruiter.id}`);
    expect(removed.status).toBe(204);
    expect((await suite.api.http.get(`/v1/task-forces/${mine.id}`, as)).status).toBe(404);
    expect((await suite.api.http.delete(`/v1/task-forces/${mine.id}/members/${recruiter.id}`)).status).toBe(404);
  });

  it('refuses duplicate and unknown members', async () => {
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const recruiter = await createUser(suite.api.http, 'recruiter');
    expect((await suite.api.http.post(`/v1/task-forces/${tf.id}/members`, { userId: recruiter.id })).status).toBe(201);
    const again = await suite.api.http.post(`/v1/task-forces/${tf.id}/members`, { userId: recruiter.id });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_member');
    const ghost = await suite.api.http.post(`/v1/task-forces/${tf.id}/members`, { userId: '01890a5d-ac96-774b-bcce-b302099a8057' });
    expect(ghost.status).toBe(422);
    expect(ghost.body.code).toBe('unknown_user');
    const members = await suite.api.http.get(`/v1/task-forces/${tf.id}/members`);
    expect(members.body.data.map((m: { userId: string }) => m.userId)).toEqual([recruiter.id]);
    const second = await createUser(suite.api.http, 'recruiter');
    await suite.api.http.post(`/v1/task-forces/${tf.id}/members`, { userId: second.id });
    const page1 = await suite.api.http.get(`/v1/task-forces/${tf.id}/members?limit=1`);
    const page2 = await suite.api.http.get(`/v1/task-forces/${tf.id}/members?limit=1&cursor=${page1.body.nextCursor}`);
    expect([...page1.body.data, ...page2.body.data].map((m: { userId: string }) => m.userId)).toEqual([recruiter.id, second.id]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('manages openings within the headcount target', async () => {
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody({ headcountTarget: 5 }))).body;
    const a = await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, { title: 'LLM Research Scientist', skillArea: 'llm', level: 'L7', headcount: 3 });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ taskForceId: tf.id, status: 'open', headcount: 3, level: 'L7' });

    const tooMany = await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, { title: 'Infra', skillArea: 'infra', level: 'L6', headcount: 3 });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body).toMatchObject({ code: 'headcount_exceeded', headcountTarget: 5, heldByOpenings: 3, requested: 3 });

    const b = await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, {
      title: 'Infra',
      skillArea: 'infra',
      level: 'L6',
      headcount: 2,
      status: 'on_hold',
    });
    expect(b.status).toBe(201);
    expect((await suite.api.http.patch(`/v1/task-forces/${tf.id}`, { headcountTarget: 4 })).body.code).toBe('headcount_below_openings');

    const closed = await suite.api.http.patch(`/v1/task-forces/${tf.id}/openings/${a.body.id}`, { status: 'closed' });
    expect(closed.status).toBe(200);
    expect((await suite.api.http.patch(`/v1/task-forces/${tf.id}`, { headcountTarget: 4 })).status).toBe(200);
    const grown = await suite.api.http.patch(`/v1/task-forces/${tf.id}/openings/${b.body.id}`, { headcount: 5 });
    expect(grown.status).toBe(422);

    const filtered = await suite.api.http.get(`/v1/task-forces/${tf.id}/openings?skillArea=infra`);
    expect(filtered.body.data.map((o: { id: string }) => o.id)).toEqual([b.body.id]);
    expect((await suite.api.http.get(`/v1/task-forces/${tf.id}/openings/${a.body.id}`)).body.status).toBe('closed');
  });

  it('validates opening fields', async () => {
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const res = await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, { title: '', skillArea: 'blockchain', level: 'X9', headcount: 0 });
    expect(res.status).toBe(400);
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['title', 'skillArea', 'level', 'headcount']));
    const otherTf = (await suite.api.http.post('/v1/task-forces', taskForceBody())).body;
    const o = (await suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, { title: 't', skillArea: 'llm', level: 'P6', headcount: 1 })).body;
    expect((await suite.api.http.get(`/v1/task-forces/${otherTf.id}/openings/${o.id}`)).status).toBe(404);
  });

  it('keeps headcount consistent when openings are created concurrently', async () => {
    const tf = (await suite.api.http.post('/v1/task-forces', taskForceBody({ headcountTarget: 3 }))).body;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        suite.api.http.post(`/v1/task-forces/${tf.id}/openings`, { title: `slot ${i}`, skillArea: 'llm', level: 'P6', headcount: 1 }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 422)).toHaveLength(3);
  });
});
