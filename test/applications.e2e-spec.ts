import { Client } from 'pg';
import { createUser, taskForceBody, useApi, waitFor } from './support/harness';

describe('applications and the pipeline', () => {
  const suite = useApi('applications');
  const http = () => suite.api.http;
  let n = 0;
  const candidate = async () =>
    (await http().post('/v1/candidates', { fullName: `Engineer ${++n}`, emails: [`engineer.${n}.${Date.now()}@example.com`] })).body;
  const taskForce = async (overrides: Record<string, unknown> = {}) => (await http().post('/v1/task-forces', taskForceBody(overrides))).body;
  const move = (id: string, body: Record<string, unknown>) => http().post(`/v1/applications/${id}/transitions`, body);

  it('allows one open application per candidate and task force', async () => {
    const c = await candidate();
    const tf = await taskForce();
    const first = await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ stage: 'sourced', version: 1, allowedMoves: ['contacted', 'rejected', 'withdrawn'] });
    const second = await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'open_application_exists', existingApplicationId: first.body.id });
    // Another task force is fine; a closed application frees the slot.
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: (await taskForce()).id })).status).toBe(201);
    await move(first.body.id, { to: 'withdrawn', reason: 'not_interested' });
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).status).toBe(201);
  });

  it('checks what the application refers to', async () => {
    const c = await candidate();
    const tf = await taskForce();
    const other = await taskForce();
    const foreignOpening = (await http().post(`/v1/task-forces/${other.id}/openings`, { title: 't', skillArea: 'llm', level: 'L5', headcount: 1 })).body;
    const missing = '01890a5d-ac96-774b-bcce-b302099a8057';
    expect((await http().post('/v1/applications', { candidateId: missing, taskForceId: tf.id })).body.code).toBe('unknown_candidate');
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: missing })).status).toBe(404);
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id, openingId: foreignOpening.id })).body.code).toBe('unknown_opening');
    const closed = await taskForce({ status: 'closed' });
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: closed.id })).body.code).toBe('task_force_closed');
    await http().delete(`/v1/candidates/${c.id}`);
    expect((await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body.code).toBe('candidate_erased');
  });

  it('walks the graph to hired, storing every move, and counts the hire in the task force', async () => {
    const c = await candidate();
    const tf = await taskForce({ headcountTarget: 3 });
    const opening = (await http().post(`/v1/task-forces/${tf.id}/openings`, { title: 'LLM researcher', skillArea: 'llm', level: 'L7', headcount: 1 })).body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id, openingId: opening.id })).body;
    for (const to of ['contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired']) {
      const res = await move(app.id, { to, comment: `to ${to}` });
      expect(res.status).toBe(200);
      expect(res.body.stage).toBe(to);
    }
    const read = await http().get(`/v1/applications/${app.id}`);
    expect(read.body).toMatchObject({ stage: 'hired', version: 7, allowedMoves: [] });
    const me = (await http().get('/v1/me')).body;
    expect(read.body.history.map((h: { from: string | null; to: string }) => [h.from, h.to])).toEqual([
      [null, 'sourced'],
      ['sourced', 'contacted'],
      ['contacted', 'replied'],
      ['replied', 'screening'],
      ['screening', 'interviewing'],
      ['interviewing', 'offer'],
      ['offer', 'hired'],
    ]);
    for (const h of read.body.history) expect(h.actorId).toBe(me.id);
    expect(read.body.history[6].comment).toBe('to hired');
    expect((await http().get(`/v1/task-forces/${tf.id}`)).body).toMatchObject({ hiredCount: 1, openHeadcount: 2 });
    expect((await move(app.id, { to: 'rejected', reason: 'other' })).body.code).toBe('illegal_transition');
  });

  it('answers an illegal move with 422 naming the allowed ones, and needs reasons to close', async () => {
    const app = (await http().post('/v1/applications', { candidateId: (await candidate()).id, taskForceId: (await taskForce()).id })).body;
    const skip = await move(app.id, { to: 'interviewing' });
    expect(skip.status).toBe(422);
    expect(skip.body).toMatchObject({ code: 'illegal_transition', from: 'sourced', to: 'interviewing', allowed: ['contacted', 'rejected', 'withdrawn'] });
    expect((await move(app.id, { to: 'rejected' })).body).toMatchObject({ code: 'reason_required', allowedReasons: expect.arrayContaining(['not_qualified']) });
    expect((await move(app.id, { to: 'promoted' })).status).toBe(400);
    const rejected = await move(app.id, { to: 'rejected', reason: 'visa_constraints' });
    expect(rejected.body).toMatchObject({ stage: 'rejected', closedReason: 'visa_constraints', allowedMoves: [] });
    expect((await move(app.id, { to: 'contacted' })).body.code).toBe('illegal_transition');
  });

  it('lets exactly one of two concurrent moves win; the loser gets 409', async () => {
    const app = (await http().post('/v1/applications', { candidateId: (await candidate()).id, taskForceId: (await taskForce()).id })).body;
    // Hold the row so both requests read version 1 and then queue on their writes: a true race.
    const holder = new Client({ connectionString: suite.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM applications WHERE id = $1 FOR UPDATE', [app.id]);
      const racing = Promise.all([move(app.id, { to: 'contacted' }), move(app.id, { to: 'withdrawn', reason: 'personal' })]);
      await waitFor(async () => {
        // Activity statistics are a snapshot per transaction; take a fresh one each time.
        await holder.query('SELECT pg_stat_clear_snapshot()');
        const [{ n }] = (
          await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE applications a SET stage%'`)
        ).rows;
        return n === 2;
      });
      await holder.query('COMMIT');
      const [a, b] = await racing;
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(loser.body.code).toBe('concurrent_modification');
      const read = (await http().get(`/v1/applications/${app.id}`)).body;
      expect(read.stage).toBe(winner.body.stage);
      expect(read.version).toBe(2);
      expect(read.history).toHaveLength(2);
    } finally {
      await holder.end();
    }
  });

  it('refuses a move made from a stale read', async () => {
    const app = (await http().post('/v1/applications', { candidateId: (await candidate()).id, taskForceId: (await taskForce()).id })).body;
    await move(app.id, { to: 'contacted', expectedVersion: 1 });
    const stale = await move(app.id, { to: 'replied', expectedVersion: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ code: 'stale_version', currentVersion: 2, currentStage: 'contacted' });
  });

  it('filters lists and scopes recruiters to their task forces', async () => {
    const recruiter = await createUser(http(), 'recruiter');
    const mine = await taskForce();
    const theirs = await taskForce();
    await http().post(`/v1/task-forces/${mine.id}/members`, { userId: recruiter.id });
    const as = { token: recruiter.token };
    const c = await candidate();
    // A person the recruiter cannot see is not theirs to link; an admin puts them in the pipeline.
    const unseen = await http().post('/v1/applications', { candidateId: c.id, taskForceId: mine.id }, as);
    expect(unseen.body).toMatchObject({ status: 422, code: 'unknown_candidate' });
    const inMine = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: mine.id })).body;
    expect(inMine.stage).toBe('sourced');
    const inTheirs = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: theirs.id })).body;
    expect((await http().post('/v1/applications', { candidateId: (await candidate()).id, taskForceId: theirs.id }, as)).status).toBe(404);

    expect((await http().get(`/v1/applications/${inTheirs.id}`, as)).status).toBe(404);
    expect(
      (await move(inTheirs.id, { to: 'contacted' }).then(() => http().post(`/v1/applications/${inTheirs.id}/transitions`, { to: 'replied' }, as))).status,
    ).toBe(404);
    const listed = (await http().get(`/v1/applications?candidateId=${c.id}`, as)).body.data.map((a: { id: string }) => a.id);
    expect(listed).toEqual([inMine.id]);
    const admin = (await http().get(`/v1/applications?candidateId=${c.id}&stage=contacted`)).body.data.map((a: { id: string }) => a.id);
    expect(admin).toEqual([inTheirs.id]);
    // The recruiter sees the candidate, but only the application in their own task force.
    expect((await http().get(`/v1/candidates/${c.id}`, as)).body.applications.map((a: { id: string }) => a.id)).toEqual([inMine.id]);
  });
  it("keeps each candidate's task forces in step with its applications: concurrent creations, merges, a recruiter's search", async () => {
    const word = `reach${Date.now().toString(36)}`;
    const person = async (name: string) => (await http().post('/v1/candidates', { fullName: `${word} ${name}` })).body;
    const [tf1, tf2, tf3] = [await taskForce(), await taskForce(), await taskForce()];
    const recruiter = await createUser(http(), 'recruiter');
    expect((await http().post(`/v1/task-forces/${tf2.id}/members`, { userId: recruiter.id })).status).toBe(201);
    const search = async () =>
      ((await http().get(`/v1/candidates?q=${word}&limit=50`, { token: recruiter.token })).body.data as { id: string }[]).map((c) => c.id).sort();

    // Applications for one person in several task forces at once: each is created, none deadlocks.
    const people = [await person('one'), await person('two'), await person('three')];
    const created = await Promise.all(
      people.flatMap((p) => [tf1, tf2, tf3].map((tf) => http().post('/v1/applications', { candidateId: p.id, taskForceId: tf.id }))),
    );
    expect(created.map((r) => r.status)).toEqual(Array(9).fill(201));
    const outsider = await person('outsider');
    await http().post('/v1/applications', { candidateId: outsider.id, taskForceId: tf1.id });
    expect(await search()).toEqual(people.map((p) => p.id).sort());

    // A person with no application is reached once their application in the recruiter's task force exists.
    const late = await person('late');
    expect(await search()).not.toContain(late.id);
    await http().post('/v1/applications', { candidateId: late.id, taskForceId: tf2.id });
    expect(await search()).toContain(late.id);

    // A merge moves the duplicate's applications, and with them the recruiter's reach, to the keeper.
    const keeper = await person('keeper');
    expect(await search()).not.toContain(keeper.id);
    expect((await http().post(`/v1/candidates/${keeper.id}/merge`, { duplicateId: late.id })).status).toBe(200);
    const after = await search();
    expect(after).toContain(keeper.id);
    expect(after).not.toContain(late.id);

    const drift = await suite.db.query<{ id: string }>(
      `SELECT c.id FROM candidates c
        WHERE (SELECT coalesce(array_agg(t ORDER BY t), '{}') FROM unnest(c.task_force_ids) t)
              IS DISTINCT FROM (SELECT coalesce(array_agg(DISTINCT a.task_force_id ORDER BY a.task_force_id), '{}') FROM applications a WHERE a.candidate_id = c.id)`,
    );
    expect(drift).toEqual([]);
  });
});
