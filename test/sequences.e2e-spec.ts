import { createUser, taskForceBody, useApi } from './support/harness';

describe('outreach sequences', () => {
  const suite = useApi('sequences');
  const http = () => suite.api.http;

  const sequence = (taskForceId: string, overrides: Record<string, unknown> = {}) => ({
    taskForceId,
    name: `Doubao LLM researchers ${Math.random().toString(36).slice(2, 7)}`,
    sender: { fromName: 'Jun Wang, ByteDance', fromAddress: 'jun.wang@example.com' },
    steps: [
      { delay: 'PT0S', subject: '{{taskForce.company}} is building {{taskForce.name}}', body: 'Hi {{candidate.firstName}},\nYour work at {{candidate.currentEmployer}} ...\n{{unsubscribeUrl}}' },
      { delay: 'P3D', subject: 'Re: {{taskForce.company}}', body: 'Following up, {{candidate.firstName}}. {{sender.name}}\n{{unsubscribeUrl}}' },
    ],
    sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
    holidayCalendars: ['US', 'CN'],
    ...overrides,
  });

  it('creates a sequence with defaults filled in', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const res = await http().post('/v1/sequences', sequence(tf.id));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ taskForceId: tf.id, version: 1 });
    expect(res.body.definition).toMatchObject({
      timeZoneRule: 'candidate',
      dailyCapPerSender: 200,
      dailyCapPerRecipientDomain: 20,
      stopRules: { onReply: true, onSameEmployerReply: false },
      sender: { replyTo: null },
    });
    expect((await http().get(`/v1/sequences/${res.body.id}`)).body).toEqual(res.body);
  });

  it('refuses unknown template variables, bad delays and windows, naming the field', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const unknown = await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: 'P1D', subject: 'Hi', body: 'Your salary: {{candidate.salary}}' }] }));
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'invalid_template', field: 'steps[0].body', variable: 'salary' });
    expect((await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: '3 days', subject: 'a', body: 'b' }] }))).status).toBe(400);
    expect((await http().post('/v1/sequences', sequence(tf.id, { sendWindow: { days: ['mon'], start: '17:00', end: '09:00' } }))).body.code).toBe('invalid_send_window');
    expect((await http().post('/v1/sequences', sequence(tf.id, { holidayCalendars: ['FR'] }))).status).toBe(400);
    expect((await http().post('/v1/sequences', sequence(tf.id, { steps: [] }))).status).toBe(400);
  });

  it('versions every change; old versions stay readable', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const created = (await http().post('/v1/sequences', sequence(tf.id))).body;
    const changed = await http().patch(`/v1/sequences/${created.id}`, { sendWindow: { days: ['tue', 'wed', 'thu'], start: '10:00', end: '16:00' } });
    expect(changed.body).toMatchObject({ version: 2, definition: { sendWindow: { start: '10:00' }, steps: created.definition.steps } });
    expect((await http().get(`/v1/sequences/${created.id}/versions/1`)).body.definition.sendWindow.start).toBe('09:00');
    const same = await http().patch(`/v1/sequences/${created.id}`, { sendWindow: { days: ['tue', 'wed', 'thu'], start: '10:00', end: '16:00' } });
    expect(same.body.version).toBe(2);
    expect((await http().patch(`/v1/sequences/${created.id}`, { steps: [{ delay: 'P1D', subject: '{{nope}}', body: 'x' }] })).body.code).toBe('invalid_template');
    expect((await http().get(`/v1/sequences/${created.id}`)).body.version).toBe(2);
  });

  it('previews the steps for a real candidate', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody({ company: 'ByteDance', name: `Doubao ${Date.now()}` }))).body;
    const seq = (await http().post('/v1/sequences', sequence(tf.id))).body;
    const c = (await http().post('/v1/candidates', { fullName: 'Xiaoyu Chen', emails: [`xy.${Date.now()}@example.com`], currentEmployer: 'Google DeepMind' })).body;
    const res = await http().post(`/v1/sequences/${seq.id}/preview`, { candidateId: c.id, step: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      {
        step: 1,
        subject: `ByteDance is building ${tf.name}`,
        body: expect.stringMatching(/^Hi Xiaoyu,\nYour work at Google DeepMind \.\.\.\nhttp.*\/v1\/unsubscribe\?token=preview$/),
      },
    ]);
    expect((await http().post(`/v1/sequences/${seq.id}/preview`, { candidateId: c.id })).body).toHaveLength(2);
    expect((await http().post(`/v1/sequences/${seq.id}/preview`, { candidateId: c.id, step: 3 })).body.code).toBe('unknown_step');
  });

  it('scopes sequences to task force members', async () => {
    const recruiter = await createUser(http(), 'recruiter');
    const mine = (await http().post('/v1/task-forces', taskForceBody())).body;
    const theirs = (await http().post('/v1/task-forces', taskForceBody())).body;
    await http().post(`/v1/task-forces/${mine.id}/members`, { userId: recruiter.id });
    const as = { token: recruiter.token };
    const own = await http().post('/v1/sequences', sequence(mine.id), as);
    expect(own.status).toBe(201);
    expect((await http().post('/v1/sequences', sequence(theirs.id), as)).status).toBe(404);
    const other = (await http().post('/v1/sequences', sequence(theirs.id))).body;
    expect((await http().get(`/v1/sequences/${other.id}`, as)).status).toBe(404);
    expect((await http().get('/v1/sequences?limit=200', as)).body.data.map((s: { id: string }) => s.id)).toEqual([own.body.id]);
    const dup = await http().post('/v1/sequences', { ...sequence(mine.id), name: own.body.definition.name.toUpperCase() });
    expect(dup.body.code).toBe('sequence_name_taken');
  });
});
