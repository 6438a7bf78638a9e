import { createUser, taskForceBody, useApi } from './support/harness';

const HANGZHOU_HOURS = {
  mon: { start: '09:00', end: '18:00' },
  tue: { start: '09:00', end: '18:00' },
  wed: { start: '09:00', end: '18:00' },
  thu: { start: '09:00', end: '18:00' },
  fri: { start: '09:00', end: '18:00' },
};

describe('interview plans, interviewers, the slot finder and scheduling', () => {
  const suite = useApi('interviews');
  const http = () => suite.api.http;
  let n = 0;
  const tf = { a: '', b: '' };
  const opening = { a: '' };
  const people: Record<string, { id: string; token: string }> = {};
  let recruiterB = { id: '', token: '' };

  const candidate = async (timeZone = 'America/Los_Angeles') =>
    (await http().post('/v1/candidates', { fullName: `Interviewee ${++n}`, emails: [`interviewee.${n}.${Date.now()}@example.com`], timeZone })).body;
  const application = async (taskForceId = tf.a, openingId: string | null = opening.a) => {
    const c = await candidate();
    const res = await http().post('/v1/applications', { candidateId: c.id, taskForceId, ...(openingId && { openingId }) });
    expect([res.status, res.body.code]).toEqual([201, undefined]);
    return res.body as { id: string; candidateId: string };
  };
  /** The next Wednesday at 01:00 UTC (09:00 in Hangzhou; the afternoon before in Sunnyvale), at least a week ahead. */
  const nextWednesday = (weeksLater = 0) => {
    const d = new Date();
    d.setUTCHours(1, 0, 0, 0);
    d.setUTCDate(d.getUTCDate() + 7 + ((3 - d.getUTCDay() + 7) % 7) + 7 * weeksLater);
    return d;
  };
  const mails = (interviewId: string) =>
    suite.db.query<{ recipient_user_id: string | null; kind: string; sequence: number; status: string }>(
      `SELECT recipient_user_id, kind, sequence, status FROM interview_mails WHERE interview_id = $1 ORDER BY kind, sequence, recipient_user_id NULLS FIRST`,
      [interviewId],
    );

  beforeAll(async () => {
    tf.a = (await http().post('/v1/task-forces', taskForceBody({ name: `Hangzhou LLM ${Date.now()}` }))).body.id;
    tf.b = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    opening.a = (await http().post(`/v1/task-forces/${tf.a}/openings`, { title: 'LLM researcher', skillArea: 'llm', level: 'P8', headcount: 2 })).body.id;
    for (const name of ['hz1', 'hz2', 'hz3']) {
      people[name] = await createUser(http(), 'interviewer', name);
      const profile = await http().put(`/v1/interviewers/${people[name].id}`, {
        timeZone: 'Asia/Shanghai',
        workingHours: HANGZHOU_HOURS,
        holidayCalendars: ['CN'],
        taskForceIds: [tf.a],
      });
      expect(profile.status).toBe(200);
    }
    people.recruiter = await createUser(http(), 'recruiter', 'iv-recruiter');
    expect((await http().post(`/v1/task-forces/${tf.a}/members`, { userId: people.recruiter.id })).status).toBe(201);
    recruiterB = await createUser(http(), 'recruiter', 'iv-recruiter-b');
    expect((await http().post(`/v1/task-forces/${tf.b}/members`, { userId: recruiterB.id })).status).toBe(201);
  });

  it('keeps interviewer profiles: admins set them, bad input is refused, recruiters see their task forces’ interviewers', async () => {
    const got = await http().get(`/v1/interviewers/${people.hz1.id}`);
    expect(got.body).toMatchObject({
      userId: people.hz1.id,
      role: 'interviewer',
      timeZone: 'Asia/Shanghai',
      holidayCalendars: ['CN'],
      taskForceIds: [tf.a],
      version: 1,
    });
    const profile = { timeZone: 'Asia/Shanghai', workingHours: HANGZHOU_HOURS, holidayCalendars: ['CN'], taskForceIds: [tf.a] };
    const bad = (body: Record<string, unknown>) => http().put(`/v1/interviewers/${people.hz1.id}`, { ...profile, ...body });
    expect((await bad({ timeZone: 'Asia/Hangzhou' })).status).toBe(400);
    expect((await bad({ workingHours: { mon: { start: '18:00', end: '09:00' } } })).body.code).toBe('invalid_working_hours');
    expect((await bad({ workingHours: { mon: { start: '9:00', end: '18:00' } } })).status).toBe(400);
    expect((await bad({ holidayCalendars: ['XX'] })).status).toBe(400);
    expect((await bad({ taskForceIds: ['00000000-0000-7000-8000-000000000009'] })).body.code).toBe('unknown_task_forces');
    expect((await bad({ expectedVersion: 7 })).status).toBe(409);
    expect((await bad({ extra: 1 })).status).toBe(400);
    expect((await http().put(`/v1/interviewers/${people.hz1.id}`, profile, { token: people.recruiter.token })).status).toBe(403);
    expect((await http().put(`/v1/interviewers/00000000-0000-7000-8000-00000000000c`, profile)).status).toBe(404);
    const again = await bad({ expectedVersion: 1 });
    expect([again.status, again.body.version]).toEqual([200, 2]);
    const listed = await http().get(`/v1/interviewers?taskForceId=${tf.a}`, { token: people.recruiter.token });
    expect(listed.body.data.map((p: { userId: string }) => p.userId).sort()).toEqual([people.hz1.id, people.hz2.id, people.hz3.id].sort());
    expect((await http().get(`/v1/interviewers/${people.hz1.id}`, { token: recruiterB.token })).status).toBe(404);
    expect((await http().get(`/v1/interviewers?taskForceId=${tf.a}`, { token: recruiterB.token })).status).toBe(404);
    expect((await http().get('/v1/interviewers', { token: recruiterB.token })).body.data).toEqual([]);
  });

  it('keeps an interview plan per opening, drawing on interviewers of its task force', async () => {
    const step = {
      kind: 'technical',
      durationMinutes: 60,
      interviewersNeeded: 2,
      pool: [people.hz1.id, people.hz2.id, people.hz3.id],
      attributes: ['distributed training depth', 'coding'],
    };
    const put = await http().put(`/v1/openings/${opening.a}/interview-plan`, {
      steps: [
        { kind: 'recruiter_screen', durationMinutes: 30, interviewersNeeded: 1, pool: [people.hz1.id], attributes: ['motivation'], scorecardRequired: false },
        step,
      ],
    });
    expect(put.status).toBe(200);
    expect(put.body.steps.map((s: { position: number; kind: string }) => [s.position, s.kind])).toEqual([
      [1, 'recruiter_screen'],
      [2, 'technical'],
    ]);
    expect(put.body.steps[1]).toMatchObject({ interviewersNeeded: 2, scorecardRequired: true });
    expect((await http().get(`/v1/openings/${opening.a}/interview-plan`, { token: people.recruiter.token })).body).toEqual(put.body);
    const refused = (steps: unknown[]) => http().put(`/v1/openings/${opening.a}/interview-plan`, { steps });
    expect((await refused([{ ...step, interviewersNeeded: 1, pool: [people.recruiter.id] }])).body.code).toBe('not_an_interviewer');
    expect((await refused([{ ...step, interviewersNeeded: 4 }])).body.code).toBe('invalid_plan');
    expect((await refused([{ ...step, kind: 'coffee_chat' }])).status).toBe(400);
    expect((await refused([{ ...step, durationMinutes: 5 }])).status).toBe(400);
    expect((await refused([{ ...step, attributes: ['x', 'x'] }])).status).toBe(400);
    expect((await refused([])).status).toBe(400);
    expect((await refused(Array.from({ length: 21 }, () => step))).status).toBe(400);
    expect((await http().put(`/v1/openings/${opening.a}/interview-plan`, { steps: [step] }, { token: recruiterB.token })).status).toBe(404);
    expect((await http().get(`/v1/openings/${opening.a}/interview-plan`, { token: recruiterB.token })).status).toBe(404);
  });

  it('finds slots for a Hangzhou panel and a Sunnyvale candidate across the US change to daylight time', async () => {
    const app = await application();
    const search = (from: string, to: string, extra: Record<string, unknown> = {}) =>
      http().post(`/v1/applications/${app.id}/interview-slots`, { planStep: 2, from, to, maxStretchMinutes: 120, ...extra });
    // Week of 8 March 2027 (PST, UTC-8): 09:00-10:00 in Hangzhou is 17:00-18:00 the day before in Sunnyvale, inside both days.
    const before = await search('2027-03-08T00:00:00Z', '2027-03-13T00:00:00Z');
    expect(before.status).toBe(200);
    const best = before.body.slots[0];
    expect(best.stretchMinutes).toBe(0);
    expect(best.start.slice(11)).toBe('01:00:00.000Z');
    expect(best.participants.find((p: { kind: string }) => p.kind === 'candidate')).toMatchObject({ zone: 'America/Los_Angeles', withinWorkingHours: true });
    expect(best.participants.find((p: { kind: string }) => p.kind === 'candidate').localStart).toMatch(/T17:00:00-08:00$/);
    expect(best.participants.filter((p: { kind: string }) => p.kind === 'interviewer')).toHaveLength(2);
    expect(best.participants.find((p: { kind: string }) => p.kind === 'interviewer').localStart).toMatch(/T09:00:00\+08:00$/);
    // After 14 March (PDT, UTC-7) the same instant is 18:00 in Sunnyvale: no slot is inside both days, the best stretch someone by an hour.
    const after = await search('2027-03-15T00:00:00Z', '2027-03-20T00:00:00Z');
    expect(after.body.slots.length).toBeGreaterThan(0);
    expect(after.body.slots.every((s: { stretchMinutes: number }) => s.stretchMinutes >= 60)).toBe(true);
    expect(after.body.slots[0].stretchMinutes).toBe(60);
    // Without any stretch the days have nothing, and say why.
    const strict = await search('2027-03-15T00:00:00Z', '2027-03-18T00:00:00Z', { maxStretchMinutes: 0 });
    expect(strict.body.slots).toEqual([]);
    expect(strict.body.daysWithoutSlot.length).toBeGreaterThan(0);
    const reasons = strict.body.daysWithoutSlot.map((d: { date: string; reasons: { code: string }[] }) => [d.date, d.reasons.map((r) => r.code)]);
    // Sunday 14 March is nobody's working day; Monday and Tuesday have no overlap of the two days.
    expect(reasons).toEqual(
      expect.arrayContaining([
        ['2027-03-14', expect.arrayContaining(['not-working-day'])],
        ['2027-03-15', expect.arrayContaining(['no-overlap'])],
      ]),
    );
  });

  it('avoids the Spring Festival in Hangzhou and Thanksgiving in Sunnyvale, naming the holiday', async () => {
    const app = await application();
    const festival = await http().post(`/v1/applications/${app.id}/interview-slots`, { planStep: 2, from: '2027-02-03T00:00:00Z', to: '2027-02-10T00:00:00Z' });
    expect(festival.status).toBe(200);
    const blocked = festival.body.daysWithoutSlot.flatMap((d: { reasons: { code: string; detail: string }[] }) => d.reasons);
    expect(blocked.some((r: { code: string; detail: string }) => r.code === 'holiday' && /Spring Festival/.test(r.detail))).toBe(true);
    // No slot's Hangzhou day is a festival day (2027-02-05 to 02-07 in the holiday calendar).
    for (const slot of festival.body.slots) {
      for (const p of slot.participants.filter((x: { kind: string }) => x.kind === 'interviewer'))
        expect(p.localStart.slice(0, 10)).not.toMatch(/2027-02-0[567]/);
    }
    const us = await http().post(`/v1/applications/${app.id}/interview-slots`, {
      durationMinutes: 60,
      interviewerIds: [people.hz1.id],
      from: '2027-11-24T00:00:00Z',
      to: '2027-11-28T00:00:00Z',
    });
    expect(us.status).toBe(200);
    expect(us.body.slots.length).toBeGreaterThan(0);
    expect(
      us.body.slots.every(
        (s: { participants: { kind: string; localStart: string }[] }) =>
          !s.participants.find((p) => p.kind === 'candidate')!.localStart.startsWith('2027-11-25'),
      ),
    ).toBe(true);
  });

  it('refuses bad slot searches with clear problems', async () => {
    const app = await application();
    const url = `/v1/applications/${app.id}/interview-slots`;
    const ok = { planStep: 2, from: '2027-03-08T00:00:00Z', to: '2027-03-13T00:00:00Z' };
    expect((await http().post(url, { ...ok, to: '2027-05-08T00:00:00Z' })).body.code).toBe('invalid_slot_query');
    expect((await http().post(url, { ...ok, to: ok.from })).status).toBe(422);
    expect((await http().post(url, { ...ok, from: 'next tuesday' })).status).toBe(400);
    expect((await http().post(url, { ...ok, planStep: 9 })).body.code).toBe('unknown_plan_step');
    expect((await http().post(url, { from: ok.from, to: ok.to })).body.code).toBe('duration_required');
    expect((await http().post(url, { ...ok, interviewerIds: [people.recruiter.id] })).body.code).toBe('not_an_interviewer');
    expect((await http().post(url, { ...ok, candidateTimeZone: 'Mars/Olympus' })).status).toBe(400);
    expect((await http().post(url, { ...ok, maxStretchMinutes: 1000 })).status).toBe(400);
    expect((await http().post(url, { ...ok, candidateAvailability: Array.from({ length: 101 }, () => ({ start: ok.from, end: ok.to })) })).status).toBe(400);
    expect((await http().post(url, ok, { token: recruiterB.token })).status).toBe(404);
    expect((await http().post(`/v1/applications/00000000-0000-7000-8000-00000000000a/interview-slots`, ok)).status).toBe(404);
  });

  it('schedules with invitations queued, refuses double bookings (also when racing), reschedules and cancels', async () => {
    const app = await application();
    const start = nextWednesday();
    const scheduled = await http().post(
      `/v1/applications/${app.id}/interviews`,
      { planStep: 2, start: start.toISOString(), interviewerIds: [people.hz1.id, people.hz2.id], location: 'https://meet.example.com/abc' },
      { token: people.recruiter.token },
    );
    expect(scheduled.status).toBe(201);
    const iv = scheduled.body;
    expect(iv).toMatchObject({
      kind: 'technical',
      status: 'scheduled',
      sequence: 0,
      planStep: 2,
      candidateTimeZone: 'America/Los_Angeles',
      attributes: ['distributed training depth', 'coding'],
    });
    expect(new Date(iv.end).getTime() - new Date(iv.start).getTime()).toBe(3_600_000);
    expect(iv.panel.map((p: { localStart: string }) => p.localStart)).toEqual([
      expect.stringMatching(/T09:00:00\+08:00$/),
      expect.stringMatching(/T09:00:00\+08:00$/),
    ]);
    expect(iv.candidateLocalStart).toMatch(/T1[78]:00:00-0[78]:00$/);
    const queued = await mails(iv.id);
    // An invitation and two reminders each for the candidate (null) and both interviewers.
    expect(queued.filter((m) => m.kind === 'request').map((m) => [m.recipient_user_id, m.sequence, m.status])).toEqual(
      [null, ...[people.hz1.id, people.hz2.id].sort()].map((r) => [r, 0, 'pending']),
    );
    expect(queued.filter((m) => m.kind.startsWith('reminder'))).toHaveLength(6);

    // hz1 is busy then; the candidate too.
    const other = await application();
    const clash = await http().post(`/v1/applications/${other.id}/interviews`, {
      kind: 'technical',
      durationMinutes: 30,
      attributes: ['x'],
      start: new Date(start.getTime() + 1_800_000).toISOString(),
      interviewerIds: [people.hz1.id],
    });
    expect([clash.status, clash.body.code]).toEqual([409, 'interviewer_busy']);
    // Two schedules for hz3 at the same time: exactly one wins.
    const racers = await Promise.all(
      [await application(), await application()].map((a) =>
        http().post(`/v1/applications/${a.id}/interviews`, {
          kind: 'system_design',
          durationMinutes: 45,
          attributes: ['design'],
          start: nextWednesday(1).toISOString(),
          interviewerIds: [people.hz3.id],
        }),
      ),
    );
    expect(racers.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(racers.find((r) => r.status === 409)!.body.code).toBe('interviewer_busy');

    // A slot search now steers around the booked hour.
    const slots = await http().post(`/v1/applications/${other.id}/interview-slots`, {
      durationMinutes: 60,
      interviewerIds: [people.hz1.id],
      from: new Date(start.getTime() - 3_600_000).toISOString(),
      to: new Date(start.getTime() + 4 * 3_600_000).toISOString(),
    });
    expect(slots.body.slots.every((s: { start: string; end: string }) => new Date(s.end) <= start || new Date(s.start) >= new Date(iv.end))).toBe(true);

    // Reschedule: an hour later, hz2 swapped for hz3 (who is free then).
    const moved = await http().patch(
      `/v1/interviews/${iv.id}`,
      { start: new Date(start.getTime() + 3_600_000).toISOString(), interviewerIds: [people.hz1.id, people.hz3.id], expectedVersion: iv.version },
      { token: people.recruiter.token },
    );
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ sequence: 1, version: iv.version + 1 });
    expect(moved.body.panel.map((p: { userId: string }) => p.userId).sort()).toEqual([people.hz1.id, people.hz3.id].sort());
    const afterMove = await mails(iv.id);
    expect(afterMove.filter((m) => m.kind === 'request' && m.sequence === 1).map((m) => m.recipient_user_id)).toEqual([
      null,
      ...[people.hz1.id, people.hz3.id].sort(),
    ]);
    expect(afterMove.filter((m) => m.kind === 'cancel').map((m) => [m.recipient_user_id, m.sequence])).toEqual([[people.hz2.id, 1]]);
    expect(afterMove.filter((m) => m.kind.startsWith('reminder') && m.sequence === 0).every((m) => m.status === 'skipped')).toBe(true);
    expect((await http().patch(`/v1/interviews/${iv.id}`, { location: 'https://meet.example.com/x', expectedVersion: iv.version })).status).toBe(409);
    // hz2 is free again: the old hour can be booked for them.
    expect(
      (
        await http().post(`/v1/applications/${other.id}/interviews`, {
          kind: 'technical',
          durationMinutes: 30,
          attributes: ['x'],
          start: start.toISOString(),
          interviewerIds: [people.hz2.id],
        })
      ).status,
    ).toBe(201);
    // Moving back to that hour with hz2 on the panel is refused and changes nothing.
    const into = await http().patch(`/v1/interviews/${iv.id}`, { start: start.toISOString(), interviewerIds: [people.hz1.id, people.hz2.id] });
    expect([into.status, into.body.code]).toEqual([409, 'interviewer_busy']);
    expect((await http().get(`/v1/interviews/${iv.id}`)).body).toMatchObject({ start: moved.body.start, sequence: 1, panel: moved.body.panel });

    const cancelled = await http().post(`/v1/interviews/${iv.id}/cancel`, { reason: 'candidate_unavailable' }, { token: people.recruiter.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelReason: 'candidate_unavailable', panel: [] });
    const afterCancel = await mails(iv.id);
    expect(afterCancel.filter((m) => m.kind === 'cancel' && m.sequence === 1).map((m) => m.recipient_user_id)).toEqual([
      null,
      ...[people.hz1.id, people.hz2.id, people.hz3.id].sort(),
    ]);
    expect(afterCancel.filter((m) => m.kind.startsWith('reminder')).every((m) => m.status === 'skipped')).toBe(true);
    expect((await http().patch(`/v1/interviews/${iv.id}`, { location: 'x' })).body.code).toBe('interview_cancelled');
    expect((await http().post(`/v1/interviews/${iv.id}/cancel`, { reason: 'again' })).status).toBe(409);

    const events = await http().get('/v1/events?type=interview.scheduled&limit=200');
    expect(events.body.data.some((e: { data: { interviewId: string } }) => e.data.interviewId === iv.id)).toBe(true);
  });

  it('refuses bad schedules with clear problems', async () => {
    const app = await application();
    const url = `/v1/applications/${app.id}/interviews`;
    const ok = { kind: 'technical', durationMinutes: 60, attributes: ['coding'], start: nextWednesday(3).toISOString(), interviewerIds: [people.hz1.id] };
    expect((await http().post(url, { ...ok, start: new Date(Date.now() - 60_000).toISOString() })).body.code).toBe('start_in_past');
    expect((await http().post(url, { ...ok, start: new Date(Date.now() + 400 * 86_400_000).toISOString() })).body.code).toBe('start_too_far');
    expect((await http().post(url, { ...ok, interviewerIds: [] })).status).toBe(400);
    expect((await http().post(url, { ...ok, interviewerIds: [people.hz1.id, people.hz1.id] })).status).toBe(400);
    expect((await http().post(url, { ...ok, kind: undefined })).body.code).toBe('kind_required');
    expect((await http().post(url, { ...ok, planStep: 2, kind: 'executive' })).body.code).toBe('kind_mismatch');
    expect((await http().post(url, { ...ok, planStep: 2 })).body.code).toBe('panel_too_small');
    expect((await http().post(url, { ...ok, interviewerIds: [recruiterB.id] })).body.code).toBe('not_an_interviewer');
    expect((await http().post(url, { ...ok, location: 'x'.repeat(501) })).status).toBe(400);
    expect((await http().post(url, ok, { token: recruiterB.token })).status).toBe(404);
    await http().post(`/v1/applications/${app.id}/transitions`, { to: 'withdrawn', reason: 'not_interested' });
    expect((await http().post(url, ok)).body.code).toBe('application_closed');
  });

  it('lets an interviewer see their own interviews and nothing else', async () => {
    const app = await application();
    const iv = (
      await http().post(`/v1/applications/${app.id}/interviews`, { planStep: 1, start: nextWednesday(5).toISOString(), interviewerIds: [people.hz2.id] })
    ).body;
    const as = (who: string) => ({ token: people[who].token });
    expect((await http().get(`/v1/interviews/${iv.id}`, as('hz2'))).status).toBe(200);
    expect((await http().get(`/v1/interviews/${iv.id}`, as('hz1'))).status).toBe(404);
    const mine = await http().get('/v1/me/interviews', as('hz2'));
    expect(mine.body.data.map((i: { id: string }) => i.id)).toContain(iv.id);
    expect((await http().get('/v1/me/interviews', as('hz1'))).body.data.map((i: { id: string }) => i.id)).not.toContain(iv.id);
    // Everything else is out of reach, whatever the id.
    for (const [method, path] of [
      ['GET', '/v1/candidates'],
      ['GET', `/v1/candidates/${app.candidateId}`],
      ['GET', `/v1/applications/${app.id}`],
      ['GET', `/v1/applications/${app.id}/interviews`],
      ['GET', '/v1/task-forces'],
      ['GET', '/v1/insight/funnel'],
      ['GET', '/v1/events'],
      ['PATCH', `/v1/interviews/${iv.id}`],
      ['POST', `/v1/interviews/${iv.id}/cancel`],
      ['POST', `/v1/applications/${app.id}/interview-slots`],
      ['PUT', `/v1/interviewers/${people.hz2.id}`],
    ] as const) {
      const res = await http().request(method, path, method === 'GET' ? undefined : {}, as('hz2'));
      expect([path, res.status, res.body && (res.body as { code?: string }).code]).toEqual([path, 403, 'interviewer_not_allowed']);
    }
    expect((await http().get('/v1/me', as('hz2'))).body.role).toBe('interviewer');
    // Their own blocked times: added, listed, used by the slot finder, removed; another's are not theirs to touch.
    const block = await http().post(
      `/v1/interviewers/${people.hz2.id}/blocks`,
      { start: nextWednesday(6).toISOString(), end: new Date(nextWednesday(6).getTime() + 7_200_000).toISOString() },
      as('hz2'),
    );
    expect(block.status).toBe(201);
    expect((await http().get(`/v1/interviewers/${people.hz2.id}/blocks`, as('hz2'))).body.data.map((b: { id: string }) => b.id)).toEqual([block.body.id]);
    const around = await http().post(`/v1/applications/${app.id}/interview-slots`, {
      durationMinutes: 60,
      interviewerIds: [people.hz2.id],
      from: nextWednesday(6).toISOString(),
      to: new Date(nextWednesday(6).getTime() + 2 * 3_600_000).toISOString(),
    });
    expect(around.body.slots).toEqual([]);
    expect(around.body.daysWithoutSlot[0].reasons.map((r: { code: string }) => r.code)).toContain('busy');
    expect(
      (await http().post(`/v1/interviewers/${people.hz1.id}/blocks`, { start: nextWednesday(6).toISOString(), end: nextWednesday(7).toISOString() }, as('hz2')))
        .status,
    ).toBe(404);
    expect(
      (await http().post(`/v1/interviewers/${people.hz2.id}/blocks`, { start: nextWednesday(7).toISOString(), end: nextWednesday(6).toISOString() }, as('hz2')))
        .body.code,
    ).toBe('invalid_interval');
    expect((await http().delete(`/v1/interviewers/${people.hz2.id}/blocks/${block.body.id}`, as('hz1'))).status).toBe(404);
    expect((await http().delete(`/v1/interviewers/${people.hz2.id}/blocks/${block.body.id}`, as('hz2'))).status).toBe(204);
  });

  it('cancels what lies ahead when the application closes or the person is erased, and moves interviews with a merge', async () => {
    const schedule = async (app: { id: string }, weeks: number, who = people.hz1.id) => {
      const res = await http().post(`/v1/applications/${app.id}/interviews`, {
        kind: 'recruiter_screen',
        durationMinutes: 30,
        attributes: ['motivation'],
        start: nextWednesday(weeks).toISOString(),
        interviewerIds: [who],
      });
      expect([res.status, res.body.code]).toEqual([201, undefined]);
      return res.body as { id: string };
    };
    const rejected = await application();
    const r = await schedule(rejected, 10);
    expect((await http().post(`/v1/applications/${rejected.id}/transitions`, { to: 'rejected', reason: 'not_qualified' })).status).toBe(200);
    expect((await http().get(`/v1/interviews/${r.id}`)).body).toMatchObject({ status: 'cancelled', cancelReason: 'application_rejected', panel: [] });
    expect((await mails(r.id)).filter((m) => m.kind === 'cancel').map((m) => m.recipient_user_id)).toEqual([null, people.hz1.id]);

    const erased = await application();
    const e = await schedule(erased, 11);
    expect((await http().delete(`/v1/candidates/${erased.candidateId}`)).status).toBe(204);
    expect((await http().get(`/v1/interviews/${e.id}`)).body).toMatchObject({ status: 'cancelled', cancelReason: 'candidate_erased' });

    // A duplicate's interviews follow the keeper; one at the same time as the keeper's is cancelled.
    await http().put(`/v1/interviewers/${people.hz3.id}`, {
      timeZone: 'Asia/Shanghai',
      workingHours: HANGZHOU_HOURS,
      holidayCalendars: ['CN'],
      taskForceIds: [tf.a, tf.b],
    });
    const keeper = await application();
    const duplicate = await application(tf.b, null);
    const kept = await schedule(keeper, 12);
    const clash = (
      await http().post(`/v1/applications/${duplicate.id}/interviews`, {
        kind: 'technical',
        durationMinutes: 30,
        attributes: ['x'],
        start: nextWednesday(12).toISOString(),
        interviewerIds: [people.hz3.id],
      })
    ).body;
    const later = (
      await http().post(`/v1/applications/${duplicate.id}/interviews`, {
        kind: 'technical',
        durationMinutes: 30,
        attributes: ['x'],
        start: nextWednesday(13).toISOString(),
        interviewerIds: [people.hz3.id],
      })
    ).body;
    const merged = await http().post(`/v1/candidates/${keeper.candidateId}/merge`, { duplicateId: duplicate.candidateId });
    expect(merged.status).toBe(200);
    expect((await http().get(`/v1/interviews/${clash.id}`)).body).toMatchObject({ status: 'cancelled', cancelReason: 'merged_duplicate_overlap' });
    expect((await http().get(`/v1/interviews/${later.id}`)).body).toMatchObject({ status: 'scheduled', candidateId: keeper.candidateId });
    expect((await http().get(`/v1/interviews/${kept.id}`)).body).toMatchObject({ status: 'scheduled', candidateId: keeper.candidateId });
  });

  it('hides every interview of another task force', async () => {
    const app = await application();
    const iv = (
      await http().post(`/v1/applications/${app.id}/interviews`, { planStep: 1, start: nextWednesday(8).toISOString(), interviewerIds: [people.hz1.id] })
    ).body;
    const asB = { token: recruiterB.token };
    expect((await http().get(`/v1/interviews/${iv.id}`, asB)).status).toBe(404);
    expect((await http().patch(`/v1/interviews/${iv.id}`, { location: 'x' }, asB)).status).toBe(404);
    expect((await http().post(`/v1/interviews/${iv.id}/cancel`, { reason: 'x' }, asB)).status).toBe(404);
    expect((await http().get(`/v1/applications/${app.id}/interviews`, asB)).status).toBe(404);
    expect((await http().get(`/v1/interviews/00000000-0000-7000-8000-00000000000b`)).status).toBe(404);
    expect((await http().get(`/v1/interviews/not-a-uuid`)).status).toBe(400);
  });
});
