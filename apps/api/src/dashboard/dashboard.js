// The insight dashboard (docs/dashboard.md): reads the /v1/insight reports with the user's token
// and draws them. Every number in a table carries data-metric (what it is) and data-value (the
// API's value, '' for null) so that a test can read the page as it reads the API.

const TOKEN_KEY = 'hiring.dashboard.token';
const FILTERS_KEY = 'hiring.dashboard.filters';
const DEFAULT_DAYS = 84;
const STAGES = ['sourced', 'contacted', 'replied', 'screening', 'interviewing', 'offer', 'hired', 'rejected', 'withdrawn'];
const CLOSED = new Set(['hired', 'rejected', 'withdrawn']);
const AREA_NAMES = {
  llm: 'LLM',
  search: 'Search',
  speech: 'Speech',
  'autonomous-driving': 'Autonomous driving',
  cloud: 'Cloud',
  recommendation: 'Recommendation',
  vision: 'Vision',
  infra: 'Infra',
};
const COLORS = { blue: '#2f5bd3', sky: '#8fb0f5', amber: '#e39b2d', red: '#d0574b', grey: '#9aa5b8', green: '#2f9e6e' };

const $ = (selector) => document.querySelector(selector);
const state = { token: null, me: null, taskForces: [], charts: [], pending: [], load: 0 };

// ---------------------------------------------------------------- the API

class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') url.searchParams.set(key, value);
  let response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${state.token}`, accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    throw new ApiError(0, { title: 'The API did not answer', detail: String(error.message ?? error) });
  }
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const problem = body && typeof body === 'object' ? body : { title: response.statusText, detail: text.slice(0, 300) };
    throw new ApiError(response.status, problem);
  }
  return body;
}

async function allPages(path, params = {}) {
  const rows = [];
  let cursor;
  for (let page = 0; page < 50; page++) {
    const body = await api(path, { ...params, limit: 200, cursor });
    rows.push(...body.data);
    cursor = body.nextCursor;
    if (!cursor) break;
  }
  return rows;
}

// ---------------------------------------------------------------- DOM and formats

/** Builds an element: h('td', { class: 'num', dataset: { metric: 'x' } }, 'text', child). Text is never parsed as HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

const nf = new Intl.NumberFormat('en-US');
const fmt = {
  int: (x) => nf.format(x),
  pct: (x) => `${(x * 100).toFixed(1)}%`,
  signedPct: (x) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`,
  ratio: (x) => `${x.toFixed(2)}×`,
  days: (x) => `${x.toFixed(1)} d`,
  dec2: (x) => x.toFixed(2),
  money: (x) => nf.format(Number(x)),
  text: (x) => String(x),
};

/**
 * An element holding one number of a report (a table cell by default): data-metric says what it
 * is, data-value is the API's value ('' for null, shown as a dash), data-format how it is shown.
 */
function num(metric, value, format = fmt.int, extra = {}, tag = 'td') {
  const missing = value === null || value === undefined;
  const dataset = { metric, value: missing ? '' : String(value), format: Object.keys(fmt).find((name) => fmt[name] === format) };
  return h(tag, { class: missing ? 'num empty' : 'num', dataset, ...extra }, missing ? '—' : format(value));
}
const numSpan = (metric, value, format = fmt.int) => num(metric, value, format, {}, 'span');

function table(columns, rows, options = {}) {
  const head = h(
    'thead',
    {},
    h(
      'tr',
      {},
      columns.map((c) => h('th', { class: c.num ? 'num' : undefined, scope: 'col', title: c.title }, c.label)),
    ),
  );
  return h(
    'div',
    { class: 'table-wrap' },
    h('table', { class: options.class }, options.caption ? h('caption', {}, options.caption) : null, head, h('tbody', {}, rows)),
  );
}

function empty(text) {
  return h('p', { class: 'empty-state' }, text);
}

function problemBox(error) {
  const p = error.problem ?? { title: 'Error', detail: String(error.message ?? error) };
  const status = error.status ? `${error.status} ${p.title ?? ''}`.trim() : (p.title ?? 'Error');
  return h(
    'div',
    { class: 'problem', role: 'alert', dataset: { status: String(error.status ?? 0), code: p.code ?? '' } },
    h('strong', {}, status),
    p.detail ? h('span', { class: 'detail' }, p.detail) : null,
    p.code ? h('code', {}, p.code) : null,
    Array.isArray(p.errors) && p.errors.length
      ? h(
          'ul',
          {},
          p.errors.map((e) => h('li', {}, `${e.field}: ${e.message}`)),
        )
      : null,
    p.correlationId ? h('span', { class: 'muted small' }, `request ${p.correlationId}`) : null,
  );
}

