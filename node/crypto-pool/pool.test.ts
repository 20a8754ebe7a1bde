import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocols/errors.js';
import { defaultGroup } from '../../protocols/group/index.js';
import { seededRandomBytesForTestsOnly } from '../../protocols/group/testing.js';
import { compiledScript } from './compiled-script.js';
import { CryptoPool } from './pool.js';
import { packIds } from './views.js';

const group = defaultGroup();
const dst = new TextEncoder().encode('mofang/v1/crypto-pool-test');
const rng = seededRandomBytesForTestsOnly('crypto-pool');
const idsOf = (n: number, tag = 'id') => Array.from({ length: n }, (_, i) => Buffer.from(`${tag}-${i}`));
const pack = (ids: readonly Uint8Array[]) => packIds(ids.map((id) => Buffer.from(id).toString('latin1')));
/** Packs raw bytes (packIds takes strings); latin1 would not round-trip every byte, so do it by hand. */
const packBytes = (ids: readonly Uint8Array[]) => {
  const offsets = new Uint32Array(ids.length + 1);
  ids.forEach((id, i) => (offsets[i + 1] = offsets[i] + id.length));
  const packed = new Uint8Array(offsets[ids.length]);
  ids.forEach((id, i) => packed.set(id, offsets[i]));
  return { ids: packed, offsets };
};
const rejection = async (p: Promise<unknown>): Promise<Error> => {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
};
const thrown = (f: () => unknown): Error => {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
};

// Tiny jobs and no inline path, so even small batches cross several chunk boundaries and threads.
const pool = new CryptoPool({ threads: 3, inlineBelow: { hashToGroup: 0, multiply: 0 }, jobElements: { hashToGroup: 5, multiply: 7 } });
afterAll(() => pool.close());

