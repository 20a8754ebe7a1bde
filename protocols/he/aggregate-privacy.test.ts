/**
 * What the value holder sees: every slot of every result ciphertext is the querier's uniform
 * blinding plus that slot's masked partial sum, so the blinded totals it decrypts are not the
 * true totals and change from run to run.
 */
import { describe, expect, it } from 'vitest';
import { seededRandomBytesForTestsOnly } from '../group/testing.js';
import { createAggregator } from './aggregator.js';
import { MIN_RESULT_BUDGET_BITS, ONE_PRIME_RESULT_MAX_BITS, planAggregation } from './params.js';
import { uniformModulo } from './random.js';
import { plainTotals, runAggregation } from './testing.js';
import { createValueHolder } from './value-holder.js';

const setSize = 10_000; // two chunks: slot p of a result sums records p and 8192 + p
const plan = planAggregation({ setSize, columns: [{ min: 0, max: 2 ** 32 - 1 }], groups: 2, noiseBound: 1 << 20 });
const values = Array.from({ length: setSize }, (_, i) => (i * 2_654_435_761) % 2 ** 32);
const masks = [new Uint8Array(setSize).map((_, i) => (i % 3 === 0 ? 1 : 0)), new Uint8Array(setSize)];
masks[1][42] = 1; // one selected record: the most tempting total to read off

describe('value holder view', () => {
  it('decrypts blinded totals that differ from the true totals and between runs', async () => {
    const truth = plainTotals(plan, [values], masks);
    const first = await runAggregation(plan, [values], masks);
    const second = await runAggregation(plan, [values], masks);
    expect(first.totals.map((t) => t.sum)).toEqual(truth);
    for (let i = 0; i < truth.length; i++) {
      expect(first.blinded[i]).not.toBe(truth[i]);
      expect(first.blinded[i]).not.toBe(second.blinded[i]);
    }
  });

  it('sees in each slot exactly uniform blinding + that slot’s masked partial sum, nothing else', async () => {
    const holder = await createValueHolder(plan);
    const aggregator = await createAggregator({ plan, publicKey: holder.publicKey, masks, rng: seededRandomBytesForTestsOnly('blinding') });
    try {
      for (const ct of holder.encrypt([values])) aggregator.absorb(ct);
      const { result } = aggregator.finish();
      const seen = holder.inspect(result);
      const replay = seededRandomBytesForTestsOnly('blinding');
      const t = plan.plainModulus;
      seen.forEach(({ slots, budget }, g) => {
        expect(budget).toBeGreaterThanOrEqual(MIN_RESULT_BUDGET_BITS);
        const blinding = uniformModulo(replay, t, plan.slots);
        for (let p = 0; p < plan.slots; p++) {
          let partial = 0n;
          for (let i = p; i < setSize; i += plan.slots) if (masks[g][i]) partial += BigInt(values[i]);
          expect((slots[p] - blinding[p] - partial) % t, `group ${g} slot ${p}`).toBe(0n);
        }
        // Blinded slots look uniform: about half lie below t/2, and none repeats (t ≈ 2^54).
        const low = Array.from(slots).filter((v) => v < t / 2n).length;
        expect(Math.abs(low / plan.slots - 0.5)).toBeLessThan(0.05);
        expect(new Set(slots).size).toBe(plan.slots);
      });
    } finally {
      aggregator.dispose();
      holder.dispose();
    }
  });
});

describe('noise budget', () => {
  // The worst case for each result level: the largest t that level takes, random half-dense masks
  // over two chunks of maximal values.
  it.each([
    [ONE_PRIME_RESULT_MAX_BITS, 1],
    [60, 2],
  ])(`leaves ≥ ${MIN_RESULT_BUDGET_BITS} bits with a %i-bit t (%i-prime result)`, async (bits, primes) => {
    const m = 16_384;
    const max = (1n << BigInt(bits - 2)) / BigInt(m) - 1n;
    const p = planAggregation({ setSize: m, columns: [{ min: 0n, max }], groups: 1 });
    expect([p.plainModulusBits, p.resultPrimes]).toEqual([bits, primes]);
    const random = seededRandomBytesForTestsOnly('masks')(m);
    const masks = [random.map((b) => b & 1)];
    const { budgets, totals } = await runAggregation(p, [Array.from({ length: m }, () => max)], masks);
    expect(totals[0].sum).toBe(max * BigInt(masks[0].reduce((a, b) => a + b, 0)));
    expect(Math.min(...budgets)).toBeGreaterThanOrEqual(MIN_RESULT_BUDGET_BITS);
  });
});
