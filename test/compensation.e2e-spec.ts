import { bandBody, createUser, useApi } from './support/harness';

const band = (overrides: Record<string, unknown> = {}) =>
  bandBody({ signOnMin: '50000.00', signOnMax: '150000.00', effectiveFrom: '2027-01-01', effectiveTo: '2027-12-31', ...overrides });

describe('salary bands and exchange rates', () => {
  const suite = useApi('compensation');
  const http = () => suite.api.http;

  it('creates a band with exact amounts and reads it back', async () => {
    const created = await http().post('/v1/salary-bands', band());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ version: 1, baseMid: '42874.00', monthsPerYear: 14, equityMin: null, effectiveTo: '2027-12-31' });
    expect((await http().get(`/v1/salary-bands/${created.body.id}`)).body).toEqual(created.body);
    const krw = await http().post(
      '/v1/salary-bands',
      band({
        zone: 'kr-seoul',
        currency: 'KRW',
        period: 'annual',
        monthsPerYear: 12,
        baseMin: '90000000',
        baseMid: '110000000',
        baseMax: '130000000',
        signOnMin: null,
        signOnMax: null,
      }),
    );
    expect(krw.status).toBe(201);
    expect(krw.body.baseMid).toBe('110000000');
  });

  it('defaults to 12 months of pay and open-ended dates when those are left out', async () => {
    const { monthsPerYear: _m, effectiveTo: _t, signOnMin: _a, signOnMax: _b, ...minimal } = band({ level: 'L9' });
    const res = await http().post('/v1/salary-bands', minimal);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ monthsPerYear: 12, effectiveTo: null, signOnMin: null });
  });

  it('refuses bad amounts and ranges', async () => {
    const res = await http().post('/v1/salary-bands', band({ baseMin: '-1', baseMid: 42874, currency: 'XYZ' }));
    expect(res.status).toBe(400);
    expect(new Set(res.body.errors.map((e: { field: string }) => e.field))).toEqual(new Set(['baseMin', 'baseMid', 'currency']));
    const order = await http().post('/v1/salary-bands', band({ level: 'P9', baseMin: '50000.00', baseMid: '42874.00' }));
    expect(order.status).toBe(422);
    expect(order.body.code).toBe('band_invalid');
    const half = await http().post('/v1/salary-bands', band({ level: 'P9', signOnMax: null }));
    expect(half.body.problems).toContain('signOnMin and signOnMax go together');
    expect((await http().post('/v1/salary-bands', band({ level: 'P9', zone: 'kr-seoul', currency: 'KRW', baseMin: '10.5' }))).body.code).toBe('invalid_amount');
    expect((await http().post('/v1/salary-bands', band({ level: 'P9', effectiveFrom: '2027-02-30' }))).status).toBe(400);
    expect((await http().post('/v1/salary-bands', band({ level: 'P9', effectiveTo: '2026-01-01' }))).status).toBe(422);
  });

  it('allows at most one band in force per family, level, zone and currency on any day', async () => {
    const lv = 'T7';
    const first = await http().post('/v1/salary-bands', band({ level: lv, effectiveFrom: '2027-01-01', effectiveTo: '2027-06-30' }));
    expect(first.status).toBe(201);
    const overlap = await http().post('/v1/salary-bands', band({ level: lv, effectiveFrom: '2027-06-30', effectiveTo: null }));
    expect(overlap.status).toBe(409);
    expect(overlap.body).toMatchObject({ code: 'band_overlap', conflictingBandId: first.body.id });
    expect((await http().post('/v1/salary-bands', band({ level: lv, effectiveFrom: '2027-07-01', effectiveTo: null }))).status).toBe(201);
    // Other currency or zone: no conflict.
    expect(
      (
        await http().post(
          '/v1/salary-bands',
          band({ level: lv, currency: 'USD', period: 'annual', baseMin: '300000.00', baseMid: '380000.00', baseMax: '460000.00' }),
        )
      ).status,
    ).toBe(201);
    // Racing creates of the same band: exactly one wins.
    const racing = await Promise.all(Array.from({ length: 5 }, () => http().post('/v1/salary-bands', band({ level: 'T9' }))));
    expect(racing.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
  });

  it('versions every change and keeps old versions readable', async () => {
    const created = (await http().post('/v1/salary-bands', band({ level: 'P10' }))).body;
    const changed = await http().patch(`/v1/salary-bands/${created.id}`, { baseMid: '45000.00', signOnMin: null, signOnMax: null });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ version: 2, baseMid: '45000.00', signOnMin: null });
    expect((await http().get(`/v1/salary-bands/${created.id}/versions/1`)).body).toMatchObject({ version: 1, baseMid: '42874.00', signOnMin: '50000.00' });
    expect((await http().get(`/v1/salary-bands/${created.id}/versions`)).body.data.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    expect((await http().patch(`/v1/salary-bands/${created.id}`, { baseMax: '40000.00' })).body.code).toBe('band_invalid');
    expect((await http().patch(`/v1/salary-bands/${created.id}`, { baseMid: null })).status).toBe(400);
    expect((await http().get(`/v1/salary-bands/${created.id}`)).body.version).toBe(2);
  });

  it('converts a band with the latest rate on or before the day asked, and says so', async () => {
    const b = (await http().post('/v1/salary-bands', band({ level: 'P11' }))).body;
    const missing = await http().get(`/v1/salary-bands/${b.id}?currency=USD&period=annual`);
    expect(missing.status).toBe(422);
    expect(missing.body).toMatchObject({ code: 'fx_rate_missing', base: 'CNY', quote: 'USD' });

    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.1380', asOf: '2026-11-01' })).status).toBe(200);
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.1400', asOf: '2027-03-01' })).status).toBe(200);
    const converted = await http().get(`/v1/salary-bands/${b.id}?currency=USD&period=annual&asOf=2027-02-15`);
    expect(converted.status).toBe(200);
    // 42,874 CNY a month x 14 months x 0.138 = 82,832.568 -> 82,832.57 USD a year.
    expect(converted.body.converted).toMatchObject({
      converted: true,
      currency: 'USD',
      period: 'annual',
      baseMid: '82832.57',
      fx: { base: 'CNY', quote: 'USD', rate: '0.138', asOf: '2026-11-01', inverted: false },
    });
    expect(converted.body.baseMid).toBe('42874.00');
    const later = await http().get(`/v1/salary-bands/${b.id}?currency=USD&asOf=2027-03-01`);
    expect(later.body.converted).toMatchObject({ period: 'monthly', baseMid: '6002.36', fx: { asOf: '2027-03-01' } });
    expect((await http().get(`/v1/salary-bands/${b.id}?currency=USD&asOf=2026-10-31`)).status).toBe(422);
    // Period only: no rate involved.
    expect((await http().get(`/v1/salary-bands/${b.id}?period=annual`)).body.converted).toMatchObject({ currency: 'CNY', baseMid: '600236.00', fx: null });
  });

  it('uses a rate stored the other way round, inverted exactly', async () => {
    const b = (
      await http().post(
        '/v1/salary-bands',
        band({
          zone: 'us-bay-area',
          currency: 'USD',
          period: 'annual',
          monthsPerYear: 12,
          level: 'L7',
          baseMin: '300000.00',
          baseMid: '360000.00',
          baseMax: '420000.00',
          signOnMin: null,
          signOnMax: null,
        }),
      )
    ).body;
    await http().put('/v1/fx-rates/KRW/USD', { rate: '0.00072', asOf: '2026-11-01' });
    const res = await http().get(`/v1/salary-bands/${b.id}?currency=KRW&asOf=2026-12-01`);
    expect(res.body.converted).toMatchObject({ currency: 'KRW', baseMid: '500000000', fx: { base: 'KRW', quote: 'USD', inverted: true } });
  });

  it('lets only admins set rates and bands; recruiters read', async () => {
    const recruiter = await createUser(http(), 'recruiter');
    const as = { token: recruiter.token };
    expect((await http().put('/v1/fx-rates/USD/CNY', { rate: '7.2', asOf: '2026-11-01' }, as)).status).toBe(403);
    expect((await http().post('/v1/salary-bands', band({ level: 'P12' }), as)).status).toBe(403);
    expect((await http().get('/v1/salary-bands?jobFamily=llm&zone=cn-beijing&inForceOn=2027-05-01', as)).status).toBe(200);
    expect((await http().get('/v1/fx-rates?base=CNY', as)).body.data.length).toBeGreaterThan(0);
    expect((await http().put('/v1/fx-rates/USD/XXX', { rate: '7.2', asOf: '2026-11-01' })).status).toBe(400);
    expect((await http().put('/v1/fx-rates/USD/CNY', { rate: '-7', asOf: '2026-11-01' })).body.code).toBe('invalid_rate');
    expect((await http().put('/v1/fx-rates/USD/USD', { rate: '1', asOf: '2026-11-01' })).status).toBe(400);
  });

  it('filters bands in force on a day', async () => {
    const lv = 'P5';
    const a = (await http().post('/v1/salary-bands', band({ level: lv, effectiveFrom: '2027-01-01', effectiveTo: '2027-06-30' }))).body;
    const b = (await http().post('/v1/salary-bands', band({ level: lv, effectiveFrom: '2027-07-01', effectiveTo: null }))).body;
    const ids = async (day: string) => (await http().get(`/v1/salary-bands?level=${lv}&inForceOn=${day}`)).body.data.map((x: { id: string }) => x.id);
    expect(await ids('2027-03-01')).toEqual([a.id]);
    expect(await ids('2030-01-01')).toEqual([b.id]);
    expect(await ids('2026-01-01')).toEqual([]);
  });
});
