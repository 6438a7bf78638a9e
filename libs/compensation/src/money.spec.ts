import { InvalidInputError } from '@app/platform';
import {
  compaRatio,
  convertCurrency,
  convertMoney,
  convertPeriod,
  divRound,
  formatAmount,
  formatRate,
  inverse,
  parseAmount,
  parseRate,
  ratioOf,
} from './money';

describe('money', () => {
  it('parses and formats exact amounts per currency', () => {
    expect(parseAmount('42874', 'CNY')).toBe(4287400n);
    expect(parseAmount('42874.5', 'CNY')).toBe(4287450n);
    expect(formatAmount(4287450n, 'CNY')).toBe('42874.50');
    expect(parseAmount('5000000', 'KRW')).toBe(5000000n);
    expect(formatAmount(5n, 'USD')).toBe('0.05');
    for (const bad of ['-1', '1e5', '1.234', '', ' 1', '1,000']) expect(() => parseAmount(bad, 'USD')).toThrow(InvalidInputError);
    expect(() => parseAmount('10.5', 'KRW')).toThrow(InvalidInputError);
  });

  it('rounds half away from zero', () => {
    expect(divRound(5n, 2n)).toBe(3n);
    expect(divRound(7n, 3n)).toBe(2n);
    expect(divRound(-5n, 2n)).toBe(-3n);
    expect(divRound(14n, 4n)).toBe(4n);
  });

  it('converts currencies exactly, including to and from zero-decimal ones', () => {
    const usdPerCny = parseRate('0.1380');
    expect(formatAmount(convertCurrency(parseAmount('42874.00', 'CNY'), 'CNY', 'USD', usdPerCny), 'USD')).toBe('5916.61');
    expect(formatAmount(convertCurrency(parseAmount('100.00', 'USD'), 'USD', 'KRW', parseRate('1385.25')), 'KRW')).toBe('138525');
    expect(formatAmount(convertCurrency(parseAmount('1385', 'KRW'), 'KRW', 'USD', parseRate('0.000722')), 'USD')).toBe('1.00');
    // 0.1 + 0.2 style traps do not exist here.
    expect(formatAmount(convertCurrency(parseAmount('0.10', 'USD'), 'USD', 'CNY', parseRate('3')), 'CNY')).toBe('0.30');
  });

  it('converts periods with 12, 13 or 14 months of pay', () => {
    const monthly = parseAmount('42874.00', 'CNY');
    expect(formatAmount(convertPeriod(monthly, 'monthly', 'annual', 12), 'CNY')).toBe('514488.00');
    expect(formatAmount(convertPeriod(monthly, 'monthly', 'annual', 13), 'CNY')).toBe('557362.00');
    expect(formatAmount(convertPeriod(monthly, 'monthly', 'annual', 14), 'CNY')).toBe('600236.00');
    expect(formatAmount(convertPeriod(parseAmount('100000.00', 'USD'), 'annual', 'monthly', 12), 'USD')).toBe('8333.33');
    expect(formatAmount(convertPeriod(parseAmount('100000.00', 'USD'), 'annual', 'monthly', 14), 'USD')).toBe('7142.86');
  });

  it('parses rates with up to 10 decimals and states compa-ratios to 4 places', () => {
    expect(formatRate(parseRate('7.1234'))).toBe('7.1234');
    expect(formatRate(parseRate('0.0000000001'))).toBe('0.0000000001');
    for (const bad of ['0', '0.0', '-1', 'abc', '1.12345678901']) expect(() => parseRate(bad)).toThrow(InvalidInputError);
    expect(compaRatio(95n, 100n)).toBe('0.9500');
    expect(compaRatio(2n, 3n)).toBe('0.6667');
    expect(compaRatio(120000n, 100000n)).toBe('1.2000');
  });
});

describe('one-step conversion', () => {
  it('rounds once, with an inverted rate used as an exact fraction', () => {
    const usdPerCny = ratioOf(parseRate('0.138'));
    // 120,000 USD a year -> CNY a month at 14 months: 62,111.801..., not 62,111.81 from rounding each step.
    expect(
      formatAmount(
        convertMoney(parseAmount('120000.00', 'USD'), { currency: 'USD', period: 'annual' }, { currency: 'CNY', period: 'monthly' }, 14, inverse(usdPerCny)),
        'CNY',
      ),
    ).toBe('62111.80');
    expect(
      formatAmount(
        convertMoney(parseAmount('42874.00', 'CNY'), { currency: 'CNY', period: 'monthly' }, { currency: 'USD', period: 'annual' }, 14, usdPerCny),
        'USD',
      ),
    ).toBe('82832.57');
    expect(
      formatAmount(convertMoney(parseAmount('5000000', 'KRW'), { currency: 'KRW', period: 'monthly' }, { currency: 'KRW', period: 'annual' }, 13, null), 'KRW'),
    ).toBe('65000000');
  });
});
