import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assignVariant, CONTROL_KEY, experimentKey, type GroupShare, splitGroups, variantAssigner } from './assign.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
const shares = (...percents: number[]): GroupShare[] => percents.map((percent, i) => ({ key: `g${i}`, percent }));

/** How many of `n` keys fall in each group. */
function tally(secret: Uint8Array, experiment: string, groups: readonly GroupShare[], n: number): Map<string, number> {
  const counts = new Map(groups.map((g) => [g.key, 0]));
  const assign = variantAssigner(secret, experiment, groups);
  for (let i = 0; i < n; i++) {
    const key = assign(`customer-${i}`);
    counts.set(key, counts.get(key)! + 1);
  }
  return counts;
}

/** Five standard deviations of a binomial count: a correct assignment fails this about once in 1.7 million groups. */
const tolerance = (n: number, p: number) => 5 * Math.sqrt(n * p * (1 - p));

describe('A/B assignment', () => {
  it('fixed vectors: slots from an independent HMAC-SHA256 computation (Python hmac), read through the group bounds', () => {
    // Slots of the secret 00 01 … 1f: c-1 2907, c-2 2606, c-3 998, c-4 2497, 顾客-7 1001; second-touch/c-1 6111.
    const groups = [
      { key: 'a', percent: 10 },
      { key: 'b', percent: 15 },
      { key: 'c', percent: 75 },
    ];
    const assigned = ['c-1', 'c-2', 'c-3', 'c-4', '顾客-7'].map((k) => assignVariant(SECRET, 'first-touch', k, groups));
    expect(assigned).toEqual(['c', 'c', 'a', 'b', 'b']);
    expect(assignVariant(SECRET, 'second-touch', 'c-1', shares(61.11, 38.89))).toBe('g1');
    expect(assignVariant(SECRET, 'second-touch', 'c-1', shares(61.12, 38.88))).toBe('g0');
    // A share of one hundredth is one slot: c-3's 998 is the only slot of b here.
    expect(assignVariant(SECRET, 'first-touch', 'c-3', shares(9.98, 0.01, 90.01))).toBe('g1');
    expect(assignVariant(SECRET, 'first-touch', 'c-3', shares(9.99, 0.01, 90))).toBe('g0');
  });

  it('is stable: the same inputs give the same group, with a copy of the secret, in any order of calls, one at a time or by an assigner', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 64 }),
        fc.string({ minLength: 1 }),
        fc.array(fc.string(), { minLength: 1, maxLength: 20 }),
        (secret, experiment, keys) => {
          const groups = shares(33.33, 33.33, 33.34);
          const first = keys.map((k) => assignVariant(secret, experiment, k, groups));
          const again = [...keys].reverse().map((k) => assignVariant(Uint8Array.from(secret), experiment, k, groups));
          expect(again.reverse()).toEqual(first);
          const assign = variantAssigner(secret, experiment, groups);
          expect(keys.map(assign)).toEqual(first);
        },
      ),
    );
  });

  it('is balanced: over 10⁵ keys every group, the control included, is within a binomial tolerance of its share', () => {
    const n = 100_000;
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 32 }),
        fc.array(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 40 }),
        (secret, weights, controlWeight) => {
          // Shares in hundredths that add up to exactly 100, the last group taking the remainder.
          const sum = weights.reduce((a, b) => a + b, controlWeight);
          const hundredths = weights.map((w) => Math.max(1, Math.floor((w * 10_000) / sum)));
          const control = 10_000 - hundredths.reduce((a, b) => a + b, 0);
          fc.pre(control > 0);
          const groups = splitGroups({ branches: shares(...hundredths.map((h) => h / 100)), control: control / 100 });
          expect(groups.at(-1)!.key).toBe(CONTROL_KEY);
          const counts = tally(secret, 'balance', groups, n);
          for (const g of groups) {
            const p = g.percent / 100;
            expect(Math.abs(counts.get(g.key)! - n * p), `${g.key} at ${g.percent} %`).toBeLessThanOrEqual(tolerance(n, p));
          }
        },
      ),
      { numRuns: 4 },
    );
  });

  it('cannot be predicted without the secret: another secret, another experiment or another journey assigns independently', () => {
    const n = 20_000;
    const halves = shares(50, 50);
    const other = Uint8Array.from(SECRET, (b) => b ^ 0xff);
    let sameUnderOtherSecret = 0;
    let sameInOtherExperiment = 0;
    let sameInOtherJourney = 0;
    const mine = variantAssigner(SECRET, experimentKey(1, 'first-touch'), halves);
    const otherSecret = variantAssigner(other, experimentKey(1, 'first-touch'), halves);
    const otherExperiment = variantAssigner(SECRET, experimentKey(1, 'second-touch'), halves);
    const otherJourney = variantAssigner(SECRET, experimentKey(2, 'first-touch'), halves);
    for (let i = 0; i < n; i++) {
      const key = `customer-${i}`;
      const group = mine(key);
      if (otherSecret(key) === group) sameUnderOtherSecret++;
      if (otherExperiment(key) === group) sameInOtherExperiment++;
      if (otherJourney(key) === group) sameInOtherJourney++;
    }
    // Independent 50/50 assignments agree half the time; any dependence would show here.
    expect(Math.abs(sameUnderOtherSecret - n / 2)).toBeLessThanOrEqual(tolerance(n, 0.5));
    expect(Math.abs(sameInOtherExperiment - n / 2)).toBeLessThanOrEqual(tolerance(n, 0.5));
    expect(Math.abs(sameInOtherJourney - n / 2)).toBeLessThanOrEqual(tolerance(n, 0.5));
    expect(experimentKey(12, 'first-touch')).toBe('j12/first-touch');
  });

  it('splitGroups lists the branches in order, then the control group', () => {
    expect(splitGroups({ branches: [{ key: 'sms', percent: 45, label: 'SMS first' } as GroupShare, { key: 'push', percent: 45 }], control: 10 })).toEqual([
      { key: 'sms', percent: 45 },
      { key: 'push', percent: 45 },
      { key: CONTROL_KEY, percent: 10 },
    ]);
    expect(splitGroups({ branches: [{ key: 'a', percent: 100 }] })).toEqual([{ key: 'a', percent: 100 }]);
  });

  it('refuses a short secret and shares that do not add up to 100, naming them', () => {
    expect(() => assignVariant(new Uint8Array(8), 'x', 'c-1', shares(100))).toThrow('secret: at least 16 bytes (got 8)');
    expect(() => assignVariant(SECRET, 'x', 'c-1', shares(50, 49.99))).toThrow('groups: the shares add up to 99.99, not 100');
    expect(() => assignVariant(SECRET, 'x', 'c-1', shares(100, 0))).toThrow('groups[1].percent: more than 0 (got 0)');
  });
});
