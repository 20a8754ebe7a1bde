/**
 * Scalars for DH-OPRF over X25519: residues mod ℓ carried as their *clamped representative*.
 *
 * X25519 (RFC 7748 §5) clamps every scalar: clears bits 0–2 and 255, sets bit 254. An OPRF needs
 * a⁻¹ mod ℓ, which clamping would destroy. So a scalar is a residue r mod ℓ encoded as the integer
 *   k = r + tℓ  with  k ≡ 0 (mod 8)  and  2^254 ≤ k < 2^255,
 * which clamping leaves unchanged. On a point P of the prime-order subgroup k·P = r·P; on any other
 * point the factor 8 | k kills the torsion part. By CRT (ℓ odd) k is fixed mod 8ℓ, and
 * 2^254 ≈ 4ℓ < 8ℓ, so a residue has at most one such k, and about half of all residues have one.
 *
 * BigInt is used here only, at key generation; the hot loop sees 32 little-endian bytes.
 */
import { ProtocolError } from '../errors.js';
import type { RandomBytes, ScalarBytes } from './group.js';
import { drawRandom } from './random.js';

/** Order of the prime-order subgroup of Curve25519 (RFC 7748 §4.1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const SCALAR_BYTES = 32;
const MIN_K = 2n ** 254n;
const MAX_K = 2n ** 255n;

/** The clamped representative of r mod ℓ, or undefined when r has none. */
export function clampedRepresentative(r: bigint): bigint | undefined {
  const residue = ((r % L) + L) % L;
  if (residue === 0n) return undefined;
  // The unique k ≡ r (mod ℓ), k ≡ 0 (mod 8) in [0, 8ℓ); k + 8ℓ > 2^255, so it is the only candidate.
  for (let t = 0n; t < 8n; t++) {
    const k = residue + t * L;
    if (k % 8n === 0n) return k >= MIN_K && k < MAX_K ? k : undefined;
  }
  throw new Error('unreachable: ℓ is odd');
}

/** True when X25519's clamping leaves these bytes unchanged (bits 0–2 clear, bit 254 set, 255 clear). */
export function isClampInvariant(scalar: Uint8Array): boolean {
  return scalar.length === SCALAR_BYTES && (scalar[0] & 7) === 0 && (scalar[31] & 0xc0) === 0x40;
}

/** Entry check for every multiply: a non-invariant scalar would be clamped into a different residue. */
export function assertScalar(scalar: ScalarBytes, field = 'scalar'): void {
  if (!(scalar instanceof Uint8Array) || !isClampInvariant(scalar)) {
    throw new ProtocolError('PSI_INPUT_INVALID', `${field}: expected ${SCALAR_BYTES} bytes of a clamped X25519 representative (8 | k, 2^254 ≤ k < 2^255)`);
  }
}

export function scalarToBigInt(scalar: ScalarBytes): bigint {
  let k = 0n;
  for (let i = scalar.length - 1; i >= 0; i--) k = (k << 8n) | BigInt(scalar[i]);
  return k;
}

export function bigIntToScalar(k: bigint): ScalarBytes {
  const out = new Uint8Array(SCALAR_BYTES);
  for (let i = 0; i < SCALAR_BYTES; i++, k >>= 8n) out[i] = Number(k & 0xffn);
  return out;
}

/** r mod ℓ for a scalar in its byte encoding. */
export function scalarResidue(scalar: ScalarBytes): bigint {
  return scalarToBigInt(scalar) % L;
}

/** a⁻¹ mod ℓ by the extended Euclidean algorithm (ℓ prime, a ≠ 0). */
export function invertModL(a: bigint): bigint {
  let [r0, r1] = [L, ((a % L) + L) % L];
  let [t0, t1] = [0n, 1n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [t0, t1] = [t1, t0 - q * t1];
  }
  if (r0 !== 1n) throw new ProtocolError('PSI_INPUT_INVALID', 'scalar: not invertible mod ℓ');
  return ((t0 % L) + L) % L;
}

/**
 * A uniformly random clamped representative. Drawing the clamped k directly is the same as
 * "draw r uniform mod ℓ until it has a representative": each such r has exactly one k, and no
 * k in the range is ≡ 0 (mod ℓ) (the smallest multiple of ℓ divisible by 8 is 8ℓ > 2^255).
 */
export function randomScalar(rng: RandomBytes): ScalarBytes {
  const k = Uint8Array.from(drawRandom(rng, SCALAR_BYTES));
  k[0] &= 0xf8;
  k[31] = (k[31] & 0x7f) | 0x40;
  return k;
}

/** Each draw succeeds with probability ≈ 1/2, so 128 failures in a row mean the rng is broken. */
const MAX_DRAWS = 128;

/** A random scalar whose inverse mod ℓ also has a clamped representative (about 1 draw in 2). */
export function randomInvertibleScalar(rng: RandomBytes): { scalar: ScalarBytes; inverse: ScalarBytes } {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const scalar = randomScalar(rng);
    const inverse = clampedRepresentative(invertModL(scalarResidue(scalar)));
    if (inverse !== undefined) return { scalar, inverse: bigIntToScalar(inverse) };
  }
  throw new ProtocolError('PSI_STATE', `rng: no invertible scalar in ${MAX_DRAWS} draws; the randomness source is not random`);
}
