import { InsightProjection } from '@app/insight';
import { Client } from 'pg';
import { bandBody, createUser, taskForceBody, useApi } from './support/harness';

/**
 * The reports against a fixture whose every figure was worked out by hand (the comments show the
 * arithmetic). Times are set by SQL after the API made the rows, then the facts are rebuilt.
 */
describe('insight reports', () => {
  const suite = useApi('insight');
  const http = () => suite.api.http;
  const projection = () => suite.api.app.get(InsightProjection);
  const D = Date.parse('2026-03-02T00:00:00Z');
  const at = (days: number) => new Date(D + days * 86_400_000).toISOString();
  const MARCH = 'from=2026-03-01&to=2026-03-31';

  let recruiter: { id: string; token: string };
  const tf: Record<'a' | 'b', string> = { a: '', b: '' };
  const opening: Record<'llm' | 'search' | 'b', string> = { llm: '', search: '', b: '' };
  const cand: Record<string, string> = {};
  const apps: Record<string, string> = {};
  const offers: Record<string, string> = {};
  let sequenceId = '';
  const enrollments: Record<string, string> = {};
  let n = 0;

  const candidate = async (key: string, body: Record<string, unknown>) => {
    const res = await http().post('/v1/candidates', { emails: [`insight.${key}.${++n}.${Date.now()}@example.com`], timeZone: 'America/Los_Angeles', ...body });
    expect(res.status).toBe(201);
    cand[key] = res.body.id;
    return res.body;
  };
  const apply = async (key: string, candidateKey: string, taskForceId: string, openingId?: string) => {
    const res = await http().post('/v1/applications', { candidateId: cand[candidateKey], taskForceId, ...(openingId ? { openingId } : {}) });
    expect(res.status).toBe(201);
    apps[key] = res.body.id;
  };
  const move = async (key: string, ...stages: string[]) => {
    for (const to of stages) {
      const body = to === 'rejected' ? { to, reason: 'not_qualified' } : { to };
      const res = await http().post(`/v1/applications/${apps[key]}/transitions`, body);
      expect([res.status, res.body.code]).toEqual([200, undefined]);
    }
  };
  const stageAt = (key: string, stage: string, days: number) =>
    suite.db.query(`UPDATE application_stage_changes SET at = $3 WHERE application_id = $1 AND to_stage = $2`, [apps[key], stage, at(days)]);
  const offer = async (key: string, applicationKey: string) => {
    const res = await http().post('/v1/offers', {
      applicationId: apps[applicationKey],
      salaryBandId: bandId,
      base: '82832.57',
      currency: 'USD',
      period: 'annual',
      startDate: '2027-03-01',
      expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
    });
    expect([res.status, res.body.errors ?? res.body.code]).toEqual([201, undefined]);
    offers[key] = res.body.id;
    for (const action of ['submit', 'send']) expect((await http().post(`/v1/offers/${res.body.id}/${action}`, {})).status).toBe(200);
  };
  let bandId = '';
  const rebuild = async () => {
    await projection().requestRebuild();
    await projection().project();
    await projection().refreshMarket();
  };

  beforeAll(async () => {
    recruiter = await createUser(http(), 'recruiter', 'insight');
    tf.a = (await http().post('/v1/task-forces', taskForceBody({ headcountTarget: 12, targetEmployers: ['OpenAI'] }))).body.id;
    tf.b = (await http().post('/v1/task-forces', taskForceBody({ headcountTarget: 5 }))).body.id;
    expect((await http().post(`/v1/task-forces/${tf.a}/members`, { userId: recruiter.id })).status).toBe(201);
    const newOpening = async (taskForceId: string, skillArea: string, headcount: number) =>
      (await http().post(`/v1/task-forces/${taskForceId}/openings`, { title: `${skillArea} engineer`, skillArea, level: 'P7', headcount })).body.id as string;
    opening.llm = await newOpening(tf.a, 'llm', 2);
    opening.search = await newOpening(tf.a, 'search', 1);
    opening.b = await newOpening(tf.b, 'llm', 3);
    const band = await http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01' }));
    expect([band.status, band.body.errors]).toEqual([201, undefined]);
    bandId = band.body.id;
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: '2026-01-01' })).status).toBe(200);
    sequenceId = (
      await http().post('/v1/sequences', {
        taskForceId: tf.a,
        name: 'Insight sequence',
        sender: { fromName: 'Jun Wang', fromAddress: 'jun@talent.example.com', replyTo: 'replies@talent.example.com' },
        steps: [{ delay: 'PT0S', subject: 'Hello', body: 'Hi {{unsubscribeUrl}}' }],
        sendWindow: { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' },
      })
    ).body.id;

    await candidate('c1', {
      fullName: 'Insight One',
      skillAreas: ['llm'],
      currentEmployer: 'OpenAI',
      visaStatus: 'h1b',
      source: 'sourced',
      location: 'San Francisco',
    });
    const c2 = await candidate('c2', {
      fullName: 'Insight Two',
      skillAreas: ['llm'],
      currentEmployer: 'Google DeepMind',
      visaStatus: 'citizen',
      source: 'referral',
    });
    await candidate('c3', { fullName: 'Insight Three', skillAreas: ['search'], currentEmployer: 'OpenAI', visaStatus: 'needs_sponsorship' });
    await candidate('c4', { fullName: 'Insight Four', skillAreas: ['llm', 'search'], currentEmployer: 'Anthropic', visaStatus: 'f1_opt' });
    await candidate('c5', { fullName: 'Insight Five', skillAreas: ['llm'], currentEmployer: 'OpenAI', consentState: 'opted_out' });
    await candidate('c6', { fullName: 'Insight Six', skillAreas: ['speech'], currentEmployer: 'Meta' });
    await candidate('c7', { fullName: 'Insight Seven', skillAreas: ['search'], currentEmployer: 'Google DeepMind' });

    await apply('app1', 'c1', tf.a, opening.llm);
    await apply('app2', 'c2', tf.a, opening.llm);
    await apply('app3', 'c3', tf.a, opening.search);
    await apply('app4', 'c4', tf.b, opening.b);
    await apply('app5', 'c7', tf.a);
    const enrolled = (await http().post(`/v1/sequences/${sequenceId}/enrollments`, { candidateIds: [cand.c1, cand.c2, cand.c3] })).body.enrolled as {
      candidateId: string;
      enrollmentId: string;
    }[];
    for (const e of enrolled) enrollments[Object.keys(cand).find((k) => cand[k] === e.candidateId)!] = e.enrollmentId;
    expect(Object.keys(enrollments).sort()).toEqual(['c1', 'c2', 'c3']);
    // c2's address bounced later: no longer reachable.
    await suite.db.query(`INSERT INTO bounced_addresses (email) VALUES (lower($1))`, [c2.emails[0]]);

    await move('app1', 'contacted', 'replied', 'screening');
    await move('app2', 'contacted', 'rejected');
    await move('app3', 'contacted', 'replied', 'screening', 'interviewing');
    await move('app5', 'contacted', 'replied', 'screening', 'interviewing');
    await offer('won', 'app3');
    expect((await http().post(`/v1/offers/${offers.won}/accept`, {})).status).toBe(200);
    await offer('lost', 'app5');
    expect(
      (
        await http().post(`/v1/applications/${apps.app5}/competing-offers`, {
          employer: 'Google DeepMind',
          base: '300000.00',
          currency: 'USD',
          period: 'annual',
        })
      ).status,
    ).toBe(201);
    expect((await http().post(`/v1/offers/${offers.lost}/decline`, { comment: ' Chose a competing offer ' })).status).toBe(200);

    // The history, by hand: days after Monday 2 March 2026, 00:00 UTC.
    for (const [key, stages] of Object.entries({
      app1: [
        ['sourced', 0],
        ['contacted', 1],
        ['replied', 3],
        ['screening', 4],
      ],
      app2: [
        ['sourced', 0],
        ['contacted', 2],
        ['rejected', 5],
      ],
      app3: [
        ['sourced', 1],
        ['contacted', 2],
        ['replied', 4],
        ['screening', 6],
        ['interviewing', 8],
        ['offer', 10],
        ['hired', 12],
      ],
      app5: [
        ['sourced', 3],
        ['contacted', 4],
        ['replied', 5],
        ['screening', 6],
        ['interviewing', 7],
        ['offer', 9],
      ],
    } as Record<string, [string, number][]>)) {
      for (const [stage, day] of stages) await stageAt(key, stage, day);
    }
    // app4 entered on 31 March at 20:00 UTC: already 1 April in Shanghai.
    await suite.db.query(`UPDATE application_stage_changes SET at = '2026-03-31T20:00:00Z' WHERE application_id = $1`, [apps.app4]);
    await suite.db.query(`UPDATE openings SET created_at = $2 WHERE id = $1`, [opening.search, at(-2)]);
    await suite.db.query(`UPDATE offer_events SET at = $2 WHERE offer_id = $1 AND to_status = 'sent'`, [offers.won, at(10)]);
    await suite.db.query(`UPDATE offer_events SET at = $2 WHERE offer_id = $1 AND to_status = 'accepted'`, [offers.won, at(11.5)]);
    await suite.db.query(`UPDATE offer_events SET at = $2 WHERE offer_id = $1 AND to_status = 'sent'`, [offers.lost, at(9)]);
    await suite.db.query(`UPDATE offer_events SET at = $2 WHERE offer_id = $1 AND to_status = 'declined'`, [offers.lost, at(12)]);
    // Outreach: c2's step bounced on Thursday 5 March 09:00 in Los Angeles (PST), c1's went on
    // Friday 6 March 09:00 PST, c3's on Tuesday 10 March 10:00 PDT (DST began on the 8th) and was answered.
    const step = (key: string, status: string, sentAt: string, response: string | null) =>
      suite.db.query(
        `UPDATE outreach_messages SET status = $2, sent_at = CASE WHEN $2 = 'sent' THEN $3::timestamptz END, response = $4, response_at = $3::timestamptz WHERE enrollment_id = $1 AND step = 1`,
        [enrollments[key], status, sentAt, response],
      );
    await step('c2', 'failed', '2026-03-05T17:00:00Z', 'bounced');
    await step('c1', 'sent', '2026-03-06T17:00:00Z', null);
    await step('c3', 'sent', '2026-03-10T17:00:00Z', 'replied');
    await rebuild();
  });

  it('counts the talent market per skill area for the whole pool, and per task force', async () => {
    const all = await http().get('/v1/insight/market');
    expect(all.status).toBe(200);
    expect(all.body.asOf).not.toBeNull();
    const row = (rows: { taskForceId: string | null; skillArea: string }[], area: string, scope: string | null = null) =>
      rows.find((r) => r.skillArea === area && r.taskForceId === scope);
    // Pool: c3 is hired and c5 opted out. llm: c1, c2, c4; c2 bounced; c1 (h1b) and c4 (f1_opt) need sponsorship.
    // Demand: llm openings 2 + 3 with no hires; the search opening's one seat is filled.
    expect(row(all.body.skillAreas, 'llm')).toEqual({
      taskForceId: null,
      skillArea: 'llm',
      supply: 3,
      reachable: 2,
      needsSponsorship: 2,
      demand: 5,
      ratio: 0.6,
      reachableRatio: 0.4,
    });
    expect(row(all.body.skillAreas, 'search')).toMatchObject({ supply: 2, demand: 0, ratio: null });
    expect(row(all.body.skillAreas, 'speech')).toMatchObject({ supply: 1, reachable: 1, demand: 0 });
    expect(all.body.skillAreas).toHaveLength(8);
    expect(all.body.employers.filter((e: { skillArea: string }) => e.skillArea === 'llm')).toEqual([
      { taskForceId: null, skillArea: 'llm', value: 'Anthropic', candidates: 1, share: 0.3333 },
      { taskForceId: null, skillArea: 'llm', value: 'Google DeepMind', candidates: 1, share: 0.3333 },
      { taskForceId: null, skillArea: 'llm', value: 'OpenAI', candidates: 1, share: 0.3333 },
    ]);
    expect(all.body.visas.filter((e: { skillArea: string }) => e.skillArea === 'search').map((v: { value: string }) => v.value)).toEqual(['f1_opt', 'unknown']);
    // This week's row of the trend is written by every recount.
    const thisWeek = await http().get(`/v1/insight/market?from=${new Date().toISOString().slice(0, 10)}`);
    expect(row(thisWeek.body.trend, 'llm')).toMatchObject({ supply: 3, reachable: 2, demand: 5, ratio: 0.6 });

    // Task force A: only open applications count (c2 was rejected, c3 hired; c7 is at offer); the search seat is filled.
    const a = await http().get(`/v1/insight/market?taskForceId=${tf.a}`);
    expect(row(a.body.skillAreas, 'llm', tf.a)).toMatchObject({ supply: 1, reachable: 1, needsSponsorship: 1, demand: 2, ratio: 0.5 });
    expect(row(a.body.skillAreas, 'search', tf.a)).toMatchObject({ supply: 1, demand: 0, ratio: null });
    const b = await http().get(`/v1/insight/market?taskForceId=${tf.b}`);
    expect(row(b.body.skillAreas, 'llm', tf.b)).toMatchObject({ supply: 1, demand: 3, ratio: 0.33 });
  });

  it('shows recruiters their task forces only, and hides the others as missing', async () => {
    const as = { token: recruiter.token };
    const market = await http().get('/v1/insight/market', as);
    expect(market.status).toBe(200);
    expect(new Set(market.body.skillAreas.map((r: { taskForceId: string }) => r.taskForceId))).toEqual(new Set([tf.a]));
    const funnel = await http().get(`/v1/insight/funnel?${MARCH}`, as);
    expect(funnel.body.stages[0]).toMatchObject({ stage: 'sourced', entered: 4 });
    expect(funnel.body.taskForces.map((t: { taskForceId: string }) => t.taskForceId)).toEqual([tf.a]);
    for (const path of ['market', 'funnel', 'funnel/openings', 'outreach', 'offers']) {
      const other = await http().get(`/v1/insight/${path}?taskForceId=${tf.b}`, as);
      expect([path, other.status, other.body.code]).toEqual([path, 404, 'task_force_not_found']);
    }
    const openings = await http().get('/v1/insight/funnel/openings', as);
    expect(openings.body.data.map((o: { openingId: string }) => o.openingId).sort()).toEqual([opening.llm, opening.search].sort());
  });

  it('reports the funnel: entries, conversion, time in stage and drop-offs, as worked out by hand', async () => {
    const res = await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&${MARCH}`);
    expect(res.status).toBe(200);
    const stages = Object.fromEntries(res.body.stages.map((s: { stage: string }) => [s.stage, s]));
    // sourced: app1 1 d, app2 2 d, app3 1 d, app5 1 d -> all four went on; median 1, p90 = 1 + 0.7 x (2 - 1).
    expect(stages.sourced).toEqual({ stage: 'sourced', entered: 4, advanced: 4, conversion: 1, left: 4, medianDays: 1, p90Days: 1.7 });
    // contacted: app1 2 d, app2 3 d (then rejected), app3 2 d, app5 1 d.
    expect(stages.contacted).toEqual({ stage: 'contacted', entered: 4, advanced: 3, conversion: 0.75, left: 4, medianDays: 2, p90Days: 2.7 });
    // replied: app1 1 d, app3 2 d, app5 1 d.
    expect(stages.replied).toEqual({ stage: 'replied', entered: 3, advanced: 3, conversion: 1, left: 3, medianDays: 1, p90Days: 1.8 });
    // screening: app1 still there; app3 2 d, app5 1 d.
    expect(stages.screening).toEqual({ stage: 'screening', entered: 3, advanced: 2, conversion: 0.6667, left: 2, medianDays: 1.5, p90Days: 1.9 });
    expect(stages.interviewing).toEqual({ stage: 'interviewing', entered: 2, advanced: 2, conversion: 1, left: 2, medianDays: 2, p90Days: 2 });
    // offer: app3 left after 2 d, hired; app5's offer was declined and it is still at offer.
    expect(stages.offer).toEqual({ stage: 'offer', entered: 2, advanced: 1, conversion: 0.5, left: 1, medianDays: 2, p90Days: 2 });
    expect(stages.hired).toEqual({ stage: 'hired', entered: 1, advanced: null, conversion: null, left: 0, medianDays: null, p90Days: null });
    expect(stages.rejected).toMatchObject({ entered: 1, advanced: null });
    expect(stages.withdrawn).toMatchObject({ entered: 0 });
    expect(res.body.dropOffs).toEqual([{ stage: 'rejected', reason: 'not_qualified', fromStage: 'contacted', applications: 1 }]);
    // Hired on day 12, in the pipeline since day 1: 11 days.
    expect(res.body.taskForces).toEqual([
      expect.objectContaining({ taskForceId: tf.a, headcountTarget: 12, hires: 1, hiresToDate: 1, medianDaysToHire: 11, p90DaysToHire: 11 }),
    ]);

    // Filters: the referral is c2 alone; the search opening is app3 alone.
    const referral = await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&${MARCH}&source=referral`);
    expect(referral.body.stages.slice(0, 2).map((s: { entered: number }) => s.entered)).toEqual([1, 1]);
    const bySearch = await http().get(`/v1/insight/funnel?${MARCH}&openingId=${opening.search}`);
    expect(bySearch.body.stages.map((s: { entered: number }) => s.entered)).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0]);
  });

  it('counts days where the reader is: app4 entered on 31 March UTC, 1 April in Shanghai', async () => {
    const utc = await http().get(`/v1/insight/funnel?${MARCH}`);
    expect(utc.body.stages[0].entered).toBe(5);
    expect(utc.body.period).toEqual({
      from: '2026-03-01',
      to: '2026-03-31',
      timeZone: 'UTC',
      start: '2026-03-01T00:00:00.000Z',
      end: '2026-04-01T00:00:00.000Z',
    });
    const shanghai = await http().get(`/v1/insight/funnel?${MARCH}&timeZone=Asia/Shanghai`);
    expect(shanghai.body.stages[0].entered).toBe(4);
    expect(shanghai.body.period).toMatchObject({ start: '2026-02-28T16:00:00.000Z', end: '2026-03-31T16:00:00.000Z' });
    const april = await http().get(`/v1/insight/funnel?from=2026-04-01&to=2026-04-01&timeZone=Asia/Shanghai`);
    expect(april.body.stages[0].entered).toBe(1);
  });

  it('reports time to fill and time to hire per opening, a page at a time', async () => {
    const first = await http().get(`/v1/insight/funnel/openings?taskForceId=${tf.a}&limit=1`);
    expect(first.body.data).toHaveLength(1);
    const second = await http().get(`/v1/insight/funnel/openings?taskForceId=${tf.a}&limit=1&cursor=${first.body.nextCursor}`);
    const rows = [...first.body.data, ...second.body.data];
    expect(second.body.nextCursor).toBeNull();
    // Opened on day -2, its one seat filled by the hire on day 12: 14 days.
    expect(rows.find((r) => r.openingId === opening.search)).toMatchObject({ headcount: 1, hires: 1, filledAt: at(12), daysToFill: 14, medianDaysToHire: 11 });
    expect(rows.find((r) => r.openingId === opening.llm)).toMatchObject({ headcount: 2, hires: 0, filledAt: null, daysToFill: null, medianDaysToHire: null });
  });

  it('reports outreach per step, employer, skill area and local send time', async () => {
    const res = await http().get(`/v1/insight/outreach?taskForceId=${tf.a}&${MARCH}`);
    expect(res.status).toBe(200);
    const counts = (sent: number, delivered: number, bounced: number, replied: number) => ({
      sent,
      delivered,
      bounced,
      replied,
      unsubscribed: 0,
      uncertain: 0,
      replyRate: delivered ? Number((replied / delivered).toFixed(4)) : null,
      sampleSize: delivered,
    });
    expect(res.body.total).toEqual(counts(2, 2, 1, 1));
    expect(res.body.steps).toEqual([{ sequenceId, sequenceName: 'Insight sequence', version: 1, step: 1, ...counts(2, 2, 1, 1) }]);
    expect(res.body.employers).toEqual([
      { employer: 'OpenAI', target: true, ...counts(2, 2, 0, 1) },
      { employer: 'Google DeepMind', target: false, ...counts(0, 0, 1, 0) },
    ]);
    expect(res.body.skillAreas).toEqual([
      { skillArea: 'llm', ...counts(1, 1, 1, 0) },
      { skillArea: 'search', ...counts(1, 1, 0, 1) },
    ]);
    expect(res.body.sendTimes).toEqual([
      { weekday: 2, hour: 10, ...counts(1, 1, 0, 1) },
      { weekday: 4, hour: 9, ...counts(0, 0, 1, 0) },
      { weekday: 5, hour: 9, ...counts(1, 1, 0, 0) },
    ]);
    // Days in Los Angeles: whole UTC days come from the daily counts, the hours at the edges from the facts.
    const la = (from: string, to: string) => http().get(`/v1/insight/outreach?taskForceId=${tf.a}&from=${from}&to=${to}&timeZone=America/Los_Angeles`);
    expect((await la('2026-03-01', '2026-03-31')).body.total).toEqual(counts(2, 2, 1, 1));
    // 5 March there is 08:00 UTC on the 5th to 08:00 on the 6th: c2's bounce, not c1's send at 17:00 on the 6th.
    expect((await la('2026-03-05', '2026-03-05')).body.total).toEqual(counts(0, 0, 1, 0));
    // 4 to 6 March: the whole UTC days 5 and 6, and the edges before and after them.
    const threeDays = await la('2026-03-04', '2026-03-06');
    expect(threeDays.body.total).toEqual(counts(1, 1, 1, 0));
    expect(threeDays.body.sendTimes.map((t: { weekday: number; hour: number }) => [t.weekday, t.hour])).toEqual([
      [4, 9],
      [5, 9],
    ]);
    expect((await la('2026-03-07', '2026-03-09')).body.total).toEqual(counts(0, 0, 0, 0));
    const otherSequence = await http().get(`/v1/insight/outreach?${MARCH}&sequenceId=00000000-0000-7000-8000-000000000000`);
    expect(otherSequence.body.total).toMatchObject({ sent: 0, replyRate: null });
  });

  it('reports offers: acceptance, answer times, compa-ratio per band and the gap to competitors in a chosen currency', async () => {
    const res = await http().get(`/v1/insight/offers?taskForceId=${tf.a}&${MARCH}`);
    expect(res.status).toBe(200);
    // Answered after 1.5 and 3 days: median 2.25, p90 = 1.5 + 0.9 x 1.5.
    expect(res.body.summary).toEqual({
      sent: 2,
      accepted: 1,
      declined: 1,
      expired: 0,
      withdrawn: 0,
      open: 0,
      acceptanceRate: 0.5,
      medianDaysToAnswer: 2.25,
      p90DaysToAnswer: 2.85,
      outOfBandApprovals: 0,
    });
    expect(res.body.declineReasons).toEqual([{ reason: 'chose a competing offer', offers: 1 }]);
    // 82,832.57 USD a year at the pinned 0.138 over 14 months is the band's midpoint.
    expect(res.body.bands).toEqual([
      expect.objectContaining({ salaryBandId: bandId, offers: 2, outOfBand: 0, minCompaRatio: 1, medianCompaRatio: 1, maxCompaRatio: 1 }),
    ]);
    // (300,000 - 82,832.57) / 82,832.57 = 2.6218; both in USD, so no rate was needed.
    expect(res.body.competitors).toEqual([
      { employer: 'Google DeepMind', offers: 1, compared: 1, medianGap: 2.6218, medianTheirBase: '300000.00', medianOurBase: '82832.57', lost: 1 },
    ]);
    expect(res.body.rates).toEqual([]);
    const inCny = await http().get(`/v1/insight/offers?taskForceId=${tf.a}&${MARCH}&currency=CNY`);
    expect(inCny.body.competitors[0]).toMatchObject({ medianGap: 2.6218, medianTheirBase: '2173913.04', medianOurBase: '600236.01' });
    expect(inCny.body.rates).toEqual([{ base: 'CNY', quote: 'USD', rate: '0.138', asOf: '2026-01-01' }]);
  });

  it('answers one table as CSV, by format or by Accept', async () => {
    const byFormat = await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&${MARCH}&format=csv`);
    expect(byFormat.status).toBe(200);
    expect(byFormat.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = String(byFormat.text).trimEnd().split('\r\n');
    expect(lines[0]).toBe('stage,entered,advanced,conversion,left,medianDays,p90Days');
    expect(lines[1]).toBe('sourced,4,4,1,4,1,1.7');
    expect(lines[7]).toBe('hired,1,,,0,,');
    const byAccept = await http().get(`/v1/insight/market?table=employers`, { headers: { accept: 'text/csv' } });
    expect(byAccept.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(String(byAccept.text).split('\r\n')[0]).toBe('taskForceId,skillArea,value,candidates,share');
    const offersCsv = await http().get(`/v1/insight/offers?taskForceId=${tf.a}&${MARCH}&format=csv&table=decline-reasons`);
    expect(offersCsv.text).toBe('reason,offers\r\nchose a competing offer,1\r\n');
  });

  it('refuses bad filters with a problem naming the field', async () => {
    for (const [query, field] of [
      ['from=2026-02-30', 'from'],
      ['from=2026-04-01&to=2026-03-01', 'from'],
      ['from=2024-01-01&to=2026-03-01', 'from'],
      ['to=yesterday', 'to'],
      ['timeZone=Mars/Olympus', 'timeZone'],
      ['taskForceId=42', 'taskForceId'],
      ['format=xml', 'format'],
      ['table=everything', 'table'],
      ['source=cold-call', 'source'],
    ]) {
      const res = await http().get(`/v1/insight/funnel?${query}`);
      expect([query, res.status, res.headers.get('content-type')]).toEqual([query, 400, expect.stringMatching(/^application\/problem\+json/)]);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const missing = await http().get(`/v1/insight/market?taskForceId=00000000-0000-7000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect((await http().get('/v1/insight/offers?currency=XYZ')).status).toBe(400);
  });

  it('follows changes through the event outbox, and erasure reaches the facts at once', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const before = await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&from=${today}&to=${today}`);
    await move('app1', 'interviewing');
    await projection().project();
    const after = await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&from=${today}&to=${today}`);
    const entered = (r: typeof after) => r.body.stages.find((s: { stage: string }) => s.stage === 'interviewing').entered;
    expect(entered(after)).toBe(entered(before) + 1);
    // The March screening visit of app1 has now ended: 4 days after day 4 would be today, not March; it counts as left.
    const march = await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&${MARCH}`);
    expect(march.body.stages.find((s: { stage: string }) => s.stage === 'screening')).toMatchObject({ entered: 3, advanced: 3, left: 3 });

    expect((await http().delete(`/v1/candidates/${cand.c1}`)).status).toBe(204);
    const [fact] = await suite.db.query<{ employer: string | null; skill_areas: string[] }>(
      `SELECT employer, skill_areas FROM insight_outreach_steps WHERE candidate_id = $1`,
      [cand.c1],
    );
    expect(fact).toEqual({ employer: null, skill_areas: [] });
    const outreach = await http().get(`/v1/insight/outreach?taskForceId=${tf.a}&${MARCH}`);
    expect(outreach.body.employers).toContainEqual(expect.objectContaining({ employer: null, sent: 1 }));
    // A rebuild from the tables agrees with what the events and the erasure's deltas built.
    const incremental = (await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&${MARCH}`)).body.stages;
    const { period: _p, asOf: _a, ...outreachBefore } = outreach.body;
    // The monthly funnel counts the passes kept by deltas are the visits counted afresh.
    const recount = `SELECT date_trunc('month', entered_at AT TIME ZONE 'UTC')::date AS month, task_force_id, source, stage, hours_in_stage,
                            CASE WHEN stage IN ('rejected', 'withdrawn') THEN reason END, CASE WHEN stage IN ('rejected', 'withdrawn') THEN from_stage END,
                            count(*)::int, (count(*) FILTER (WHERE advanced))::int
                       FROM insight_stage_visits GROUP BY 1, 2, 3, 4, 5, 6, 7`;
    const kept = `SELECT month, task_force_id, source, stage, hours_in_stage, reason, from_stage, visits, advanced FROM insight_funnel_monthly WHERE visits <> 0`;
    expect(await suite.db.query(`(${kept} EXCEPT ALL ${recount}) UNION ALL (${recount} EXCEPT ALL ${kept})`)).toEqual([]);
    expect((await suite.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM insight_funnel_monthly`))[0].n).toBeGreaterThan(0);
    await rebuild();
    expect((await http().get(`/v1/insight/funnel?taskForceId=${tf.a}&${MARCH}`)).body.stages).toEqual(incremental);
    const { period: _p2, asOf: _a2, ...outreachAfter } = (await http().get(`/v1/insight/outreach?taskForceId=${tf.a}&${MARCH}`)).body;
    expect(outreachAfter).toEqual(outreachBefore);
  });

  it('re-derives the steps and candidates that events name, by message, by enrollment and by source, as a rebuild would', async () => {
    const event = (type: string, payload: Record<string, unknown>) =>
      suite.db.query(`INSERT INTO domain_events (id, type, version, occurred_at, payload) VALUES (gen_random_uuid(), $1, 1, now(), $2)`, [type, payload]);
    // c2's step turns out to have been delivered after all; c3 unsubscribed instead of replying; c7 turns out to be a referral.
    const [{ id: delivered }] = await suite.db.query<{ id: string }>(
      `UPDATE outreach_messages SET status = 'sent', response = NULL, sent_at = response_at WHERE enrollment_id = $1 RETURNING id`,
      [enrollments.c2],
    );
    await event('outreach.step_sent', { outreachMessageId: delivered, enrollmentId: enrollments.c2 });
    await suite.db.query(`UPDATE outreach_messages SET response = 'unsubscribed' WHERE enrollment_id = $1`, [enrollments.c3]);
    await event('outreach.unsubscribed', { enrollmentId: enrollments.c3 });
    await suite.db.query(`UPDATE candidates SET source = 'referral' WHERE id = $1`, [cand.c7]);
    await event('candidate.updated', { candidateId: cand.c7, fields: ['source'] });
    const referrals = () => http().get(`/v1/insight/funnel?taskForceId=${tf.a}&source=referral&${MARCH}`);
    const referredBefore = (await referrals()).body.stages.find((s: { stage: string }) => s.stage === 'offer').entered;

    await projection().project();
    const outreach = await http().get(`/v1/insight/outreach?taskForceId=${tf.a}&${MARCH}`);
    expect(outreach.body.total).toMatchObject({ sent: 3, bounced: 0, replied: 0, unsubscribed: 1 });
    expect(outreach.body.employers).toContainEqual(expect.objectContaining({ employer: 'Google DeepMind', sent: 1, bounced: 0 }));
    const funnel = (await referrals()).body.stages;
    expect(funnel.find((s: { stage: string }) => s.stage === 'offer').entered).toBe(referredBefore + 1);

    await rebuild();
    const { period: _p, asOf: _a, ...incremental } = outreach.body;
    const { period: _p2, asOf: _a2, ...rebuilt } = (await http().get(`/v1/insight/outreach?taskForceId=${tf.a}&${MARCH}`)).body;
    expect(rebuilt).toEqual(incremental);
    expect((await referrals()).body.stages).toEqual(funnel);
  });

  it('erases what a pass in progress derived from the person before the erasure', async () => {
    const person = await candidate('racer', { fullName: 'Insight Racer', skillAreas: ['llm'], currentEmployer: 'OpenAI' });
    // A pass holds its position and has just written a fact from the record as it was.
    const pass = new Client({ connectionString: suite.db.url });
    await pass.connect();
    try {
      await pass.query('BEGIN');
      await pass.query(`SELECT 1 FROM insight_projection WHERE id = 1 FOR UPDATE`);
      await pass.query(
        `INSERT INTO insight_outreach_steps (message_id, candidate_id, task_force_id, sequence_id, sequence_version, step, status, sent_at, local_hour, local_weekday, employer, skill_areas)
         VALUES (gen_random_uuid(), $1, $2, $3, 1, 1, 'sent', now(), 9, 1, 'OpenAI', '{llm}')`,
        [person.id, tf.a, sequenceId],
      );
      const erasure = http().delete(`/v1/candidates/${person.id}`);
      // The erasure waits for the pass instead of clearing before the fact exists.
      await new Promise((r) => setTimeout(r, 300));
      await pass.query('COMMIT');
      expect((await erasure).status).toBe(204);
    } finally {
      await pass.end();
    }
    expect(await suite.db.query(`SELECT employer, skill_areas FROM insight_outreach_steps WHERE candidate_id = $1`, [person.id])).toEqual([
      { employer: null, skill_areas: [] },
    ]);
  });
});
