import { InvalidInputError, RuleViolationError } from '@app/platform';
import { BandFields, checkBand } from './band-rules';

const band = (overrides: Partial<BandFields> = {}): BandFields => ({
  jobFamily: 'llm',
  level: 'P9',
  zone: 'cn-beijing',
  currency: 'CNY',
  period: 'monthly',
  monthsPerYear: 14,
  baseMin: '34300.00',
  baseMid: '42874.00',
  baseMax: '53600.00',
  signOnMin: null,
  signOnMax: null,
  equityMin: null,
  equityMax: null,
  effectiveFrom: '2027-01-01',
  effectiveTo: null,
  ...overrides,
});

const problems = (f: BandFields) => {
  try {
    checkBand(f);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(RuleViolationError);
    return (e as RuleViolationError).extra.problems as string[];
  }
};

describe('band rules', () => {
  it('accepts a sound band and returns minor units', () => {
    expect(checkBand(band())).toEqual([3430000n, 4287400n, 5360000n, null, null, null, null]);
    expect(checkBand(band({ baseMin: '42874.00', baseMid: '42874.00', baseMax: '42874.00' }))[0]).toBe(4287400n);
  });

  it('names every broken rule at once', () => {
    expect(problems(band({ baseMin: '0', signOnMin: '10.00', equityMin: '5.00', equityMax: '1.00', effectiveTo: '2026-12-31' }))).toEqual([
      'baseMin must be positive',
      'signOnMin and signOnMax go together',
      'equityMin must not exceed equityMax',
      'effectiveTo must not be before effectiveFrom',
    ]);
    expect(problems(band({ baseMid: '60000.00' }))).toEqual(['base amounts must satisfy baseMin <= baseMid <= baseMax']);
  });

  it('refuses amounts finer than the currency and days that do not exist', () => {
    expect(() => checkBand(band({ currency: 'KRW', baseMin: '1.5', baseMid: '2', baseMax: '3' }))).toThrow(InvalidInputError);
    expect(() => checkBand(band({ effectiveFrom: '2027-02-29' }))).toThrow(InvalidInputError);
    expect(() => checkBand(band({ effectiveFrom: '2028-02-29' }))).not.toThrow();
  });
});
