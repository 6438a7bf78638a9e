import { InvalidInputError } from '@app/platform';

/**
 * Money is exact: amounts are integers of the currency's minor unit (bigint), rates are decimals
 * scaled by 10^10, and every division rounds half away from zero, once, at the end.
 * In the API amounts are decimal strings in major units ("42874.00").
 */
export const CURRENCY_DECIMALS = { CNY: 2, USD: 2, KRW: 0, JPY: 0, EUR: 2, GBP: 2, SGD: 2, HKD: 2 } as const;
export type Currency = keyof typeof CURRENCY_DECIMALS;
export const CURRENCIES = Object.keys(CURRENCY_DECIMALS) as Currency[];

export const PERIODS = ['monthly', 'annual'] as const;
export type Period = (typeof PERIODS)[number];

export const RATE_SCALE = 10n ** 10n;
const MAX_MINOR = 10n ** 15n;

/** Integer division rounding half away from zero. */
export function divRound(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  const q = (n * 2n + d) / (2n * d);
  return negative ? -q : q;
}

export function parseAmount(text: string, currency: Currency, field = 'amount'): bigint {
  const decimals = CURRENCY_DECIMALS[currency];
  const match = /^(\d{1,15})(?:\.(\d+))?$/.exec(text);
  if (!match || (match[2] && match[2].length > decimals)) {
    throw new InvalidInputError(
      'invalid_amount',
      `${field} must be a non-negative decimal string with at most ${decimals} decimals for ${currency}, such as "${decimals ? '42874.00' : '5000000'}"`,
      [{ field, message: `not a valid ${currency} amount` }],
    );
  }
  const minor = BigInt(match[1]) * 10n ** BigInt(decimals) + BigInt((match[2] ?? '').padEnd(decimals, '0') || '0');
  if (minor > MAX_MINOR) throw new InvalidInputError('invalid_amount', `${field} is too large`, [{ field, message: 'too large' }]);
  return minor;
}

export function formatAmount(minor: bigint, currency: Currency): string {
  const decimals = CURRENCY_DECIMALS[currency];
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(decimals + 1, '0');
  const text = decimals ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return negative ? `-${text}` : text;
}

/** A positive rate with at most 10 decimals, as an integer scaled by 10^10. */
export function parseRate(text: string): bigint {
  const match = /^(\d{1,9})(?:\.(\d{1,10}))?$/.exec(text);
  const scaled = match ? BigInt(match[1]) * RATE_SCALE + BigInt((match[2] ?? '').padEnd(10, '0')) : 0n;
  if (scaled <= 0n) {
    throw new InvalidInputError('invalid_rate', 'rate must be a positive decimal string with at most 10 decimals, such as "7.1234"', [
      { field: 'rate', message: 'not a valid rate' },
    ]);
  }
  return scaled;
}

export function formatRate(scaled: bigint): string {
  const digits = scaled.toString().padStart(11, '0');
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`.replace(/0+$/, '').replace(/\.$/, '');
}

/** Converts an amount between currencies at `rate` units of `to` per unit of `from`. */
export function convertCurrency(minor: bigint, from: Currency, to: Currency, rateScaled: bigint): bigint {
  if (from === to) return minor;
  const shift = CURRENCY_DECIMALS[to] - CURRENCY_DECIMALS[from];
  const numerator = minor * rateScaled * (shift > 0 ? 10n ** BigInt(shift) : 1n);
  const denominator = RATE_SCALE * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
  return divRound(numerator, denominator);
}

/** Monthly <-> annual, with the band's months of pay a year (12, or 13/14 in much of China). */
export function convertPeriod(minor: bigint, from: Period, to: Period, monthsPerYear: number): bigint {
  if (from === to) return minor;
  return from === 'monthly' ? minor * BigInt(monthsPerYear) : divRound(minor, BigInt(monthsPerYear));
}

/** base / mid as a decimal string with 4 places (1.0000 = on the midpoint). */
export function compaRatio(base: bigint, mid: bigint): string {
  const digits = divRound(base * 10_000n, mid)
    .toString()
    .padStart(5, '0');
  return `${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/** An exact exchange rate as a fraction: `num / den` units of the target per unit of the source. */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export const ratioOf = (scaled: bigint): Ratio => ({ num: scaled, den: RATE_SCALE });
export const inverse = (r: Ratio): Ratio => ({ num: r.den, den: r.num });

/**
 * Currency and period in one step, rounded once at the end, so a chain of conversions never
 * accumulates rounding (an inverted rate is used as the exact fraction, not a rounded decimal).
 */
export function convertMoney(
  minor: bigint,
  from: { currency: Currency; period: Period },
  to: { currency: Currency; period: Period },
  monthsPerYear: number,
  rate: Ratio | null,
): bigint {
  const shift = CURRENCY_DECIMALS[to.currency] - CURRENCY_DECIMALS[from.currency];
  const months = BigInt(monthsPerYear);
  let num = minor * (rate?.num ?? 1n) * (shift > 0 ? 10n ** BigInt(shift) : 1n);
  let den = (rate?.den ?? 1n) * (shift < 0 ? 10n ** BigInt(-shift) : 1n);
  if (from.period === 'monthly' && to.period === 'annual') num *= months;
  if (from.period === 'annual' && to.period === 'monthly') den *= months;
  return divRound(num, den);
}
