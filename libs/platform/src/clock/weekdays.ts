export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** A day of the week, in ISO order (luxon's `weekday` 1 is `mon`). */
export type Weekday = (typeof WEEKDAYS)[number];
