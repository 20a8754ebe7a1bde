/** Digest length bound, digest domain separation, canonical sort, and matching contracts. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProtocolError } from '../errors.js';
import { defaultGroup } from '../group/index.js';
import { seededRandomBytesForTestsOnly } from '../group/testing.js';
import { digestLength, digests, sortDigests } from './digest.js';
import { matchCount, matchMembership } from './match.js';
import { createReceiver } from './receiver.js';
import { createSender } from './sender.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return `${(e as ProtocolError).code}: ${(e as Error).message}`;
  }
  return 'no error';
};

describe('digestLength', () => {
  it.each([
    [0, 0, 8],
    [1, 1, 8],
    [4096, 4096, 8], // n·m = 2^24: 64 bits is exactly 40 + 24
    [4096, 4097, 9],
    [1_000_000, 1_000_000, 10],
    [1e9, 1e9, 13],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 19],
  ])('(%i, %i) → %i bytes', (n, m, bytes) => {
    expect(digestLength(n, m)).toBe(bytes);
  });

  it('is the smallest length ≥ 8 with n·m·2^-8L ≤ 2^-40', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), fc.nat({ max: 2 ** 40 }), (n, m) => {
        const L = digestLength(n, m);
        const pairs = BigInt(n) * BigInt(m);
        expect(pairs <= 2n ** BigInt(8 * L - 40)).toBe(true);
        expect(L === 8 || pairs > 2n ** BigInt(8 * (L - 1) - 40)).toBe(true);
      }),
    );
  });

  it('rejects sizes that are not non-negative integers, naming the field', () => {
    expect(code(() => digestLength(-1, 1))).toMatch(/^PSI_INPUT_INVALID: receiverSize:/);
    expect(code(() => digestLength(1, 1.5))).toMatch(/^PSI_INPUT_INVALID: senderSize:/);
    expect(code(() => digestLength(Number.NaN, 1))).toMatch(/^PSI_INPUT_INVALID: receiverSize:/);
  });
});

describe('digests', () => {
  const fx = defaultGroup().hashToGroup(utf8('d'), [utf8('a'), utf8('b')]);

  it('are length bytes per element and separate runs (contexts)', () => {
    const a = digests(fx, utf8('run-1'), 10);
    expect(a).toHaveLength(20);
    expect(digests(fx, utf8('run-1'), 10)).toEqual(a);
    expect(digests(fx, utf8('run-2'), 10)).not.toEqual(a);
    expect(digests(fx, utf8('run-1'), 12).subarray(0, 10)).toEqual(a.subarray(0, 10));
  });

  it('reject lengths outside [8, 32] and F values that are not whole points', () => {
    expect(code(() => digests(fx, utf8('r'), 7))).toMatch(/^PSI_INPUT_INVALID: length:/);
    expect(code(() => digests(fx, utf8('r'), 33))).toMatch(/^PSI_INPUT_INVALID: length:/);
    expect(code(() => digests(fx.subarray(1), utf8('r'), 8))).toMatch(/^PSI_INPUT_INVALID: fx: length 63/);
  });
});

describe('sortDigests', () => {
  it('sorts lexicographically like Buffer.compare, with shared prefixes and duplicates', () => {
    // Bytes from {0, 1, 255} force long shared prefixes, so every radix pass matters.
    const digest = fc.array(fc.constantFrom(0, 1, 255), { minLength: 9, maxLength: 9 });
    fc.assert(
      fc.property(fc.array(digest, { maxLength: 60 }), (ds) => {
        const sorted = sortDigests(Uint8Array.from(ds.flat()), 9);
        const expected = ds.map((d) => Buffer.from(d)).sort(Buffer.compare);
        expect(Buffer.from(sorted)).toEqual(Buffer.concat(expected));
      }),
    );
  });
});

describe('matching contracts', () => {
  const sorted = sortDigests(
    Uint8Array.from({ length: 40 }, (_, i) => (i * 37) % 251),
    8,
  );

  it('empty inputs match nothing', () => {
    expect(matchMembership(new Uint8Array(0), sorted, 8)).toEqual(new Uint32Array(0));
    expect(matchCount(sorted, new Uint8Array(0), 8)).toBe(0);
  });

  it('finds every element of a sorted list in itself', () => {
    expect([...matchMembership(sorted, sorted, 8)]).toEqual([0, 1, 2, 3, 4]);
  });

  it('refuses sender digests that are not sorted, naming the digest', () => {
    const unsorted = Uint8Array.from(sorted);
    unsorted.copyWithin(24, 0, 8); // digest 3 := digest 0
    expect(code(() => matchCount(sorted, unsorted, 8))).toMatch(/^PSI_INPUT_INVALID: senderDigestsSorted: digest 3 is smaller than digest 2/);
  });

  it('refuses digests that are not whole items', () => {
    expect(code(() => matchMembership(sorted.subarray(1), sorted, 8))).toMatch(/^PSI_INPUT_INVALID: receiverDigests:/);
  });
});

describe('receiver and sender contracts', () => {
  const group = defaultGroup();
  const points = group.hashToGroup(utf8('d'), [utf8('a'), utf8('b')]);

  it('the receiver refuses more evaluated points than it blinded', () => {
    const receiver = createReceiver({ group, rng: seededRandomBytesForTestsOnly('r') });
    const sender = createSender({ group });
    const reply = sender.evaluate(receiver.blind(points.subarray(0, 32)));
    expect(code(() => receiver.finalize(Uint8Array.from([...reply, ...reply])))).toMatch(/^PSI_STATE: evaluated: 2 points returned, but only 1 await/);
    expect(receiver.finalize(reply)).toHaveLength(32);
    expect(code(() => receiver.finalize(reply))).toMatch(/^PSI_STATE:/);
  });

  it('steps name the field of a malformed batch', () => {
    const receiver = createReceiver({ group });
    const sender = createSender({ group });
    expect(code(() => receiver.blind(points.subarray(1)))).toMatch(/^PSI_INPUT_INVALID: points:/);
    expect(code(() => receiver.finalize(points.subarray(1)))).toMatch(/^PSI_INPUT_INVALID: evaluated:/);
    expect(code(() => sender.evaluate(points.subarray(1)))).toMatch(/^PSI_INPUT_INVALID: blinded:/);
    expect(code(() => sender.evaluateOwn(points.subarray(1)))).toMatch(/^PSI_INPUT_INVALID: points:/);
  });

  it('a low-order point from the peer is refused with its index', () => {
    const sender = createSender({ group });
    const batch = Uint8Array.from([...points, ...new Uint8Array(32)]);
    expect(code(() => sender.evaluate(batch))).toBe('PSI_POINT_INVALID: point 2 of batch is of low order');
  });

  it('the sender refuses a key that is not a clamped representative', () => {
    expect(code(() => createSender({ group, key: new Uint8Array(32) }))).toMatch(/^PSI_INPUT_INVALID: key:/);
    expect(code(() => createSender({ group, key: new Uint8Array(31) }))).toMatch(/^PSI_INPUT_INVALID: key:/);
  });
});
