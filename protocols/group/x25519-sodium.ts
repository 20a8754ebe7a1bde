/**
 * The fast X25519 backend: libsodium through sodium-native, batched over concatenated bytes.
 * One output buffer per call; per element only `subarray` views are created.
 */
import type { Group } from './group.js';
import { defaultRandomBytes } from './random.js';
import { sodium } from './sodium.js';
import { HASH_BYTES, POINT_BYTES, UNIFORM_BYTES, X25519_SUITE, hashInputWriter, identityHash, multiplyBatch } from './x25519-encoding.js';
import { SCALAR_BYTES, assertScalar, randomInvertibleScalar, randomScalar } from './x25519-scalar.js';

// Scratch for uniformToPoint: every call is synchronous, so calls never interleave.
const first = new Uint8Array(32);
const second = new Uint8Array(32);
const sum = new Uint8Array(32);

/**
 * The map half of hashToGroup: 64 uniform bytes → the Montgomery u of
 * from_uniform(uniform[0..32]) + from_uniform(uniform[32..64]), written to `out` (32 bytes).
 * Exported for tests, which reach the identity case through it; `index` names the identifier.
 */
export function uniformToPoint(uniform: Uint8Array, out: Uint8Array, index: number): void {
  // from_uniform reads 255 bits as a field element and the top bit as the sign of the Edwards x
  // (a lone u-coordinate hid that sign; a sum does not), then clears the cofactor.
  sodium.crypto_core_ed25519_from_uniform(first, uniform.subarray(0, UNIFORM_BYTES));
  sodium.crypto_core_ed25519_from_uniform(second, uniform.subarray(UNIFORM_BYTES, HASH_BYTES));
  // Both summands are in the ℓ-subgroup, so their sum is too (RFC 9380 §3: clear_cofactor(Q0 + Q1)
  // equals clear_cofactor(Q0) + clear_cofactor(Q1), which is what this computes).
  sodium.crypto_core_ed25519_add(sum, first, second);
  if (isEdwardsIdentity(sum)) throw identityHash(index);
  // Rechecks subgroup membership (redundant here, but the bulk of the cost; see docs/protocol-psi.md).
  sodium.crypto_sign_ed25519_pk_to_curve25519(out, sum);
}

/** The canonical Ed25519 encoding of the identity (0, 1): y = 1, sign bit 0. */
function isEdwardsIdentity(p: Uint8Array): boolean {
  let rest = 0;
  for (let i = 1; i < 32; i++) rest |= p[i];
  return p[0] === 1 && rest === 0;
}

/**
 * @example
 * const group = createSodiumX25519Group();
 * const points = group.hashToGroup(dst, ids.map((id) => new TextEncoder().encode(id)));
 * const blinded = group.multiply(group.randomScalar(), points);
 */
export function createSodiumX25519Group(): Group {
  // Scratch shared by calls: every method is synchronous, so calls never interleave.
  const digest = new Uint8Array(HASH_BYTES);

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
        uniformToPoint(digest, out.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), i);
      }
      return out;
    },

    randomScalar: (rng = defaultRandomBytes) => randomScalar(rng),
    randomInvertibleScalar: (rng = defaultRandomBytes) => randomInvertibleScalar(rng),

    multiply: (scalar, points) => multiplyBatch(scalar, points, assertScalar, (out, point) => sodium.crypto_scalarmult(out, scalar, point)),
  };
}
