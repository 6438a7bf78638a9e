import { HOLIDAY_CALENDARS, HolidayCalendar, holidayOn } from '@app/platform/clock/holidays';
import { WEEKDAYS, Weekday } from '@app/platform/clock/weekdays';
import { RuleViolationError } from '@app/platform/errors/domain-error';
import { DateTime, IANAZone } from 'luxon';

/**
 * Interview slot finder: which instants suit a candidate and enough of a panel of interviewers,
 * each in their own time zone, working hours and holiday calendars. Pure: no clock, no I/O.
 *
 * Rules, for a slot [start, start + duration):
 * - Starts lie on a grid of UTC multiples of `stepMinutes` and the whole slot lies inside [from, to].
 * - A participant is out if any of their local dates the slot touches is a public holiday of one of
 *   their calendars.
 * - A participant must be asked to stretch their working day by at most `maxStretchMinutes`: the
 *   stretch is how much earlier than their start the slot begins plus how much later than their end
 *   it ends, measured against the nearest working day that is not a holiday. A slot wholly outside
 *   the hours counts the gap too (a 19:00-20:00 slot after an 18:00 end stretches the day by 120
 *   minutes, not 60), since that is how long the person's day becomes. Non-working weekdays have no
 *   hours to stretch.
 * - A participant with `availability` must have the slot inside one of those intervals (adjacent or
 *   overlapping intervals are joined). Working hours still apply on top of it.
 * - A participant with a busy interval overlapping the slot is out.
 * - The candidate must qualify and at least `interviewersNeeded` interviewers must; the least
 *   stretched of them are chosen (ties go to the one listed first).
 *
 * Wall-clock times are resolved by luxon in each zone: working hours that open inside a skipped
 * hour open that much after the jump (02:30 becomes 03:30, as in outreach send windows), a time
 * that occurs twice means its first occurrence, and because slots are enumerated as UTC instants, a
 * repeated hour yields one slot per real instant.
 */

export type HHmm = string;

/** Local working hours per weekday; "HH:mm", end exclusive ("24:00" is the end of the day). A missing weekday is not worked. */
export type WorkingHours = { [day in Weekday]?: { start: HHmm; end: HHmm } };

/** A half-open interval of instants, [start, end). */
export interface Interval {
  start: Date;
  end: Date;
}

export interface SlotParticipant {
  id: string;
  kind: 'candidate' | 'interviewer';
  /** IANA time zone, e.g. "Asia/Shanghai". */
  zone: string;
  workingHours: WorkingHours;
  holidayCalendars: HolidayCalendar[];
  /** Existing interviews and blocked times. */
  busy: Interval[];
  /** When given (the candidate's stated availability), a slot must lie inside one of these. */
  availability?: Interval[];
}

export interface SlotQuery {
  from: Date;
  to: Date;
  durationMinutes: number;
  candidate: SlotParticipant;
  interviewers: SlotParticipant[];
  /** How many of `interviewers` each slot needs; the least stretched are picked. */
  interviewersNeeded: number;
  /** Grid of slot starts, in UTC multiples of this many minutes: 5, 10, 15, 20, 30 or 60. Default 15. */
  stepMinutes?: number;
  /** How far, in total, a person may be asked to go outside their working hours on a slot: 0-240, default 120. */
  maxStretchMinutes?: number;
  /** At most this many slots are returned: 1-100, default 20. */
  limit?: number;
}

export interface SlotParticipantView {
  id: string;
  kind: 'candidate' | 'interviewer';
  zone: string;
  /** ISO 8601 with the offset of the participant's zone, e.g. "2027-01-12T08:00:00+08:00". */
  localStart: string;
  localEnd: string;
  withinWorkingHours: boolean;
  /** Minutes the slot stretches this person's working day (before its start plus after its end). */
  stretchMinutes: number;
}

export interface Slot {
  start: Date;
  end: Date;
  /** The candidate's local date of the start, "2027-01-11". */
  date: string;
  /** Sum of the participants' stretch. */
  stretchMinutes: number;
  /** The candidate first, then the chosen interviewers in the order they were given. */
  participants: SlotParticipantView[];
}

export type SlotBlockCode = 'holiday' | 'not-working-day' | 'no-overlap' | 'busy' | 'outside-availability' | 'too-few-interviewers';

