import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Counts, difference, relativeLift, twoProportionTest, wilson } from './proportions.js';

const c = (converted: number, entered: number): Counts => ({ entered, converted });
/** Rounded as the papers print them. */
const four = (e: { lower: number; upper: number }) => [Number(e.lower.toFixed(4)), Number(e.upper.toFixed(4))];

describe('conversion rates: Wilson score interval', () => {
  it('matches Newcombe 1998 (single proportion, Stat Med 17:857) Table I, method 3', () => {
    expect(four(wilson(c(81, 263)))).toEqual([0.2553, 0.3662]);
    expect(four(wilson(c(15, 148)))).toEqual([0.0624, 0.1605]);
    expect(four(wilson(c(0, 20)))).toEqual([0, 0.1611]);
    expect(four(wilson(c(1, 29)))).toEqual([0.0061, 0.1718]);
    expect(wilson(c(81, 263)).estimate).toBeCloseTo(81 / 263, 15);
  });

  it('stays within [0, 1] and holds its estimate, with exact bounds at 0 and all converted', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, share) => {
        const x = Math.round(n * share);
        const w = wilson(c(x, n));
        expect(w.lower).toBeGreaterThanOrEqual(0);
        expect(w.upper).toBeLessThanOrEqual(1);
        expect(w.lower).toBeLessThanOrEqual(w.estimate);
        expect(w.upper).toBeGreaterThanOrEqual(w.estimate);
        if (x === 0) expect(w.lower).toBe(0);
        if (x === n) expect(w.upper).toBe(1);
      }),
    );
  });

  it('refuses counts that are not counts, naming the field', () => {
    expect(() => wilson(c(1, 0))).toThrow('group.entered: a whole number of at least 1 (got 0)');
    expect(() => wilson(c(5, 4))).toThrow('group.converted: a whole number from 0 to entered (4); got 5');
    expect(() => wilson(c(1.5, 4))).toThrow(RangeError);
    expect(() => relativeLift(c(1, 4), c(-1, 4))).toThrow('reference.converted');
  });
});

describe('difference of rates: Newcombe hybrid score interval', () => {
  it('matches Newcombe 1998 (difference, Stat Med 17:873) Table II, method 10, examples (a) to (h)', () => {
    expect(four(difference(c(56, 70), c(48, 80)))).toEqual([0.0524, 0.3339]);
    expect(four(difference(c(9, 10), c(3, 10)))).toEqual([0.1705, 0.809]);
    expect(four(difference(c(6, 7), c(2, 7)))).toEqual([0.0582, 0.8062]);
    expect(four(difference(c(5, 56), c(0, 29)))).toEqual([-0.0381, 0.1926]);
    expect(four(difference(c(0, 10), c(0, 20)))).toEqual([-0.1611, 0.2775]);
    expect(four(difference(c(0, 10), c(0, 10)))).toEqual([-0.2775, 0.2775]);
    expect(four(difference(c(10, 10), c(0, 20)))).toEqual([0.6791, 1]);
    expect(four(difference(c(10, 10), c(0, 10)))).toEqual([0.6075, 1]);
    expect(difference(c(56, 70), c(48, 80)).estimate).toBeCloseTo(0.2, 15);
  });

  it('swapping the groups mirrors the interval', () => {
    const ab = difference(c(56, 70), c(48, 80));
    const ba = difference(c(48, 80), c(56, 70));
    expect(ba.lower).toBeCloseTo(-ab.upper, 14);
    expect(ba.upper).toBeCloseTo(-ab.lower, 14);
  });
});

describe('relative lift: log-ratio interval (delta method)', () => {
  it('matches the hand computation', () => {
    // 56/70 against 48/80: ratio 0.8 / 0.6 = 4/3; se of its log = √(1/56 − 1/70 + 1/48 − 1/80) = 0.1091089;
    // (4/3)·e^(∓1.959964 × 0.1091089) − 1 = 0.0766264 and 0.6512485 (mpmath at 30 digits agrees).
    const lift = relativeLift(c(56, 70), c(48, 80))!;
    expect(lift.estimate).toBeCloseTo(1 / 3, 14);
    expect(lift.lower).toBeCloseTo(0.0766264227632, 10);
    expect(lift.upper).toBeCloseTo(0.651248511266, 10);
    // 12 % against 10 % of 1,000 each: a lift of 20 % whose interval spans 0.
    const small = relativeLift(c(120, 1000), c(100, 1000))!;
    expect([small.estimate, small.lower, small.upper].map((v) => Number(v.toFixed(6)))).toEqual([0.2, -0.065894, 0.541581]);
  });

  it('is not given while either group has no conversion', () => {
    expect(relativeLift(c(0, 50), c(3, 50))).toBeNull();
    expect(relativeLift(c(3, 50), c(0, 50))).toBeNull();
  });
});

describe('two-proportion z-test', () => {
  it('matches the hand computation, and z² is Pearson’s χ² of the 2×2 table', () => {
    // Pooled 104/150; se = √(0.69333 × 0.30667 × (1/70 + 1/80)) = 0.075467; z = 0.2 / se = 2.650172; p = erfc(z/√2) = 0.0080451.
    const t = twoProportionTest(c(56, 70), c(48, 80));
    expect(t.z).toBeCloseTo(2.65017195126, 9);
    expect(t.pValue).toBeCloseTo(0.0080450813682, 11);
    expect(twoProportionTest(c(48, 80), c(56, 70)).z).toBeCloseTo(-t.z, 12);
    const none = twoProportionTest(c(120, 1000), c(100, 1000));
    expect(none.pValue).toBeCloseTo(0.152917781864, 11);
  });

  it('z² equals the χ² statistic computed from expected cell counts (no continuity correction)', () => {
    const table = fc
      .tuple(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }))
      .chain(([n1, n0]) => fc.tuple(fc.constant(n1), fc.constant(n0), fc.integer({ min: 0, max: n1 }), fc.integer({ min: 0, max: n0 })));
    fc.assert(
      fc.property(table, ([n1, n0, x1, x0]) => {
        const x = x1 + x0;
        const n = n1 + n0;
        fc.pre(x > 0 && x < n);
        const cells = [
          [x1, (n1 * x) / n],
          [n1 - x1, (n1 * (n - x)) / n],
          [x0, (n0 * x) / n],
          [n0 - x0, (n0 * (n - x)) / n],
        ];
        const chi2 = cells.reduce((sum, [observed, expected]) => sum + (observed - expected) ** 2 / expected, 0);
        const { z } = twoProportionTest(c(x1, n1), c(x0, n0));
        expect(Math.abs(z * z - chi2)).toBeLessThanOrEqual(1e-9 * Math.max(1, chi2));
      }),
    );
  });

  it('no one (or everyone) converting in both groups is no evidence of a difference', () => {
    expect(twoProportionTest(c(0, 10), c(0, 30))).toEqual({ z: 0, pValue: 1 });
    expect(twoProportionTest(c(10, 10), c(30, 30))).toEqual({ z: 0, pValue: 1 });
  });
});
