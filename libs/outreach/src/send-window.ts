import { HolidayCalendar, isHoliday } from '@app/platform/clock/holidays';
import { WEEKDAYS, Weekday } from '@app/platform/clock/weekdays';
import { DateTime } from 'luxon';

export { HOLIDAY_CALENDARS, holidayOn, isHoliday } from '@app/platform/clock/holidays';
export type { HolidayCalendar, HolidayOn } from '@app/platform/clock/holidays';
export { WEEKDAYS } from '@app/platform/clock/weekdays';
export type { Weekday } from '@app/platform/clock/weekdays';

export interface SendWindow {
  days: Weekday[];
  /** Local wall-clock times, "HH:mm"; end is exclusive. */
  start: string;
  end: string;
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
