import { Transform } from 'class-transformer';
import { registerDecorator, ValidationOptions } from 'class-validator';

/** The message class-validator shows when a value is not in a documented list. */
export const oneOfMessage = (name: string, list: readonly string[]) => ({ message: `${name} must be one of ${list.join(', ')}` });

/** A class-validator decorator from a predicate and a message naming the property. */
export function validationRule(name: string, validate: (value: unknown) => boolean, message: (property: string) => string) {
  return (options?: ValidationOptions): PropertyDecorator =>
    (target, propertyName) =>
      registerDecorator({
        name,
        target: target.constructor,
        propertyName: propertyName as string,
        options: { message: message(String(propertyName)), ...options },
        validator: { validate },
      });
}

/** Array without repeats, checked in linear time (class-validator's ArrayUnique is quadratic). */
export const IsUniqueArray = validationRule(
  'isUniqueArray',
  (value) => !Array.isArray(value) || new Set(value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : v))).size === value.length,
  (p) => `${p} must not contain the same value twice`,
);

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** A day as YYYY-MM-DD that exists in the calendar (2027-02-29 and 2026-04-31 do not). */
export function isCalendarDay(value: unknown): boolean {
  if (typeof value !== 'string' || !DAY.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** An RFC 3339 date-time with an offset, e.g. 2027-06-30T09:00:00Z: unambiguous and parseable. */
export function isDateTime(value: unknown): boolean {
  // Date.parse rolls 2030-02-30 over to March; the calendar day must exist as written.
  return typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)) && isCalendarDay(value.slice(0, 10));
}

/** A day such as 2027-01-01, checked against the calendar when the input is validated. */
export const IsCalendarDay = validationRule('isCalendarDay', isCalendarDay, (p) => `${p} must be a day of the calendar such as 2027-01-01`);

/**
 * An integer in a query string: plain decimal digits only. Number() would also read 0x10, 1e2,
 * " 1" and "", so anything else is left as a string for @IsInt() to refuse.
 */
export const QueryInt = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value));

export const IsDateTime = validationRule('isDateTime', isDateTime, (p) => `${p} must be a date-time with an offset, such as 2027-06-30T09:00:00Z`);

/** Trims strings before validation, so "   " is empty and refused where a value is required. */
export const Trim = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/**
 * Fields of a DTO that may be sent as null (to clear them). Every other field refuses null,
 * even when optional: "absent" and "null" mean different things in a PATCH.
 */
export const NULLABLE_FIELDS = Symbol('nullableFields');
export function acceptsNull(metatype: unknown, field: string): boolean {
  const list = (metatype as { [NULLABLE_FIELDS]?: readonly string[] } | undefined)?.[NULLABLE_FIELDS];
  return !!list && list.includes(field);
}
