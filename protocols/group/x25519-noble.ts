/**
 * The reference X25519 backend in pure JS (@noble/curves): byte-identical to the sodium backend
 * (same suite id), ~30× slower. It cross-checks the native backend in tests and is the portable
 * fallback where the native addon cannot load.
 *
 * Hash-to-group reproduces two calls of libsodium's `crypto_core_ed25519_from_uniform`, added:
 * each is RFC 9380's Elligator 2 map (`map_to_curve_elligator2_edwards25519`) on the field element
 * given by the low 255 bits of its 32-byte half, then cofactor clearing. The one difference from the
 * RFC map is the sign of the Edwards x: libsodium takes it from the half's top bit (x odd iff the bit
 * is set) where RFC 9380 derives it via sgn0. For one map the u-coordinate hid the sign; for a sum it
 * matters, so it is reproduced here exactly.
 */
import { _map_to_curve_elligator2_curve25519, ed25519, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import type { Group } from './group.js';
import { defaultRandomBytes } from './random.js';
import { HASH_BYTES, POINT_BYTES, UNIFORM_BYTES, X25519_SUITE, hashInputWriter, identityHash, multiplyBatch } from './x25519-encoding.js';
import { SCALAR_BYTES, assertScalar, randomInvertibleScalar, randomScalar } from './x25519-scalar.js';

const { Point } = ed25519;
const Fp = Point.Fp;
const LOW_255_BITS = 2n ** 255n - 1n;
/** RFC 9380 §6.8.2 / Appendix G.2.2 constant c1 = sqrt(−486664) (the root with sgn0 = 0; any root works, x's sign is fixed below). */
const SQRT_MINUS_486664 = (() => {
  const root = Fp.sqrt(Fp.neg(486664n));
  return Fp.isOdd!(root) ? Fp.neg(root) : root;
})();

type EdwardsPoint = InstanceType<typeof Point>;

/** libsodium's `crypto_core_ed25519_from_uniform` on one 32-byte half. */
function fromUniform(half: Uint8Array): EdwardsPoint {
  const xOdd = (half[31] & 0x80) !== 0;
  const r = Fp.create(bytesToNumberLE(half) & LOW_255_BITS);
  // RFC 9380 map_to_curve_elligator2_curve25519, then the rational map to edwards25519 (steps 2–13
  // of map_to_curve_elligator2_edwards25519): x = c1·xM/yM, y = (xM − 1)/(xM + 1).
  const { xMn, xMd, yMn, yMd } = _map_to_curve_elligator2_curve25519(r);
  const xd = Fp.mul(xMd, yMn);
  const yd = Fp.add(xMn, xMd);
  if (Fp.is0(Fp.mul(xd, yd))) {
    // RFC 9380 exceptional case (yM = 0, i.e. r = 0): the Montgomery point of order 2, which
    // libsodium maps to (0, −1) and the RFC to (0, 1); cofactor clearing sends both to the identity.
    return Point.ZERO;
  }
  const [xdInv, ydInv] = Fp.invertBatch([xd, yd]);
  const x = Fp.mul(Fp.mul(Fp.mul(xMn, yMd), SQRT_MINUS_486664), xdInv);
  const y = Fp.mul(Fp.sub(xMn, xMd), ydInv);
  const point = Point.fromAffine({ x: Fp.isOdd!(x) === xOdd ? x : Fp.neg(x), y });
  point.assertValidity();
  return point.clearCofactor();
}

/**
 * The map half of hashToGroup, as in the sodium backend (`uniformToPoint` there): 64 uniform bytes →
 * Montgomery u of fromUniform(first half) + fromUniform(second half), written to `out`.
 */
export function uniformToPoint(uniform: Uint8Array, out: Uint8Array, index: number): void {
  const sum = fromUniform(uniform.subarray(0, UNIFORM_BYTES)).add(fromUniform(uniform.subarray(UNIFORM_BYTES, HASH_BYTES)));
  if (sum.is0()) throw identityHash(index);
  const { y } = sum.toAffine();
  out.set(Fp.toBytes(Fp.div(Fp.add(Fp.ONE, y), Fp.sub(Fp.ONE, y)))); // Montgomery u = (1 + y)/(1 − y)
}

export function createNobleX25519Group(): Group {
  return {
    backend: 'x25519-noble',
    suite: X25519_SUITE,
    pointBytes: POINT_BYTES,
    scalarBytes: SCALAR_BYTES,

    hashToGroup(dst, ids) {
      const input = hashInputWriter(dst);
      const out = new Uint8Array(ids.length * POINT_BYTES);
      for (let i = 0; i < ids.length; i++) {
        uniformToPoint(sha512(input(ids[i], i)), out.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), i);
      }
      return out;
    },

    randomScalar: (rng = defaultRandomBytes) => randomScalar(rng),
    randomInvertibleScalar: (rng = defaultRandomBytes) => randomInvertibleScalar(rng),

    multiply: (scalar, points) => multiplyBatch(scalar, points, assertScalar, (out, point) => out.set(x25519.scalarMult(scalar, point))),
  };
}