function showProblem(target, error) {
  target.replaceChildren(...problemBox(error).childNodes);
  target.dataset.status = String(error.status ?? 0);
  target.dataset.code = error.problem?.code ?? '';
  target.hidden = false;
}

const areaName = (area) => AREA_NAMES[area] ?? area;
const stageName = (stage) => stage.charAt(0).toUpperCase() + stage.slice(1);
const reasonName = (reason) => reason.replace(/_/g, ' ');

/** "as of" for a report: when the worker last brought its facts up to date. */
function asOf(section, at, { live = false } = {}) {
  const el = $(`#${section} .as-of`);
  el.className = 'as-of';
  if (live) {
    el.textContent = 'live: read from the offers themselves';
    el.dataset.asOf = 'live';
    return;
  }
  el.dataset.asOf = at ?? '';
  if (!at) {
    el.textContent = 'no facts yet: the worker has not made its first pass';
    el.classList.add('stale');
    return;
  }
  const when = new Date(at);
  const minutes = Math.max(0, Math.round((Date.now() - when.getTime()) / 60000));
  const ago = minutes < 1 ? 'just now' : minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
  const zone = currentFilters().timeZone;
  const local = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(when);
  el.textContent = `as of ${local} (${ago})`;
  el.title = `${at} · shown in ${zone}`;
}

// ---------------------------------------------------------------- charts

/** Draws a chart once its canvas is in the page (after the sections are rendered). */
function chart(canvas, config) {
  state.pending.push(() => draw(canvas, config));
}

function draw(canvas, config) {
  if (!window.Chart) {
    canvas.replaceWith(h('p', { class: 'muted small' }, 'Charts are unavailable (chart.umd.js did not load).'));
    return;
  }
  state.charts.push(new window.Chart(canvas, config));
}

function chartBox(label) {
  const canvas = h('canvas', { role: 'img', 'aria-label': label });
  return { box: h('div', { class: 'chart' }, canvas), canvas };
}

function clearCharts() {
  for (const c of state.charts) c.destroy();
  state.charts = [];
}

function setupChartDefaults() {
  if (!window.Chart) return;
  const d = window.Chart.defaults;
  d.font.family = getComputedStyle(document.body).fontFamily;
  d.font.size = 12;
  d.color = '#4a5468';
  d.animation = false;
  d.maintainAspectRatio = false;
  d.plugins.legend.labels.boxWidth = 12;
  d.plugins.legend.labels.boxHeight = 12;
}

// ---------------------------------------------------------------- filters

function todayIn(timeZone) {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

function daysBefore(day, n) {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - n);
  return date.toISOString().slice(0, 10);
}

function validZone(zone) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function lastTwelveWeeks() {
  const zone = validZone($('#time-zone').value) ? $('#time-zone').value : 'UTC';
  const to = todayIn(zone);
  $('#to').value = to;
  $('#from').value = daysBefore(to, DEFAULT_DAYS - 1);
}

function currentFilters() {
  return { taskForceId: $('#task-force').value, from: $('#from').value, to: $('#to').value, timeZone: $('#time-zone').value.trim() };
}

function restoreFilters() {
  let saved = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(FILTERS_KEY) ?? '{}');
  } catch {
    saved = {};
  }
  $('#time-zone').value = saved.timeZone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (saved.from && saved.to) {
    $('#from').value = saved.from;
    $('#to').value = saved.to;
  } else lastTwelveWeeks();
  const select = $('#task-force');
  if (saved.taskForceId !== undefined && [...select.options].some((o) => o.value === saved.taskForceId)) select.value = saved.taskForceId;
}

function fillTaskForces() {
  const select = $('#task-force');
  const admin = state.me.role === 'admin';
  const sorted = [...state.taskForces].sort((a, b) => a.name.localeCompare(b.name));
  const options = [];
  if (admin) options.push(h('option', { value: '' }, 'All task forces (whole pool)'));
  else if (sorted.length > 1) options.push(h('option', { value: '' }, 'All my task forces'));
  for (const t of sorted) options.push(h('option', { value: t.id }, t.status === 'active' ? t.name : `${t.name} (${t.status})`));
  select.replaceChildren(...options);
  select.disabled = options.length === 0;
}

function taskForceName(id) {
  if (id === null) return 'Whole pool';
  return state.taskForces.find((t) => t.id === id)?.name ?? id;
}

// ---------------------------------------------------------------- sections

