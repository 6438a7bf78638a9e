import { InvalidInputError } from '@app/platform';
import { DateTime } from 'luxon';

/** The longest period a report covers. */
export const MAX_PERIOD_DAYS = 731;
/** Without `from`: the twelve weeks up to and including `to`. */
export const DEFAULT_PERIOD_DAYS = 84;

export interface ReportPeriod {
  /** First day, inclusive, as given (YYYY-MM-DD). */
  from: string;
  /** Last day, inclusive. */
  to: string;
  timeZone: string;
  /** The instants the days span: [start, end). */
  start: Date;
  end: Date;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function day(value: string, zone: string, field: string): DateTime {
  const parsed = DAY.test(value) ? DateTime.fromISO(value, { zone }) : null;
  if (!parsed?.isValid)
    throw new InvalidInputError('validation_failed', `${field} must be a day of the calendar (YYYY-MM-DD)`, [{ field, message: 'not a day' }]);
  return parsed.startOf('day');
}

/**
 * The days from `from` to `to` (both included) in `timeZone`, as instants: a day is midnight to
 * midnight where the reader is, so a DST day is 23 or 25 hours long.
 */
export function reportPeriod(q: { from?: string; to?: string; timeZone?: string }, now: Date): ReportPeriod {
  const timeZone = q.timeZone ?? 'UTC';
  const last = q.to !== undefined ? day(q.to, timeZone, 'to') : DateTime.fromJSDate(now, { zone: timeZone }).startOf('day');
  const first = q.from !== undefined ? day(q.from, timeZone, 'from') : last.minus({ days: DEFAULT_PERIOD_DAYS - 1 });
  if (first > last) throw new InvalidInputError('validation_failed', 'from must not be after to', [{ field: 'from', message: 'after to' }]);
  const days = Math.round(last.diff(first, 'days').days) + 1;
  if (days > MAX_PERIOD_DAYS) {
    throw new InvalidInputError('validation_failed', `A report covers at most ${MAX_PERIOD_DAYS} days; this period has ${days}`, [
      { field: 'from', message: `at most ${MAX_PERIOD_DAYS} days before to` },
    ]);
  }
  const end = last.plus({ days: 1 }).startOf('day');
  return { from: first.toISODate()!, to: last.toISODate()!, timeZone, start: first.toJSDate(), end: end.toJSDate() };
}
