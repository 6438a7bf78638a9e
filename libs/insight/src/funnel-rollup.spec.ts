import { wholeUtcMonths } from './funnel-rollup';

const at = (s: string) => new Date(s);

describe('wholeUtcMonths', () => {
  it('reads whole months from the rollup and the partial edges from the visits', () => {
    // 2026-01-15 to 2026-04-10 in Shanghai: midnight there is 16:00 UTC the day before.
    const m = wholeUtcMonths({ start: at('2026-01-14T16:00:00Z'), end: at('2026-04-10T16:00:00Z') });
    expect(m.firstMonth).toBe('2026-02-01');
    expect(m.endMonth).toBe('2026-04-01');
    expect(m.edges).toEqual([
      [at('2026-01-14T16:00:00Z'), at('2026-02-01T00:00:00Z')],
      [at('2026-04-01T00:00:00Z'), at('2026-04-10T16:00:00Z')],
    ]);
  });

  it('needs no edge when the period is whole UTC months', () => {
    const m = wholeUtcMonths({ start: at('2025-12-01T00:00:00Z'), end: at('2026-03-01T00:00:00Z') });
    expect(m).toEqual({ firstMonth: '2025-12-01', endMonth: '2026-03-01', edges: [] });
  });

  it('reads a period inside one month from the visits alone', () => {
    const period = { start: at('2026-03-02T08:00:00Z'), end: at('2026-03-30T07:00:00Z') };
    const m = wholeUtcMonths(period);
    expect(m.firstMonth).toBe(m.endMonth);
    expect(m.edges).toEqual([[period.start, period.end]]);
  });

  it('crosses a year end', () => {
    const m = wholeUtcMonths({ start: at('2025-12-31T16:00:00Z'), end: at('2026-02-01T08:00:00Z') });
    expect(m.firstMonth).toBe('2026-01-01');
    expect(m.endMonth).toBe('2026-02-01');
    expect(m.edges).toEqual([
      [at('2025-12-31T16:00:00Z'), at('2026-01-01T00:00:00Z')],
      [at('2026-02-01T00:00:00Z'), at('2026-02-01T08:00:00Z')],
    ]);
  });
});
