/**
 * Fixed vectors for the X25519 suite (x25519.vectors.json) on both backends, cross-checked against
 * @noble/curves used directly, plus RFC 7748 §5.2 as an outside anchor for the scalar multiplication.
 */
import { ed25519, ed25519_hasher, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import vectors from './x25519.vectors.json' with { type: 'json' };
import { X25519_SUITE } from './x25519-encoding.js';
import { createNobleX25519Group } from './x25519-noble.js';
import { L, isClampInvariant, scalarResidue } from './x25519-scalar.js';
import { createSodiumX25519Group } from './x25519-sodium.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const backends = [createSodiumX25519Group(), createNobleX25519Group()];

describe.each(backends)('x25519 suite vectors on $backend', (group) => {
  it('has the suite id of the vectors', () => {
    expect(group.suite).toBe(vectors.suite);
    expect(group.suite).toBe(X25519_SUITE);
  });

  it('hashToGroup reproduces every vector, as one batch', () => {
    const out = group.hashToGroup(utf8(vectors.dst), vectors.hashToGroup.map((v) => bytes(v.idHex)));
    expect(vectors.hashToGroup.map((_, i) => hex(out.subarray(32 * i, 32 * i + 32)))).toEqual(
      vectors.hashToGroup.map((v) => v.u),
    );
  });

  it('multiply reproduces every vector', () => {
    for (const v of vectors.multiply) expect(hex(group.multiply(bytes(v.scalar), bytes(v.u)))).toBe(v.out);
  });
});

describe('x25519 vectors against @noble/curves used directly', () => {
  it('ids in the vectors are their UTF-8 bytes', () => {
    for (const v of vectors.hashToGroup) expect(hex(utf8(v.id))).toBe(v.idHex);
  });

  it('hashToGroup = Montgomery u of RFC 9380 Elligator 2 on the low 255 bits of SHA-512(u16be(|dst|) || dst || id)', () => {
    const dst = utf8(vectors.dst);
    for (const v of vectors.hashToGroup) {
      const input = new Uint8Array([dst.length >> 8, dst.length & 0xff, ...dst, ...bytes(v.idHex)]);
      const uniform = sha512(input).subarray(0, 32);
      uniform[31] &= 0x7f;
      const map = ed25519_hasher.mapToCurve as unknown as (u: bigint) => { toBytes(): Uint8Array };
      const point = map(bytesToNumberLE(uniform) % (2n ** 255n - 19n));
      expect(hex(ed25519.utils.toMontgomery(point.toBytes()))).toBe(v.u);
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
