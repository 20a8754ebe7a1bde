import { describe, expect, it } from 'vitest';
import { twoSidedP, Z_95 } from './normal.js';

// erfc(|z|/√2) to 15 digits from mpmath 1.3 at 30 decimal digits (mpmath.erfc(z / sqrt(2))).
const KNOWN: [number, number][] = [
  [0, 1],
  [0.1, 0.920344325445942],
  [0.5, 0.617075077451974],
  [1, 0.317310507862914],
  [2.5, 0.0124193306515523],
  [3, 0.00269979606326019],
  [3.5352, 0.000407466629614695],
  [3.54, 0.00040012703201464],
  [5, 5.73303143758388e-7],
  [8, 1.24419211485436e-15],
  [10, 1.52397060483211e-23],
  [20, 5.50724823721247e-89],
  [37, 1.14511424450492e-299],
];

describe('the standard normal tail', () => {
  it('matches known two-sided p-values to 1e-12 relative, on both sides of the switch between series and continued fraction', () => {
    for (const [z, p] of KNOWN) {
      expect(Math.abs(twoSidedP(z) - p) / p, `z = ${z}`).toBeLessThan(1e-12);
      expect(twoSidedP(-z)).toBe(twoSidedP(z));
    }
  });

  it('Z_95 leaves 5 % in the two tails', () => {
    expect(twoSidedP(Z_95)).toBeCloseTo(0.05, 15);
  });

  it('refuses NaN rather than answering a p-value', () => {
    expect(() => twoSidedP(Number.NaN)).toThrow(RangeError);
  });
});
