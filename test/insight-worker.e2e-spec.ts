import { createUser, taskForceBody, useApiAndWorker, waitFor } from './support/harness';

/** The worker keeps the reports up to date on its own schedules: no rebuild asked, no pass run by hand. */
describe('insight facts kept by the worker', () => {
  const suite = useApiAndWorker('insight_worker', { INSIGHT_PROJECTION_INTERVAL_MS: '200', INSIGHT_MARKET_INTERVAL_MS: '1000' });
  const http = () => suite.api.http;

  it('follows pipeline moves and recounts the market', async () => {
    const recruiter = await createUser(http(), 'recruiter', 'insight-worker');
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body.id;
    await http().post(`/v1/task-forces/${tf}/members`, { userId: recruiter.id });
    await http().post(`/v1/task-forces/${tf}/openings`, { title: 'Speech scientist', skillArea: 'speech', level: 'P7', headcount: 2 });
    const c = (await http().post('/v1/candidates', { fullName: 'Worker Kept', emails: [`worker.kept.${Date.now()}@example.com`], skillAreas: ['speech'] }))
      .body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf })).body;
    for (const to of ['contacted', 'replied']) expect((await http().post(`/v1/applications/${app.id}/transitions`, { to })).status).toBe(200);

    const funnel = await waitFor(async () => {
      const res = await http().get(`/v1/insight/funnel?taskForceId=${tf}`, { token: recruiter.token });
      return res.body.stages.find((s: { stage: string }) => s.stage === 'replied').entered === 1 ? res.body : undefined;
    });
    expect(funnel.stages.slice(0, 3).map((s: { entered: number; advanced: number }) => [s.entered, s.advanced])).toEqual([
      [1, 1],
      [1, 1],
      [1, 0],
    ]);
    const market = await waitFor(async () => {
      const res = await http().get(`/v1/insight/market?taskForceId=${tf}`, { token: recruiter.token });
      const speech = res.body.skillAreas.find((r: { skillArea: string }) => r.skillArea === 'speech');
      return speech?.supply === 1 ? res.body : undefined;
    });
    expect(market.asOf).not.toBeNull();
    expect(market.skillAreas.find((r: { skillArea: string }) => r.skillArea === 'speech')).toMatchObject({ supply: 1, reachable: 1, demand: 2, ratio: 0.5 });
  });
});
