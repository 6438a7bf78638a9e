import { InvalidInputError } from '@app/platform';
import { MAX_PERIOD_DAYS, reportPeriod } from './period';

describe('report periods', () => {
  const now = new Date('2026-12-01T03:00:00Z');

  it('spans whole days where the reader is', () => {
    const p = reportPeriod({ from: '2026-03-01', to: '2026-03-31', timeZone: 'Asia/Shanghai' }, now);
    expect([p.start.toISOString(), p.end.toISOString()]).toEqual(['2026-02-28T16:00:00.000Z', '2026-03-31T16:00:00.000Z']);
  });

  it('gives a DST day its 23 hours', () => {
    const p = reportPeriod({ from: '2026-03-08', to: '2026-03-08', timeZone: 'America/Los_Angeles' }, now);
    expect((p.end.getTime() - p.start.getTime()) / 3_600_000).toBe(23);
  });

  it('defaults to the twelve weeks up to today in the zone', () => {
    // 03:00 UTC on 1 December is still 30 November in Los Angeles.
    const p = reportPeriod({ timeZone: 'America/Los_Angeles' }, now);
    expect([p.from, p.to]).toEqual(['2026-09-08', '2026-11-30']);
    expect(reportPeriod({}, now)).toMatchObject({ from: '2026-09-09', to: '2026-12-01', timeZone: 'UTC' });
  });

  it('refuses impossible days, reversed and overlong periods', () => {
    for (const q of [{ from: '2026-02-30' }, { to: '2026-13-01' }, { from: '2026-04-01', to: '2026-03-01' }, { from: '2024-01-01', to: '2026-01-02' }]) {
      expect(() => reportPeriod(q, now)).toThrow(InvalidInputError);
    }
    const longest = reportPeriod({ from: '2024-11-30', to: '2026-11-30' }, now);
    expect(Math.round((longest.end.getTime() - longest.start.getTime()) / 86_400_000)).toBe(MAX_PERIOD_DAYS);
    expect(() => reportPeriod({ from: '2024-11-29', to: '2026-11-30' }, now)).toThrow(/at most 731 days; this period has 732/);
  });
});
