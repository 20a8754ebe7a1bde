/**
 * End to end, both roles in one process: unblinded sums equal plain sums exactly, over random
 * sets, values, ranges (negative, zero-width, split into limbs) and masks (empty, full, sparse).
 * Sizes stay small (≤ 2 chunks) so the file runs in seconds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planAggregation, type ColumnSpec } from './params.js';
import { plainTotals, runAggregation } from './testing.js';

const column = fc.oneof(
  fc.record({ min: fc.integer({ min: -1000, max: 1000 }), width: fc.integer({ min: 0, max: 2 ** 32 }) }).map(({ min, width }) => ({ min, max: min + width })),
  // Wide enough that the plan splits it into limbs.
  fc.constant({ min: -(2n ** 61n), max: 2n ** 61n }),
);

const scenario = fc
  .record({
    setSize: fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 8190, max: 8200 })),
    specs: fc.array(column, { minLength: 1, maxLength: 2 }),
    groups: fc.integer({ min: 1, max: 3 }),
    seed: fc.integer(),
  })
  .chain(({ setSize, specs, groups, seed }) =>
    fc.record({
      setSize: fc.constant(setSize),
      specs: fc.constant(specs as ColumnSpec[]),
      // Each value is min, max or anything between; each mask is empty, full or random.
      values: fc.constant(seed),
      masks: fc.array(fc.constantFrom('empty', 'full', 'random', 'single'), { minLength: groups, maxLength: groups }),
    }),
  );

/** Deterministic pseudo-random stream for building large arrays cheaply inside one fast-check case. */
function stream(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 2 ** 32);
}

describe('intersection-sum', () => {
  it('unblinded sums equal plain sums exactly', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ setSize, specs, values, masks: kinds }) => {
        const next = stream(values);
        const plan = planAggregation({ setSize, columns: specs, groups: kinds.length, noiseBound: 0 });
        const columns = plan.columns.map((c) =>
          Array.from({ length: setSize }, () => {
            const r = next();
            if (r < 0.2) return c.min;
            if (r < 0.4) return c.max;
            return c.min + (c.range * BigInt(Math.floor(next() * 2 ** 30))) / 2n ** 30n;
          }),
        );
        const masks = kinds.map((kind) => {
          const mask = new Uint8Array(setSize);
          if (kind === 'full') mask.fill(1);
          if (kind === 'random') for (let i = 0; i < setSize; i++) mask[i] = next() < 0.5 ? 1 : 0;
          if (kind === 'single') mask[Math.floor(next() * setSize)] = 1;
          return mask;
        });
        const { totals } = await runAggregation(plan, columns, masks);
        expect(totals.map((t) => t.sum)).toEqual(plainTotals(plan, columns, masks));
      }),
      { numRuns: 8, seed: 20260601, endOnFailure: true },
    );
  });

  it('applies the value holder noise once per (column, group), also for a column split into limbs', async () => {
    const setSize = 50;
    const plan = planAggregation({
      setSize,
      columns: [
        { min: 0, max: 9 },
        { min: 0n, max: 2n ** 62n },
      ],
      groups: 2,
      noiseBound: 1000,
    });
    expect(plan.columns[1].limbs).toBeGreaterThan(1);
    const columns = [Array.from({ length: setSize }, (_, i) => i % 10), Array.from({ length: setSize }, (_, i) => 2n ** 62n - BigInt(i))];
    const masks = [new Uint8Array(setSize).fill(1), new Uint8Array(setSize).map((_, i) => i % 2)];
    const noise = [-1000n, 7n, 0n, 1000n];
    const { totals } = await runAggregation(plan, columns, masks, { noise });
    expect(totals.map((t) => t.sum)).toEqual(plainTotals(plan, columns, masks).map((s, i) => s + noise[i]));
  });
});
