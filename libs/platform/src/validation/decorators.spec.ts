import { plainToInstance } from 'class-transformer';
import { isCalendarDay, isDateTime, QueryInt } from './decorators';

describe('isDateTime', () => {
  it('accepts RFC 3339 date-times that exist', () => {
    for (const v of ['2027-06-30T09:00:00Z', '2028-02-29T23:59:59.123+08:00', '2027-01-01T00:00Z']) expect(isDateTime(v)).toBe(true);
  });
  it('refuses other ISO 8601 forms and impossible days', () => {
    for (const v of ['2030-W01-1', '20300101T000000Z', '2030-02-30T00:00:00Z', '2027-06-30', '2027-06-30T09:00:00', 'tomorrow', 42])
      expect(isDateTime(v)).toBe(false);
  });
});

describe('isCalendarDay', () => {
  it('accepts days that exist', () => {
    for (const v of ['2027-01-01', '2028-02-29', '2026-12-31']) expect(isCalendarDay(v)).toBe(true);
  });
  it('refuses days the calendar does not have and other forms', () => {
    for (const v of [
      '2026-02-30',
      '2027-02-29',
      '2026-04-31',
      '2026-13-01',
      '2026-00-10',
      '2026-1-1',
      '20260101',
      '2026-01-01T00:00:00Z',
      ' 2026-01-01',
      20260101,
    ]) {
      expect(isCalendarDay(v)).toBe(false);
    }
  });
});

describe('QueryInt', () => {
  class Q {
    @QueryInt() n: unknown;
  }
  const read = (n: unknown) => plainToInstance(Q, { n }).n;

  it('reads plain decimal digits as a number', () => {
    expect(read('16')).toBe(16);
    expect(read('007')).toBe(7);
  });
  it('leaves everything Number() would also read as it came, for @IsInt() to refuse', () => {
    for (const v of ['0x10', '1e2', ' 1', '1 ', '+5', '-1', '1.0', '', '0b1', 'Infinity', '1234567890123456', ['1', '2']]) expect(read(v)).toEqual(v);
  });
});
