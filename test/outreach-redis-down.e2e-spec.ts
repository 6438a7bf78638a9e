import { taskForceBody, useApi } from './support/harness';

/** Postgres decides what is due; an API whose Redis is away still enrols, and the reconciler enqueues later. */
describe('enrolling while Redis is away', () => {
  const suite = useApi('outreach_redis_down', { REDIS_URL: 'redis://127.0.0.1:1' });
  const http = () => suite.api.http;

  it('answers at once and leaves the steps scheduled in Postgres', async () => {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = (
      await http().post('/v1/sequences', {
        taskForceId: tf.id,
        name: 'No Redis',
        sender: { fromName: 'Jun Wang', fromAddress: 'jun@talent.example.com' },
        steps: [{ delay: 'PT0S', subject: 'Hello', body: 'Hi' }],
        sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
      })
    ).body;
    const c = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [`wei.${Date.now()}@example.com`] })).body;
    await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id });
    const started = Date.now();
    const res = await http().post(`/v1/sequences/${seq.id}/enrollments`, { candidateIds: [c.id] });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(10_000);
    const enrollment = (await http().get(`/v1/enrollments/${res.body.enrolled[0].enrollmentId}`)).body;
    expect(enrollment.messages).toEqual([expect.objectContaining({ step: 1, status: 'scheduled' })]);
  });
});
