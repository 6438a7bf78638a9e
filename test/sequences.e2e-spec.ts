import { createUser, taskForceBody, useApi } from './support/harness';

describe('outreach sequences', () => {
  const suite = useApi('sequences');
  const http = () => suite.api.http;

  const sequence = (taskForceId: string, overrides: Record<string, unknown> = {}) => ({
    taskForceId,
    name: `Doubao LLM researchers ${Math.random().toString(36).slice(2, 7)}`,
    sender: { fromName: 'Jun Wang, ByteDance', fromAddress: 'jun.wang@example.com' },
    steps: [
      {
        delay: 'PT0S',
        subject: '{{taskForce.company}} is building {{taskForce.name}}',
        body: 'Hi {{candidate.firstName}},\nYour work at {{candidate.currentEmployer}} ...\n{{unsubscribeUrl}}',
      },
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
    const unknown = await http().post(
      '/v1/sequences',
      sequence(tf.id, { steps: [{ delay: 'P1D', subject: 'Hi', body: 'Your salary: {{candidate.salary}}' }] }),
    );
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ code: 'invalid_template', field: 'steps[0].body', variable: 'salary' });
    expect((await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: '3 days', subject: 'a', body: 'b' }] }))).status).toBe(400);
    expect((await http().post('/v1/sequences', sequence(tf.id, { sendWindow: { days: ['mon'], start: '17:00', end: '09:00' } }))).body.code).toBe(
      'invalid_send_window',
    );
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
    expect((await http().patch(`/v1/sequences/${created.id}`, { steps: [{ delay: 'P1D', subject: '{{nope}}', body: 'x' }] })).body.code).toBe(
      'invalid_template',
    );
    expect((await http().get(`/v1/sequences/${created.id}`)).body.version).toBe(2);
  });

  it('refuses with 422 every template construct beyond the documented variables, if and unless, on create and on change', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const refused = [
      '{{log "forged log record"}}',
      '{{lookup candidate "firstName"}}',
      '{{#with candidate}}{{firstName}}{{/with}}',
      '{{#each candidate}}{{this}}{{/each}}',
      '{{@root.candidate.firstName}}',
      '{{this}}',
      '{{{candidate.firstName}}}',
      '{{> footer}}',
    ];
    for (const body of refused) {
      const res = await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: 'P1D', subject: 'Hi', body }] }));
      expect([body, res.status, res.headers.get('content-type')]).toEqual([body, 422, expect.stringContaining('application/problem+json')]);
      expect(res.body).toMatchObject({ code: 'invalid_template', field: 'steps[0].body' });
      const subject = await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: 'P1D', subject: body, body: 'x' }] }));
      expect([body, subject.status, subject.body.field]).toEqual([body, 422, 'steps[0].subject']);
    }
    const created = (await http().post('/v1/sequences', sequence(tf.id))).body;
    const change = await http().patch(`/v1/sequences/${created.id}`, {
      steps: [{ delay: 'P1D', subject: 'x', body: '{{#if candidate.firstName}}{{log "x"}}{{/if}}' }],
    });
    expect(change.status).toBe(422);
    expect(change.body.code).toBe('invalid_template');
    expect((await http().get(`/v1/sequences/${created.id}`)).body.version).toBe(1);
    const allowed =
      '{{! greeting }}{{#if candidate.nativeName}}{{candidate.nativeName}}{{else}}{{candidate.firstName}}{{/if}}{{#unless candidate.currentTitle}}!{{/unless}} {{unsubscribeUrl}}';
    expect((await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: 'P1D', subject: 'Hi', body: allowed }] }))).status).toBe(201);
  });

  it('previews the steps for a real candidate', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody({ company: 'ByteDance', name: `Doubao ${Date.now()}` }))).body;
    const seq = (await http().post('/v1/sequences', sequence(tf.id))).body;
    const c = (await http().post('/v1/candidates', { fullName: 'Xiaoyu Chen', emails: [`xy.${Date.now()}@example.com`], currentEmployer: 'Google DeepMind' }))
      .body;
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

  describe('enrollments', () => {
    async function setUp() {
      const tf = (await http().post('/v1/task-forces', taskForceBody({ timeZone: 'Asia/Shanghai' }))).body;
      const seq = (await http().post('/v1/sequences', sequence(tf.id, { steps: [{ delay: 'PT0S', subject: 'Hi', body: 'Hi {{candidate.firstName}}' }] }))).body;
      const person = async (overrides: Record<string, unknown> = {}, apply = true) => {
        const c = (
          await http().post('/v1/candidates', { fullName: 'Lin Zhao', emails: [`lz.${Math.random().toString(36).slice(2)}@example.com`], ...overrides })
        ).body;
        if (apply) await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
        return c;
      };
      return { tf, seq, person };
    }

    it('enrols eligible candidates and says why the others were skipped', async () => {
      const { seq, person } = await setUp();
      const ok = await person({ timeZone: 'America/Los_Angeles' });
      const okNoZone = await person();
      const optedOut = await person({ consentState: 'opted_out' });
      const noEmail = await person({ emails: [] });
      const noApplication = await person({}, false);
      const erased = await person();
      await http().delete(`/v1/candidates/${erased.id}`);
      const ghost = '01890a5d-ac96-774b-bcce-b302099a8057';
      const res = await http().post(`/v1/sequences/${seq.id}/enrollments`, {
        candidateIds: [ok.id, okNoZone.id, optedOut.id, noEmail.id, noApplication.id, erased.id, ghost, ok.id],
      });
      expect(res.status).toBe(200);
      expect(res.body.enrolled.map((e: { candidateId: string }) => e.candidateId).sort()).toEqual([ok.id, okNoZone.id].sort());
      expect(Object.fromEntries(res.body.skipped.map((s: { candidateId: string; reason: string }) => [s.candidateId, s.reason]))).toEqual({
        [optedOut.id]: 'opted_out',
        [noEmail.id]: 'no_email',
        [noApplication.id]: 'no_application',
        [erased.id]: 'erased',
        [ghost]: 'not_found',
      });
      const again = await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [ok.id] });
      expect(again.body).toEqual({ enrolled: [], skipped: [{ candidateId: ok.id, reason: 'already_enrolled' }] });

      const enrollment = (await http().get(`/v1/enrollments/${res.body.enrolled.find((e: { candidateId: string }) => e.candidateId === ok.id).enrollmentId}`))
        .body;
      expect(enrollment).toMatchObject({ status: 'active', sequenceVersion: 1, timeZone: 'America/Los_Angeles' });
      expect(enrollment.messages).toEqual([expect.objectContaining({ step: 1, status: 'scheduled', messageId: `<${enrollment.id}.1@127.0.0.1>` })]);
      const other = (await http().get(`/v1/enrollments/${res.body.enrolled.find((e: { candidateId: string }) => e.candidateId === okNoZone.id).enrollmentId}`))
        .body;
      expect(other.timeZone).toBe('Asia/Shanghai');
    });

    it('pauses, resumes and stops, skipping what was not sent', async () => {
      const { seq, person } = await setUp();
      const c = await person();
      const { enrollmentId } = (await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [c.id] })).body.enrolled[0];
      expect((await http().post(`/v1/enrollments/${enrollmentId}/pause`)).body.status).toBe('paused');
      expect((await http().post(`/v1/enrollments/${enrollmentId}/pause`)).body.code).toBe('illegal_enrollment_action');
      expect((await http().post(`/v1/enrollments/${enrollmentId}/resume`)).body.status).toBe('active');
      const stopped = (await http().post(`/v1/enrollments/${enrollmentId}/stop`)).body;
      expect(stopped).toMatchObject({ status: 'stopped', messages: [expect.objectContaining({ status: 'skipped' })] });
      expect((await http().get(`/v1/sequences/${seq.id}/enrollments?status=stopped`)).body.data.map((e: { id: string }) => e.id)).toEqual([enrollmentId]);
      // Once stopped, the candidate may be enrolled again.
      expect((await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [c.id] })).body.enrolled).toHaveLength(1);
    });

    it('refuses to merge a candidate in a running sequence, and erasing stops outreach', async () => {
      const { seq, person } = await setUp();
      const a = await person();
      const b = await person({}, false);
      const { enrollmentId } = (await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [a.id] })).body.enrolled[0];
      const merge = await http().post(`/v1/candidates/${b.id}/merge`, { duplicateId: a.id });
      expect(merge.status).toBe(409);
      expect(merge.body.code).toBe('merge_active_enrollment');
      await http().delete(`/v1/candidates/${a.id}`);
      expect((await http().get(`/v1/enrollments/${enrollmentId}`)).body).toMatchObject({
        status: 'stopped',
        stopReason: 'erased',
        messages: [expect.objectContaining({ status: 'skipped' })],
      });
    });

    it('takes 10,000 candidates in one call', async () => {
      const { seq, tf } = await setUp();
      const n = 10_000;
      // Bulk-made candidates with applications, straight into the database to keep the test quick.
      await suite.db.query(
        `WITH c AS (
           INSERT INTO candidates (id, full_name, emails)
           SELECT gen_random_uuid(), 'Bulk ' || i, ARRAY['bulk.' || i || '.' || $2 || '@example.com'] FROM generate_series(1, $1) i RETURNING id)
         INSERT INTO applications (id, candidate_id, task_force_id) SELECT gen_random_uuid(), id, $3 FROM c`,
        [n, Date.now(), tf.id],
      );
      const ids = (await suite.db.query<{ candidate_id: string }>(`SELECT candidate_id FROM applications WHERE task_force_id = $1`, [tf.id])).map(
        (r) => r.candidate_id,
      );
      const res = await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: ids });
      expect(res.status).toBe(200);
      expect(res.body.enrolled).toHaveLength(n);
      const [{ count }] = await suite.db.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM outreach_messages m JOIN enrollments e ON e.id = m.enrollment_id WHERE e.sequence_id = $1`,
        [seq.id],
      );
      expect(count).toBe(n);
      expect((await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [...ids, ids[0]].concat(Array(1).fill(ids[1])) })).status).toBe(400);
    });
  });
});