function renderMarket(report) {
  asOf('market', report.asOf);
  const scopes = [...new Set(report.skillAreas.map((r) => r.taskForceId))];
  if (!scopes.length) {
    if (report.asOf === null) return [empty('No market yet: the worker has not computed it.')];
    if (state.me.role !== 'admin' && !state.taskForces.length) return [empty('No task force to show: you are not a member of any yet.')];
    return [empty('No market figures for this scope.')];
  }
  return scopes.map((scope) => {
    const rows = report.skillAreas.filter((r) => r.taskForceId === scope);
    const employers = report.employers.filter((e) => e.taskForceId === scope);
    const block = h('div', { class: 'scope', dataset: { scope: scope ?? 'pool' } });
    if (scopes.length > 1) block.append(h('h3', {}, taskForceName(scope)));
    const nothing = rows.every((r) => r.supply === 0 && r.demand === 0);
    const body = rows.map((r) => {
      const m = (field) => `market.${r.skillArea}.${field}`;
      return h(
        'tr',
        { class: r.supply === 0 && r.demand === 0 ? 'quiet-row' : undefined },
        h('th', { scope: 'row' }, areaName(r.skillArea)),
        num(m('supply'), r.supply),
        num(m('reachable'), r.reachable),
        num(m('needsSponsorship'), r.needsSponsorship),
        num(m('demand'), r.demand),
        ratioCell(m('ratio'), r.ratio),
        ratioCell(m('reachableRatio'), r.reachableRatio),
      );
    });
    const cols = [
      { label: 'Skill area' },
      { label: 'Supply', num: true, title: 'Candidates with the skill area, not hired, not opted out' },
      { label: 'Reachable', num: true, title: 'Of those, with an email address that has not bounced' },
      { label: 'Needs sponsorship', num: true, title: 'Of those, whose visa needs an employer petition' },
      { label: 'Demand', num: true, title: 'Open headcount: open openings minus their hires' },
      { label: 'Supply ÷ demand', num: true, title: 'Below 1: fewer candidates than open seats' },
      { label: 'Reachable ÷ demand', num: true },
    ];
    const { box, canvas } = chartBox('Supply and demand per skill area');
    block.append(h('div', { class: 'split wide-left' }, h('div', {}, table(cols, body)), box));
    if (nothing) block.append(empty('No candidates with a skill area and no open headcount yet.'));
    block.append(topEmployers(rows, employers));
    chart(canvas, {
      type: 'bar',
      data: {
        labels: rows.map((r) => areaName(r.skillArea)),
        datasets: [
          { label: 'Supply', data: rows.map((r) => r.supply), backgroundColor: COLORS.blue, borderRadius: 3 },
          { label: 'Reachable', data: rows.map((r) => r.reachable), backgroundColor: COLORS.sky, borderRadius: 3 },
          { label: 'Demand (open headcount)', data: rows.map((r) => r.demand), backgroundColor: COLORS.amber, borderRadius: 3 },
        ],
      },
      options: {
        // Across, so that the skill areas' names read level.
        indexAxis: 'y',
        plugins: { legend: { position: 'bottom' }, title: { display: true, text: 'Supply vs demand per skill area' } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
      },
    });
    return block;
  });
}

function ratioCell(metric, value) {
  const cell = num(metric, value, fmt.ratio);
  if (value !== null) cell.classList.add(value < 1 ? 'scarce' : value < 3 ? 'tight' : 'ample');
  else cell.title = 'No open headcount';
  return cell;
}

function topEmployers(rows, employers) {
  const areas = rows.filter((r) => employers.some((e) => e.skillArea === r.skillArea));
  const wrap = h('div', { class: 'employers' }, h('h3', {}, 'Top current employers'));
  if (!areas.length) {
    wrap.append(empty('No current employer is known for anyone in the pool.'));
    return wrap;
  }
  const cards = areas.map((r) => {
    const list = employers.filter((e) => e.skillArea === r.skillArea);
    return h(
      'div',
      { class: 'mini card' },
      h('h4', {}, areaName(r.skillArea), h('span', { class: 'muted small' }, ` · ${fmt.int(r.supply)} in supply`)),
      h(
        'table',
        { class: 'compact' },
        h(
          'tbody',
          {},
          list.map((e) =>
            h(
              'tr',
              {},
              h('th', { scope: 'row' }, e.value),
              num(`market.employers.${e.skillArea}.${e.value}`, e.candidates, fmt.int, { 'data-label': e.value }),
              num(`market.employers.${e.skillArea}.${e.value}.share`, e.share, fmt.pct, { class: 'num share' }),
            ),
          ),
        ),
      ),
    );
  });
  wrap.append(h('div', { class: 'cards' }, cards));
  return wrap;
}

function renderFunnel(report, openings) {
  asOf('funnel', report.asOf);
  const out = [];
  const byStage = new Map(report.stages.map((s) => [s.stage, s]));
  const stages = STAGES.filter((s) => byStage.has(s)).map((s) => byStage.get(s));
  const total = stages.reduce((n, s) => n + s.entered, 0);
  const body = stages.map((s) => {
    const m = (field) => `funnel.${s.stage}.${field}`;
    return h(
      'tr',
      { class: CLOSED.has(s.stage) ? 'closed' : undefined },
      h('th', { scope: 'row' }, stageName(s.stage)),
      num(m('entered'), s.entered),
      num(m('advanced'), s.advanced),
      num(m('conversion'), s.conversion, fmt.pct),
      num(m('left'), s.left),
      num(m('medianDays'), s.medianDays, fmt.days),
      num(m('p90Days'), s.p90Days, fmt.days),
    );
  });
  const cols = [
    { label: 'Stage' },
    { label: 'Entered', num: true, title: 'Applications that entered the stage in the period' },
    { label: 'Went on', num: true, title: 'Of those, how many went on past it' },
    { label: 'Conversion', num: true },
    { label: 'Left', num: true, title: 'Of those that entered, how many have left the stage' },
    { label: 'Median days', num: true, title: 'Days in the stage, of those that left it' },
    { label: 'p90 days', num: true },
  ];
  const { box, canvas } = chartBox('Applications entering each stage');
  out.push(h('div', { class: 'split' }, h('div', {}, table(cols, body)), total === 0 ? empty('No application entered a stage in this period.') : box));
  if (total > 0)
    chart(canvas, {
      type: 'bar',
      data: {
        labels: stages.map((s) => stageName(s.stage)),
        datasets: [
          {
            label: 'Entered',
            data: stages.map((s) => s.entered),
            backgroundColor: stages.map((s) => (s.stage === 'hired' ? COLORS.green : CLOSED.has(s.stage) ? COLORS.grey : COLORS.blue)),
            borderRadius: 3,
          },
        ],
      },
      options: {
        indexAxis: 'y',
        plugins: {
          legend: { display: false },
          title: { display: true, text: 'Entered per stage' },
          tooltip: {
            callbacks: {
              afterLabel: (item) => {
                const s = stages[item.dataIndex];
                return s.conversion === null ? '' : `conversion ${fmt.pct(s.conversion)}`;
              },
            },
          },
        },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } },
      },
    });

  const lower = h('div', { class: 'split wide-right' });
  const drops = report.dropOffs.map((d) =>
    h(
      'tr',
      {},
      h('td', {}, stageName(d.stage)),
      h('td', {}, reasonName(d.reason)),
      h('td', {}, d.fromStage === '(none)' ? '—' : stageName(d.fromStage)),
      num(`funnel.dropOffs.${d.stage}.${d.reason}.${d.fromStage}`, d.applications),
    ),
  );
  lower.append(
    h(
      'div',
      {},
      h('h3', {}, 'Why applications closed'),
      drops.length
        ? table([{ label: 'Outcome' }, { label: 'Reason' }, { label: 'Left from' }, { label: 'Applications', num: true }], drops)
        : empty('No application was rejected or withdrawn in this period.'),
    ),
  );
  const hires = report.taskForces.map((t) => {
    const m = (field) => `funnel.taskForces.${t.taskForceId}.${field}`;
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, t.name),
      num(m('hires'), t.hires),
      h(
        'td',
        { class: 'progress-cell' },
        progress(t.hiresToDate, t.headcountTarget),
        numSpan(m('hiresToDate'), t.hiresToDate),
        ' / ',
        numSpan(m('headcountTarget'), t.headcountTarget),
      ),
      num(m('medianDaysToHire'), t.medianDaysToHire, fmt.days),
      num(m('p90DaysToHire'), t.p90DaysToHire, fmt.days),
    );
  });
  lower.append(
    h(
      'div',
      {},
      h('h3', {}, 'Hires against headcount targets'),
      hires.length
        ? table(
            [
              { label: 'Task force' },
              { label: 'Hires in period', num: true },
              { label: 'Hired to date / target' },
              { label: 'Median days to hire', num: true },
              { label: 'p90', num: true },
            ],
            hires,
          )
        : empty('No task force in scope.'),
    ),
  );
  out.push(lower);
  out.push(renderOpenings(openings));
  return out;
}

