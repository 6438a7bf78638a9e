import { HolidayCalendar, isHoliday } from '@app/platform/clock/holidays';
import { WEEKDAYS, Weekday } from '@app/platform/clock/weekdays';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { findSlots, Slot, SlotParticipant, SlotQuery, SlotQueryError, SlotSearchResult, WorkingHours } from './slot-finder';

const at = (iso: string) => new Date(iso);
const weekdays = (start: string, end: string): WorkingHours => ({
  mon: { start, end },
  tue: { start, end },
  wed: { start, end },
  thu: { start, end },
  fri: { start, end },
});

/** An interviewer in Hangzhou: Asia/Shanghai (UTC+8, no DST), 09:00-18:00 Mon-Fri, CN holidays. */
const hangzhou = (id: string, extra: Partial<SlotParticipant> = {}): SlotParticipant => ({
  id,
  kind: 'interviewer',
  zone: 'Asia/Shanghai',
  workingHours: weekdays('09:00', '18:00'),
  holidayCalendars: ['CN'],
  busy: [],
  ...extra,
});

/** A candidate in Sunnyvale: America/Los_Angeles (UTC-8, UTC-7 in summer), 09:00-17:00 Mon-Fri, US holidays. */
const sunnyvale = (extra: Partial<SlotParticipant> = {}): SlotParticipant => ({
  id: 'cand',
  kind: 'candidate',
  zone: 'America/Los_Angeles',
  workingHours: weekdays('09:00', '17:00'),
  holidayCalendars: ['US'],
  busy: [],
  ...extra,
});

/** Mon 2027-01-11 00:00 PST to Sat 2027-01-16 00:00 PST: the candidate's Monday to Friday. */
const januaryWeek = { from: at('2027-01-11T08:00:00Z'), to: at('2027-01-16T08:00:00Z') };

const query = (q: Partial<SlotQuery>): SlotQuery => ({
  ...januaryWeek,
  durationMinutes: 60,
  candidate: sunnyvale(),
  interviewers: [hangzhou('hz-1')],
  interviewersNeeded: 1,
  ...q,
});

const starts = (r: SlotSearchResult | Slot[]) => ('slots' in r ? r.slots : r).map((s) => s.start.toISOString());
const on = (r: SlotSearchResult, date: string) => r.slots.filter((s) => s.date === date);
const chronological = (slots: Slot[]) => [...slots].sort((a, b) => a.start.getTime() - b.start.getTime());
const reasonsOn = (r: SlotSearchResult, date: string) => r.daysWithoutSlot.find((d) => d.date === date)?.reasons;

