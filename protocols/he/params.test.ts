/** The plan: plain modulus, limbs, overflow refusal, determinism, and t = SEAL's batching prime. */
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { MAX_LANES, planAggregation, planDigest } from './params.js';
import { batchingPrime } from './prime.js';
import { loadSeal } from './seal.js';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ProtocolError ? error.code : `not a ProtocolError: ${String(error)}`;
  }
  return undefined;
}

describe('batching prime', () => {
  // Fixed vectors: PlainModulus.Batching(8192, bits) printed by SEAL 4.1 (node-seal 6.0.3).
  it.each([
    [40, 1099511480321n],
    [50, 1125899906826241n],
    [55, 36028797018652673n],
    [60, 1152921504606830593n],
  ])('%i bits → %s', (bits, t) => {
    expect(batchingPrime(8192, bits)).toBe(t);
  });

  it('equals SEAL PlainModulus.Batching for every size the plan may pick', async () => {
    const seal = await loadSeal();
    for (let bits = 20; bits <= 60; bits++) {
      const modulus = seal.PlainModulus.Batching(8192, bits);
      try {
        expect(batchingPrime(8192, bits), `${bits} bits`).toBe(modulus.value);
      } finally {
        modulus.delete();
      }
    }
  });
});

describe('planAggregation', () => {
  const spend = { name: 'spend', min: 0, max: 2 ** 32 - 1 };

  it('is deterministic: both peers derive the same plan from the same inputs', () => {
    const input = { setSize: 1_000_000, columns: [spend, { min: -50, max: 50 }], groups: 10, noiseBound: 1n << 30n };
    expect(planAggregation(input)).toEqual(planAggregation(structuredClone(input)));
    expect(planDigest(planAggregation(input))).toBe(planDigest(planAggregation(input)));
    expect(planDigest(planAggregation({ ...input, groups: 9 }))).not.toBe(planDigest(planAggregation(input)));
  });

  it('picks the smallest t with m·(max − min) + noise below t/2, and one lane per column', () => {
    const plan = planAggregation({ setSize: 1_000_000, columns: [spend], groups: 10, noiseBound: 1n << 30n });
    const worst = 1_000_000n * (2n ** 32n - 1n) + (1n << 30n);
    expect(plan.plainModulusBits).toBe(54);
    expect(worst < plan.plainModulus / 2n).toBe(true);
    expect(plan).toMatchObject({ chunks: 123, ciphertexts: 123, resultPrimes: 2, lanes: [{ column: 0, limb: 0 }] });
    expect(plan.results).toHaveLength(10);
    expect(plan.results[7]).toEqual({ index: 7, lane: 0, column: 0, group: 7, limb: 0 });
  });

  it('keeps small sums at a small t whose result fits one prime', () => {
    const plan = planAggregation({ setSize: 1000, columns: [{ min: 0, max: 1 }], groups: 1 });
    expect(plan.plainModulusBits).toBe(20);
    expect(plan.resultPrimes).toBe(1);
  });

  it('splits a column into limbs when 60 bits cannot hold its sum, and each limb fits', () => {
    const plan = planAggregation({ setSize: 1_000_000, columns: [{ min: 0n, max: 2n ** 62n }], groups: 2, noiseBound: 1000 });
    const [column] = plan.columns;
    expect(plan.plainModulusBits).toBe(60);
    expect(column.limbs).toBeGreaterThan(1);
    expect(column.limbs * column.limbBits).toBeGreaterThanOrEqual(63);
    expect(1_000_000n * (2n ** BigInt(column.limbBits) - 1n) + 1000n < plan.plainModulus / 2n).toBe(true);
    expect(plan.lanes).toHaveLength(column.limbs);
    expect(plan.results).toHaveLength(column.limbs * 2);
  });

  it('refuses with HE_OVERFLOW, naming column, set size, range and bound, when not even 1-bit limbs fit', () => {
    const input = { setSize: 1000, columns: [{ name: 'premium', min: 0, max: 10 }], groups: 1, noiseBound: 1n << 59n };
    expect(code(() => planAggregation(input))).toBe('HE_OVERFLOW');
    expect(() => planAggregation(input)).toThrow(/column premium: set size 1000 × range 10 \(\+ noise bound 576460752303423488\).*t\/2 = /);
  });

  it(`refuses with HE_OVERFLOW when limbs would exceed ${MAX_LANES} lanes`, () => {
    const columns = Array.from({ length: 200 }, () => ({ min: 0n, max: 2n ** 120n }));
    expect(code(() => planAggregation({ setSize: 1_000_000, columns, groups: 1 }))).toBe('HE_OVERFLOW');
  });

  it.each([
    ['setSize 0', { setSize: 0, columns: [spend], groups: 1 }],
    ['fractional setSize', { setSize: 1.5, columns: [spend], groups: 1 }],
    ['no groups', { setSize: 10, columns: [spend], groups: 0 }],
    ['no columns', { setSize: 10, columns: [], groups: 1 }],
    ['max < min', { setSize: 10, columns: [{ min: 5, max: 4 }], groups: 1 }],
    ['fractional bound', { setSize: 10, columns: [{ min: 0.5, max: 4 }], groups: 1 }],
    ['negative noise bound', { setSize: 10, columns: [spend], groups: 1, noiseBound: -1 }],
  ])('rejects %s with HE_PARAMS_INVALID', (_, input) => {
    expect(code(() => planAggregation(input as never))).toBe('HE_PARAMS_INVALID');
  });
});