function progress(value, target) {
  const bar = h('span', { class: 'bar' }, h('span', { class: 'fill' }));
  const share = target > 0 ? Math.min(1, value / target) : 0;
  bar.firstChild.style.width = `${Math.round(share * 100)}%`;
  if (share >= 1) bar.classList.add('done');
  return bar;
}

function renderOpenings(result) {
  const wrap = h('div', { class: 'openings' }, h('h3', {}, 'Openings'));
  if (result instanceof Error) {
    wrap.append(problemBox(result));
    return wrap;
  }
  if (!result.data.length) {
    wrap.append(empty('No openings in scope.'));
    return wrap;
  }
  const date = (iso) => (iso ? iso.slice(0, 10) : '—');
  const rows = result.data.map((o) => {
    const m = (field) => `openings.${o.openingId}.${field}`;
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, o.title, h('span', { class: 'muted small' }, ` · ${taskForceName(o.taskForceId)}`)),
      h('td', {}, areaName(o.skillArea)),
      h('td', {}, o.level),
      h('td', {}, h('span', { class: `pill ${o.status}` }, o.status)),
      h('td', { class: 'progress-cell' }, progress(o.hires, o.headcount), numSpan(m('hires'), o.hires), ' / ', numSpan(m('headcount'), o.headcount)),
      h('td', {}, date(o.openedAt)),
      h('td', {}, date(o.filledAt)),
      num(m('daysToFill'), o.daysToFill, fmt.days),
      num(m('medianDaysToHire'), o.medianDaysToHire, fmt.days),
    );
  });
  wrap.append(
    table(
      [
        { label: 'Opening' },
        { label: 'Skill area' },
        { label: 'Level' },
        { label: 'Status' },
        { label: 'Hired / headcount' },
        { label: 'Opened' },
        { label: 'Filled' },
        { label: 'Days to fill', num: true },
        { label: 'Median days to hire', num: true },
      ],
      rows,
    ),
  );
  if (result.nextCursor) wrap.append(h('p', { class: 'muted small' }, `The first ${result.data.length} openings.`));
  return wrap;
}

