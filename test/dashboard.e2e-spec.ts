import { InsightProjection } from '@app/insight';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { ADMIN_TOKEN, bandBody, createUser, ResponseBody, taskForceBody, useApi } from './support/harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = join(__dirname, '..', 'var', 'dashboard.png');
/** Not UTC, so that the page's periods are days somewhere else than the server's. */
const BROWSER_TIME_ZONE = 'Asia/Shanghai';

type Metrics = Record<string, string>;
/** The little of the page's globals the functions run in it use (the suites compile without the DOM's types; strings would be eval, which the CSP forbids). */
interface InPage {
  document: {
    body: { dataset: Record<string, string | undefined> };
    querySelector(selector: string): { value: string; dataset: Record<string, string | undefined> } | null;
  };
}
/** How the page shows each kind of number (data-format). */
const FORMATS: Record<string, (x: number, raw: string) => string> = {
  int: (x) => x.toLocaleString('en-US'),
  money: (x) => x.toLocaleString('en-US'),
  pct: (x) => `${(x * 100).toFixed(1)}%`,
  signedPct: (x) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`,
  ratio: (x) => `${x.toFixed(2)}×`,
  days: (x) => `${x.toFixed(1)} d`,
  dec2: (x) => x.toFixed(2),
  text: (_x, raw) => raw,
};
const v = (x: unknown) => (x === null || x === undefined ? '' : String(x));

/** What the page should show for a market report: data-metric -> data-value. */
function marketMetrics(report: ResponseBody): Metrics {
  const m: Metrics = {};
  for (const r of report.skillAreas)
    for (const field of ['supply', 'reachable', 'needsSponsorship', 'demand', 'ratio', 'reachableRatio']) m[`market.${r.skillArea}.${field}`] = v(r[field]);
  for (const e of report.employers) {
    m[`market.employers.${e.skillArea}.${e.value}`] = v(e.candidates);
    m[`market.employers.${e.skillArea}.${e.value}.share`] = v(e.share);
  }
  return m;
}

function funnelMetrics(report: ResponseBody, openings: ResponseBody): Metrics {
  const m: Metrics = {};
  for (const s of report.stages)
    for (const field of ['entered', 'advanced', 'conversion', 'left', 'medianDays', 'p90Days']) m[`funnel.${s.stage}.${field}`] = v(s[field]);
  for (const d of report.dropOffs) m[`funnel.dropOffs.${d.stage}.${d.reason}.${d.fromStage}`] = v(d.applications);
  for (const t of report.taskForces)
    for (const field of ['hires', 'hiresToDate', 'headcountTarget', 'medianDaysToHire', 'p90DaysToHire'])
      m[`funnel.taskForces.${t.taskForceId}.${field}`] = v(t[field]);
  for (const o of openings.data)
    for (const field of ['hires', 'headcount', 'daysToFill', 'medianDaysToHire']) m[`openings.${o.openingId}.${field}`] = v(o[field]);
  return m;
}

function offersSummaryMetrics(report: ResponseBody): Metrics {
  return Object.fromEntries(Object.entries(report.summary).map(([field, value]) => [`offers.summary.${field}`, v(value)]));
}

describe('the insight dashboard', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let screenshotTaken = false;
  // Declared before useApi's: the browser goes first, else its open connections hold up the API's close.
  afterAll(async () => {
    if (page && !screenshotTaken) await screenshot().catch(() => undefined);
    await context?.close();
    await browser?.close();
  });
  const suite = useApi('dashboard');
  const http = () => suite.api.http;
  const requests: string[] = [];
  const pageProblems: string[] = [];
  let tfA: ResponseBody;
  let tfB: ResponseBody;
  let recruiter: { id: string; token: string };

  /** The numbers the page shows under `root`, by data-metric; each shown text must be the value, formatted. */
  async function shown(root: string): Promise<Metrics> {
    const cells = await page.$$eval(`${root} [data-metric]`, (els) =>
      els.map((e) => ({
        metric: e.getAttribute('data-metric')!,
        value: e.getAttribute('data-value')!,
        format: e.getAttribute('data-format'),
        text: e.textContent,
      })),
    );
    const metrics: Metrics = {};
    for (const c of cells) {
      expect(metrics[c.metric]).toBeUndefined();
      metrics[c.metric] = c.value;
      expect([c.metric, c.text]).toEqual([c.metric, c.value === '' ? '—' : FORMATS[c.format ?? ''](Number(c.value), c.value)]);
    }
    return metrics;
  }

  /** Waits until the page has drawn the reports for what its filters say, and returns those filters. */
  async function loaded(): Promise<{ taskForceId: string; from: string; to: string; timeZone: string }> {
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as InPage;
      const value = (id: string) => document.querySelector(id)!.value;
      const key = [value('#task-force'), value('#from'), value('#to'), value('#time-zone')].join('|');
      return document.body.dataset.state === 'ready' && document.querySelector('#board')!.dataset.loaded === key;
    });
    const [taskForceId, from, to, timeZone] = await Promise.all(['#task-force', '#from', '#to', '#time-zone'].map((id) => page.locator(id).inputValue()));
    return { taskForceId, from, to, timeZone };
  }

  /** Checks the page's market and funnel (and the offers' summary) against what the API answers `token` for the same filters. */
  /** `scopes`: the market's scopes the page should show, in order ('pool' for the whole pool). */
  async function expectPageToMatchApi(token: string, scopes: string[]) {
    const filters = await loaded();
    const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value !== ''));
    const get = async (path: string) => {
      const res = await http().get(path, { token });
      expect(res.status).toBe(200);
      return res.body;
    };
    const market = await get(`/v1/insight/market?${query}`);
    const funnel = await get(`/v1/insight/funnel?${query}`);
    const openings = await get(
      `/v1/insight/funnel/openings?${new URLSearchParams({ ...(filters.taskForceId ? { taskForceId: filters.taskForceId } : {}), limit: '100' })}`,
    );
    const offers = await get(`/v1/insight/offers?${query}`);
    expect(await page.$$eval('#market .scope', (els) => els.map((e) => e.getAttribute('data-scope')))).toEqual(scopes);
    for (const scope of scopes) {
      const ofScope = (r: ResponseBody) => (r.taskForceId ?? 'pool') === scope;
      const expected = marketMetrics({ skillAreas: market.skillAreas.filter(ofScope), employers: market.employers.filter(ofScope) });
      expect(await shown(`#market [data-scope="${scope}"]`)).toEqual(expected);
    }
    expect(await shown('#funnel')).toEqual(funnelMetrics(funnel, openings));
    const offerMetrics = await shown('#offers');
    expect(Object.fromEntries(Object.entries(offerMetrics).filter(([k]) => k.startsWith('offers.summary.')))).toEqual(offersSummaryMetrics(offers));
    expect(await page.locator('#market .as-of').getAttribute('data-as-of')).toBe(market.asOf);
    expect(await page.locator('#funnel .as-of').getAttribute('data-as-of')).toBe(funnel.asOf);
    return { filters, market, funnel, offers };
  }

  async function signIn(token: string) {
    await page.fill('#token', token);
    await page.click('#sign-in-button');
  }

  beforeAll(async () => {
    // A little pipeline: two task forces, a recruiter in one, candidates with skill areas and employers, openings and moves.
    tfA = (await http().post('/v1/task-forces', taskForceBody({ name: 'Doubao LLM', focusAreas: ['llm', 'search'], headcountTarget: 4 }))).body;
    tfB = (await http().post('/v1/task-forces', taskForceBody({ name: 'Seed Vision', focusAreas: ['vision'], headcountTarget: 2 }))).body;
    recruiter = await createUser(http(), 'recruiter', 'dashboard-recruiter');
    expect((await http().post(`/v1/task-forces/${tfA.id}/members`, { userId: recruiter.id })).status).toBe(201);
    const opening = async (tf: ResponseBody, title: string, skillArea: string, headcount: number) =>
      (await http().post(`/v1/task-forces/${tf.id}/openings`, { title, skillArea, level: 'P8', headcount })).body;
    const llm = await opening(tfA, 'LLM pre-training', 'llm', 3);
    const search = await opening(tfA, 'Search ranking', 'search', 1);
    const vision = await opening(tfB, 'Vision foundation models', 'vision', 2);

    const people: [string, string[], string, string][] = [
      ['Wei Zhang', ['llm'], 'OpenAI', 'h1b'],
      ['Na Li', ['llm', 'infra'], 'Google DeepMind', 'green_card'],
      ['Hao Chen', ['llm'], 'OpenAI', 'needs_sponsorship'],
      ['Yang Liu', ['search'], 'Google', 'citizen'],
      ['Min Zhao', ['vision'], 'Meta', 'o1'],
      ['Jie Sun', ['vision', 'llm'], 'Anthropic', 'f1_opt'],
      ['Lei Wu', ['speech'], 'Apple', 'unknown'],
      ['Xin Zhou', ['recommendation'], 'TikTok', 'citizen'],
      ['Yi Huang', ['llm'], 'Meta', 'h1b'],
    ];
    const c: Record<string, string> = {};
    for (const [i, [fullName, skillAreas, currentEmployer, visaStatus]] of people.entries()) {
      const res = await http().post('/v1/candidates', {
        fullName,
        skillAreas,
        currentEmployer,
        visaStatus,
        location: i % 2 ? 'Seattle, WA' : 'San Francisco, CA',
        emails: [`dashboard.${i}.${Date.now()}@example.com`],
      });
      expect(res.status).toBe(201);
      c[fullName] = res.body.id;
    }
    const apply = async (name: string, tf: ResponseBody, openingId: string | undefined, moves: (string | [string, string])[]) => {
      const app = (await http().post('/v1/applications', { candidateId: c[name], taskForceId: tf.id, ...(openingId ? { openingId } : {}) })).body;
      for (const move of moves) {
        const [to, reason] = Array.isArray(move) ? move : [move, undefined];
        expect((await http().post(`/v1/applications/${app.id}/transitions`, { to, ...(reason ? { reason } : {}) })).status).toBe(200);
      }
      return app;
    };
    await apply('Wei Zhang', tfA, llm.id, ['contacted', 'replied', 'screening', 'interviewing']);
    await apply('Na Li', tfA, llm.id, ['contacted', 'replied', ['rejected', 'compensation_mismatch']]);
    await apply('Hao Chen', tfA, llm.id, ['contacted']);
    await apply('Yang Liu', tfA, search.id, ['contacted', 'replied', 'screening']);
    await apply('Jie Sun', tfA, undefined, ['contacted', ['withdrawn', 'accepted_other_offer']]);
    const hired = await apply('Yi Huang', tfA, llm.id, ['contacted', 'replied', 'screening', 'interviewing', 'offer']);
    const declined = await apply('Min Zhao', tfB, vision.id, ['contacted', 'replied', 'screening', 'interviewing', 'offer']);
    await apply('Jie Sun', tfB, vision.id, ['contacted', 'replied']);

    // Offers: one accepted (it hires), one declined against a competing offer in another currency.
    const today = new Date().toISOString().slice(0, 10);
    const band = (await http().post('/v1/salary-bands', bandBody({ effectiveFrom: '2026-01-01' }))).body;
    expect((await http().put('/v1/fx-rates/CNY/USD', { rate: '0.138', asOf: today })).status).toBe(200);
    const offer = async (applicationId: string, base: string) => {
      const res = await http().post('/v1/offers', {
        applicationId,
        salaryBandId: band.id,
        base,
        currency: 'USD',
        period: 'annual',
        startDate: '2027-03-01',
        expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      });
      expect(res.status).toBe(201);
      expect((await http().post(`/v1/offers/${res.body.id}/submit`, {})).body.status).toBe('approved');
      expect((await http().post(`/v1/offers/${res.body.id}/send`, {})).body.status).toBe('sent');
      return res.body.id as string;
    };
    await http().post(`/v1/applications/${declined.id}/competing-offers`, { employer: 'Moonshot AI', base: '60000.00', currency: 'CNY', period: 'monthly' });
    expect((await http().post(`/v1/offers/${await offer(hired.id, '82832.57')}/accept`, {})).body.status).toBe('accepted');
    expect((await http().post(`/v1/offers/${await offer(declined.id, '80000.00')}/decline`, { comment: 'Went with a competitor' })).body.status).toBe(
      'declined',
    );

    // The facts the worker keeps, brought up to date here.
    const projection = suite.api.app.get(InsightProjection);
    await projection.requestRebuild();
    await projection.project();
    await projection.refreshMarket();

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BROWSER_TIME_ZONE, locale: 'en-US' });
    page = await context.newPage();
    page.on('request', (request) => requests.push(request.url()));
    page.on('response', (response) => {
      if (response.status() >= 500) pageProblems.push(`${response.status()} from ${response.url()}`);
    });
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' || /Content.Security.Policy/i.test(message.text())) pageProblems.push(`console ${message.type()}: ${message.text()}`);
    });
  }, 120_000);

  async function screenshot() {
    mkdirSync(join(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    screenshotTaken = true;
  }

  it('serves the page and its assets without a token, under a strict CSP, and nothing else of the package', async () => {
    for (const path of ['/dashboard', '/dashboard/', '/dashboard/dashboard.js', '/dashboard/dashboard.css', '/dashboard/vendor/chart.umd.js']) {
      const res = await fetch(suite.api.url + path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await fetch(`${suite.api.url}/dashboard`)).headers.get('content-type')).toMatch(/^text\/html/);
    expect((await fetch(`${suite.api.url}/dashboard/vendor/chart.js`)).status).toBe(404);
    expect((await fetch(`${suite.api.url}/dashboard/vendor/`)).status).toBe(404);
    // The data is not public.
    expect((await http().get('/v1/insight/market', { token: null })).status).toBe(401);
  });

  it("shows the API's error for a wrong token and keeps nothing", async () => {
    const wrong = 'hk_not_a_token_of_this_api_0000';
    const expected = (await http().get('/v1/me', { token: wrong })).body;
    await page.goto(`${suite.api.url}/dashboard`);
    await page.waitForSelector('#sign-in:not([hidden])');
    await signIn(wrong);
    const error = page.locator('#sign-in-error');
    await error.waitFor({ state: 'visible' });
    expect(await error.textContent()).toContain(expected.detail);
    expect(await error.getAttribute('data-code')).toBe(expected.code);
    expect(await error.getAttribute('data-status')).toBe('401');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    expect(await page.locator('#board').isHidden()).toBe(true);
  });

  it("shows an admin the whole pool's numbers as the API has them, for the last 12 weeks", async () => {
    await signIn(ADMIN_TOKEN);
    const { filters, market, funnel, offers } = await expectPageToMatchApi(ADMIN_TOKEN, ['pool']);
    expect(filters.taskForceId).toBe('');
    expect(filters.timeZone).toBe(BROWSER_TIME_ZONE);
    expect(Math.round((Date.parse(filters.to) - Date.parse(filters.from)) / 86_400_000)).toBe(83);
    // Something to look at: the data above reached the reports.
    const llm = market.skillAreas.find((r: ResponseBody) => r.skillArea === 'llm');
    expect(llm).toMatchObject({ supply: 4, demand: 2 });
    expect(funnel.stages.find((s: ResponseBody) => s.stage === 'contacted').entered).toBe(8);
    expect(offers.summary).toMatchObject({ sent: 2, accepted: 1, declined: 1 });
    // The token is in this tab's storage and never in a URL.
    expect(page.url()).toBe(`${suite.api.url}/dashboard`);
    expect(await page.evaluate<string[]>('Object.values(sessionStorage)')).toContain(ADMIN_TOKEN);
    expect(requests.some((url) => url.includes(ADMIN_TOKEN))).toBe(false);
    expect(await page.locator('#who-role').textContent()).toBe('admin');
    expect(await page.locator('#market canvas').count()).toBe(1);
    expect(await page.locator('#outreach .empty-state').textContent()).toContain('No outreach email');
    await screenshot();
  });

  it("switches to one task force and shows that task force's numbers", async () => {
    const options = await page.$$eval('#task-force option', (els) => els.map((e) => [e.getAttribute('value'), e.textContent]));
    expect(options).toEqual([
      ['', 'All task forces (whole pool)'],
      [tfA.id, 'Doubao LLM'],
      [tfB.id, 'Seed Vision'],
    ]);
    await page.selectOption('#task-force', tfB.id);
    const { market, funnel } = await expectPageToMatchApi(ADMIN_TOKEN, [tfB.id]);
    expect(market.skillAreas.find((r: ResponseBody) => r.skillArea === 'vision')).toMatchObject({ supply: 2, demand: 2 });
    expect(funnel.stages.find((s: ResponseBody) => s.stage === 'offer').entered).toBe(1);
    await page.selectOption('#task-force', tfA.id);
    await expectPageToMatchApi(ADMIN_TOKEN, [tfA.id]);
  });

  it('shows an empty period as empty, and a period the API refuses with its error', async () => {
    await page.fill('#from', '2020-01-01');
    await page.fill('#to', '2020-03-31');
    await page.click('#filters button[type=submit]');
    await expectPageToMatchApi(ADMIN_TOKEN, [tfA.id]);
    expect(await page.locator('#funnel [data-metric="funnel.contacted.entered"]').getAttribute('data-value')).toBe('0');
    expect(await page.locator('#funnel .empty-state').first().textContent()).toContain('No application entered a stage in this period');

    await page.fill('#to', '2026-03-31');
    await page.click('#filters button[type=submit]');
    const refused = (await http().get(`/v1/insight/funnel?from=2020-01-01&to=2026-03-31&timeZone=${BROWSER_TIME_ZONE}`)).body;
    await page.waitForFunction(() => {
      const { document } = globalThis as unknown as InPage;
      return document.body.dataset.state === 'ready' && document.querySelector('#funnel')!.dataset.state === 'error';
    });
    // Every report refused the same filters: the API's word for it is shown once, above them.
    expect(await page.locator('#filters-error').textContent()).toContain(refused.detail);
    expect(await page.locator('#filters-error').getAttribute('data-code')).toBe(refused.code);
    expect(await page.locator('#market .empty-state').textContent()).toContain('the API refused these filters');
    await page.click('#last-12-weeks');
    await expectPageToMatchApi(ADMIN_TOKEN, [tfA.id]);
  });

  it('shows a recruiter only their task force', async () => {
    await page.click('#sign-out');
    await page.waitForSelector('#sign-in:not([hidden])');
    expect(await page.evaluate(`sessionStorage.getItem('hiring.dashboard.token')`)).toBeNull();
    await signIn(recruiter.token);
    await loaded();
    const options = await page.$$eval('#task-force option', (els) => els.map((e) => [e.getAttribute('value'), e.textContent]));
    expect(options).toEqual([[tfA.id, 'Doubao LLM']]);
    expect(await page.locator('#who-role').textContent()).toBe('recruiter');
    const { market } = await expectPageToMatchApi(recruiter.token, [tfA.id]);
    expect(market.skillAreas.every((r: ResponseBody) => r.taskForceId === tfA.id)).toBe(true);
  });

  it("shows a recruiter in two task forces each one's market under 'All my task forces'", async () => {
    expect((await http().post(`/v1/task-forces/${tfB.id}/members`, { userId: recruiter.id })).status).toBe(201);
    await page.reload();
    await loaded();
    const options = await page.$$eval('#task-force option', (els) => els.map((e) => [e.getAttribute('value'), e.textContent]));
    expect(options).toEqual([
      ['', 'All my task forces'],
      [tfA.id, 'Doubao LLM'],
      [tfB.id, 'Seed Vision'],
    ]);
    await page.selectOption('#task-force', '');
    const { funnel } = await expectPageToMatchApi(recruiter.token, [tfA.id, tfB.id]);
    expect(funnel.taskForces.map((t: ResponseBody) => t.taskForceId).sort()).toEqual([tfA.id, tfB.id].sort());
    expect(await page.locator('#market .scope > h3').allTextContents()).toEqual(['Doubao LLM', 'Seed Vision']);
  });

  it('made no request beyond the API, and met no script error or CSP violation', async () => {
    const origin = new URL(suite.api.url).origin;
    expect(requests.length).toBeGreaterThan(10);
    expect(requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    expect(pageProblems.filter((p) => !/status of 401/.test(p) && !/status of 400/.test(p))).toEqual([]);
  });
});
