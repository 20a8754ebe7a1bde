/** Shuffles: a permutation, uniform, and actually applied in cardinality mode. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ProtocolError } from '../errors.js';
import { defaultGroup } from '../group/index.js';
import { seededRandomBytesForTestsOnly } from '../group/testing.js';
import { createSender } from './sender.js';
import { randomPermutation, shuffle } from './shuffle.js';

const rows = (data: Uint8Array, len: number) =>
  Array.from({ length: data.length / len }, (_, i) => Buffer.from(data.subarray(i * len, (i + 1) * len)).toString('hex'));

describe('shuffle', () => {
  it('returns a permutation of the items (same multiset, input untouched)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 120 }), fc.string(), (len, raw, seed) => {
        const data = raw.subarray(0, raw.length - (raw.length % len));
        const copy = Uint8Array.from(data);
        const out = shuffle(data, len, seededRandomBytesForTestsOnly(seed));
        expect(data).toEqual(copy);
        expect(rows(out, len).sort()).toEqual(rows(data, len).sort());
      }),
    );
  });

  it('draws each permutation of 3 items about equally often (no modulo bias)', () => {
    const rng = seededRandomBytesForTestsOnly('uniform');
    const seen = new Map<string, number>();
    const trials = 60_000;
    for (let t = 0; t < trials; t++) {
      const key = randomPermutation(3, rng).join('');
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    expect(seen.size).toBe(6);
    // χ² with 5 degrees of freedom; 20.5 is the 0.999 quantile.
    const expected = trials / 6;
    const chi2 = [...seen.values()].reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(20.5);
  });

  it('rejects data that is not whole items, and bad item lengths', () => {
    const rng = seededRandomBytesForTestsOnly('x');
    expect(() => shuffle(new Uint8Array(5), 2, rng)).toThrow(ProtocolError);
    expect(() => shuffle(new Uint8Array(4), 0, rng)).toThrow(/itemLength/);
  });
});

describe('cardinality mode', () => {
  it("evaluateShuffled answers with the same points as evaluate, not in R's order", () => {
    const group = defaultGroup();
    const sender = createSender({ group, rng: seededRandomBytesForTestsOnly('order') });
    const points = group.hashToGroup(
      new TextEncoder().encode('d'),
      Array.from({ length: 2000 }, (_, i) => Uint8Array.of(i >> 8, i & 255)),
    );
    const ordered = rows(sender.evaluate(points), 32);
    const shuffled = rows(sender.evaluateShuffled(points), 32);
    expect(shuffled).not.toEqual(ordered);
    expect([...shuffled].sort()).toEqual([...ordered].sort());
    // Far from the identity: a uniform permutation fixes 1 point on average.
    expect(shuffled.filter((p, i) => p === ordered[i]).length).toBeLessThan(10);
  });
});