function countsCells(prefix, c) {
  const m = (field) => `${prefix}.${field}`;
  return [
    num(m('sent'), c.sent),
    num(m('delivered'), c.delivered),
    num(m('replied'), c.replied),
    num(m('bounced'), c.bounced),
    num(m('unsubscribed'), c.unsubscribed),
    rateCell(m('replyRate'), c.replyRate, c.sampleSize),
  ];
}

/** A reply rate with its sample size beside it. */
function rateCell(metric, rate, n) {
  return h(
    'td',
    { class: 'num', title: n > 0 && n < 30 ? 'Small sample: read with care' : undefined },
    numSpan(metric, rate, fmt.pct),
    h('span', { class: 'sample' }, ' n=', num(metric.replace(/replyRate$/, 'sampleSize'), n, fmt.int, {}, 'span')),
  );
}

function tiles(prefix, items) {
  return h(
    'div',
    { class: items.length === 7 ? 'tiles seven' : 'tiles' },
    items.map(([field, label, value, format = fmt.int, note]) =>
      h(
        'div',
        { class: 'tile' },
        h('span', { class: 'label' }, label),
        num(`${prefix}.${field}`, value, format, { class: value === null ? 'value empty' : 'value' }, 'span'),
        note ? h('span', { class: 'muted small' }, note) : null,
      ),
    ),
  );
}

