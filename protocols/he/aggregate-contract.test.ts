/**
 * Contract tests at the trust boundary: whatever bytes the peer sends (truncated, garbage,
 * oversized, a decompression bomb, objects of other parameters or keys, too many or too few),
 * each step fails with a ProtocolError code and the node keeps running.
 */
import fc from 'fast-check';
import { brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { createAggregator, type Aggregator } from './aggregator.js';
import { planAggregation, type AggregationPlan } from './params.js';
import { Scope, loadSeal } from './seal.js';
import { decodeResultValues, unblind } from './unblind.js';
import { addNoise, createValueHolder, encodeResultValues, type ValueHolder } from './value-holder.js';
import { frame, packSeal } from './wire.js';

async function codeOf(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return error instanceof ProtocolError ? error.code : `not a ProtocolError: ${String(error)}`;
  }
  return undefined;
}

const setSize = 100;
const plan = planAggregation({ setSize, columns: [{ min: 0, max: 1000 }], groups: 1, noiseBound: 10 });
const otherPlan = planAggregation({ setSize, columns: [{ min: 0, max: 2 ** 40 }], groups: 1 }); // another t
const values = [Array.from({ length: setSize }, (_, i) => i)];
const masks = [new Uint8Array(setSize).fill(1)];

let holder: ValueHolder;
let other: ValueHolder;
let ciphertext: Uint8Array;
let result: Uint8Array;
const aggregators: Aggregator[] = [];
const aggregator = async (p: AggregationPlan = plan, publicKey = holder.publicKey) => {
  const a = await createAggregator({ plan: p, publicKey, masks });
  aggregators.push(a);
  return a;
};

beforeAll(async () => {
  holder = await createValueHolder(plan);
  other = await createValueHolder(otherPlan);
  [ciphertext] = [...holder.encrypt(values)];
  const a = await aggregator();
  a.absorb(ciphertext);
  result = a.finish().result;
});
afterAll(() => {
  for (const a of aggregators) a.dispose();
  holder.dispose();
  other.dispose();
});

// 8 MiB of zeros in a few hundred bytes: far beyond every bound of the plan once inflated.
let bombBytes: Uint8Array | undefined;
const bomb = () => (bombBytes ??= brotliCompressSync(new Uint8Array(8 << 20)));
const innerZstd = async () => {
  // A genuine public key, but saved with SEAL's own compression: SEAL would inflate it unbounded.
  const seal = await loadSeal();
  const scope = new Scope();
  try {
    const he = await import('./context.js').then((m) => m.createHeContext(plan));
    scope.own({ delete: () => he.scope.dispose() });
    const keys = scope.own(seal.KeyGenerator(he.context));
    return brotliCompressSync(scope.own(keys.createPublicKey()).saveArray(seal.ComprModeType.zstd));
  } finally {
    scope.dispose();
  }
};

describe('querier receiving the public key', () => {
  it.each<[string, () => Uint8Array | Promise<Uint8Array>]>([
    ['empty', () => new Uint8Array(0)],
    ['garbage', () => new Uint8Array(1000).fill(7)],
    ['truncated', () => holder.publicKey.subarray(0, holder.publicKey.length >> 1)],
    ['truncated after decompression', () => packSeal(brotliDecompressSync(holder.publicKey).subarray(0, 5000))],
    ['oversized', () => new Uint8Array(plan.bytes.publicKeyMax + 1)],
    ['a decompression bomb', bomb],
    ['compressed by SEAL itself', innerZstd],
    ['a key for other parameters', () => other.publicKey],
    ['a ciphertext instead of a key', () => ciphertext],
  ])('%s → HE_MESSAGE_INVALID', async (_, bytes) => {
    const publicKey = await bytes();
    expect(await codeOf(() => aggregator(plan, publicKey))).toBe('HE_MESSAGE_INVALID');
  });
});