export interface SlotBlockReason {
  code: SlotBlockCode;
  /** Absent for 'too-few-interviewers', which is about the panel as a whole. */
  participantId?: string;
  /** Human-readable, e.g. "Spring Festival (CN)". */
  detail: string;
}

export interface DayWithoutSlot {
  /** The candidate's local date. */
  date: string;
  reasons: SlotBlockReason[];
}

export interface SlotSearchResult {
  slots: Slot[];
  daysWithoutSlot: DayWithoutSlot[];
}

/** A query the finder refuses to run; `field` names the offending input. Maps to HTTP 422. */
export class SlotQueryError extends RuleViolationError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_slot_query', message, { field });
  }
}

export const SLOT_LIMITS = {
  maxRangeDays: 31,
  minDurationMinutes: 15,
  maxDurationMinutes: 480,
  maxInterviewers: 20,
  steps: [5, 10, 15, 20, 30, 60],
  maxStretchMinutes: 240,
  maxLimit: 100,
  maxIntervals: 1000,
} as const;

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * Slots that suit the candidate and `interviewersNeeded` interviewers, best first, and for every
 * candidate-local date of the range without any slot, why not.
 *
 * Ranking: slots where everyone is within working hours first, then lower total stretch, then the
 * earlier start.
 *
 * Choice of the `limit` slots: the same free window should not come back as many 15-minute shifts.
 * Slots are taken in rounds; in each round every candidate-local day offers its best slot that
 * overlaps none taken so far, and the round's offers are taken best first. All within-hours slots
 * are chosen this way before any stretched one. Only when no non-overlapping slot is left do
 * overlapping ones (other starts in a window already offered) fill the remaining places, best
 * first. The chosen slots are returned in ranking order.
 *
 * Reasons for a day without a slot: the rules are applied in layers (holidays and working hours,
 * then stated availability, then busy times), and the reasons describe the first layer that leaves
 * no slot that day: the candidate's, when the candidate is out at every time left; otherwise those
 * of each interviewer who is out at every time the candidate could make, plus 'too-few-interviewers'
 * when some interviewers could make it but never enough at once. A person's own reasons leave
 * 'no-overlap' out when a more specific one (a holiday, a weekend, busy...) was seen. Identical
 * reasons are given once.
 *
 * @throws SlotQueryError when the query is malformed or too large to answer quickly.
 */
export function findSlots(q: SlotQuery): SlotSearchResult {
  const query = validate(q);
  const { from, to, durationMs, stepMs, maxStretchMs, needed, limit } = query;
  const margin = maxStretchMs + durationMs + 2 * DAY;
  const candidate = prepare(q.candidate, from - margin, to + margin);
  const interviewers = q.interviewers.map((p) => prepare(p, from - margin, to + margin));

  const starts: number[] = [];
  for (let s = Math.ceil(from / stepMs) * stepMs; s + durationMs <= to; s += stepMs) starts.push(s);

  const feasible: Slot[] = [];
  const byDate = new Map<string, Verdict[][]>();
  for (const s of starts) {
    const e = s + durationMs;
    const verdicts = [candidate, ...interviewers].map((p) => judge(p, s, e, maxStretchMs));
    const date = candidate.localDate(s);
    let day = byDate.get(date);
    if (!day) byDate.set(date, (day = []));
    day.push(verdicts);
    const [c, ...iv] = verdicts;
    if (c.layer !== 0) continue;
    const chosen = iv
      .map((v, i) => ({ v, i }))
      .filter(({ v }) => v.layer === 0)
      .sort((a, b) => a.v.stretchMs - b.v.stretchMs || a.i - b.i)
      .slice(0, needed)
      .sort((a, b) => a.i - b.i);
    if (chosen.length < needed) continue;
    const participants = [view(candidate, c, s, e), ...chosen.map(({ v, i }) => view(interviewers[i], v, s, e))];
    feasible.push({
      start: new Date(s),
      end: new Date(e),
      date,
      stretchMinutes: participants.reduce((sum, p) => sum + p.stretchMinutes, 0),
      participants,
    });
  }

  const slotDates = new Set(feasible.map((slot) => slot.date));
  const daysWithoutSlot: DayWithoutSlot[] = [];
  for (const [date, day] of byDate) {
    if (!slotDates.has(date)) daysWithoutSlot.push({ date, reasons: explain(day, [q.candidate, ...q.interviewers], needed, query) });
  }
  return { slots: choose(feasible, limit), daysWithoutSlot };
}