describe('CryptoPool', () => {
  it('hashToGroup and multiply are byte-identical to the inline group on random inputs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 60 }), fc.string({ maxLength: 8 }), async (ids, seed) => {
        const { ids: packed, offsets } = packBytes(ids);
        const expected = group.hashToGroup(dst, ids);
        expect(await pool.hashToGroup(dst, packed, offsets)).toEqual(expected);
        const scalar = group.randomScalar(seededRandomBytesForTestsOnly(seed));
        expect(await pool.multiply(scalar, expected)).toEqual(group.multiply(scalar, expected));
      }),
      { numRuns: 40 },
    );
  });

  it('keeps input order across chunk boundaries, with calls in flight together', async () => {
    const batches = [101, 3, 57, 250].map((n, k) => idsOf(n, `batch${k}`));
    const results = await Promise.all(batches.map((ids) => pool.hashToGroup(dst, ...(Object.values(pack(ids)) as [Uint8Array, Uint32Array]))));
    results.forEach((points, k) => expect(points).toEqual(group.hashToGroup(dst, batches[k])));
  });

  it('copies its inputs: the caller may reuse them as soon as the call returns', async () => {
    const ids = idsOf(40);
    const { ids: packed, offsets } = pack(ids);
    const pending = pool.hashToGroup(dst, packed, offsets);
    packed.fill(0);
    expect(packed.buffer.byteLength).toBeGreaterThan(0); // not detached
    expect(await pending).toEqual(group.hashToGroup(dst, ids));
  });

  it('accepts Buffers (whose slice() is a view) and leaves them intact', async () => {
    const ids = idsOf(50);
    const { ids: packed, offsets } = pack(ids);
    const buffer = Buffer.concat([Buffer.from('prefix'), packed]).subarray(6);
    const points = await pool.hashToGroup(Buffer.from(dst), buffer, offsets);
    expect(points).toEqual(group.hashToGroup(dst, ids));
    expect(Buffer.from(buffer)).toEqual(Buffer.from(packed));
    const scalar = Buffer.from(group.randomScalar(rng));
    expect(await pool.multiply(scalar, Buffer.from(points))).toEqual(group.multiply(scalar, points));
  });

  it('reports an invalid point with its index in the whole batch, as the inline call does', async () => {
    const scalar = group.randomScalar(rng);
    for (const [index, bad] of [
      [30, new Uint8Array(32)],
      [6, new Uint8Array(32).fill(0xff)],
      [0, new Uint8Array(32)],
    ] as const) {
      const points = group.hashToGroup(dst, idsOf(40));
      points.set(bad, index * 32);
      const inline = thrown(() => group.multiply(scalar, points));
      expect(inline.message).toContain(String(index));
      const err = await rejection(pool.multiply(scalar, points));
      expect(err).toBeInstanceOf(ProtocolError);
      expect(err).toMatchObject({ code: 'PSI_POINT_INVALID', message: inline.message });
    }
  });

  it('rejects bad whole-call arguments as the group does', async () => {
    const points = group.hashToGroup(dst, idsOf(10));
    for (const [call, inline] of [
      [() => pool.multiply(new Uint8Array(5), points), () => group.multiply(new Uint8Array(5), points)],
      [() => pool.multiply(group.randomScalar(rng), points.subarray(1)), () => group.multiply(group.randomScalar(rng), points.subarray(1))],
      [() => pool.hashToGroup(new Uint8Array(0), new Uint8Array(0), new Uint32Array(1)), () => group.hashToGroup(new Uint8Array(0), [])],
    ] as const) {
      const expected = thrown(inline);
      expect(await rejection(call())).toMatchObject({ name: expected.name, message: expected.message });
    }
    await expect(pool.hashToGroup(dst, new Uint8Array(4), Uint32Array.of(0, 3, 2))).rejects.toMatchObject({
      code: 'PSI_INPUT_INVALID',
      message: expect.stringContaining('offsets[2]'),
    });
    await expect(pool.hashToGroup(dst, new Uint8Array(4), Uint32Array.of(0, 5))).rejects.toMatchObject({ code: 'PSI_INPUT_INVALID' });
    expect(await pool.hashToGroup(dst, new Uint8Array(0), new Uint32Array(1))).toEqual(new Uint8Array(0));
  });

  it('rejects the calls of a worker that dies, replaces it, and goes on', async () => {
    const solo = new CryptoPool({ threads: 1, inlineBelow: { hashToGroup: 0 } });
    try {
      const ids = idsOf(20);
      const { ids: packed, offsets } = pack(ids);
      expect(await solo.hashToGroup(dst, packed, offsets)).toEqual(group.hashToGroup(dst, ids)); // warm: the worker is up
      solo.crashWorkerForTestsOnly(0);
      const err = await rejection(solo.hashToGroup(dst, packed, offsets));
      expect(err.message).toMatch(/worker 0 exited \(code 70\) during a hashToGroup batch/);
      expect(await solo.hashToGroup(dst, packed, offsets)).toEqual(group.hashToGroup(dst, ids));
    } finally {
      await solo.close();
    }
  });

  it('an aborted signal rejects the call with its reason and drops the jobs no worker has started', async () => {
    const solo = new CryptoPool({ threads: 1, inlineBelow: { multiply: 0 }, jobElements: { multiply: 50 } });
    try {
      const points = group.hashToGroup(dst, idsOf(2000));
      const scalar = group.randomScalar(rng);
      expect(await solo.multiply(scalar, points.subarray(0, 32 * 50))).toEqual(group.multiply(scalar, points.subarray(0, 32 * 50))); // warm
      const before = solo.elementsComputed().multiply;
      const stop = new AbortController();
      const pending = rejection(solo.multiply(scalar, points, stop.signal));
      const reason = new Error('the peer went away');
      stop.abort(reason);
      expect(await pending).toBe(reason);
      // The job already in the worker finishes; the other 39 never start. The pool goes on.
      expect(await solo.multiply(scalar, points.subarray(0, 32 * 50))).toEqual(group.multiply(scalar, points.subarray(0, 32 * 50)));
      expect(solo.elementsComputed().multiply - before).toBeLessThanOrEqual(100);
      await expect(solo.multiply(scalar, points, stop.signal)).rejects.toBe(reason);
    } finally {
      await solo.close();
    }
  });

  it('close() rejects pending calls and refuses new ones', async () => {
    const closing = new CryptoPool({ threads: 2, inlineBelow: { hashToGroup: 0 } });
    const { ids, offsets } = pack(idsOf(3000));
    const pending = rejection(closing.hashToGroup(dst, ids, offsets));
    await closing.close();
    expect((await pending).message).toMatch(/closed/);
    await expect(closing.hashToGroup(dst, ids, offsets)).rejects.toThrow('crypto pool is closed');
    await closing.close(); // idempotent
  });

  it('threads: 0 runs in the calling thread', async () => {
    const inline = new CryptoPool({ threads: 0 });
    const ids = idsOf(100);
    const points = await inline.hashToGroup(dst, ...(Object.values(pack(ids)) as [Uint8Array, Uint32Array]));
    expect(points).toEqual(group.hashToGroup(dst, ids));
    const scalar = group.randomScalar(rng);
    expect(await inline.multiply(scalar, points)).toEqual(group.multiply(scalar, points));
    await inline.close();
  });

  it('names a missing compiled worker script and the command that builds it', () => {
    expect(compiledScript('node/crypto-pool/worker.ts')).toMatch(/dist\/node\/crypto-pool\/worker\.js$/);
    expect(() => compiledScript('node/crypto-pool/missing.ts')).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        message: expect.stringMatching(/dist\/node\/crypto-pool\/missing\.js is missing: build the package first \(npm run build\)/),
      }),
    );
  });

  it('rejects a bad thread count', () => {
    expect(() => new CryptoPool({ threads: -1 })).toThrow(RangeError);
    expect(() => new CryptoPool({ threads: 1.5 })).toThrow(RangeError);
  });
});