describe('querier receiving ciphertexts', () => {
  it.each<[string, () => Uint8Array]>([
    ['garbage', () => new Uint8Array(5000).fill(1)],
    ['truncated', () => ciphertext.subarray(0, 1000)],
    ['oversized', () => new Uint8Array(plan.bytes.ciphertextMax + 1)],
    ['a decompression bomb', bomb],
    ['a ciphertext of other parameters', () => [...other.encrypt([Array.from({ length: setSize }, () => 0)])][0]],
    ['a result-level ciphertext', () => result.subarray(4)],
    ['the public key', () => holder.publicKey],
  ])('%s → HE_MESSAGE_INVALID, then HE_STATE', async (_, bytes) => {
    const a = await aggregator();
    expect(await codeOf(() => a.absorb(bytes()))).toBe('HE_MESSAGE_INVALID');
    expect(await codeOf(() => a.absorb(ciphertext))).toBe('HE_STATE');
  });

  it('refuses more ciphertexts than the plan has, and finishing early', async () => {
    const a = await aggregator();
    expect(await codeOf(() => a.finish())).toBe('HE_STATE');
    a.absorb(ciphertext);
    expect(await codeOf(() => a.absorb(ciphertext))).toBe('HE_MESSAGE_INVALID');
  });

  it('never fails other than with a ProtocolError on random corruption of a valid ciphertext', async () => {
    const raw = brotliDecompressSync(ciphertext);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat(raw.length - 1), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        async (flips) => {
          const bad = Uint8Array.from(raw);
          for (const { at, xor } of flips) bad[at] ^= xor;
          const a = await aggregator();
          const code = await codeOf(() => a.absorb(packSeal(bad)));
          // A flip inside the coefficient data still gives a well-formed ciphertext (of other values).
          expect([undefined, 'HE_MESSAGE_INVALID']).toContain(code);
          a.dispose();
        },
      ),
      { numRuns: 10, seed: 4 },
    );
  });

  it('rejects bad masks with HE_INPUT_INVALID', async () => {
    for (const bad of [[], [new Uint8Array(setSize - 1)], [new Uint8Array(setSize).fill(2)]]) {
      expect(await codeOf(() => createAggregator({ plan, publicKey: holder.publicKey, masks: bad }))).toBe('HE_INPUT_INVALID');
    }
  });
});

describe('value holder receiving the result', () => {
  it.each<[string, () => Uint8Array]>([
    ['empty', () => new Uint8Array(0)],
    ['garbage', () => new Uint8Array(3000).fill(9)],
    ['truncated', () => result.subarray(0, result.length - 1)],
    ['one result too many', () => Uint8Array.from([...result, ...result])],
    ['a fresh ciphertext instead of a result', () => frame([ciphertext])],
    ['a decompression bomb', () => frame([bomb()])],
  ])('%s → HE_MESSAGE_INVALID', async (_, bytes) => {
    expect(await codeOf(() => holder.decrypt(bytes()))).toBe('HE_MESSAGE_INVALID');
  });

  it('refuses a result under another key (it would decrypt to noise) with HE_MESSAGE_INVALID', async () => {
    const stranger = await createValueHolder(plan);
    try {
      const a = await aggregator(plan, stranger.publicKey);
      a.absorb([...stranger.encrypt(values)][0]);
      expect(await codeOf(() => holder.decrypt(a.finish().result))).toBe('HE_MESSAGE_INVALID');
    } finally {
      stranger.dispose();
    }
  });

  it('refuses noise beyond the plan bound and bad reply values', async () => {
    const blinded = holder.decrypt(result);
    expect(await codeOf(() => addNoise(plan, blinded, [11n]))).toBe('HE_INPUT_INVALID');
    expect(await codeOf(() => addNoise(plan, blinded, [1n, 2n]))).toBe('HE_INPUT_INVALID');
    expect(await codeOf(() => encodeResultValues(plan, [plan.plainModulus]))).toBe('HE_INPUT_INVALID');
    expect(await codeOf(() => decodeResultValues(plan, new Uint8Array(7)))).toBe('HE_MESSAGE_INVALID');
    expect(await codeOf(() => decodeResultValues(plan, new Uint8Array(8).fill(255)))).toBe('HE_MESSAGE_INVALID');
    expect(await codeOf(() => unblind(plan, { offsets: [0n] }, [0n], [setSize + 1]))).toBe('HE_INPUT_INVALID');
  });

  it('refuses out-of-range values before encrypting anything, naming column and row', async () => {
    const bad = [Array.from({ length: setSize }, (_, i) => (i === 17 ? 1001 : 0))];
    expect(await codeOf(() => holder.encrypt(bad))).toBe('HE_INPUT_INVALID');
    expect(() => holder.encrypt(bad)).toThrow(/column #0, row 17: not an integer in \[0, 1000\]/);
    expect(await codeOf(() => holder.encrypt([values[0].slice(1)]))).toBe('HE_INPUT_INVALID');
  });
});

describe('dispose', () => {
  it('deletes every owned WASM object, newest first, even when one delete throws', () => {
    const order: number[] = [];
    const scope = new Scope();
    for (const i of [1, 2, 3])
      scope.own({
        delete: () => {
          order.push(i);
          if (i === 2) throw new Error('already deleted');
        },
      });
    scope.dispose();
    expect(order).toEqual([3, 2, 1]);
    expect(scope.size).toBe(0);
  });

  it('makes the roles refuse further use with HE_STATE', async () => {
    const h = await createValueHolder(plan);
    const a = await aggregator(plan, h.publicKey);
    h.dispose();
    a.dispose();
    expect(await codeOf(() => h.encrypt(values))).toBe('HE_STATE');
    expect(await codeOf(() => h.decrypt(result))).toBe('HE_STATE');
    expect(await codeOf(() => a.absorb(ciphertext))).toBe('HE_STATE');
    a.dispose(); // twice is fine
  });
});