describe('findSlots: Hangzhou panel and a Sunnyvale candidate', () => {
  describe('in January (PST, UTC-8): Beijing 09:00 is 17:00 the day before in California', () => {
    it('finds nothing without stretching, since the candidate ends (exclusive) when the interviewer starts', () => {
      const r = findSlots(query({ durationMinutes: 15, maxStretchMinutes: 0 }));
      expect(r.slots).toEqual([]);
      expect(r.daysWithoutSlot.map((d) => d.date)).toEqual(['2027-01-11', '2027-01-12', '2027-01-13', '2027-01-14', '2027-01-15']);
      for (const date of ['2027-01-11', '2027-01-12', '2027-01-13', '2027-01-14']) {
        expect(reasonsOn(r, date)).toEqual([
          {
            code: 'no-overlap',
            participantId: 'hz-1',
            detail:
              "the working hours of hz-1 (mon-fri 09:00-18:00 Asia/Shanghai) and the candidate's leave no 15-minute slot, each stretched by at most 0 minutes",
          },
        ]);
      }
      // The candidate's Friday is Saturday in Hangzhou.
      expect(reasonsOn(r, '2027-01-15')).toEqual([
        { code: 'not-working-day', participantId: 'hz-1', detail: 'Saturday is not a working day in Asia/Shanghai' },
      ]);
    });

    it('finds the two 15-minute slots on either side of the seam with a 15-minute stretch', () => {
      const r = findSlots(query({ durationMinutes: 15, maxStretchMinutes: 15, limit: 100 }));
      // 16:45-17:00 PST (interviewer from 08:45) and 17:00-17:15 PST (interviewer from 09:00).
      expect(starts(on(r, '2027-01-11'))).toEqual(['2027-01-12T00:45:00.000Z', '2027-01-12T01:00:00.000Z']);
      expect(r.slots).toHaveLength(8);
      expect(r.slots.every((s) => s.stretchMinutes === 15)).toBe(true);
    });

    it('with a 120-minute stretch, offers the seam from both sides and says who stretches by how much', () => {
      const r = findSlots(query({ maxStretchMinutes: 120, limit: 8 }));
      // Every day's best slots (total stretch 60) are 16:00 and 17:00 PST: one per round for each
      // day, so 8 slots cover four days twice instead of the first day's 15-minute shifts.
      expect(starts(r)).toEqual([
        '2027-01-12T00:00:00.000Z',
        '2027-01-12T01:00:00.000Z',
        '2027-01-13T00:00:00.000Z',
        '2027-01-13T01:00:00.000Z',
        '2027-01-14T00:00:00.000Z',
        '2027-01-14T01:00:00.000Z',
        '2027-01-15T00:00:00.000Z',
        '2027-01-15T01:00:00.000Z',
      ]);
      expect(r.slots[0]).toEqual({
        start: at('2027-01-12T00:00:00Z'),
        end: at('2027-01-12T01:00:00Z'),
        date: '2027-01-11',
        stretchMinutes: 60,
        participants: [
          {
            id: 'cand',
            kind: 'candidate',
            zone: 'America/Los_Angeles',
            localStart: '2027-01-11T16:00:00-08:00',
            localEnd: '2027-01-11T17:00:00-08:00',
            withinWorkingHours: true,
            stretchMinutes: 0,
          },
          {
            id: 'hz-1',
            kind: 'interviewer',
            zone: 'Asia/Shanghai',
            localStart: '2027-01-12T08:00:00+08:00',
            localEnd: '2027-01-12T09:00:00+08:00',
            withinWorkingHours: false,
            stretchMinutes: 60,
          },
        ],
      });
      expect(r.slots[1].participants.map((p) => [p.id, p.localStart, p.stretchMinutes])).toEqual([
        ['cand', '2027-01-11T17:00:00-08:00', 60],
        ['hz-1', '2027-01-12T09:00:00+08:00', 0],
      ]);
      expect(r.daysWithoutSlot).toEqual([
        { date: '2027-01-15', reasons: [{ code: 'not-working-day', participantId: 'hz-1', detail: 'Saturday is not a working day in Asia/Shanghai' }] },
      ]);
    });

    it('fills up with overlapping starts only once no distinct window is left', () => {
      const r = findSlots(query({ maxStretchMinutes: 120 }));
      // Per day the stretch allows starts from 15:00 to 18:00 PST: four distinct hours (16:00 and
      // 17:00 with stretch 60, 15:00 and 18:00 with 120) on four days make 16; the last 4 places go
      // to the best remaining starts, shifts of the first two days' 16:00 slots.
      expect(r.slots).toHaveLength(20);
      const best = [
        ['2027-01-12T00:00', '2027-01-12T00:15', '2027-01-12T00:30', '2027-01-12T00:45', '2027-01-12T01:00'],
        ['2027-01-13T00:00', '2027-01-13T00:15', '2027-01-13T01:00'],
        ['2027-01-14T00:00', '2027-01-14T01:00'],
        ['2027-01-15T00:00', '2027-01-15T01:00'],
      ].flat();
      const stretched = ['2027-01-11T23:00', '2027-01-12T02:00', '2027-01-12T23:00', '2027-01-13T02:00', '2027-01-13T23:00', '2027-01-14T02:00'].concat([
        '2027-01-14T23:00',
        '2027-01-15T02:00',
      ]);
      expect(starts(r)).toEqual([...best, ...stretched].map((s) => `${s}:00.000Z`));
      expect(r.slots.map((s) => s.stretchMinutes)).toEqual([...best.map(() => 60), ...stretched.map(() => 120)]);
    });
  });

  describe('US daylight saving time moves the overlap by an hour (China has none)', () => {
    const all = { maxStretchMinutes: 120, limit: 100 };

    it('spring forward on Sunday 2027-03-14: the last start moves from 02:00Z to 01:00Z', () => {
      // Thu 2027-03-11 00:00 PST to Wed 2027-03-17 00:00 PDT.
      const r = findSlots(query({ ...all, from: at('2027-03-11T08:00:00Z'), to: at('2027-03-17T07:00:00Z') }));
      const thursday = chronological(on(r, '2027-03-11')); // PST: 15:00-18:00 PST starts = Fri 07:00-10:00 in Hangzhou
      expect(starts(thursday)[0]).toBe('2027-03-11T23:00:00.000Z');
      expect(starts(thursday).at(-1)).toBe('2027-03-12T02:00:00.000Z');
      expect(thursday).toHaveLength(13);
      expect(thursday.at(-1)!.participants.map((p) => p.localStart)).toEqual(['2027-03-11T18:00:00-08:00', '2027-03-12T10:00:00+08:00']);
      expect(Math.min(...thursday.map((s) => s.stretchMinutes))).toBe(60);

      const monday = chronological(on(r, '2027-03-15')); // PDT: 16:00-17:00 PDT is 23:00-00:00Z, the candidate ends an hour earlier in UTC
      expect(starts(monday)[0]).toBe('2027-03-15T23:00:00.000Z');
      expect(starts(monday).at(-1)).toBe('2027-03-16T01:00:00.000Z');
      expect(monday).toHaveLength(9);
      expect(monday.at(-1)!.participants.map((p) => p.localStart)).toEqual(['2027-03-15T18:00:00-07:00', '2027-03-16T09:00:00+08:00']);
      // A one-hour gap between 17:00 PDT and 09:00 in Hangzhou: every slot stretches someone by 120 in all.
      expect(monday.every((s) => s.stretchMinutes === 120)).toBe(true);
      expect(on(r, '2027-03-16')).toHaveLength(9);

      expect(r.daysWithoutSlot.map((d) => d.date)).toEqual(['2027-03-12', '2027-03-13', '2027-03-14']);
    });

    it('fall back on Sunday 2027-11-07: the last start moves from 01:00Z to 02:00Z', () => {
      // Thu 2027-11-04 00:00 PDT to Tue 2027-11-09 00:00 PST.
      const r = findSlots(query({ ...all, from: at('2027-11-04T07:00:00Z'), to: at('2027-11-09T08:00:00Z') }));
      const thursday = chronological(on(r, '2027-11-04'));
      expect([starts(thursday)[0], starts(thursday).at(-1)]).toEqual(['2027-11-04T23:00:00.000Z', '2027-11-05T01:00:00.000Z']);
      expect(thursday).toHaveLength(9);
      const monday = chronological(on(r, '2027-11-08'));
      expect([starts(monday)[0], starts(monday).at(-1)]).toEqual(['2027-11-08T23:00:00.000Z', '2027-11-09T02:00:00.000Z']);
      expect(monday).toHaveLength(13);
      expect(monday.at(-1)!.participants.map((p) => p.localStart)).toEqual(['2027-11-08T18:00:00-08:00', '2027-11-09T10:00:00+08:00']);
    });

    const nightShift = (start: string, end: string): Partial<SlotParticipant> => ({
      zone: 'America/Los_Angeles',
      workingHours: { sun: { start, end } },
      holidayCalendars: [],
    });
    const localStarts = (r: SlotSearchResult) => r.slots.map((s) => s.participants[0].localStart);

    it('has no slot inside the skipped hour and one per real instant in the repeated hour', () => {
      const night = (from: string, to: string, hours: [string, string], step: number) =>
        findSlots({
          from: at(from),
          to: at(to),
          durationMinutes: step,
          stepMinutes: step,
          maxStretchMinutes: 0,
          candidate: sunnyvale(nightShift(...hours)),
          interviewers: [{ ...sunnyvale(nightShift(...hours)), id: 'sv-1', kind: 'interviewer' }],
          interviewersNeeded: 1,
        });
      // 00:00-05:00 on 2027-03-14 is four real hours: 02:00-03:00 does not exist.
      expect(localStarts(night('2027-03-14T08:00:00Z', '2027-03-14T14:00:00Z', ['00:00', '05:00'], 60))).toEqual([
        '2027-03-14T00:00:00-08:00',
        '2027-03-14T01:00:00-08:00',
        '2027-03-14T03:00:00-07:00',
        '2027-03-14T04:00:00-07:00',
      ]);
      // 00:00-05:00 on 2027-11-07 is six real hours: 01:00-02:00 happens twice.
      expect(localStarts(night('2027-11-07T07:00:00Z', '2027-11-07T14:00:00Z', ['00:00', '05:00'], 60))).toEqual([
        '2027-11-07T00:00:00-07:00',
        '2027-11-07T01:00:00-07:00',
        '2027-11-07T01:00:00-08:00',
        '2027-11-07T02:00:00-08:00',
        '2027-11-07T03:00:00-08:00',
        '2027-11-07T04:00:00-08:00',
      ]);
      // Hours opening at 02:30, inside the skipped hour, open at 03:30 PDT.
      expect(localStarts(night('2027-03-14T08:00:00Z', '2027-03-14T14:00:00Z', ['02:30', '05:00'], 30))).toEqual([
        '2027-03-14T03:30:00-07:00',
        '2027-03-14T04:00:00-07:00',
        '2027-03-14T04:30:00-07:00',
      ]);
    });
  });

  describe('public holidays', () => {
    it('Spring Festival 2027 (Fri 02-05 to Sun 02-07 in CN) leaves the candidate Thursday and Friday without slots', () => {
      // Mon 2027-02-01 to Tue 2027-02-09 in California.
      const r = findSlots(query({ from: at('2027-02-01T08:00:00Z'), to: at('2027-02-10T08:00:00Z'), interviewers: [hangzhou('hz-1'), hangzhou('hz-2')] }));
      const festival = [
        { code: 'holiday', participantId: 'hz-1', detail: 'Spring Festival (CN)' },
        { code: 'holiday', participantId: 'hz-2', detail: 'Spring Festival (CN)' },
      ];
      expect(r.daysWithoutSlot).toEqual([
        { date: '2027-02-04', reasons: festival }, // Friday 02-05 in Hangzhou
        { date: '2027-02-05', reasons: festival }, // Saturday 02-06 in Hangzhou, also a holiday
        { date: '2027-02-06', reasons: [{ code: 'not-working-day', participantId: 'cand', detail: 'Saturday is not a working day in America/Los_Angeles' }] },
        { date: '2027-02-07', reasons: [{ code: 'not-working-day', participantId: 'cand', detail: 'Sunday is not a working day in America/Los_Angeles' }] },
      ]);
      expect([...new Set(r.slots.map((s) => s.date))].sort()).toEqual(['2027-02-01', '2027-02-02', '2027-02-03', '2027-02-08', '2027-02-09']);
      // date-holidays ends the festival on Sunday 02-07, so Tuesday 02-09 in Hangzhou is a working day.
      expect(on(r, '2027-02-08')[0].participants[1].localStart).toBe('2027-02-09T08:00:00+08:00');
      for (const slot of r.slots) {
        expect(slot.participants[1].localStart.slice(0, 10)).not.toMatch(/^2027-02-0[567]$/);
      }
    });

    it('US Thanksgiving 2027 (Thu 11-25) leaves the candidate that day without slots', () => {
      const r = findSlots(query({ from: at('2027-11-22T08:00:00Z'), to: at('2027-11-27T08:00:00Z') }));
      expect(r.daysWithoutSlot).toEqual([
        { date: '2027-11-25', reasons: [{ code: 'holiday', participantId: 'cand', detail: 'Thanksgiving Day (US)' }] },
        // The day after is an observance in date-holidays, not a holiday; it is Saturday in Hangzhou.
        { date: '2027-11-26', reasons: [{ code: 'not-working-day', participantId: 'hz-1', detail: 'Saturday is not a working day in Asia/Shanghai' }] },
      ]);
      expect([...new Set(r.slots.map((s) => s.date))]).toEqual(['2027-11-22', '2027-11-23', '2027-11-24']);
    });
    it('leaves out a slot that runs past midnight into a holiday', () => {
      // Thursday 2027-02-04: hz-1 works 14:00-23:00 in Hangzhou (06:00-15:00Z) and may stay 90
      // minutes; the candidate works 06:00-10:00 PST (14:00-18:00Z). Midnight in Hangzhou is 16:00Z,
      // and Friday 02-05 is Spring Festival.
      const late = hangzhou('hz-1', { workingHours: { thu: { start: '14:00', end: '23:00' } } });
      const candidate = sunnyvale({ workingHours: { thu: { start: '06:00', end: '10:00' } } });
      const q = query({
        from: at('2027-02-04T14:00:00Z'),
        to: at('2027-02-04T18:00:00Z'),
        candidate,
        interviewers: [late],
        stepMinutes: 30,
        maxStretchMinutes: 90,
      });
      // 15:00Z ends at midnight (exclusive) and stays on Thursday; 15:30Z runs into Friday.
      expect(starts(chronological(findSlots(q).slots))).toEqual(['2027-02-04T14:00:00.000Z', '2027-02-04T14:30:00.000Z', '2027-02-04T15:00:00.000Z']);
      const withoutCalendar = { ...q, interviewers: [{ ...late, holidayCalendars: [] }] };
      expect(starts(chronological(findSlots(withoutCalendar).slots)).at(-1)).toBe('2027-02-04T15:30:00.000Z');
    });
  });

  describe('busy times and stated availability', () => {
    it('keeps slots off busy intervals, which are half-open', () => {
      const busy = [{ start: at('2027-01-12T00:00:00Z'), end: at('2027-01-12T01:00:00Z') }]; // 08:00-09:00 in Hangzhou
      const r = findSlots(query({ interviewers: [hangzhou('hz-1', { busy })], limit: 100 }));
      // Ranked: stretch 60, 75, 90, 105, then 120 twice.
      expect(starts(on(r, '2027-01-11'))).toEqual([
        '2027-01-12T01:00:00.000Z', // starts as the busy time ends
        '2027-01-12T01:15:00.000Z',
        '2027-01-12T01:30:00.000Z',
        '2027-01-12T01:45:00.000Z',
        '2027-01-11T23:00:00.000Z', // ends as the busy time starts
        '2027-01-12T02:00:00.000Z',
      ]);
    });

    it('says who is busy when busy times take a whole day', () => {
      // The candidate is busy 15:00-19:00 PST on Tuesday, all the stretch allows.
      const candidate = sunnyvale({ busy: [{ start: at('2027-01-12T23:00:00Z'), end: at('2027-01-13T03:00:00Z') }] });
      // hz-1 is busy through Wednesday's window, hz-2 is not.
      const wednesday = { start: at('2027-01-13T22:00:00Z'), end: at('2027-01-14T04:00:00Z') };
      const r = findSlots(query({ candidate, interviewers: [hangzhou('hz-1', { busy: [wednesday] }), hangzhou('hz-2')], interviewersNeeded: 2 }));
      expect(reasonsOn(r, '2027-01-12')).toEqual([{ code: 'busy', participantId: 'cand', detail: 'the candidate is busy at every time left' }]);
      expect(reasonsOn(r, '2027-01-13')).toEqual([
        { code: 'busy', participantId: 'hz-1', detail: 'hz-1 is busy at every time left' },
        { code: 'too-few-interviewers', detail: 'only hz-2 can meet when the candidate can; 2 interviewers needed' },
      ]);
      expect(r.slots.map((s) => s.date)).not.toContain('2027-01-13');
    });

    it('says so when two interviewers are each free but never together', () => {
      const hz1 = hangzhou('hz-1', { busy: [{ start: at('2027-01-11T23:00:00Z'), end: at('2027-01-12T01:00:00Z') }] });
      const hz2 = hangzhou('hz-2', { busy: [{ start: at('2027-01-12T01:00:00Z'), end: at('2027-01-12T03:00:00Z') }] });
      const r = findSlots(query({ to: at('2027-01-12T08:00:00Z'), interviewers: [hz1, hz2], interviewersNeeded: 2 }));
      expect(r.slots).toEqual([]);
      expect(r.daysWithoutSlot).toEqual([
        { date: '2027-01-11', reasons: [{ code: 'too-few-interviewers', detail: 'hz-1, hz-2 can meet when the candidate can, but never 2 at the same time' }] },
      ]);
      expect(findSlots(query({ to: at('2027-01-12T08:00:00Z'), interviewers: [hz1, hz2], interviewersNeeded: 1 })).slots.length).toBeGreaterThan(0);
    });

    it("keeps slots inside the candidate's stated availability, joining adjacent intervals", () => {
      // Tuesday 16:30-17:30 PST, given as two halves.
      const availability = [
        { start: at('2027-01-13T01:00:00Z'), end: at('2027-01-13T01:30:00Z') },
        { start: at('2027-01-13T00:30:00Z'), end: at('2027-01-13T01:00:00Z') },
      ];
      const r = findSlots(query({ candidate: sunnyvale({ availability }) }));
      expect(starts(r)).toEqual(['2027-01-13T00:30:00.000Z']);
      expect(r.slots[0].participants.map((p) => p.stretchMinutes)).toEqual([30, 30]);
      const outside = [
        { code: 'outside-availability', participantId: 'cand', detail: 'the stated availability of the candidate covers none of the times left' },
      ];
      expect(r.daysWithoutSlot).toEqual([
        { date: '2027-01-11', reasons: outside },
        { date: '2027-01-13', reasons: outside },
        { date: '2027-01-14', reasons: outside },
        // Holidays and working hours come first: Friday has no slot whatever the candidate says.
        { date: '2027-01-15', reasons: [{ code: 'not-working-day', participantId: 'hz-1', detail: 'Saturday is not a working day in Asia/Shanghai' }] },
      ]);
    });

    it('needs the whole slot inside the availability', () => {
      const shortByAMinute = [{ start: at('2027-01-13T00:30:00Z'), end: at('2027-01-13T01:29:00Z') }];
      expect(findSlots(query({ candidate: sunnyvale({ availability: shortByAMinute }) })).slots).toEqual([]);
    });
  });

  describe('choosing interviewers and ranking slots', () => {
    it('picks the least stretched interviewers, listed in the order given', () => {
      const early = hangzhou('hz-early', { workingHours: weekdays('08:00', '17:00') });
      const usual = hangzhou('hz-usual');
      const late = hangzhou('hz-late', { workingHours: weekdays('10:00', '19:00') });
      const r = findSlots(query({ to: at('2027-01-12T08:00:00Z'), interviewers: [late, usual, early], interviewersNeeded: 2, limit: 100 }));
      // 16:00 PST is 08:00 in Hangzhou: early 0, usual 60, late 120 (allowed, but more stretched).
      expect(r.slots[0].start).toEqual(at('2027-01-12T00:00:00Z'));
      expect(r.slots[0].participants.map((p) => [p.id, p.stretchMinutes])).toEqual([
        ['cand', 0],
        ['hz-usual', 60],
        ['hz-early', 0],
      ]);
      // 15:00 PST is 07:00: late would stretch 180, beyond the limit, so usual (120) and early (60) go.
      const first = r.slots.find((s) => s.start.getTime() === at('2027-01-11T23:00:00Z').getTime())!;
      expect(first.participants.map((p) => [p.id, p.stretchMinutes])).toEqual([
        ['cand', 0],
        ['hz-usual', 120],
        ['hz-early', 60],
      ]);
      // 18:00 PST is 10:00: nobody in Hangzhou stretches, so the first two listed go.
      const last = r.slots.find((s) => s.start.getTime() === at('2027-01-12T02:00:00Z').getTime())!;
      expect(last.participants.map((p) => [p.id, p.stretchMinutes])).toEqual([
        ['cand', 120],
        ['hz-late', 0],
        ['hz-usual', 0],
      ]);
    });

    it("ranks slots within everyone's hours first, then by total stretch, then by start", () => {
      // A Sunnyvale interviewer, busy on Monday 09:00-17:00 and Tuesday 09:00-16:00 PST; the
      // candidate works until 18:00 on Tuesdays.
      const interviewer: SlotParticipant = {
        ...sunnyvale(),
        id: 'sv-1',
        kind: 'interviewer',
        busy: [
          { start: at('2027-01-11T17:00:00Z'), end: at('2027-01-12T01:00:00Z') },
          { start: at('2027-01-12T17:00:00Z'), end: at('2027-01-13T00:00:00Z') },
        ],
      };
      const candidate = sunnyvale({ workingHours: { ...weekdays('09:00', '17:00'), tue: { start: '09:00', end: '18:00' } } });
      const r = findSlots(
        query({ to: at('2027-01-13T08:00:00Z'), candidate, interviewers: [interviewer], stepMinutes: 60, maxStretchMinutes: 60, limit: 100 }),
      );
      expect(r.slots.map((s) => [s.participants[0].localStart, s.stretchMinutes])).toEqual([
        ['2027-01-12T16:00:00-08:00', 0], // Tuesday, within hours for both
        ['2027-01-12T17:00:00-08:00', 60], // Tuesday, the interviewer stays an hour
        ['2027-01-11T08:00:00-08:00', 120], // both an hour early or late, earliest first
        ['2027-01-11T17:00:00-08:00', 120],
        ['2027-01-12T08:00:00-08:00', 120],
      ]);
      expect(r.slots.map((s) => s.participants.every((p) => p.withinWorkingHours))).toEqual([true, false, false, false, false]);
    });

    it('fills a short list with slots within hours before it spreads to days that only have stretched ones', () => {
      // The Sunnyvale interviewer is busy all Monday's working hours; Tuesday is free.
      const interviewer: SlotParticipant = {
        ...sunnyvale(),
        id: 'sv-1',
        kind: 'interviewer',
        busy: [{ start: at('2027-01-11T17:00:00Z'), end: at('2027-01-12T01:00:00Z') }],
      };
      const r = findSlots(query({ to: at('2027-01-13T08:00:00Z'), interviewers: [interviewer], stepMinutes: 60, maxStretchMinutes: 60, limit: 3 }));
      // Tuesday 09:00, 10:00 and 11:00 PST, not Monday 08:00 (both an hour early).
      expect(starts(r)).toEqual(['2027-01-12T17:00:00.000Z', '2027-01-12T18:00:00.000Z', '2027-01-12T19:00:00.000Z']);
    });
  });

  describe('hours that run to midnight', () => {
    it("joins a day's hours ending at 24:00 with the next day's starting at 00:00", () => {
      const allDay = { start: '00:00', end: '24:00' };
      const always: Partial<SlotParticipant> = { zone: 'UTC', workingHours: Object.fromEntries(WEEKDAYS.map((d) => [d, allDay])), holidayCalendars: [] };
      const r = findSlots(
        query({
          from: at('2027-01-11T23:00:00Z'),
          to: at('2027-01-12T01:00:00Z'),
          candidate: sunnyvale(always),
          interviewers: [hangzhou('hz-1', always)],
          maxStretchMinutes: 0,
        }),
      );
      expect(starts(chronological(r.slots))).toEqual([
        '2027-01-11T23:00:00.000Z',
        '2027-01-11T23:15:00.000Z',
        '2027-01-11T23:30:00.000Z',
        '2027-01-11T23:45:00.000Z',
        '2027-01-12T00:00:00.000Z',
      ]);
      expect(r.slots.every((s) => s.stretchMinutes === 0)).toBe(true);
    });
  });

  describe('refuses queries it should not run', () => {
    const refuses = (patch: Partial<SlotQuery>, field: string, message: RegExp) => {
      let error: unknown;
      try {
        findSlots(query(patch));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SlotQueryError);
      const e = error as SlotQueryError;
      expect([e.field, e.kind, e.code]).toEqual([field, 'rule_violation', 'invalid_slot_query']);
      expect(e.extra).toEqual({ field });
      expect(e.message).toMatch(message);
    };
    const withHours = (hours: unknown): Partial<SlotQuery> => ({ interviewers: [hangzhou('hz-1', { workingHours: hours as WorkingHours })] });
    const tooMany = Array.from({ length: 21 }, (_, i) => hangzhou(`hz-${i}`));

    it('a range that is empty, backwards, longer than 31 days or shorter than the interview', () => {
      refuses({ to: januaryWeek.from }, 'to', /^to must be after from$/);
      refuses({ to: at('2027-01-10T08:00:00Z') }, 'to', /^to must be after from$/);
      refuses({ to: at('2027-02-11T08:00:01Z') }, 'to', /at most 31 days/);
      refuses({ to: at('2027-01-11T08:59:00Z') }, 'to', /shorter than durationMinutes \(60\)/);
      refuses({ from: new Date('not a date') }, 'from', /from must be a valid date/);
      expect(() => findSlots(query({ to: at('2027-02-11T08:00:00Z') }))).not.toThrow();
    });

    it('a duration outside 15..480 minutes, or a step, stretch or limit out of bounds', () => {
      refuses({ durationMinutes: 10 }, 'durationMinutes', /from 15 to 480/);
      refuses({ durationMinutes: 485 }, 'durationMinutes', /from 15 to 480/);
      refuses({ durationMinutes: 30.5 }, 'durationMinutes', /whole number/);
      refuses({ stepMinutes: 7 }, 'stepMinutes', /one of 5, 10, 15, 20, 30, 60/);
      refuses({ maxStretchMinutes: -1 }, 'maxStretchMinutes', /from 0 to 240/);
      refuses({ maxStretchMinutes: 241 }, 'maxStretchMinutes', /from 0 to 240/);
      refuses({ limit: 0 }, 'limit', /from 1 to 100/);
      refuses({ limit: 101 }, 'limit', /from 1 to 100/);
    });

    it('more than 20 interviewers, or a number needed that is not 1..interviewers', () => {
      refuses({ interviewers: tooMany }, 'interviewers', /at most 20/);
      refuses({ interviewersNeeded: 0 }, 'interviewersNeeded', /from 1 to the number of interviewers \(1\)/);
      refuses({ interviewers: [hangzhou('a'), hangzhou('b'), hangzhou('c')], interviewersNeeded: 4 }, 'interviewersNeeded', /\(3\)/);
      refuses({ interviewers: [], interviewersNeeded: 1 }, 'interviewersNeeded', /\(0\)/);
      refuses({ interviewersNeeded: 1.5 }, 'interviewersNeeded', /whole number/);
    });

    it('an unknown time zone', () => {
      // Hangzhou keeps Shanghai time; there is no Asia/Hangzhou zone.
      refuses({ interviewers: [hangzhou('hz-1', { zone: 'Asia/Hangzhou' })] }, 'interviewers[0].zone', /IANA time zone/);
      refuses({ candidate: sunnyvale({ zone: 'Pacific Time' }) }, 'candidate.zone', /IANA time zone/);
    });

    it('malformed working hours, hours that end before they start, and overnight hours', () => {
      refuses(withHours({ mon: { start: '9:00', end: '18:00' } }), 'interviewers[0].workingHours.mon', /HH:mm/);
      refuses(withHours({ mon: { start: '09:00', end: '24:30' } }), 'interviewers[0].workingHours.mon', /HH:mm/);
      refuses(withHours({ mon: { start: '09:60', end: '18:00' } }), 'interviewers[0].workingHours.mon', /HH:mm/);
      refuses(withHours({ mon: { start: '24:00', end: '24:00' } }), 'interviewers[0].workingHours.mon', /HH:mm/);
      refuses(withHours({ monday: { start: '09:00', end: '18:00' } }), 'interviewers[0].workingHours.monday', /not a weekday/);
      refuses(withHours({ mon: { start: '18:00', end: '18:00' } }), 'interviewers[0].workingHours.mon', /start before it ends/);
      refuses(withHours({ mon: { start: '22:00', end: '06:00' } }), 'interviewers[0].workingHours.mon', /overnight working hours are not supported/);
      expect(() => findSlots(query(withHours({ sat: { start: '00:00', end: '24:00' } })))).not.toThrow();
    });

    it('bad participants: unknown calendars, backwards intervals, repeated ids, wrong kinds', () => {
      refuses({ candidate: sunnyvale({ holidayCalendars: ['UK' as HolidayCalendar] }) }, 'candidate.holidayCalendars', /US, CN/);
      const backwards = { start: at('2027-01-12T01:00:00Z'), end: at('2027-01-12T01:00:00Z') };
      refuses({ interviewers: [hangzhou('hz-1', { busy: [backwards] })] }, 'interviewers[0].busy[0]', /start before end/);
      refuses({ candidate: sunnyvale({ availability: [backwards] }) }, 'candidate.availability[0]', /start before end/);
      refuses({ interviewers: [hangzhou('hz-1'), hangzhou('hz-1')] }, 'interviewers[1].id', /hz-1 is given twice/);
      refuses({ interviewers: [hangzhou('cand')] }, 'interviewers[0].id', /cand is given twice/);
      refuses({ interviewers: [{ ...hangzhou('hz-1'), kind: 'candidate' }] }, 'interviewers[0].kind', /must be interviewer/);
      refuses({ candidate: { ...sunnyvale(), kind: 'interviewer' } }, 'candidate.kind', /must be candidate/);
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Property: every slot obeys the hard rules, checked here independently of the finder, the list
// is ranked, and the days without a slot are exactly the days where no grid start qualifies.

const MIN = 60_000;
// Weighted towards the two zones that matter; the others bring other DST dates and a half-hour offset.
const ZONES = ['America/Los_Angeles', 'America/Los_Angeles', 'Asia/Shanghai', 'Asia/Shanghai', 'America/New_York', 'Europe/London', 'Asia/Kolkata', 'UTC'];
const ANCHORS = ['2027-01-11', '2027-02-03', '2027-03-12', '2027-03-26', '2027-10-29', '2027-11-05', '2027-11-23'];
const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const minuteOf = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));

/** Hours that stay clear of midnight, so no two days' hours join. */
const hoursArb = fc.oneof(
  { arbitrary: fc.constant(weekdays('09:00', '18:00')), weight: 2 },
  { arbitrary: fc.constant(weekdays('09:00', '17:00')), weight: 2 },
  { arbitrary: fc.constant(weekdays('07:00', '21:00')), weight: 1 },
  fc.dictionary(
    fc.constantFrom(...WEEKDAYS),
    fc
      .tuple(fc.integer({ min: 12, max: 144 }), fc.integer({ min: 6, max: 132 }))
      .map(([start, length]) => ({ start: hhmm(start * 5), end: hhmm(Math.min(start * 5 + length * 5, 23 * 60)) })),
    { minKeys: 3, maxKeys: 7 },
  ),
) as fc.Arbitrary<WorkingHours>;

/** Intervals on a quarter-hour grid, so they often touch slot boundaries exactly. */
const intervalsArb = (midnight: number, maxCount: number, maxQuarters: number) =>
  fc.array(
    fc.tuple(fc.integer({ min: -96, max: 4 * 96 }), fc.integer({ min: 1, max: maxQuarters })).map(([offset, length]) => ({
      start: new Date(midnight + offset * 15 * MIN),
      end: new Date(midnight + (offset + length) * 15 * MIN),
    })),
    { maxLength: maxCount },
  );

const participantArb = (id: string, kind: SlotParticipant['kind'], midnight: number): fc.Arbitrary<SlotParticipant> =>
  fc.record({
    id: fc.constant(id),
    kind: fc.constant(kind),
    zone: fc.constantFrom(...ZONES),
    workingHours: hoursArb,
    holidayCalendars: fc.subarray<HolidayCalendar>(['US', 'CN']),
    busy: intervalsArb(midnight, 3, 20),
    availability: kind === 'candidate' ? fc.option(intervalsArb(midnight, 4, 96), { nil: undefined, freq: 2 }) : fc.constant(undefined),
  });

const queryArb: fc.Arbitrary<SlotQuery> = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: 0, max: 2 * 24 * 60 }), fc.integer({ min: 15, max: 480 }), fc.integer({ min: 0, max: 2 * 24 * 60 }))
  .chain(([anchor, offset, duration, extra]) => {
    const midnight = DateTime.fromISO(anchor, { zone: 'UTC' }).toMillis();
    const from = midnight + offset * MIN;
    return fc
      .record({
        candidate: participantArb('cand', 'candidate', midnight),
        interviewers: fc
          .integer({ min: 1, max: 4 })
          .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => participantArb(`iv-${i}`, 'interviewer', midnight)))),
        stepMinutes: fc.constantFrom(5, 10, 15, 20, 30, 60),
        maxStretchMinutes: fc.integer({ min: 0, max: 240 }),
        limit: fc.integer({ min: 1, max: 40 }),
        neededShare: fc.double({ min: 0, max: 1, noNaN: true }),
      })
      .map(({ interviewers, neededShare, ...rest }) => ({
        ...rest,
        interviewers,
        interviewersNeeded: 1 + Math.min(interviewers.length - 1, Math.floor(neededShare ** 2 * interviewers.length)),
        from: new Date(from),
        to: new Date(from + (duration + extra) * MIN),
        durationMinutes: duration,
      }));
  });

