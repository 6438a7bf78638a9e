import { RuleViolationError } from '@app/platform';
import { CreateSalaryBandDto } from './bands.dto';
import { requireCalendarDate } from './fx.service';
import { parseAmount } from './money';

export type BandFields = Required<Omit<CreateSalaryBandDto, 'monthsPerYear'>> & { monthsPerYear: number };

/**
 * The rules a band must keep: real days, positive amounts, baseMin <= baseMid <= baseMax, sign-on
 * and equity as complete ranges, dates in order. Returns the amounts in minor units, in column
 * order (base min, mid, max, sign-on min, max, equity min, max).
 */
export function checkBand(f: BandFields): (bigint | null)[] {
  requireCalendarDate(f.effectiveFrom, 'effectiveFrom');
  if (f.effectiveTo) requireCalendarDate(f.effectiveTo, 'effectiveTo');
  const parse = (value: string | null | undefined, field: string) => (value === null || value === undefined ? null : parseAmount(value, f.currency, field));
  const [min, mid, max] = [parse(f.baseMin, 'baseMin')!, parse(f.baseMid, 'baseMid')!, parse(f.baseMax, 'baseMax')!];
  const [signOnMin, signOnMax, equityMin, equityMax] = [
    parse(f.signOnMin, 'signOnMin'),
    parse(f.signOnMax, 'signOnMax'),
    parse(f.equityMin, 'equityMin'),
    parse(f.equityMax, 'equityMax'),
  ];
  const problems: string[] = [];
  if (min <= 0n) problems.push('baseMin must be positive');
  if (!(min <= mid && mid <= max)) problems.push('base amounts must satisfy baseMin <= baseMid <= baseMax');
  for (const [name, lo, hi] of [
    ['signOn', signOnMin, signOnMax],
    ['equity', equityMin, equityMax],
  ] as const) {
    if ((lo === null) !== (hi === null)) problems.push(`${name}Min and ${name}Max go together`);
    else if (lo !== null && hi !== null && lo > hi) problems.push(`${name}Min must not exceed ${name}Max`);
  }
  if (f.effectiveTo && f.effectiveTo < f.effectiveFrom) problems.push('effectiveTo must not be before effectiveFrom');
  if (problems.length) throw new RuleViolationError('band_invalid', problems.join('; '), { problems });
  return [min, mid, max, signOnMin, signOnMax, equityMin, equityMax];
}
