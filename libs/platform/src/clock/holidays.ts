import Holidays from 'date-holidays';

export const HOLIDAY_CALENDARS = ['US', 'CN'] as const;
export type HolidayCalendar = (typeof HOLIDAY_CALENDARS)[number];

export interface HolidayOn {
  calendar: HolidayCalendar;
  /** The holiday's English name as date-holidays gives it, e.g. "Spring Festival", "Thanksgiving Day". */
  name: string;
}

const fullDayHolidays = new Map<string, Map<string, string>>();

/**
 * Full-day public holidays of a calendar in a year, by local date ("2027-02-05") with their names.
 * Half-day holidays (date-holidays starts them at 12:00, e.g. Women's Day in CN) and observances are
 * not days off, so they are left out.
 */
function holidaysOf(calendar: HolidayCalendar, year: number): Map<string, string> {
  const key = `${calendar}:${year}`;
  let days = fullDayHolidays.get(key);
  if (!days) {
    days = new Map();
    for (const h of new Holidays(calendar).getHolidays(year, 'en')) {
      const date = h.date.slice(0, 10);
      if (h.type === 'public' && h.date.endsWith('00:00:00') && !days.has(date)) days.set(date, h.name);
    }
    fullDayHolidays.set(key, days);
  }
  return days;
}

/** The first of `calendars` (in the order given) with a full-day public holiday on the local date, and its name. */
export function holidayOn(localDate: string, calendars: readonly HolidayCalendar[]): HolidayOn | undefined {
  const year = Number(localDate.slice(0, 4));
  for (const calendar of calendars) {
    const name = holidaysOf(calendar, year).get(localDate);
    if (name !== undefined) return { calendar, name };
  }
  return undefined;
}

export function isHoliday(localDate: string, calendars: readonly HolidayCalendar[]): boolean {
  return holidayOn(localDate, calendars) !== undefined;
}