interface OracleDay {
  start: number;
  end: number;
  holiday: boolean;
  hours?: { open: number; close: number };
}

/** The participant's local days around [from, to], each with its holiday and working hours as instants. */
const oracleDays = new WeakMap<SlotParticipant, OracleDay[]>();
function daysOf(p: SlotParticipant, from: number, to: number): OracleDay[] {
  let days = oracleDays.get(p);
  if (!days) {
    days = [];
    for (let d = DateTime.fromMillis(from - 2 * 86_400_000, { zone: p.zone }).startOf('day'); d.toMillis() < to + 2 * 86_400_000; d = d.plus({ days: 1 })) {
      const holiday = isHoliday(d.toISODate()!, p.holidayCalendars);
      const hours = p.workingHours[WEEKDAYS[d.weekday - 1] as Weekday];
      const wall = (hm: string) => d.set({ hour: Math.floor(minuteOf(hm) / 60), minute: minuteOf(hm) % 60 }).toMillis();
      days.push({
        start: d.toMillis(),
        end: d.plus({ days: 1 }).toMillis(),
        holiday,
        hours: hours && !holiday ? { open: wall(hours.start), close: wall(hours.end) } : undefined,
      });
    }
    oracleDays.set(p, days);
  }
  return days;
}

/** The participant's stretch for [s, e), or undefined when a hard rule leaves them out. */
function oracle(p: SlotParticipant, q: SlotQuery, s: number, e: number): number | undefined {
  const days = daysOf(p, q.from.getTime(), q.to.getTime());
  if (days.some((d) => d.holiday && d.start < e && s < d.end)) return undefined;
  let stretch = Infinity;
  for (const { hours } of days) {
    if (hours) stretch = Math.min(stretch, (Math.max(0, hours.open - s) + Math.max(0, e - hours.close)) / MIN);
  }
  if (stretch > (q.maxStretchMinutes ?? 120)) return undefined;
  for (let t = s; p.availability && t < e;) {
    const covering = p.availability.find((a) => a.start.getTime() <= t && t < a.end.getTime());
    if (!covering) return undefined;
    t = covering.end.getTime();
  }
  if (p.busy.some((b) => b.start.getTime() < e && s < b.end.getTime())) return undefined;
  return stretch;
}

