import { isHoliday, nextSendTime, SendWindow } from './send-window';

const weekdays: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' };
const at = (iso: string) => new Date(iso);

describe('send windows', () => {
  it('sends at once inside the window and waits for the next opening outside it', () => {
    // Tue 2027-03-02 10:00 in Los Angeles (PST, UTC-8).
    expect(nextSendTime(at('2027-03-02T18:00:00Z'), 'America/Los_Angeles', weekdays, []).toISOString()).toBe('2027-03-02T18:00:00.000Z');
    // Tue 18:00 local -> Wed 09:00 local.
    expect(nextSendTime(at('2027-03-03T02:00:00Z'), 'America/Los_Angeles', weekdays, []).toISOString()).toBe('2027-03-03T17:00:00.000Z');
    // Fri 17:00 local (end is exclusive) -> Mon 09:00 local.
    expect(nextSendTime(at('2027-03-06T01:00:00Z'), 'America/Los_Angeles', weekdays, []).toISOString()).toBe('2027-03-08T17:00:00.000Z');
  });

  it('keeps 09:00 local across the spring-forward and fall-back changes in Los Angeles', () => {
    // DST starts Sun 2027-03-14: Fri evening -> Mon 09:00 PDT (UTC-7).
    expect(nextSendTime(at('2027-03-13T03:00:00Z'), 'America/Los_Angeles', weekdays, []).toISOString()).toBe('2027-03-15T16:00:00.000Z');
    // DST ends Sun 2027-11-07: Fri evening -> Mon 09:00 PST (UTC-8).
    expect(nextSendTime(at('2027-11-06T03:00:00Z'), 'America/Los_Angeles', weekdays, []).toISOString()).toBe('2027-11-08T17:00:00.000Z');
    // A window opening inside the skipped hour (02:30 on 2027-03-14) opens at 03:30 PDT.
    const sunday: SendWindow = { days: ['sun'], start: '02:30', end: '05:00' };
    expect(nextSendTime(at('2027-03-14T08:00:00Z'), 'America/Los_Angeles', sunday, []).toISOString()).toBe('2027-03-14T10:30:00.000Z');
  });

  it('works in Asia/Shanghai, which has no DST', () => {
    // Thu 2027-06-10 20:00 CST (UTC+8) -> Fri 09:00 CST.
    expect(nextSendTime(at('2027-06-10T12:00:00Z'), 'Asia/Shanghai', weekdays, []).toISOString()).toBe('2027-06-11T01:00:00.000Z');
  });

  it('skips US and CN public holidays on the local calendar', () => {
    expect(isHoliday('2026-11-26', ['US'])).toBe(true); // Thanksgiving
    expect(isHoliday('2027-02-05', ['CN'])).toBe(true); // Spring Festival
    expect(isHoliday('2027-02-05', ['US'])).toBe(false);
    // Wed 2026-11-25 18:00 in LA -> Thu is Thanksgiving -> Fri 09:00.
    expect(nextSendTime(at('2026-11-26T02:00:00Z'), 'America/Los_Angeles', weekdays, ['US']).toISOString()).toBe('2026-11-27T17:00:00.000Z');
    // Thu 2027-02-04 20:00 in Shanghai: Fri 02-05 is Spring Festival, then the weekend -> Mon 02-08 09:00 (if not a holiday).
    const next = nextSendTime(at('2027-02-04T12:00:00Z'), 'Asia/Shanghai', weekdays, ['CN']);
    expect(isHoliday(next.toISOString().slice(0, 10), ['CN'])).toBe(false);
    expect(next.getTime()).toBeGreaterThan(at('2027-02-07T16:00:00Z').getTime());
  });

  it('reads an end of 24:00 as the end of the day, so an all-day window has no gap', () => {
    const allDay: SendWindow = { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '24:00' };
    expect(nextSendTime(at('2027-03-02T23:59:30Z'), 'UTC', allDay, []).toISOString()).toBe('2027-03-02T23:59:30.000Z');
    expect(nextSendTime(at('2027-03-03T00:00:00Z'), 'UTC', allDay, []).toISOString()).toBe('2027-03-03T00:00:00.000Z');
  });
});