function renderOutreach(report) {
  asOf('outreach', report.asOf);
  const t = report.total;
  const out = [
    tiles('outreach.total', [
      ['sent', 'Sent', t.sent],
      ['delivered', 'Delivered', t.delivered],
      ['replied', 'Replied', t.replied],
      ['replyRate', 'Reply rate', t.replyRate, fmt.pct, `n=${fmt.int(t.sampleSize)}`],
      ['bounced', 'Bounced', t.bounced],
      ['unsubscribed', 'Unsubscribed', t.unsubscribed],
      ['uncertain', 'Uncertain', t.uncertain],
    ]),
  ];
  if (!report.steps.length) {
    out.push(empty('No outreach email was sent in this period.'));
    return out;
  }
  let previous = null;
  const rows = report.steps.map((s) => {
    const first = s.sequenceId !== previous;
    previous = s.sequenceId;
    return h(
      'tr',
      { class: first ? 'group-start' : undefined },
      h('th', { scope: 'row' }, first ? s.sequenceName || s.sequenceId : ''),
      h('td', { class: 'num' }, `v${s.version}`),
      h('td', { class: 'num' }, String(s.step)),
      ...countsCells(`outreach.steps.${s.sequenceId}.${s.version}.${s.step}`, s),
    );
  });
  const cols = [
    { label: 'Sequence' },
    { label: 'Version', num: true },
    { label: 'Step', num: true },
    { label: 'Sent', num: true },
    { label: 'Delivered', num: true },
    { label: 'Replied', num: true },
    { label: 'Bounced', num: true },
    { label: 'Unsub.', num: true },
    { label: 'Reply rate', num: true },
  ];
  // By hour of the candidate's day, over every weekday.
  const hours = Array.from({ length: 24 }, (_, hour) => ({ hour, delivered: 0, replied: 0 }));
  for (const cell of report.sendTimes) {
    hours[cell.hour].delivered += cell.delivered;
    hours[cell.hour].replied += cell.replied;
  }
  const { box, canvas } = chartBox('Reply rate by hour of sending');
  out.push(h('div', { class: 'split' }, h('div', {}, table(cols, rows)), box));
  chart(canvas, {
    data: {
      labels: hours.map((x) => `${String(x.hour).padStart(2, '0')}h`),
      datasets: [
        {
          type: 'bar',
          label: 'Reply rate',
          data: hours.map((x) => (x.delivered ? (100 * x.replied) / x.delivered : null)),
          backgroundColor: COLORS.blue,
          borderRadius: 3,
          yAxisID: 'rate',
        },
        {
          type: 'line',
          label: 'Delivered (n)',
          data: hours.map((x) => x.delivered),
          borderColor: COLORS.amber,
          backgroundColor: COLORS.amber,
          pointRadius: 2,
          tension: 0.25,
          yAxisID: 'n',
        },
      ],
    },
    options: {
      plugins: {
        legend: { position: 'bottom' },
        title: { display: true, text: "Reply rate by send hour (candidate's time zone)" },
        tooltip: {
          callbacks: {
            label: (item) => {
              const x = hours[item.dataIndex];
              return item.dataset.yAxisID === 'rate'
                ? `reply rate ${item.raw === null ? '—' : item.raw.toFixed(1) + '%'} (${x.replied}/${x.delivered})`
                : `delivered ${x.delivered}`;
            },
          },
        },
      },
      scales: {
        rate: { position: 'left', beginAtZero: true, title: { display: true, text: 'reply rate %' } },
        n: { position: 'right', beginAtZero: true, grid: { display: false }, ticks: { precision: 0 }, title: { display: true, text: 'delivered' } },
        x: { grid: { display: false } },
      },
    },
  });
  return out;
}

