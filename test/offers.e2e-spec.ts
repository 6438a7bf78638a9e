import { OffersService } from '@app/compensation';
import { JobQueue, QueueName } from '@app/platform';
import { Client } from 'pg';
import { bandBody, createUser, taskForceBody, useApi, waitFor } from './support/harness';
import { spawnWorkerProcess } from './support/processes';

describe('offers', () => {
  const suite = useApi('offers', { OFFER_EXPIRY_INTERVAL_MS: '1000' });
  const http = () => suite.api.http;
  let bandId: string;
  let n = 0;

  beforeAll(async () => {
    const band = await http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01' }));
    expect(band.status).toBe(201);
    bandId = band.body.id;
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-01' })).status).toBe(200);
  });

  /** A candidate in a task force's pipeline, moved up to `stage`. */
  async function application(stage = 'interviewing', headcountTarget = 5) {
    const tf = (await http().post('/v1/task-forces', taskForceBody({ headcountTarget }))).body;
    const c = (await http().post('/v1/candidates', { fullName: `Offer Person ${++n}`, emails: [`offer.${n}.${Date.now()}@example.com`] })).body;
    const app = (await http().post('/v1/applications', { candidateId: c.id, taskForceId: tf.id })).body;
    for (const to of ['contacted', 'replied', 'screening', 'interviewing', 'offer'].slice(
      0,
      ['contacted', 'replied', 'screening', 'interviewing', 'offer'].indexOf(stage) + 1,
    )) {
      expect((await http().post(`/v1/applications/${app.id}/transitions`, { to })).status).toBe(200);
    }
    return { tf, app };
  }
  const offerBody = (applicationId: string, base: string, overrides: Record<string, unknown> = {}) => ({
    applicationId,
    salaryBandId: bandId,
    base,
    currency: 'USD',
    period: 'annual',
    signOn: '30000.00',
    startDate: '2027-03-01',
    expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    ...overrides,
  });
  const act = (id: string, action: string, body: Record<string, unknown> = {}, token?: string) =>
    http().post(`/v1/offers/${id}/${action}`, body, token ? { token } : {});

  it('drafts an in-band offer in another currency, approves it on submit, sends it, and accepting hires', async () => {
    const { tf, app } = await application();
    const draft = await http().post('/v1/offers', offerBody(app.id, '82832.57'));
    expect(draft.status).toBe(201);
    // 82,832.57 USD a year / 14 months / 0.138 = 42,874.001 CNY a month: on the midpoint, rounded once.
    expect(draft.body).toMatchObject({ status: 'draft', version: 1, base: '82832.57' });
    expect(draft.body.evaluation).toMatchObject({
      bandCurrency: 'CNY',
      bandPeriod: 'monthly',
      baseInBandTerms: '42874.00',
      compaRatio: '1.0000',
      inBand: true,
      approvalRequired: false,
      fxPinned: false,
    });
    expect(draft.body.evaluation.fx).toMatchObject({ base: 'CNY', quote: 'USD', rate: '0.138', inverted: true });

    const submitted = await act(draft.body.id, 'submit');
    expect(submitted.body).toMatchObject({ status: 'approved', evaluation: { fxPinned: true } });
    const sent = await act(draft.body.id, 'send');
    expect(sent.body.status).toBe('sent');
    expect((await http().get(`/v1/applications/${app.id}`)).body.stage).toBe('offer');
    const accepted = await act(draft.body.id, 'accept');
    expect(accepted.body).toMatchObject({ status: 'accepted', allowedActions: [] });
    expect((await http().get(`/v1/applications/${app.id}`)).body.stage).toBe('hired');
    expect((await http().get(`/v1/task-forces/${tf.id}`)).body).toMatchObject({ hiredCount: 1, openHeadcount: 4 });

    const history = (await http().get(`/v1/offers/${draft.body.id}/history`)).body.data;
    const me = (await http().get('/v1/me')).body;
    expect(history.map((h: { from: string | null; to: string }) => [h.from, h.to])).toEqual([
      [null, 'draft'],
      ['draft', 'approved'],
      ['approved', 'sent'],
      ['sent', 'accepted'],
    ]);
    expect(history.every((h: { actorId: string }) => h.actorId === me.id)).toBe(true);
  });

  it('needs an admin, with a comment, to approve an offer outside the band', async () => {
    const recruiter = await createUser(http(), 'recruiter');
    const { tf, app } = await application();
    await http().post(`/v1/task-forces/${tf.id}/members`, { userId: recruiter.id });
    const offer = (await http().post('/v1/offers', offerBody(app.id, '120000.00'), { token: recruiter.token })).body;
    expect(offer.evaluation).toMatchObject({ inBand: false, approvalRequired: true, baseInBandTerms: '62111.80' });
    expect((await act(offer.id, 'submit', {}, recruiter.token)).body.status).toBe('pending_approval');
    expect((await act(offer.id, 'approve', { comment: 'ok' }, recruiter.token)).status).toBe(403);
    expect((await act(offer.id, 'approve')).body.code).toBe('comment_required');
    const rejected = await act(offer.id, 'reject', { comment: 'Above P8 max; try 95k' });
    expect(rejected.body.status).toBe('draft');
    await act(offer.id, 'submit', {}, recruiter.token);
    const approved = await act(offer.id, 'approve', { comment: 'Matches the DeepMind counter-offer' });
    expect(approved.body.status).toBe('approved');
    const history = (await http().get(`/v1/offers/${offer.id}/history`)).body.data;
    expect(history.map((h: { to: string; comment: string | null }) => [h.to, h.comment])).toEqual([
      ['draft', null],
      ['pending_approval', null],
      ['draft', 'Above P8 max; try 95k'],
      ['pending_approval', null],
      ['approved', 'Matches the DeepMind counter-offer'],
    ]);
  });

  it('answers an illegal action with 422 naming the allowed ones', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    const res = await act(offer.id, 'accept');
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'illegal_offer_action', offerStatus: 'draft', allowed: ['submit', 'withdraw'] });
    expect((await act(offer.id, 'celebrate')).status).toBe(400);
  });

  it('allows one open offer per application, and none on a closed application', async () => {
    const { app } = await application();
    const first = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    expect((await http().post('/v1/offers', offerBody(app.id, '90000.00'))).body.code).toBe('open_offer_exists');
    await act(first.id, 'withdraw');
    expect((await http().post('/v1/offers', offerBody(app.id, '90000.00'))).status).toBe(201);
    const closed = await application('screening');
    await http().post(`/v1/applications/${closed.app.id}/transitions`, { to: 'rejected', reason: 'level_mismatch' });
    expect((await http().post('/v1/offers', offerBody(closed.app.id, '90000.00'))).body.code).toBe('application_closed');
    expect((await http().post('/v1/offers', offerBody(app.id, '90000.00', { base: 90000 }))).status).toBe(400);
  });

  it('versions an edit after approval and sends an out-of-band one back for approval', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    await act(offer.id, 'submit');
    const edited = await http().patch(`/v1/offers/${offer.id}`, { base: '130000.00' });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ version: 2, status: 'pending_approval', base: '130000.00', statusReason: expect.stringMatching(/out of band/) });
    expect((await http().get(`/v1/offers/${offer.id}/versions/1`)).body).toMatchObject({ version: 1, base: '82832.57' });
    const inBand = await http().patch(`/v1/offers/${offer.id}`, { base: '85000.00' });
    expect(inBand.body).toMatchObject({ version: 3, status: 'approved' });
  });

  it('sends a pinned offer back for approval when a new rate puts it out of band, by the worker, one job per offer', async () => {
    const worker = await spawnWorkerProcess(suite.config, { OFFER_EXPIRY_INTERVAL_MS: '1000' });
    try {
      const { app } = await application();
      const offer = (await http().post('/v1/offers', offerBody(app.id, '95000.00'))).body;
      expect((await act(offer.id, 'submit')).body.status).toBe('approved');
      const put = await http().put('/v1/fx-rates/CNY/USD', { rate: '0.125', asOf: '2026-11-20' });
      expect(put.body.offersToRecheck).toBeGreaterThanOrEqual(1);
      const after = await waitFor(async () => {
        const o = (await http().get(`/v1/offers/${offer.id}`)).body;
        return o.status === 'pending_approval' && o;
      });
      expect(after).toMatchObject({ statusReason: expect.stringMatching(/CNY\/USD rate of 2026-11-20/) });
      expect(after.evaluation).toMatchObject({ inBand: false, fxPinned: false });
      await waitFor(async () => (await suite.db.query(`SELECT 1 FROM offer_rate_checks`)).length === 0);
    } finally {
      await worker.stop();
      await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-20' });
    }
  });

  it('keeps a re-check whose job was lost until the schedule finds it', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '95000.00'))).body;
    expect((await act(offer.id, 'submit')).body.status).toBe('approved');
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.125', asOf: '2026-11-22' })).status).toBe(200);
    // As if the process died between the rate's commit and the jobs: the check is in Postgres, no job in Redis.
    const [check] = await suite.db.query<{ requested_at: Date }>(`SELECT requested_at FROM offer_rate_checks WHERE offer_id = $1`, [offer.id]);
    await suite.api.app.get(JobQueue).queue(QueueName.Maintenance).remove(`rate-check-${offer.id}-${check.requested_at.getTime()}`);
    await suite.db.query(`UPDATE offer_rate_checks SET requested_at = requested_at - interval '2 minutes' WHERE offer_id = $1`, [offer.id]);
    expect((await http().get(`/v1/offers/${offer.id}`)).body.status).toBe('approved');
    const worker = await spawnWorkerProcess(suite.config, { OFFER_EXPIRY_INTERVAL_MS: '1000' });
    try {
      await waitFor(async () => (await http().get(`/v1/offers/${offer.id}`)).body.status === 'pending_approval', 15_000, 200);
      expect(await suite.db.query(`SELECT 1 FROM offer_rate_checks WHERE offer_id = $1`, [offer.id])).toEqual([]);
      const history = (await http().get(`/v1/offers/${offer.id}/history`)).body.data;
      expect(history.filter((h: { to: string }) => h.to === 'pending_approval')).toHaveLength(1);
    } finally {
      await worker.stop();
      await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-22' });
    }
  });

  it('shows the gap to the strongest competing offer', async () => {
    const { app } = await application();
    await http().post(`/v1/applications/${app.id}/competing-offers`, { employer: 'Google DeepMind', base: '90000.00', currency: 'USD', period: 'annual' });
    await http().post(`/v1/applications/${app.id}/competing-offers`, { employer: 'Moonshot AI', base: '60000.00', currency: 'CNY', period: 'monthly' });
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    // 60,000 CNY a month x 12 (their extra months are unknown) x 0.138 = 99,360 USD a year beats DeepMind's 90,000.
    expect(offer.strongestCompetingOffer).toEqual({ employer: 'Moonshot AI', base: '99360.00', gap: '-16527.43' });
    expect((await http().get(`/v1/applications/${app.id}/competing-offers`)).body).toHaveLength(2);
  });

  it('lets exactly one of a concurrent accept and decline win; the loser gets 409', async () => {
    const { app } = await application('offer');
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    await act(offer.id, 'submit');
    await act(offer.id, 'send');
    // Hold the offer row so both requests read "sent" and then queue on their writes.
    const holder = new Client({ connectionString: suite.db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM offers WHERE id = $1 FOR UPDATE', [offer.id]);
      const racing = Promise.all([act(offer.id, 'accept'), act(offer.id, 'decline')]);
      await waitFor(async () => {
        await holder.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await holder.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE offers o SET status%'`,
        );
        return rows[0].n === 2;
      });
      await holder.query('COMMIT');
      const [a, b] = await racing;
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const [winner, loser] = a.status === 200 ? [a, b] : [b, a];
      expect(loser.body.code).toBe('concurrent_modification');
      expect((await http().get(`/v1/applications/${app.id}`)).body.stage).toBe(winner.body.status === 'accepted' ? 'hired' : 'offer');
      expect((await http().get(`/v1/offers/${offer.id}/history`)).body.data).toHaveLength(4);
    } finally {
      await holder.end();
    }
  });

  it('refuses zero pay, past expiries, version numbers out of range and stale currency amounts', async () => {
    const { app } = await application();
    expect((await http().post('/v1/offers', offerBody(app.id, '0'))).body.code).toBe('base_not_positive');
    expect((await http().post('/v1/offers', offerBody(app.id, '82832.57', { expiresAt: '2020-01-01T00:00:00Z' }))).body.code).toBe('expiry_in_past');
    expect((await http().post(`/v1/applications/${app.id}/competing-offers`, { employer: 'X', base: '0', currency: 'USD', period: 'annual' })).status).toBe(
      422,
    );
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    expect((await http().get(`/v1/offers/${offer.id}/versions/99999999999`)).body.code).toBe('invalid_version');
    expect((await http().get(`/v1/salary-bands/${bandId}/versions/0`)).status).toBe(400);
    expect((await http().patch(`/v1/offers/${offer.id}`, { currency: 'CNY' })).body).toMatchObject({ code: 'amounts_required', fields: ['base', 'signOn'] });
    expect((await http().patch(`/v1/salary-bands/${bandId}`, { currency: 'USD' })).body.code).toBe('amounts_required');
  });

  it('refuses to send or accept an offer once it has expired, even before the worker runs', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    await act(offer.id, 'submit');
    await suite.db.query(`UPDATE offers SET expires_at = now() - interval '1 second' WHERE id = $1`, [offer.id]);
    expect((await act(offer.id, 'send')).body.code).toBe('offer_expired');
  });

  it('keeps open offers of a closed application from moving on', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '120000.00'))).body;
    await act(offer.id, 'submit');
    await http().post(`/v1/applications/${app.id}/transitions`, { to: 'withdrawn', reason: 'accepted_other_offer' });
    expect((await act(offer.id, 'approve', { comment: 'ok' })).body.code).toBe('application_closed');
    expect((await act(offer.id, 'withdraw')).body.status).toBe('withdrawn');
  });

  it('makes an edited sent offer be sent again', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57'))).body;
    await act(offer.id, 'submit');
    await act(offer.id, 'send');
    const edited = (await http().patch(`/v1/offers/${offer.id}`, { base: '84000.00' })).body;
    expect(edited).toMatchObject({ status: 'approved', version: 2, statusReason: 'edited after sending: send it again' });
    expect((await act(offer.id, 'accept')).body.code).toBe('illegal_offer_action');
  });

  it('leaves an offer an admin approved out of band alone when rates change', async () => {
    const { app } = await application();
    const offer = (await http().post('/v1/offers', offerBody(app.id, '120000.00'))).body;
    await act(offer.id, 'submit');
    await act(offer.id, 'approve', { comment: 'exceptional candidate' });
    const put = await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-11-21' });
    expect(put.body.offersToRecheck).toBeGreaterThanOrEqual(1);
    // The worker's job, run here: the check finds the offer was approved out of band and leaves it.
    expect(await suite.api.app.get(OffersService).recheckRate(offer.id)).toBe('unchanged');
    expect(await suite.api.app.get(OffersService).recheckRate(offer.id)).toBe('not_queued');
    expect((await http().get(`/v1/offers/${offer.id}`)).body.status).toBe('approved');
  });

  it('keeps the band version an offer was checked against when the band changes', async () => {
    const bandRes = await http().post('/v1/salary-bands', {
      jobFamily: 'search',
      level: 'P7',
      zone: 'us-bay-area',
      currency: 'USD',
      period: 'annual',
      baseMin: '200000.00',
      baseMid: '240000.00',
      baseMax: '280000.00',
      effectiveFrom: '2026-01-01',
    });
    expect(bandRes.status).toBe(201);
    const band = bandRes.body;
    const { app } = await application();
    const created = await http().post('/v1/offers', offerBody(app.id, '270000.00', { salaryBandId: band.id }));
    expect(created.status).toBe(201);
    const offer = created.body;
    expect(offer.evaluation).toMatchObject({ bandVersion: 1, inBand: true, compaRatio: '1.1250' });
    await http().patch(`/v1/salary-bands/${band.id}`, { baseMax: '260000.00' });
    const after = (await http().get(`/v1/offers/${offer.id}`)).body;
    expect(after.evaluation).toMatchObject({ bandVersion: 1, bandMax: '280000.00', inBand: true });
  });

  it('expires sent offers once, by the real worker schedule, with two worker processes running', async () => {
    const env = { OFFER_EXPIRY_INTERVAL_MS: '1000' };
    const workers = await Promise.all([spawnWorkerProcess(suite.config, env), spawnWorkerProcess(suite.config, env)]);
    try {
      const { app } = await application();
      const offer = (await http().post('/v1/offers', offerBody(app.id, '82832.57', { expiresAt: new Date(Date.now() + 1500).toISOString() }))).body;
      await act(offer.id, 'submit');
      await act(offer.id, 'send');
      await waitFor(async () => (await http().get(`/v1/offers/${offer.id}`)).body.status === 'expired', 15_000, 200);
      await new Promise((r) => setTimeout(r, 2500));
      const history = (await http().get(`/v1/offers/${offer.id}/history`)).body.data;
      expect(history.filter((h: { to: string }) => h.to === 'expired')).toEqual([
        expect.objectContaining({ from: 'sent', actorId: null, comment: 'expired unanswered' }),
      ]);
      expect((await act(offer.id, 'accept')).body.code).toBe('illegal_offer_action');
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });
});
