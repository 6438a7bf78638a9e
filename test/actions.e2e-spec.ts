import { unsubscribeToken } from '@app/outreach';
import { randomBytes } from 'node:crypto';
import { ADMIN_TOKEN, bandBody, taskForceBody, useApi } from './support/harness';

/**
 * Action routes take what their OpenAPI operation says: an offer action's body is optional (only
 * `comment`), enrollment actions take none (no body, an empty one or `{}`; anything with a field
 * in it is 400 `body_not_allowed`), and the one-click unsubscribe takes the form mail clients post.
 */
describe('action routes and their bodies', () => {
  const suite = useApi('actions');
  const http = () => suite.api.http;
  const unique = () => randomBytes(4).toString('hex');

  /** A raw POST: exactly these headers and bytes, nothing added but the token. */
  const post = async (path: string, init: { headers?: Record<string, string>; body?: string } = {}) => {
    const res = await fetch(suite.api.url + path, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...init.headers }, body: init.body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };
  const JSON_TYPE = { 'content-type': 'application/json' };

  async function candidateIn(taskForceId: string) {
    const c = (await http().post('/v1/candidates', { fullName: 'Wei Zhang', emails: [`wei.${unique()}@lab.example.com`] })).body;
    const application = (await http().post('/v1/applications', { candidateId: c.id, taskForceId })).body;
    return { id: c.id as string, applicationId: application.id as string };
  }

  let bandId: string | undefined;
  async function offerInBand() {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const c = await candidateIn(tf.id);
    for (const to of ['contacted', 'replied', 'screening', 'interviewing'])
      expect((await http().post(`/v1/applications/${c.applicationId}/transitions`, { to })).status).toBe(200);
    bandId ??= (await http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01' }))).body.id as string;
    const offer = await http().post('/v1/offers', {
      applicationId: c.applicationId,
      salaryBandId: bandId,
      base: '42874.00',
      currency: 'CNY',
      period: 'monthly',
      startDate: '2027-03-01',
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    expect(offer.status).toBe(201);
    return { id: offer.body.id as string, tf };
  }

  async function enrollment() {
    const tf = (await http().post('/v1/task-forces', taskForceBody())).body;
    const seq = await http().post('/v1/sequences', {
      taskForceId: tf.id,
      name: `Actions ${unique()}`,
      sender: { fromName: 'Jun Wang', fromAddress: 'jun@talent.example.com' },
      steps: [{ delay: 'P1D', subject: 'Hello {{candidate.firstName}}', body: 'Hi {{unsubscribeUrl}}' }],
      sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' },
    });
    expect(seq.status).toBe(201);
    const c = await candidateIn(tf.id);
    const enrolled = await http().post(`/v1/sequences/${seq.body.id}/enrollments`, { candidateIds: [c.id] });
    expect(enrolled.status).toBe(200);
    return enrolled.body.enrolled[0].enrollmentId as string;
  }

  it('takes an offer action with no body, an empty body or {}, and its comment when there is one', async () => {
    const offer = await offerInBand();
    // curl -X POST .../submit -H "$ADMIN": no body, no Content-Type.
    const submitted = await post(`/v1/offers/${offer.id}/submit`);
    expect(submitted.status).toBe(200);
    expect(submitted.body).toMatchObject({ status: 'approved', version: 1 });
    // A JSON Content-Type with nothing after it, as many clients send for an action.
    const sent = await post(`/v1/offers/${offer.id}/send`, { headers: JSON_TYPE, body: '' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'sent', version: 1 });
    const accepted = await post(`/v1/offers/${offer.id}/accept`, { headers: JSON_TYPE, body: '{"comment":"Signed on the call"}' });
    expect(accepted.status).toBe(200);
    // The version numbers the terms: state changes leave it at 1.
    expect(accepted.body).toMatchObject({ status: 'accepted', version: 1 });
    const history = (await http().get(`/v1/offers/${offer.id}/history`)).body.data;
    expect(history.at(-1)).toMatchObject({ to: 'accepted', comment: 'Signed on the call', offerVersion: 1 });

    const other = await offerInBand();
    expect((await post(`/v1/offers/${other.id}/submit`, { headers: JSON_TYPE, body: '{}' })).body.status).toBe('approved');
    // Still strict: an unknown field or a body that is not an object is refused.
    const unknown = await post(`/v1/offers/${other.id}/send`, { headers: JSON_TYPE, body: '{"note":"hi"}' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    expect((await post(`/v1/offers/${other.id}/send`, { headers: JSON_TYPE, body: '[]' })).body.code).toBe('body_must_be_object');
    expect((await post(`/v1/offers/${other.id}/send`, { headers: JSON_TYPE, body: 'null' })).body.code).toBe('body_must_be_object');
    // A PATCH of the terms after submission is what makes version 2.
    const edited = await http().patch(`/v1/offers/${other.id}`, { base: '43000.00' });
    expect(edited.body).toMatchObject({ status: 'approved', version: 2 });
    expect((await http().get(`/v1/offers/${other.id}/versions/1`)).body).toMatchObject({ base: '42874.00' });
    expect((await http().get(`/v1/offers/${other.id}/versions/2`)).body).toMatchObject({ base: '43000.00' });
  });

  it('pauses, resumes and stops an enrollment with no body, an empty body or {}, and refuses a body with anything in it', async () => {
    const id = await enrollment();
    const paused = await post(`/v1/enrollments/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.status).toBe('paused');
    const refused = await post(`/v1/enrollments/${id}/resume`, { headers: JSON_TYPE, body: '{"reason":"back from leave"}' });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'body_not_allowed', errors: [{ field: 'reason', message: 'reason is not a known field' }] });
    expect((await http().get(`/v1/enrollments/${id}`)).body.status).toBe('paused');
    expect((await post(`/v1/enrollments/${id}/resume`, { headers: JSON_TYPE, body: '[1]' })).body.code).toBe('body_not_allowed');
    expect((await post(`/v1/enrollments/${id}/resume`, { headers: JSON_TYPE, body: 'null' })).body.code).toBe('body_not_allowed');
    expect((await post(`/v1/enrollments/${id}/resume`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' })).body.code).toBe(
      'body_not_allowed',
    );
    const resumed = await post(`/v1/enrollments/${id}/resume`, { headers: JSON_TYPE, body: '{}' });
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toBe('active');
    expect((await post(`/v1/enrollments/${id}/pause`, { headers: JSON_TYPE, body: '' })).body.status).toBe('paused');
    const stopped = await post(`/v1/enrollments/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('stopped');
  });

  it('refuses a body on resend and mark-sent before anything else, and reads none otherwise', async () => {
    const id = await enrollment();
    for (const action of ['resend', 'mark-sent']) {
      expect((await post(`/v1/enrollments/${id}/steps/1/${action}`, { headers: JSON_TYPE, body: '{"force":true}' })).body.code).toBe('body_not_allowed');
      // Without a body the action is judged on the step, which is not uncertain.
      const res = await post(`/v1/enrollments/${id}/steps/1/${action}`);
      expect(res.status).toBe(422);
      expect(res.body.code).not.toBe('body_not_allowed');
    }
  });

  it('unsubscribes with the one-click POST as mail clients send it (RFC 8058), and with none', async () => {
    for (const [headers, body] of [
      [{ 'content-type': 'application/x-www-form-urlencoded' }, 'List-Unsubscribe=One-Click'],
      [{ 'content-type': 'multipart/form-data; boundary=b' }, '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b--\r\n'],
      [{}, undefined],
    ] as const) {
      const token = unsubscribeToken(suite.config.UNSUBSCRIBE_SECRET, await enrollment());
      const res = await fetch(`${suite.api.url}/v1/unsubscribe?token=${encodeURIComponent(token)}`, { method: 'POST', headers, body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ unsubscribed: true });
      const enrollmentId = token.split('.')[0];
      expect((await http().get(`/v1/enrollments/${enrollmentId}`)).body).toMatchObject({ status: 'stopped', stopReason: 'unsubscribed' });
    }
  });

  it('documents each body as it is taken', async () => {
    const doc = (await http().get('/docs-json', { token: null })).body;
    const offerAction = doc.paths['/v1/offers/{id}/{action}'].post.requestBody;
    expect(offerAction).toMatchObject({ required: false, content: { 'application/json': { schema: { $ref: '#/components/schemas/OfferActionDto' } } } });
    for (const path of [
      '/v1/enrollments/{id}/pause',
      '/v1/enrollments/{id}/resume',
      '/v1/enrollments/{id}/stop',
      '/v1/enrollments/{id}/steps/{step}/resend',
      '/v1/enrollments/{id}/steps/{step}/mark-sent',
    ]) {
      expect([path, doc.paths[path].post.requestBody]).toEqual([
        path,
        expect.objectContaining({
          required: false,
          content: { 'application/json': { schema: { type: 'object', maxProperties: 0, additionalProperties: false } } },
        }),
      ]);
    }
    const unsubscribe = doc.paths['/v1/unsubscribe'].post.requestBody;
    expect(unsubscribe.required).toBe(false);
    expect(Object.keys(unsubscribe.content).sort()).toEqual(['application/x-www-form-urlencoded', 'multipart/form-data']);
    expect(doc.components.schemas.OfferView.properties.version.description).toMatch(/terms/);
  });
});
