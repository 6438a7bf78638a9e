import { holidayOn, isHoliday } from './holidays';

describe('holiday calendars', () => {
  it('names the full-day public holidays of a local date', () => {
    // date-holidays gives three days of Spring Festival for CN in 2027, Friday 02-05 to Sunday 02-07.
    expect(holidayOn('2027-02-04', ['CN'])).toBeUndefined();
    for (const date of ['2027-02-05', '2027-02-06', '2027-02-07']) expect(holidayOn(date, ['CN'])).toEqual({ calendar: 'CN', name: 'Spring Festival' });
    expect(holidayOn('2027-02-08', ['CN'])).toBeUndefined();
    expect(holidayOn('2027-10-01', ['CN'])).toEqual({ calendar: 'CN', name: 'National Day' });
    expect(holidayOn('2027-11-25', ['US'])).toEqual({ calendar: 'US', name: 'Thanksgiving Day' });
  });

  it('leaves out observances and half-day holidays', () => {
    expect(holidayOn('2027-11-26', ['US'])).toBeUndefined(); // Day after Thanksgiving: an observance
    expect(holidayOn('2027-03-08', ['CN'])).toBeUndefined(); // International Women's Day: from 12:00
  });

  it('answers with the first calendar, in the order given, that has a holiday that day', () => {
    expect(holidayOn('2027-01-01', ['US', 'CN'])).toEqual({ calendar: 'US', name: "New Year's Day" });
    expect(holidayOn('2027-01-01', ['CN', 'US'])).toEqual({ calendar: 'CN', name: "New Year's Day" });
    expect(holidayOn('2027-11-25', ['CN', 'US'])).toEqual({ calendar: 'US', name: 'Thanksgiving Day' });
    expect(holidayOn('2027-11-25', [])).toBeUndefined();
  });

  it('agrees with isHoliday', () => {
    expect(isHoliday('2027-02-05', ['CN'])).toBe(true);
    expect(isHoliday('2027-02-05', ['US'])).toBe(false);
    expect(isHoliday('2027-11-25', ['US', 'CN'])).toBe(true);
  });
});
