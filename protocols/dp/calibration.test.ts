/** Calibration arithmetic: exact rationals from decimals, fixed vectors, and the zCDP bound. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gaussianSigma2, laplaceScale, planNoise, splitEvenly, calibrate } from './calibration.js';
import { countSensitivity, histogramSensitivity, scaledBound, sumSensitivity } from './sensitivity.js';
import { formatScaled, rational, rationalFromDecimal, scaledInteger, toNumber } from './rational.js';

describe('rationalFromDecimal and scaledInteger', () => {
  it.each([
    ['0.1', 1n, 10n],
    [0.1, 1n, 10n],
    [0.25, 1n, 4n],
    ['2.50', 5n, 2n],
    [10, 10n, 1n],
    [1e-7, 1n, 10_000_000n],
    ['1.5e3', 1500n, 1n],
    ['.5', 1n, 2n],
    ['-0', 0n, 1n],
  ])('%s is exactly %s/%s', (text, num, den) => {
    expect(rationalFromDecimal(text)).toEqual({ num, den });
  });

  it.each(['abc', '', '.', '-0.1', '1/3', '0x10', NaN, Infinity])('refuses %s', (text) => {
    expect(() => rationalFromDecimal(text as string, 'epsilon')).toThrow(/^epsilon: /);
  });

  it('micro-ε and nano-δ are exact integers, and never rounded', () => {
    expect(scaledInteger(0.1, 6)).toBe(100_000);
    expect(scaledInteger('1.000001', 6)).toBe(1_000_001);
    expect(scaledInteger(1e-6, 9)).toBe(1000);
    expect(() => scaledInteger(1e-7, 6, 'epsilon')).toThrow('epsilon: 1/10000000 has more than 6 decimal places');
    expect(formatScaled(1_500_000, 6)).toBe('1.5');
    expect(formatScaled(1, 6)).toBe('0.000001');
    expect(formatScaled(2_000_000, 6)).toBe('2');
  });

  it('toNumber survives numbers beyond double range in num and den', () => {
    expect(toNumber(rational(10n ** 400n + 1n, 4n * 10n ** 400n))).toBeCloseTo(0.25, 12);
  });
});

describe('laplaceScale = Δ/ε', () => {
  it.each([
    [1n, '0.1', 10n, 1n],
    [5000n, '0.5', 10_000n, 1n],
    [3n, '0.7', 30n, 7n],
  ])('Δ = %s, ε = %s → %s/%s', (sensitivity, epsilon, num, den) => {
    expect(laplaceScale(sensitivity, rationalFromDecimal(epsilon))).toEqual({ num, den });
  });

  it('scale × ε = Δ exactly (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 1n << 64n }), fc.integer({ min: 1, max: 10_000_000 }), (sensitivity, micro) => {
        const s = laplaceScale(sensitivity, rational(BigInt(micro), 1_000_000n));
        return s.num * BigInt(micro) === sensitivity * s.den * 1_000_000n;
      }),
    );
  });

  it('refuses ε = 0 and Δ = 0', () => {
    expect(() => laplaceScale(1n, rational(0n))).toThrow('epsilon: must be positive');
    expect(() => laplaceScale(0n, rational(1n))).toThrow('sensitivity: must be a positive integer, got 0');
  });
});

describe('gaussianSigma2 (CKS 2020 Thm 4 + Bun–Steinke 2016 Prop 1.3)', () => {
  const epsilonOf = (sensitivity: bigint, sigma2: number, delta: number) => {
    const rho = Number(sensitivity) ** 2 / (2 * sigma2);
    return rho + 2 * Math.sqrt(rho * Math.log(1 / delta));
  };

  it('ε = 1, δ = 10⁻⁶, Δ = 1: σ ≈ 5.35 (classical bound, valid only for ε < 1: 5.30)', () => {
    const sigma = Math.sqrt(toNumber(gaussianSigma2(1n, rational(1n), rational(1n, 1_000_000n))));
    expect(sigma).toBeCloseTo(5.35, 2);
  });

  it('meets (ε, δ) and is tight up to the 10⁻⁶ rounding margin (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 1, max: 999_999 }),
        fc.bigInt({ min: 1n, max: 1n << 40n }),
        (micro, nano, sensitivity) => {
          const epsilon = micro / 1e6;
          const delta = nano / 1e9;
          const sigma2 = toNumber(gaussianSigma2(sensitivity, rational(BigInt(micro), 1_000_000n), rational(BigInt(nano), 1_000_000_000n)));
          const achieved = epsilonOf(sensitivity, sigma2, delta);
          return achieved <= epsilon && achieved >= epsilon * (1 - 1e-5);
        },
      ),
    );
  });

  it('is within 5 % of the classical σ = Δ√(2 ln(1.25/δ))/ε where that applies', () => {
    for (const [eps, delta] of [
      [0.5, 1e-6],
      [0.1, 1e-5],
      [0.9, 1e-9],
    ]) {
      const classical = Math.sqrt(2 * Math.log(1.25 / delta)) / eps;
      const ours = Math.sqrt(toNumber(gaussianSigma2(1n, rationalFromDecimal(eps), rationalFromDecimal(delta))));
      expect(Math.abs(ours / classical - 1), `ε ${eps}, δ ${delta}`).toBeLessThan(0.05);
    }
  });

  it('refuses δ outside (0, 1)', () => {
    expect(() => gaussianSigma2(1n, rational(1n), rational(0n))).toThrow(/delta: the discrete Gaussian needs 0 < delta < 1, got 0/);
    expect(() => gaussianSigma2(1n, rational(1n), rational(1n))).toThrow(/got 1$/);
    expect(() => calibrate('discrete-gaussian', 1n, rational(1n))).toThrow(/got none/);
    expect(() => calibrate('discrete-laplace', 1n, rational(1n), rational(1n, 10n))).toThrow('delta: the discrete Laplace is pure ε-DP; pass no delta');
  });
});

describe('sensitivities', () => {
  it('count: 1 per group a record is in', () => {
    expect(countSensitivity()).toBe(1n);
    expect(countSensitivity(3)).toBe(3n);
    expect(() => countSensitivity(0)).toThrow('maxGroupsPerRecord: must be a positive integer, got 0');
  });

  it.each([
    [0n, 5000n, 1, 5000n], // min ≥ 0: max
    [-100n, 100n, 1, 200n], // changing −100 into 100
    [-300n, -100n, 1, 300n], // removing a −300
    [-100n, 300n, 2, 800n],
    [7n, 7n, 1, 7n],
  ])('sum over [%s, %s], %s groups per record → %s', (min, max, g, expected) => {
    expect(sumSensitivity(min, max, g)).toBe(expected);
  });

  it('sum refuses inverted or empty bounds', () => {
    expect(() => sumSensitivity(5n, 4n)).toThrow('bounds: min 5 is above max 4');
    expect(() => sumSensitivity(0n, 0n)).toThrow(/sensitivity would be 0/);
  });

  it('histogram: 2 per group (a changed value moves between two buckets)', () => {
    expect(histogramSensitivity()).toBe(2n);
    expect(histogramSensitivity(4)).toBe(8n);
  });

  it.each([
    [1.25, 2, 'down', 125n],
    [1.25, 1, 'down', 12n],
    [1.25, 1, 'up', 13n],
    [-1.25, 1, 'down', -13n],
    [-1.25, 1, 'up', -12n],
    [0.1, 6, 'up', 100_000n],
    [4294967295, 0, 'up', 4294967295n],
  ] as const)('scaledBound(%s, %s, %s) = %s', (value, scale, rounding, expected) => {
    expect(scaledBound(value, scale, rounding)).toBe(expected);
  });
});

describe('planNoise: ε split evenly over the released statistics', () => {
  it('count + two sums at ε = 0.3: each statistic gets ε = 0.1', () => {
    const plan = planNoise({
      mechanism: 'discrete-laplace',
      epsilonPerQuery: rationalFromDecimal('0.3'),
      sensitivities: [countSensitivity(), sumSensitivity(0n, 5000n), sumSensitivity(-20n, 30n)],
    });
    expect(plan).toEqual([
      { mechanism: 'discrete-laplace', scale: { num: 10n, den: 1n } },
      { mechanism: 'discrete-laplace', scale: { num: 50_000n, den: 1n } },
      { mechanism: 'discrete-laplace', scale: { num: 500n, den: 1n } },
    ]);
  });

  it('splits δ too for the Gaussian', () => {
    const [one] = planNoise({
      mechanism: 'discrete-gaussian',
      epsilonPerQuery: rational(2n),
      deltaPerQuery: rational(2n, 1_000_000n),
      sensitivities: [1n, 1n],
    });
    expect(one).toEqual(calibrate('discrete-gaussian', 1n, rational(1n), rational(1n, 1_000_000n)));
  });

  it('refuses an empty list of statistics', () => {
    expect(() => splitEvenly(rational(1n), 0)).toThrow('statistics: must be a positive integer count, got 0');
  });
});
