/**
 * Fixed vectors for the X25519 suite (x25519.vectors.json) on both backends, cross-checked against
 * @noble/curves used directly, plus RFC 7748 §5.2 as an outside anchor for the scalar multiplication.
 */
import { _map_to_curve_elligator2_curve25519, ed25519, ed25519_hasher, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../errors.js';
import { sodium } from './sodium.js';
import { seededRandomBytesForTestsOnly } from './testing.js';
import vectors from './x25519.vectors.json' with { type: 'json' };
import { X25519_SUITE } from './x25519-encoding.js';
import { createNobleX25519Group, uniformToPoint as nobleUniformToPoint } from './x25519-noble.js';
import { L, isClampInvariant, scalarResidue } from './x25519-scalar.js';
import { createSodiumX25519Group, uniformToPoint as sodiumUniformToPoint } from './x25519-sodium.js';

const P = 2n ** 255n - 19n;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const backends = [createSodiumX25519Group(), createNobleX25519Group()];

/**
 * libsodium's from_uniform, rebuilt along a different path than the noble backend: the Montgomery
 * u of RFC 9380's Elligator 2 map, its Edwards y = (u − 1)/(u + 1), and the Ed25519 point decoded
 * from y with the sign bit copied from the input's top bit; then the cofactor cleared.
 */
function fromUniformByDecompression(half: Uint8Array) {
  const { xMn, xMd } = _map_to_curve_elligator2_curve25519((bytesToNumberLE(half) % 2n ** 255n) % P);
  const y = ((((xMn - xMd) % P) + P) * modInverse(xMn + xMd)) % P;
  const encoded = numberToBytesLE(y, 32);
  encoded[31] |= half[31] & 0x80;
  return ed25519.Point.fromBytes(encoded, true).clearCofactor(); // zip215: accept x = 0 with the sign bit set
}

function modInverse(a: bigint): bigint {
  let [r0, r1, t0, t1] = [P, ((a % P) + P) % P, 0n, 1n];
  while (r1 !== 0n) [r0, r1, t0, t1] = [r1, r0 % r1, t1, t0 - (r0 / r1) * t1];
  return ((t0 % P) + P) % P;
}

describe.each(backends)('x25519 suite vectors on $backend', (group) => {
  it('has the suite id of the vectors', () => {
    expect(group.suite).toBe(vectors.suite);
    expect(group.suite).toBe(X25519_SUITE);
  });

  it('hashToGroup reproduces every vector, as one batch', () => {
    const out = group.hashToGroup(
      utf8(vectors.dst),
      vectors.hashToGroup.map((v) => bytes(v.idHex)),
    );
    expect(vectors.hashToGroup.map((_, i) => hex(out.subarray(32 * i, 32 * i + 32)))).toEqual(vectors.hashToGroup.map((v) => v.u));
  });

  it('multiply reproduces every vector', () => {
    for (const v of vectors.multiply) expect(hex(group.multiply(bytes(v.scalar), bytes(v.u)))).toBe(v.out);
  });
});

describe.each([
  ['x25519-sodium', sodiumUniformToPoint],
  ['x25519-noble', nobleUniformToPoint],
])('the two-map step (uniformToPoint) on %s', (_, uniformToPoint) => {
  const r = Uint8Array.from({ length: 32 }, (_, i) => 7 * i + 1);
  const map = (first: Uint8Array, second: Uint8Array) => {
    const out = new Uint8Array(32);
    uniformToPoint(new Uint8Array([...first, ...second]), out, 5);
    return hex(out);
  };

  it('refuses a sum that is the identity, naming the identifier: from_uniform(r) + from_uniform(r with its top bit flipped)', () => {
    const negated = Uint8Array.from(r);
    negated[31] ^= 0x80;
    for (const [a, b] of [
      [r, negated],
      [new Uint8Array(32), new Uint8Array(32)],
    ]) {
      expect(() => map(a, b)).toThrow(ProtocolError);
      expect(() => map(a, b)).toThrow(/^ids\[5\]: hashes to the identity point/);
    }
  });

  it('maps a zero half to the identity (Elligator 2 gives the point of order 2), so the sum is the other half', () => {
    const alone = new Uint8Array(32);
    sodium.crypto_sign_ed25519_pk_to_curve25519(alone, nativeFromUniform(r));
    expect(map(new Uint8Array(32), r)).toBe(hex(alone));
    expect(map(r, new Uint8Array(32))).toBe(hex(alone));
  });

  it('reduces each half mod p: 2^255 − 1 and 18 are the same field element', () => {
    const max = new Uint8Array(32).fill(0xff);
    max[31] = 0x7f;
    const eighteen = new Uint8Array(32);
    eighteen[0] = 18;
    expect(map(max, r)).toBe(map(eighteen, r));
  });

  it('is not symmetric in the sign bits: flipping one top bit changes u', () => {
    const flipped = Uint8Array.from(r);
    flipped[31] ^= 0x80;
    const other = r.map((b) => b ^ 0x55);
    expect(map(r, other)).not.toBe(map(flipped, other));
  });
});

function nativeFromUniform(half: Uint8Array): Uint8Array {
  const p = new Uint8Array(32);
  sodium.crypto_core_ed25519_from_uniform(p, half);
  return p;
}

describe('x25519 vectors against @noble/curves used directly', () => {
  it('ids in the vectors are their UTF-8 bytes', () => {
    for (const v of vectors.hashToGroup) expect(hex(utf8(v.id))).toBe(v.idHex);
  });

  it('hashToGroup = Montgomery u of from_uniform(h[0..32]) + from_uniform(h[32..64]), h = SHA-512(u16be(|dst|) || dst || id)', () => {
    const dst = utf8(vectors.dst);
    for (const v of vectors.hashToGroup) {
      const h = sha512(new Uint8Array([dst.length >> 8, dst.length & 0xff, ...dst, ...bytes(v.idHex)]));
      const sum = fromUniformByDecompression(h.subarray(0, 32)).add(fromUniformByDecompression(h.subarray(32)));
      expect(hex(ed25519.utils.toMontgomery(sum.toBytes()))).toBe(v.u);
    }
  });

  it('from_uniform = ±(RFC 9380 Elligator 2 map, cofactor cleared), the sign of x being the top bit of the input', () => {
    const rng = seededRandomBytesForTestsOnly('from_uniform');
    const mapToSubgroup = ed25519_hasher.mapToCurve as unknown as (u: bigint) => InstanceType<typeof ed25519.Point>;
    for (let i = 0; i < 16; i++) {
      const half = rng(32);
      const ours = fromUniformByDecompression(half);
      const native = new Uint8Array(32);
      sodium.crypto_core_ed25519_from_uniform(native, half);
      expect(hex(ours.toBytes())).toBe(hex(native));
      const rfc = mapToSubgroup((bytesToNumberLE(half) % 2n ** 255n) % P);
      expect(ours.equals(rfc) || ours.equals(rfc.negate())).toBe(true);
    }
  });

  it('multiply = x25519.scalarMult', () => {
    for (const v of vectors.multiply) expect(hex(x25519.scalarMult(bytes(v.scalar), bytes(v.u)))).toBe(v.out);
  });

  it('scalar vectors are clamp-invariant and inverse pairs mod ℓ', () => {
    for (const v of vectors.scalars) {
      expect(isClampInvariant(bytes(v.scalar)) && isClampInvariant(bytes(v.inverse))).toBe(true);
      expect((scalarResidue(bytes(v.scalar)) * scalarResidue(bytes(v.inverse))) % L).toBe(1n);
    }
  });
});

describe.each(backends)('RFC 7748 §5.2 X25519 vectors on $backend', (group) => {
  // The RFC scalars are not clamp-invariant; X25519 clamps them, so clamping first gives the same result.
  const clamp = (k: Uint8Array) => ((k[0] &= 0xf8), (k[31] = (k[31] & 0x7f) | 0x40), k);

  it('vector 1', () => {
    const k = clamp(bytes('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4'));
    const u = bytes('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
    expect(hex(group.multiply(k, u))).toBe('c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
  });

  it('vector 2: its u has the top bit set, which we reject; masked as the RFC prescribes, it matches', () => {
    const k = clamp(bytes('4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d'));
    const u = bytes('e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493');
    expect(() => group.multiply(k, u)).toThrow(/point 0 of batch is not canonical/);
    u[31] &= 0x7f;
    expect(hex(group.multiply(k, u))).toBe('95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957');
  });
});
