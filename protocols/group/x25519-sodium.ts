/**
 * The fast X25519 backend: libsodium through sodium-native, batched over concatenated bytes.
 * One output buffer per call; per element only `subarray` views are created.
 */
import type { Group } from './group.js';
import { defaultRandomBytes } from './random.js';
import { sodium } from './sodium.js';
import {
  POINT_BYTES,
  X25519_SUITE,
  assertCanonicalPoint,
  hashInputWriter,
  lowOrder,
  pointCount,
} from './x25519-encoding.js';
import { SCALAR_BYTES, assertScalar, randomInvertibleScalar, randomScalar } from './x25519-scalar.js';

/**
 * @example
 * const group = createSodiumX25519Group();
 * const points = group.hashToGroup(dst, ids.map((id) => new TextEncoder().encode(id)));
 * const blinded = group.multiply(group.randomScalar(), points);
 */
export function createSodiumX25519Group(): Group {
  // Scratch shared by calls: every method is synchronous, so calls never interleave.
  const digest = new Uint8Array(64);
  const uniform = digest.subarray(0, 32);
  const edwards = new Uint8Array(32);

  return {
    backend: 'x25519-sodium',
    suite: X25519_SUITE,
    pointBytes: POINT_BYTES,
    scalarBytes: SCALAR_BYTES,

    hashToGroup(dst, ids) {
      const input = hashInputWriter(dst);
      const out = new Uint8Array(ids.length * POINT_BYTES);
      for (let i = 0; i < ids.length; i++) {
        sodium.crypto_hash_sha512(digest, input(ids[i], i));
        // from_uniform reads 255 bits (top bit = sign of x, which the u-coordinate drops) and clears
        // the cofactor; the conversion then rechecks the subgroup (the bulk of the cost, see docs).
        sodium.crypto_core_ed25519_from_uniform(edwards, uniform);
        sodium.crypto_sign_ed25519_pk_to_curve25519(out.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), edwards);
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
          sodium.crypto_scalarmult(out.subarray(o, o + POINT_BYTES), scalar, points.subarray(o, o + POINT_BYTES));
        } catch {
          // libsodium returns -1 for an all-zero result: with 8 | k that is exactly a point of order
          // dividing 8 on the curve or 4 on the twist (RFC 7748 §6.1 "check for all-zero").
          throw lowOrder(i);
        }
      }
      return out;
    },
  };
}