/**
 * Ranking: slots with everyone within working hours first, then lower total stretch, then the
 * earlier start. Everyone within hours is the same as a total stretch of 0, so the first rule is
 * the second one's special case.
 */
export function compareSlots(a: Slot, b: Slot): number {
  return a.stretchMinutes - b.stretchMinutes || a.start.getTime() - b.start.getTime();
}

function choose(feasible: Slot[], limit: number): Slot[] {
  const ranked = [...feasible].sort(compareSlots);
  const chosen: Slot[] = [];
  const taken = new Set<Slot>();
  const overlapsChosen = (slot: Slot) => chosen.some((c) => c.start < slot.end && slot.start < c.end);
  const take = (slot: Slot) => {
    chosen.push(slot);
    taken.add(slot);
  };

  const tiers = [ranked.filter((s) => s.stretchMinutes === 0), ranked.filter((s) => s.stretchMinutes > 0)];
  for (const tier of tiers) {
    const days = new Map<string, { slots: Slot[]; next: number }>();
    for (const slot of tier) {
      const day = days.get(slot.date) ?? { slots: [], next: 0 };
      day.slots.push(slot);
      days.set(slot.date, day);
    }
    while (chosen.length < limit) {
      const offers: Slot[] = [];
      for (const day of days.values()) {
        // A slot that overlaps a chosen one will always do so, so the cursor never goes back.
        while (day.next < day.slots.length && overlapsChosen(day.slots[day.next])) day.next++;
        if (day.next < day.slots.length) offers.push(day.slots[day.next]);
      }
      if (offers.length === 0) break;
      for (const offer of offers.sort(compareSlots)) {
        if (chosen.length < limit && !overlapsChosen(offer)) take(offer);
      }
    }
  }
  for (const slot of ranked) {
    if (chosen.length >= limit) break;
    if (!taken.has(slot)) take(slot);
  }
  return chosen.sort(compareSlots);
}

// ---------------------------------------------------------------------------------------------
// Participants

interface LocalDay {
  date: string;
  weekday: Weekday;
  start: number;
  end: number;
  holiday?: string;
  /** Working hours of the day as instants, when the weekday is worked. */
  open?: number;
  close?: number;
}

interface Prepared {
  source: SlotParticipant;
  days: LocalDay[];
  /** Working hours of the days that are not holidays, joined where one day's end is the next one's start. */
  work: Array<{ open: number; close: number }>;
  busy: Array<[number, number]>;
  availability?: Array<[number, number]>;
  localDate(instant: number): string;
}

function prepare(p: SlotParticipant, from: number, to: number): Prepared {
  const days: LocalDay[] = [];
  for (let d = DateTime.fromMillis(from, { zone: p.zone }).startOf('day'); d.toMillis() < to;) {
    const next = d.plus({ days: 1 }).startOf('day');
    const weekday = WEEKDAYS[d.weekday - 1];
    const date = d.toISODate()!;
    const holiday = holidayOn(date, p.holidayCalendars);
    const hours = p.workingHours[weekday];
    const day: LocalDay = { date, weekday, start: d.toMillis(), end: next.toMillis() };
    if (holiday) day.holiday = `${holiday.name} (${holiday.calendar})`;
    if (hours) {
      day.open = wallClock(d, next, hours.start);
      day.close = wallClock(d, next, hours.end);
    }
    days.push(day);
    d = next;
  }
  const work: Prepared['work'] = [];
  for (const day of days) {
    if (day.open === undefined || day.close === undefined || day.holiday) continue;
    const last = work[work.length - 1];
    if (last && last.close >= day.open) last.close = Math.max(last.close, day.close);
    else work.push({ open: day.open, close: day.close });
  }
  return {
    source: p,
    days,
    work,
    busy: merge(p.busy),
    availability: p.availability && merge(p.availability),
    localDate: (instant) => days[dayIndex(days, instant)]?.date ?? DateTime.fromMillis(instant, { zone: p.zone }).toISODate()!,
  };
}

function wallClock(day: DateTime, next: DateTime, hhmm: HHmm): number {
  if (hhmm === '24:00') return next.toMillis();
  return day.set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) }).toMillis();
}

