/**
 * Contract tests: what each backend refuses, with the exact error code and the offending index.
 * Points come from the peer, so every rule here is a trust-boundary check.
 */
import { ED25519_TORSION_SUBGROUP, ed25519, ed25519_hasher } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { seededRandomBytesForTestsOnly } from './testing.js';
import { createNobleX25519Group } from './x25519-noble.js';
import { createSodiumX25519Group } from './x25519-sodium.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const le = (n: bigint) => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const P = 2n ** 255n - 19n;

function expectError(fn: () => unknown, code: string, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(code);
    expect((error as ProtocolError).message).toMatch(message);
    return;
  }
  throw new Error('expected a ProtocolError');
}

// Curve25519 points of order 1, 2, 4, 8 and the twist's points of order 2, 4 (u-coordinates).
const LOW_ORDER_U = {
  'u = 0 (order 2)': 0n,
  'u = 1 (order 4)': 1n,
  'order 8 (a)': 325606250916557431795983626356110631294008115727848805560023387167927233504n,
  'order 8 (b)': 39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  'u = p − 1 (twist, order 4)': P - 1n,
};

const NON_CANONICAL_U = {
  'u = p (≡ 0)': P,
  'u = p + 1 (≡ 1)': P + 1n,
  'u = 2^255 − 1': 2n ** 255n - 1n,
};

describe.each([createSodiumX25519Group(), createNobleX25519Group()])('x25519 contract on $backend', (group) => {
  const rng = seededRandomBytesForTestsOnly('contract');
  const k = group.randomScalar(rng);
  const good = group.hashToGroup(utf8('mofang/v1/contract'), [utf8('a'), utf8('b'), utf8('c')]);
  /** A batch whose point 2 is `u` and whose other points are valid. */
  const batchWith = (u: Uint8Array) => {
    const batch = Uint8Array.from(good);
    batch.set(u, 64);
    return batch;
  };

  it('empty batches and empty id lists give empty output', () => {
    expect(group.multiply(k, new Uint8Array(0))).toEqual(new Uint8Array(0));
    expect(group.hashToGroup(utf8('d'), [])).toEqual(new Uint8Array(0));
  });

  it.each([1, 31, 33, 95])('rejects a batch of %i bytes (not whole points)', (length) => {
    expectError(() => group.multiply(k, new Uint8Array(length)), 'PSI_INPUT_INVALID', /^points: length \d+ is not a multiple of 32/);
  });

  it.each(Object.entries(LOW_ORDER_U))('rejects the low-order point %s, naming its index', (_, u) => {
    expectError(() => group.multiply(k, batchWith(le(u))), 'PSI_POINT_INVALID', /^point 2 of batch is of low order$/);
  });

  it.each(Object.entries(NON_CANONICAL_U))('rejects the non-canonical encoding %s', (_, u) => {
    expectError(() => group.multiply(k, batchWith(le(u))), 'PSI_POINT_INVALID', /^point 2 of batch is not canonical/);
  });

  it('rejects a valid point with the top bit set (RFC 7748 §5 would mask it)', () => {
    const u = good.slice(0, 32);
    u[31] |= 0x80;
    expectError(() => group.multiply(k, batchWith(u)), 'PSI_POINT_INVALID', /^point 2 of batch is not canonical \(top bit set/);
  });

  it('accepts u = p − 20: canonical, near the rejected range, and a twist point of large order', () => {
    // Twist points of large order are multiplied, not refused: Curve25519 is twist-secure, so the
    // answer b·P on the twist tells the sender's peer nothing usable (docs/protocol-psi.md).
    expect(group.multiply(k, le(P - 20n))).toHaveLength(32);
  });

  it('rejects scalars X25519 would clamp into another residue', () => {
    const wrong = [new Uint8Array(31), new Uint8Array(32), Uint8Array.from(k, (b, i) => (i === 0 ? b | 1 : b))];
    const high = Uint8Array.from(k);
    high[31] |= 0x80;
    for (const scalar of [...wrong, high]) {
      expectError(() => group.multiply(scalar, good), 'PSI_INPUT_INVALID', /^scalar: expected 32 bytes of a clamped/);
    }
  });

  it('rejects an empty or oversized dst, and ids that are not bytes, naming the index', () => {
    expectError(() => group.hashToGroup(new Uint8Array(0), [utf8('a')]), 'PSI_INPUT_INVALID', /^dst:/);
    expectError(() => group.hashToGroup(new Uint8Array(65536), [utf8('a')]), 'PSI_INPUT_INVALID', /^dst:/);
    const ids = [utf8('a'), 'b' as unknown as Uint8Array];
    expectError(() => group.hashToGroup(utf8('d'), ids), 'PSI_INPUT_INVALID', /^ids\[1\]: expected bytes/);
  });

  it('rejects an rng that returns too few bytes', () => {
    expectError(() => group.randomScalar(() => new Uint8Array(16)), 'PSI_INPUT_INVALID', /^rng: asked for 32 bytes, got 16/);
  });

  it('ignores torsion: k·(H + T) = k·H for every T of order dividing 8, since 8 | k', () => {
    const h = ed25519_hasher.hashToCurve(utf8('torsion'));
    const expected = group.multiply(k, ed25519.utils.toMontgomery(h.toBytes()));
    for (const t of ED25519_TORSION_SUBGROUP.slice(1)) {
      const mixed = h.add(ed25519.Point.fromHex(t));
      expect(group.multiply(k, ed25519.utils.toMontgomery(mixed.toBytes()))).toEqual(expected);
    }
  });
});
