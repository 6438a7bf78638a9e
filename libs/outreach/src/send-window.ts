import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
export const HOLIDAY_CALENDARS = ['US', 'CN'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

export interface SendWindow {
  days: Weekday[];
  /** Local wall-clock times, "HH:mm"; end is exclusive. */
  start: string;
  end: string;
}

const fullDayHolidays = new Map<string, Set<string>>();

/** Full-day public holidays of a calendar in a year, as local dates ("2027-02-05"). */
function holidaysOf(calendar: HolidayCalendar, year: number): Set<string> {
  const key = `${calendar}:${year}`;
  let days = fullDayHolidays.get(key);
  if (!days) {
    const source = new Holidays(calendar);
    days = new Set(
      source
        .getHolidays(year)
        .filter((h) => h.type === 'public' && h.date.endsWith('00:00:00'))
        .map((h) => h.date.slice(0, 10)),
    );
    fullDayHolidays.set(key, days);
  }
  return days;
}

export function isHoliday(localDate: string, calendars: readonly HolidayCalendar[]): boolean {
  const year = Number(localDate.slice(0, 4));
  return calendars.some((c) => holidaysOf(c, year).has(localDate));
}

const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * The earliest instant at or after `due` that falls inside the send window in `zone`, on an
 * allowed weekday that is not a holiday there. Wall-clock times are resolved in the zone, so a
 * 09:00 start stays 09:00 local across DST changes (a start inside a skipped hour moves to the
 * first valid minute after it).
 */
export function nextSendTime(due: Date, zone: string, window: SendWindow, calendars: readonly HolidayCalendar[]): Date {
  let local = DateTime.fromJSDate(due, { zone });
  if (!local.isValid) throw new Error(`invalid time zone ${zone}`);
  const [startMin, endMin] = [minutes(window.start), minutes(window.end)];
  for (let i = 0; i < 400; i++) {
    const day = WEEKDAYS[local.weekday - 1];
    const date = local.toISODate()!;
    if (window.days.includes(day) && !isHoliday(date, calendars)) {
      const opens = local.startOf('day').set({ hour: Math.floor(startMin / 60), minute: startMin % 60 });
      const closes =
        endMin === 24 * 60 ? local.startOf('day').plus({ days: 1 }) : local.startOf('day').set({ hour: Math.floor(endMin / 60), minute: endMin % 60 });
      if (local < opens) return opens.toJSDate();
      if (local < closes) return local.toJSDate();
    }
    local = local.plus({ days: 1 }).startOf('day');
  }
  throw new Error('the send window never opens within 400 days');
}
