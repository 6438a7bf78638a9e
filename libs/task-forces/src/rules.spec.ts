import { LEVEL_PATTERN } from './skill-areas';
import { isIanaTimeZone } from './time-zone';

describe('task force field rules', () => {
  it('accepts IANA zones and refuses made-up ones and offsets', () => {
    for (const zone of ['America/Los_Angeles', 'Asia/Shanghai', 'Europe/London', 'UTC', 'Asia/Calcutta']) expect(isIanaTimeZone(zone)).toBe(true);
    for (const zone of ['Mars/Olympus', 'PST', '+08:00', '', 42, 'asia/shanghai', 'AMERICA/LOS_ANGELES']) expect(isIanaTimeZone(zone)).toBe(false);
  });

  it('accepts the documented level ladders only', () => {
    for (const level of ['P4', 'P8', 'P12', 'L3', 'L10', 'T3', 'T11']) expect(LEVEL_PATTERN.test(level)).toBe(true);
    for (const level of ['P3', 'P13', 'L2', 'L11', 'T12', 'p8', 'E5', 'P8 ']) expect(LEVEL_PATTERN.test(level)).toBe(false);
  });
});