function renderOffers(report) {
  asOf('offers', null, { live: true });
  const s = report.summary;
  const out = [
    tiles('offers.summary', [
      ['sent', 'Sent', s.sent],
      ['accepted', 'Accepted', s.accepted],
      ['declined', 'Declined', s.declined],
      ['expired', 'Expired', s.expired],
      ['withdrawn', 'Withdrawn', s.withdrawn],
      ['open', 'Awaiting answer', s.open],
      ['acceptanceRate', 'Acceptance rate', s.acceptanceRate, fmt.pct],
      ['medianDaysToAnswer', 'Median days to answer', s.medianDaysToAnswer, fmt.days],
      ['p90DaysToAnswer', 'p90 days to answer', s.p90DaysToAnswer, fmt.days],
      ['outOfBandApprovals', 'Out-of-band approvals', s.outOfBandApprovals],
    ]),
  ];
  if (s.sent === 0 && !report.bands.length) {
    out.push(empty('No offer was sent in this period.'));
    return out;
  }
  const grid = h('div', { class: 'split even' });
  grid.append(
    h(
      'div',
      {},
      h('h3', {}, 'Decline reasons'),
      report.declineReasons.length
        ? table(
            [{ label: 'Reason' }, { label: 'Offers', num: true }],
            report.declineReasons.map((r) => h('tr', {}, h('td', {}, r.reason), num(`offers.declineReasons.${r.reason}`, r.offers))),
          )
        : empty('No offer was declined.'),
    ),
  );
  grid.append(
    h(
      'div',
      {},
      h('h3', {}, 'Exchange rates used'),
      report.rates.length
        ? table(
            [{ label: 'Pair' }, { label: 'Rate', num: true }, { label: 'As of' }],
            report.rates.map((r) =>
              h('tr', {}, h('td', {}, `${r.base} → ${r.quote}`), num(`offers.rates.${r.base}/${r.quote}`, r.rate, fmt.text), h('td', {}, r.asOf)),
            ),
          )
        : empty('No conversion was needed.'),
    ),
  );
  out.push(grid);
  const c = (m, v) => num(m, v, fmt.dec2);
  out.push(
    h(
      'div',
      {},
      h('h3', {}, 'Compa-ratio per salary band'),
      report.bands.length
        ? table(
            [
              { label: 'Band' },
              { label: 'Currency' },
              { label: 'Offers', num: true },
              { label: 'Out of band', num: true },
              { label: 'Min', num: true },
              { label: 'p25', num: true },
              { label: 'Median', num: true },
              { label: 'p75', num: true },
              { label: 'Max', num: true },
            ],
            report.bands.map((b) => {
              const m = (field) => `offers.bands.${b.salaryBandId}.${field}`;
              return h(
                'tr',
                {},
                h('th', { scope: 'row' }, `${b.jobFamily} · ${b.level} · ${b.zone}`),
                h('td', {}, `${b.currency} ${b.period}`),
                num(m('offers'), b.offers),
                num(m('outOfBand'), b.outOfBand),
                c(m('minCompaRatio'), b.minCompaRatio),
                c(m('p25CompaRatio'), b.p25CompaRatio),
                c(m('medianCompaRatio'), b.medianCompaRatio),
                c(m('p75CompaRatio'), b.p75CompaRatio),
                c(m('maxCompaRatio'), b.maxCompaRatio),
              );
            }),
          )
        : empty('No offer in the period has a band.'),
    ),
  );
  out.push(
    h(
      'div',
      {},
      h('h3', {}, `Competing offers (annual base, ${report.currency})`),
      report.competitors.length
        ? table(
            [
              { label: 'Employer' },
              { label: 'Offers', num: true },
              { label: 'Compared', num: true },
              { label: 'Median gap', num: true, title: '(their base - ours) / ours: positive, they pay more' },
              { label: 'Their median base', num: true },
              { label: 'Our median base', num: true },
              { label: 'Lost to', num: true },
            ],
            report.competitors.map((x) => {
              const m = (field) => `offers.competitors.${x.employer}.${field}`;
              const gap = num(m('medianGap'), x.medianGap, fmt.signedPct);
              if (x.medianGap !== null) gap.classList.add(x.medianGap > 0 ? 'scarce' : 'ample');
              return h(
                'tr',
                {},
                h('th', { scope: 'row' }, x.employer),
                num(m('offers'), x.offers),
                num(m('compared'), x.compared),
                gap,
                num(m('medianTheirBase'), x.medianTheirBase, fmt.money),
                num(m('medianOurBase'), x.medianOurBase, fmt.money),
                num(m('lost'), x.lost),
              );
            }),
          )
        : empty('No competing offer was recorded against these offers.'),
    ),
  );
  return out;
}

// ---------------------------------------------------------------- loading

const SECTIONS = ['market', 'funnel', 'outreach', 'offers'];

function setSection(id, children) {
  const content = $(`#${id} .content`);
  content.replaceChildren(...children);
  $(`#${id}`).dataset.state = 'ready';
}

/** A report the API refused: its problem in place of the report, or a pointer to the one shown above the reports. */
function sectionFailed(id, error, { shownAbove = false } = {}) {
  const el = $(`#${id} .as-of`);
  el.textContent = '';
  el.dataset.asOf = '';
  $(`#${id} .content`).replaceChildren(shownAbove ? empty('Not shown: the API refused these filters (see above).') : problemBox(error));
  $(`#${id}`).dataset.state = 'error';
}

