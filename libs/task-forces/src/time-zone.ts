import { registerDecorator, ValidationOptions } from 'class-validator';

const ZONES = new Set(Intl.supportedValuesOf('timeZone'));
ZONES.add('UTC');

/** True for canonical IANA zone names such as America/Los_Angeles (no fixed offsets). */
export function isIanaTimeZone(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (ZONES.has(value)) return true;
  try {
    // Aliases (e.g. Asia/Calcutta) are valid IANA names even when not canonical; a name that
    // only differs in case (asia/shanghai) is not, so stored zones are always spelt one way.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
    return value.includes('/') && resolved === value;
  } catch {
    return false;
  }
}

export function IsIanaTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isIanaTimeZone',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be an IANA time zone such as America/Los_Angeles`, ...options },
      validator: { validate: isIanaTimeZone },
    });
}