const rank = (a: Slot, b: Slot) =>
  Number(!a.participants.every((p) => p.withinWorkingHours)) - Number(!b.participants.every((p) => p.withinWorkingHours)) ||
  a.stretchMinutes - b.stretchMinutes ||
  a.start.getTime() - b.start.getTime();

describe('findSlots: properties', () => {
  it('returns only slots that obey every hard rule, ranked, and explains exactly the days without one', () => {
    let withSlots = 0;
    fc.assert(
      fc.property(queryArb, (q) => {
        const r = findSlots(q);
        const { from, to, durationMinutes: duration, stepMinutes: step = 15, maxStretchMinutes: maxStretch = 120 } = q;
        const candidateDate = (t: number) => DateTime.fromMillis(t, { zone: q.candidate.zone }).toISODate()!;

        // Brute force over the grid.
        const feasible = new Map<number, Array<number | undefined>>();
        const dates = new Set<string>();
        const datesWithSlot = new Set<string>();
        const stepMs = step * MIN;
        for (let s = Math.ceil(from.getTime() / stepMs) * stepMs; s + duration * MIN <= to.getTime(); s += stepMs) {
          const e = s + duration * MIN;
          dates.add(candidateDate(s));
          const c = oracle(q.candidate, q, s, e);
          const iv = q.interviewers.map((p) => oracle(p, q, s, e));
          if (c !== undefined && iv.filter((x) => x !== undefined).length >= q.interviewersNeeded) {
            feasible.set(s, [c, ...iv]);
            datesWithSlot.add(candidateDate(s));
          }
        }

        expect(r.slots.length).toBe(Math.min(q.limit ?? 20, feasible.size));
        expect(new Set(starts(r)).size).toBe(r.slots.length);
        for (const slot of r.slots) {
          const s = slot.start.getTime();
          expect(s % stepMs).toBe(0);
          expect(slot.end.getTime() - s).toBe(duration * MIN);
          expect(s).toBeGreaterThanOrEqual(from.getTime());
          expect(slot.end.getTime()).toBeLessThanOrEqual(to.getTime());
          expect(slot.date).toBe(candidateDate(s));

          const expected = feasible.get(s)!;
          expect(expected).toBeDefined();
          const [cand, ...chosen] = slot.participants;
          expect([cand.id, cand.stretchMinutes]).toEqual(['cand', expected[0]]);
          expect(chosen).toHaveLength(q.interviewersNeeded);
          for (const view of slot.participants) {
            const i = [q.candidate, ...q.interviewers].findIndex((p) => p.id === view.id);
            expect(view.stretchMinutes).toBe(expected[i]);
            expect(view.stretchMinutes).toBeLessThanOrEqual(maxStretch);
            expect(view.withinWorkingHours).toBe(view.stretchMinutes === 0);
            expect(DateTime.fromISO(view.localStart, { setZone: true }).toMillis()).toBe(s);
          }
          const worstChosen = Math.max(...chosen.map((v) => v.stretchMinutes));
          q.interviewers.forEach((p, i) => {
            const stretch = expected[i + 1];
            if (stretch !== undefined && !chosen.some((v) => v.id === p.id)) expect(stretch).toBeGreaterThanOrEqual(worstChosen);
          });
          expect(slot.stretchMinutes).toBe(slot.participants.reduce((sum, v) => sum + v.stretchMinutes, 0));
        }
        for (let i = 1; i < r.slots.length; i++) expect(rank(r.slots[i - 1], r.slots[i])).toBeLessThan(0);

        // Overlapping slots come back only when every qualifying start overlaps one already returned.
        const overlap = (a: number, b: number) => Math.abs(a - b) < duration * MIN;
        const returned = r.slots.map((slot) => slot.start.getTime());
        if (returned.some((a, i) => returned.some((b, j) => i < j && overlap(a, b)))) {
          for (const s of feasible.keys()) expect(returned.some((t) => overlap(s, t))).toBe(true);
        }

        expect(r.daysWithoutSlot.map((d) => d.date).sort()).toEqual([...dates].filter((d) => !datesWithSlot.has(d)).sort());
        for (const day of r.daysWithoutSlot) expect(day.reasons.length).toBeGreaterThan(0);
        if (r.slots.length > 0) withSlots++;
      }),
      { numRuns: 200 },
    );
    // The generators must also produce queries that have slots, or the checks above prove little.
    expect(withSlots).toBeGreaterThan(20);
  });
});