async function loadReports() {
  const f = currentFilters();
  const errorBox = $('#filters-error');
  errorBox.hidden = true;
  if (!validZone(f.timeZone)) {
    showProblem(errorBox, { status: 0, problem: { title: 'Unknown time zone', detail: `"${f.timeZone}" is not an IANA time zone, such as Europe/Berlin.` } });
    return;
  }
  if (f.from && f.to && f.from > f.to) {
    showProblem(errorBox, { status: 0, problem: { title: 'Check the period', detail: 'From must not be after To.' } });
    return;
  }
  sessionStorage.setItem(FILTERS_KEY, JSON.stringify(f));
  const load = ++state.load;
  const key = [f.taskForceId, f.from, f.to, f.timeZone].join('|');
  document.body.dataset.state = 'loading';
  for (const id of SECTIONS) $(`#${id}`).dataset.state = 'loading';
  const params = { taskForceId: f.taskForceId, from: f.from, to: f.to, timeZone: f.timeZone };
  const settle = (p) =>
    p.then(
      (value) => value,
      (error) => (error instanceof Error ? error : new Error(String(error))),
    );
  const [market, funnel, openings, outreach, offers] = await Promise.all([
    settle(api('/v1/insight/market', params)),
    settle(api('/v1/insight/funnel', params)),
    settle(api('/v1/insight/funnel/openings', { taskForceId: f.taskForceId, limit: 100 })),
    settle(api('/v1/insight/outreach', params)),
    settle(api('/v1/insight/offers', params)),
  ]);
  if (load !== state.load) return;
  // A token revoked or expired meanwhile: back to the sign-in form, with the API's word for it.
  const unauthenticated = [market, funnel, openings, outreach, offers].find((r) => r instanceof ApiError && r.status === 401);
  if (unauthenticated) {
    signOut(unauthenticated);
    return;
  }
  clearCharts();
  state.pending = [];
  // The same refusal of the filters from every report (a period too long, say): said once, above them.
  const withPeriod = [market, funnel, outreach, offers];
  const refusal = withPeriod.every((r) => r instanceof ApiError && r.status === 400 && r.problem.detail === market.problem.detail) ? market : null;
  if (refusal) showProblem(errorBox, refusal);
  const render = (id, result, draw) => {
    try {
      if (result instanceof Error) sectionFailed(id, result, { shownAbove: refusal !== null && withPeriod.includes(result) });
      else setSection(id, draw(result));
    } catch (error) {
      sectionFailed(id, { status: 0, problem: { title: 'The page could not draw this report', detail: String(error.message ?? error) } });
    }
  };
  render('market', market, renderMarket);
  render('funnel', funnel, (r) => renderFunnel(r, openings));
  render('outreach', outreach, renderOutreach);
  render('offers', offers, renderOffers);
  const period = market instanceof Error ? (funnel instanceof Error ? null : funnel.period) : market.period;
  $('#summary').textContent = period
    ? `${taskForceLabel()} · ${period.from} to ${period.to} (${period.timeZone}), ${daysIn(period)} days`
    : `${taskForceLabel()} · ${f.from} to ${f.to} (${f.timeZone})`;
  for (const drawChart of state.pending.splice(0)) {
    try {
      drawChart();
    } catch (error) {
      console.error('a chart could not be drawn', error);
    }
  }
  $('#board').dataset.loaded = key;
  document.body.dataset.state = 'ready';
}

function taskForceLabel() {
  const select = $('#task-force');
  return select.selectedOptions[0]?.textContent ?? '';
}

function daysIn(period) {
  return Math.round((Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / 86400000) + 1;
}

// ---------------------------------------------------------------- signing in and out

async function signIn(token) {
  state.token = token;
  document.body.dataset.state = 'signing-in';
  const me = await api('/v1/me');
  const taskForces = await allPages('/v1/task-forces');
  state.me = me;
  state.taskForces = taskForces;
  sessionStorage.setItem(TOKEN_KEY, token);
  $('#who-name').textContent = me.name || me.email;
  $('#who-role').textContent = me.role;
  $('#who').hidden = false;
  $('#sign-in').hidden = true;
  $('#board').hidden = false;
  fillTaskForces();
  restoreFilters();
  await loadReports();
}

function signOut(error) {
  sessionStorage.removeItem(TOKEN_KEY);
  state.token = null;
  state.me = null;
  state.load++;
  clearCharts();
  for (const id of SECTIONS) $(`#${id} .content`).replaceChildren();
  $('#board').hidden = true;
  $('#board').dataset.loaded = '';
  $('#who').hidden = true;
  $('#sign-in').hidden = false;
  const box = $('#sign-in-error');
  if (error) showProblem(box, error);
  else box.hidden = true;
  document.body.dataset.state = 'signed-out';
  $('#token').focus();
}

function start() {
  setupChartDefaults();
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  $('#time-zones').replaceChildren(...zones.map((z) => h('option', { value: z })));

  $('#sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = $('#token');
    const token = input.value.trim();
    if (!token) return;
    $('#sign-in-button').disabled = true;
    try {
      await signIn(token);
      input.value = '';
    } catch (error) {
      signOut(error);
    } finally {
      $('#sign-in-button').disabled = false;
    }
  });
  $('#sign-out').addEventListener('click', () => signOut(null));
  $('#filters').addEventListener('submit', (event) => {
    event.preventDefault();
    void loadReports();
  });
  $('#task-force').addEventListener('change', () => void loadReports());
  $('#last-12-weeks').addEventListener('click', () => {
    lastTwelveWeeks();
    void loadReports();
  });

  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) signIn(saved).catch((error) => signOut(error));
  else signOut(null);
}

start();
