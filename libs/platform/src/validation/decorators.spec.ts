import { isDateTime } from './decorators';

describe('isDateTime', () => {
  it('accepts RFC 3339 date-times that exist', () => {
    for (const v of ['2027-06-30T09:00:00Z', '2028-02-29T23:59:59.123+08:00', '2027-01-01T00:00Z']) expect(isDateTime(v)).toBe(true);
  });
  it('refuses other ISO 8601 forms and impossible days', () => {
    for (const v of ['2030-W01-1', '20300101T000000Z', '2030-02-30T00:00:00Z', '2027-06-30', '2027-06-30T09:00:00', 'tomorrow', 42]) expect(isDateTime(v)).toBe(false);
  });
});