/** Sorted, with overlapping and adjacent intervals joined. */
function merge(intervals: Interval[]): Array<[number, number]> {
  const sorted = intervals.map((i): [number, number] => [i.start.getTime(), i.end.getTime()]).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** Index of the last of `length` items, sorted by start, whose start is at or before `instant`; -1 if none. */
function lastStartingBy(length: number, instant: number, startOf: (i: number) => number): number {
  let lo = 0;
  let hi = length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (startOf(mid) <= instant) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function dayIndex(days: LocalDay[], instant: number): number {
  return lastStartingBy(days.length, instant, (i) => days[i].start);
}

// ---------------------------------------------------------------------------------------------
// Verdicts

/** 0: qualifies; 1: holidays and working hours; 2: stated availability; 3: busy. */
type Layer = 0 | 1 | 2 | 3;

interface Verdict {
  layer: Layer;
  code?: Exclude<SlotBlockCode, 'too-few-interviewers'>;
  detail?: string;
  stretchMs: number;
}

function judge(p: Prepared, s: number, e: number, maxStretchMs: number): Verdict {
  let offDay: LocalDay | undefined;
  for (let i = Math.max(0, dayIndex(p.days, s)); i < p.days.length && p.days[i].start < e; i++) {
    const day = p.days[i];
    if (day.holiday) return { layer: 1, code: 'holiday', detail: day.holiday, stretchMs: 0 };
    if (day.open === undefined) offDay ??= day;
  }

  // Hours that open at or before s make any earlier ones redundant: those close earlier too.
  let stretchMs = Infinity;
  const work = p.work;
  const openOf = (k: number) => work[k].open;
  for (let k = Math.max(0, lastStartingBy(work.length, s, openOf)); k < work.length && work[k].open - maxStretchMs < e; k++) {
    const { open, close } = work[k];
    const reach = (open > s ? open - s : 0) + (e > close ? e - close : 0);
    if (reach < stretchMs) stretchMs = reach;
  }
  if (stretchMs > maxStretchMs) {
    if (offDay) return { layer: 1, code: 'not-working-day', detail: `${dayName(offDay.weekday)} is not a working day in ${p.source.zone}`, stretchMs: 0 };
    return { layer: 1, code: 'no-overlap', stretchMs: 0 };
  }

  if (p.availability) {
    const a = p.availability;
    const i = lastStartingBy(a.length, s, (k) => a[k][0]);
    if (i < 0 || a[i][1] < e) return { layer: 2, code: 'outside-availability', stretchMs: 0 };
  }

  const busy = p.busy;
  const i = lastStartingBy(busy.length, e - 1, (k) => busy[k][0]);
  if (i >= 0 && busy[i][1] > s) return { layer: 3, code: 'busy', stretchMs: 0 };

  return { layer: 0, stretchMs };
}

function view(p: Prepared, v: Verdict, s: number, e: number): SlotParticipantView {
  const local = (instant: number) => DateTime.fromMillis(instant, { zone: p.source.zone }).toISO({ suppressMilliseconds: true })!;
  return {
    id: p.source.id,
    kind: p.source.kind,
    zone: p.source.zone,
    localStart: local(s),
    localEnd: local(e),
    withinWorkingHours: v.stretchMs === 0,
    stretchMinutes: v.stretchMs / MINUTE,
  };
}

const DAY_NAMES = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' } as const;
const dayName = (day: Weekday) => DAY_NAMES[day];

// ---------------------------------------------------------------------------------------------
// Reasons

/** `day[t][k]`: the verdict on participant k (0 the candidate) at the day's t-th start. */
function explain(day: Verdict[][], people: SlotParticipant[], needed: number, q: ValidQuery): SlotBlockReason[] {
  const passes = (v: Verdict, layer: Layer) => v.layer === 0 || v.layer > layer;
  let left = day;
  for (const layer of [1, 2, 3] as const) {
    const next = left.filter((vs) => passes(vs[0], layer) && vs.slice(1).filter((v) => passes(v, layer)).length >= needed);
    if (next.length > 0) {
      left = next;
      continue;
    }
    if (left.every((vs) => !passes(vs[0], layer))) {
      const candidate = left.map((vs) => vs[0]);
      return personal(people[0], candidate, q);
    }

    const candidateCan = left.filter((vs) => passes(vs[0], layer));
    const reasons: SlotBlockReason[] = [];
    const able: string[] = [];
    for (let k = 1; k < people.length; k++) {
      const verdicts = candidateCan.map((vs) => vs[k]);
      if (verdicts.some((v) => passes(v, layer))) able.push(people[k].id);
      else reasons.push(...personal(people[k], verdicts, q));
    }
    if (able.length > 0) {
      const who = able.join(', ');
      reasons.push({
        code: 'too-few-interviewers',
        detail:
          able.length < needed
            ? `only ${who} can meet when the candidate can; ${needed} interviewers needed`
            : `${who} can meet when the candidate can, but never ${needed} at the same time`,
      });
    }
    return unique(reasons);
  }
  return [];
}

/** One person's reasons from their verdicts at the times that mattered, most specific first. */
function personal(p: SlotParticipant, verdicts: Verdict[], q: ValidQuery): SlotBlockReason[] {
  const failed = verdicts.filter((v) => v.code);
  const specific = failed.filter((v) => v.code !== 'no-overlap');
  const order: Verdict['code'][] = ['holiday', 'not-working-day', 'outside-availability', 'busy', 'no-overlap'];
  const reasons = (specific.length > 0 ? specific : failed)
    .sort((a, b) => order.indexOf(a.code) - order.indexOf(b.code))
    .map((v): SlotBlockReason => ({ code: v.code!, participantId: p.id, detail: v.detail ?? describe(v.code!, p, q) }));
  return unique(reasons);
}

function describe(code: Verdict['code'], p: SlotParticipant, q: ValidQuery): string {
  const who = p.kind === 'candidate' ? 'the candidate' : p.id;
  const hours = `${describeHours(p.workingHours)} ${p.zone}`;
  const stretch = `stretched by at most ${q.maxStretchMs / MINUTE} minutes`;
  switch (code) {
    case 'no-overlap':
      return p.kind === 'candidate'
        ? `no ${q.durationMs / MINUTE}-minute slot in the searched range fits the candidate's working hours (${hours}, ${stretch})`
        : `the working hours of ${who} (${hours}) and the candidate's leave no ${q.durationMs / MINUTE}-minute slot, each ${stretch}`;
    case 'outside-availability':
      return `the stated availability of ${who} covers none of the times left`;
    case 'busy':
      return `${who} is busy at every time left`;
    default:
      return code ?? '';
  }
}

/** "mon-fri 09:00-18:00, sat 10:00-12:00" */
function describeHours(hours: WorkingHours): string {
  const runs: Array<{ first: Weekday; last: Weekday; span: string }> = [];
  for (const day of WEEKDAYS) {
    const h = hours[day];
    if (!h) continue;
    const span = `${h.start}-${h.end}`;
    const last = runs[runs.length - 1];
    if (last && last.span === span && WEEKDAYS.indexOf(last.last) === WEEKDAYS.indexOf(day) - 1) last.last = day;
    else runs.push({ first: day, last: day, span });
  }
  if (runs.length === 0) return 'no working days';
  return runs.map((r) => `${r.first === r.last ? r.first : `${r.first}-${r.last}`} ${r.span}`).join(', ');
}

function unique(reasons: SlotBlockReason[]): SlotBlockReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.code}\u0000${r.participantId ?? ''}\u0000${r.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Validation

interface ValidQuery {
  from: number;
  to: number;
  durationMs: number;
  stepMs: number;
  maxStretchMs: number;
  needed: number;
  limit: number;
}

const HH_MM = /^(?:[01]\d|2[0-3]):[0-5]\d$/;

function validate(q: SlotQuery): ValidQuery {
  const fail = (field: string, message: string): never => {
    throw new SlotQueryError(field, message);
  };
  const isInt = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n);
  const time = (d: unknown, field: string): number => {
    if (!(d instanceof Date) || Number.isNaN(d.getTime())) fail(field, `${field} must be a valid date`);
    return (d as Date).getTime();
  };

  const from = time(q.from, 'from');
  const to = time(q.to, 'to');
  if (to <= from) fail('to', 'to must be after from');
  if (to - from > SLOT_LIMITS.maxRangeDays * DAY) fail('to', `the range from..to must be at most ${SLOT_LIMITS.maxRangeDays} days`);

  const duration = q.durationMinutes;
  if (!isInt(duration) || duration < SLOT_LIMITS.minDurationMinutes || duration > SLOT_LIMITS.maxDurationMinutes) {
    fail('durationMinutes', `durationMinutes must be a whole number from ${SLOT_LIMITS.minDurationMinutes} to ${SLOT_LIMITS.maxDurationMinutes}`);
  }
  if (to - from < duration * MINUTE) fail('to', `the range from..to is shorter than durationMinutes (${duration})`);

  const step = q.stepMinutes ?? 15;
  if (!(SLOT_LIMITS.steps as readonly number[]).includes(step)) fail('stepMinutes', `stepMinutes must be one of ${SLOT_LIMITS.steps.join(', ')}`);

  const stretch = q.maxStretchMinutes ?? 120;
  if (!isInt(stretch) || stretch < 0 || stretch > SLOT_LIMITS.maxStretchMinutes) {
    fail('maxStretchMinutes', `maxStretchMinutes must be a whole number from 0 to ${SLOT_LIMITS.maxStretchMinutes}`);
  }

  const limit = q.limit ?? 20;
  if (!isInt(limit) || limit < 1 || limit > SLOT_LIMITS.maxLimit) fail('limit', `limit must be a whole number from 1 to ${SLOT_LIMITS.maxLimit}`);

  if (!Array.isArray(q.interviewers) || q.interviewers.length > SLOT_LIMITS.maxInterviewers) {
    fail('interviewers', `interviewers must be a list of at most ${SLOT_LIMITS.maxInterviewers}`);
  }
  const needed = q.interviewersNeeded;
  if (!isInt(needed) || needed < 1 || needed > q.interviewers.length) {
    fail('interviewersNeeded', `interviewersNeeded must be a whole number from 1 to the number of interviewers (${q.interviewers.length})`);
  }

  participant(q.candidate, 'candidate', 'candidate', fail);
  q.interviewers.forEach((p, i) => participant(p, 'interviewer', `interviewers[${i}]`, fail));
  const ids = new Set<string>();
  for (const [p, field] of [[q.candidate, 'candidate'] as const, ...q.interviewers.map((p, i) => [p, `interviewers[${i}]`] as const)]) {
    if (ids.has(p.id)) fail(`${field}.id`, `participant id ${p.id} is given twice`);
    ids.add(p.id);
  }

  return { from, to, durationMs: duration * MINUTE, stepMs: step * MINUTE, maxStretchMs: stretch * MINUTE, needed, limit };
}

function participant(p: SlotParticipant, kind: SlotParticipant['kind'], field: string, fail: (field: string, message: string) => never): void {
  if (!p || typeof p.id !== 'string' || p.id.length === 0) fail(`${field}.id`, `${field}.id must be a non-empty string`);
  if (p.kind !== kind) fail(`${field}.kind`, `${field}.kind must be ${kind}`);
  if (typeof p.zone !== 'string' || !IANAZone.isValidZone(p.zone)) fail(`${field}.zone`, `${field}.zone must be an IANA time zone such as America/Los_Angeles`);

  const hours = p.workingHours;
  if (!hours || typeof hours !== 'object') fail(`${field}.workingHours`, `${field}.workingHours must be an object keyed by weekday`);
  for (const [day, h] of Object.entries(hours)) {
    const f = `${field}.workingHours.${day}`;
    if (!(WEEKDAYS as readonly string[]).includes(day)) fail(f, `${day} is not a weekday (use ${WEEKDAYS.join(', ')})`);
    if (!h || !HH_MM.test(h.start) || !(HH_MM.test(h.end) || h.end === '24:00')) fail(f, `${f} must have start and end as HH:mm (end may be 24:00)`);
    if (h.start >= h.end) {
      fail(f, `${f} must start before it ends (${h.start}-${h.end}); overnight working hours are not supported`);
    }
  }

  if (!Array.isArray(p.holidayCalendars) || p.holidayCalendars.some((c) => !(HOLIDAY_CALENDARS as readonly string[]).includes(c))) {
    fail(`${field}.holidayCalendars`, `${field}.holidayCalendars must list calendars among ${HOLIDAY_CALENDARS.join(', ')}`);
  }

  const lists: Array<['busy' | 'availability', Interval[] | undefined]> = [
    ['busy', p.busy],
    ['availability', p.availability],
  ];
  for (const [name, list] of lists) {
    if (list === undefined && name === 'availability') continue;
    const f = `${field}.${name}`;
    if (!Array.isArray(list) || list.length > SLOT_LIMITS.maxIntervals) fail(f, `${f} must be a list of at most ${SLOT_LIMITS.maxIntervals} intervals`);
    list!.forEach((i, k) => {
      const ok = i && i.start instanceof Date && i.end instanceof Date && i.start.getTime() < i.end.getTime();
      if (!ok) fail(`${f}[${k}]`, `${f}[${k}] must have valid start and end dates with start before end`);
    });
  }
}
