/**
 * The reference X25519 backend in pure JS (@noble/curves): byte-identical to the sodium backend
 * (same suite id), ~30× slower. It cross-checks the native backend in tests and is the portable
 * fallback where the native addon cannot load.
 *
 * Hash-to-group reproduces libsodium's `crypto_core_ed25519_from_uniform`: that is RFC 9380's
 * Elligator 2 map (`map_to_curve_elligator2_edwards25519`) on the field element given by the low 255
 * bits of the input, then cofactor clearing. libsodium takes the Edwards x sign from the top bit
 * where RFC 9380 uses sgn0; the two points are then P and −P, which share the u-coordinate we output.
 */
import { ed25519, ed25519_hasher, x25519 } from '@noble/curves/ed25519.js';
import { bytesToNumberLE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import type { Group } from './group.js';
import { defaultRandomBytes } from './random.js';
import {
  POINT_BYTES,
  X25519_SUITE,
  assertCanonicalPoint,
  hashInputWriter,
  lowOrder,
  pointCount,
} from './x25519-encoding.js';
import { SCALAR_BYTES, assertScalar, randomInvertibleScalar, randomScalar } from './x25519-scalar.js';

const P = 2n ** 255n - 19n;

// noble 2.x declares mapToCurve as (bigint[]) => AffinePoint, but for m = 1 curves it takes one
// bigint and returns the cofactor-cleared Point (abstract/hash-to-curve.js, `mapToCurve`).
const mapToSubgroup = ed25519_hasher.mapToCurve as unknown as (u: bigint) => { toBytes(): Uint8Array };

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
        const uniform = sha512(input(ids[i], i)).subarray(0, 32);
        uniform[31] &= 0x7f;
        const point = mapToSubgroup(bytesToNumberLE(uniform) % P);
        out.set(ed25519.utils.toMontgomery(point.toBytes()), i * POINT_BYTES);
      }
      return out;
    },

    randomScalar: (rng = defaultRandomBytes) => randomScalar(rng),
    randomInvertibleScalar: (rng = defaultRandomBytes) => randomInvertibleScalar(rng),

    multiply(scalar, points) {
      assertScalar(scalar);
      const n = pointCount(points);
      const out = new Uint8Array(points.length);
      for (let i = 0; i < n; i++) {
        assertCanonicalPoint(points, i);
        const o = i * POINT_BYTES;
        try {
          out.set(x25519.scalarMult(scalar, points.subarray(o, o + POINT_BYTES)), o);
        } catch {
          throw lowOrder(i); // noble, like libsodium, refuses an all-zero result
        }
      }
      return out;
    },
  };
}
