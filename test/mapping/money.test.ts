import { describe, expect, it } from 'vitest';
import { MoneyError, allocate, currencyExponent, sendDecimals, share, toMinor, toOrderMesh, toUnits } from '../../src/mapping/money.ts';

/** Every expected value here is worked out by hand. */
const error = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err as MoneyError;
  }
  throw new Error('did not throw');
};

describe('money arithmetic', () => {
  it('reads decimal strings exactly, in minor units, and refuses anything else', () => {
    expect(toMinor('12.50', 2)).toBe(1250);
    expect(toMinor('12.5', 2)).toBe(1250);
    expect(toMinor('12', 2)).toBe(1200);
    expect(toMinor(' 7.05 ', 2)).toBe(705);
    expect(toMinor('1500.0', 0)).toBe(1500);
    expect(toMinor('4.505', 3)).toBe(4505);
    expect(toMinor('-1.50', 2)).toBe(-150);
    expect(Object.is(toMinor('-0.00', 2), 0)).toBe(true);
    for (const bad of ['12.50x', 'x12.50', '1,50', '', '.5', '1.', '--1']) {
      const e = error(() => toMinor(bad, 2));
      expect([e.name, e.code, e.message], bad).toEqual(['MoneyError', 'INVALID_MONEY', `not a decimal amount: "${bad}"`]);
    }
    expect(error(() => toMinor('19.985', 2)).message).toBe('"19.985" has more decimals than its currency allows (2)');
    expect(error(() => toMinor('1500.5', 0)).code).toBe('INVALID_MONEY');
    expect(error(() => toMinor('99999999999999999.99', 2)).message).toBe('"99999999999999999.99" is too large');
  });

  it('takes exponents from ISO 4217 and computes in at most two decimals', () => {
    expect(['USD', 'JPY', 'KWD', 'HUF', 'IQD', 'CLF', 'CFP'].map(currencyExponent)).toEqual([2, 0, 3, 2, 3, 4, 0]);
    const e = error(() => currencyExponent('XAU'));
    expect([e.code, e.message]).toEqual(['INVALID_MONEY', '"XAU" is not an ISO 4217 currency']);
    expect([0, 2, 3, 4].map(sendDecimals)).toEqual([0, 2, 2, 2]);
    expect(toUnits('4.500', 3, 'KWD')).toBe(450);
    expect(toUnits('1.2500', 4, 'CLF')).toBe(125);
    expect(toUnits('12.34', 2, 'USD')).toBe(1234);
    const p = error(() => toUnits('4.505', 3, 'KWD'));
    expect([p.code, p.message]).toEqual(['CURRENCY_PRECISION', '"4.505" KWD: OrderMesh money takes at most 2 decimals, and rounding would change what the customer paid']);
    expect([toOrderMesh(1250, 2), toOrderMesh(1999, 2), toOrderMesh(1500, 0), toOrderMesh(-5, 2)]).toEqual([12.5, 19.99, 1500, -0.05]);
  });

  it('prorates half to even, negatives too', () => {
    expect(share(300, 2, 3)).toBe(200);
    expect(share(100, 1, 3)).toBe(33);
    expect(share(200, 1, 3)).toBe(67);
    expect(share(5, 1, 2)).toBe(2); // 2.5 → 2
    expect(share(7, 1, 2)).toBe(4); // 3.5 → 4
    expect(share(-5, 1, 2)).toBe(-2); // −2.5 → −2
    expect(share(-7, 1, 2)).toBe(-4); // −3.5 → −4
    expect(share(-10, 1, 3)).toBe(-3);
    expect(share(-20, 1, 3)).toBe(-7);
    expect(share(9, 3, 3)).toBe(9);
    expect(share(9, 0, 3)).toBe(0);
    expect(share(9, 0, 0)).toBe(0);
  });

  it('allocates a total by weight, largest remainder first, ties to the earlier part', () => {
    expect(allocate(10, [3, 2, 1])).toEqual([5, 3, 2]);
    expect(allocate(10, [1, 2, 3])).toEqual([2, 3, 5]);
    expect(allocate(1, [1, 1])).toEqual([1, 0]);
    expect(allocate(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(allocate(5, [0, 0])).toEqual([5, 0]);
    expect(allocate(7, [])).toEqual([]);
    expect(allocate(0, [4, 4])).toEqual([0, 0]);
  });
});
