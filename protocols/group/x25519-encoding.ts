/**
 * The wire rules of the X25519 suite shared by both backends: the suite id, the point encoding
 * and its validation, and the hash-to-group input layout. Keeping them in one place is what makes
 * the two backends byte-identical.
 */
import { ProtocolError } from '../errors.js';

/**
 * Curve25519 u-coordinates; hash-to-group is RFC 9380 `hash_to_curve` shaped (random-oracle, two maps):
 * SHA-512 → two 32-byte halves → libsodium Elligator 2 (`from_uniform`, cofactor cleared) on each →
 * Edwards sum → Montgomery u. Layout: docs/protocol-psi.md, "Hash to group".
 */
export const X25519_SUITE = 'mofang-x25519-ro-sha512-v1';
export const POINT_BYTES = 32;
/** Input of one Elligator 2 map (`crypto_core_ed25519_UNIFORMBYTES`): 255 bits for the field element, 1 for the sign of x. */
export const UNIFORM_BYTES = 32;
/** Bytes hashToGroup draws per identifier: two map inputs, exactly one SHA-512 output. */
export const HASH_BYTES = 2 * UNIFORM_BYTES;

/** Number of points in a batch; the batch must be whole points. */
function pointCount(points: Uint8Array, field = 'points'): number {
  if (!(points instanceof Uint8Array) || points.length % POINT_BYTES !== 0) {
    throw new ProtocolError('PSI_INPUT_INVALID', `${field}: length ${points?.length} is not a multiple of ${POINT_BYTES}`);
  }
  return points.length / POINT_BYTES;
}

/**
 * Rejects a non-canonical u-coordinate at point `index` of the batch: top bit set, or u ≥ p = 2^255 − 19.
 * RFC 7748 §5 says receivers MUST mask the top bit and accept u ≥ p reduced; we reject both instead,
 * because an honest peer only ever sends canonical encodings, and one encoding per point keeps
 * digests and caches unambiguous.
 */
function assertCanonicalPoint(points: Uint8Array, index: number): void {
  const o = index * POINT_BYTES;
  const top = points[o + 31];
  if (top & 0x80) throw nonCanonical(index, 'top bit set');
  // p − 1 = ec ff … ff 7f (little-endian); only u ∈ [p, 2^255) has 7f, 30 × ff and a low byte ≥ ed.
  if (top === 0x7f && points[o] >= 0xed) {
    let i = 1;
    while (i < 31 && points[o + i] === 0xff) i++;
    if (i === 31) throw nonCanonical(index, 'u ≥ 2^255 − 19');
  }
}

function nonCanonical(index: number, why: string): ProtocolError {
  return new ProtocolError('PSI_POINT_INVALID', `point ${index} of batch is not canonical (${why}; RFC 7748 §5)`);
}

function lowOrder(index: number): ProtocolError {
  return new ProtocolError('PSI_POINT_INVALID', `point ${index} of batch is of low order`);
}

/**
 * The two maps of identifier `index` gave opposite points, so their sum is the identity, which has
 * no Montgomery u (and whose F value would be the identity under every key). For a hashed identifier this happens with
 * probability ≈ 1/ℓ ≈ 2^-252; the identifier cannot be used rather than silently mapped elsewhere.
 */
export function identityHash(index: number): ProtocolError {
  return new ProtocolError(
    'PSI_INPUT_INVALID',
    `ids[${index}]: hashes to the identity point (the two Elligator 2 maps cancel; probability ≈ 2^-252 per identifier)`,
  );
}

/**
 * Returns a writer of the hash-to-group input `u16be(len(dst)) || dst || id` for one `dst`.
 * The length prefix makes (dst, id) ↦ input injective. The returned bytes are a view of a scratch
 * buffer, valid until the next call (no allocation per identifier).
 */
export function hashInputWriter(dst: Uint8Array): (id: Uint8Array, index: number) => Uint8Array {
  // RFC 9380 §3.1: a DST must be non-empty; 65535 is what the 2-byte prefix can carry.
  if (!(dst instanceof Uint8Array) || dst.length === 0 || dst.length > 0xffff) {
    throw new ProtocolError('PSI_INPUT_INVALID', 'dst: expected 1..65535 bytes');
  }
  const head = 2 + dst.length;
  let scratch = new Uint8Array(head + 64);
  scratch[0] = dst.length >>> 8;
  scratch[1] = dst.length & 0xff;
  scratch.set(dst, 2);
  return (id, index) => {
    if (!(id instanceof Uint8Array)) {
      throw new ProtocolError('PSI_INPUT_INVALID', `ids[${index}]: expected bytes (UTF-8 of the normalised identifier)`);
    }
    if (head + id.length > scratch.length) {
      const grown = new Uint8Array(2 * (head + id.length));
      grown.set(scratch.subarray(0, head));
      scratch = grown;
    }
    scratch.set(id, head);
    return scratch.subarray(0, head + id.length);
  };
}

/**
 * The batch loop both backends share: checks the scalar and every point (naming its index), and
 * turns a backend's refusal of an all-zero result into `lowOrder(i)` (RFC 7748 §6.1: with 8 | k
 * that is exactly a point of order dividing 8 on the curve or 4 on the twist).
 * `multiplyOne(out, point)` writes scalar·point into `out` or throws.
 */
export function multiplyBatch(
  scalar: Uint8Array,
  points: Uint8Array,
  assertScalar: (scalar: Uint8Array) => void,
  multiplyOne: (out: Uint8Array, point: Uint8Array) => void,
): Uint8Array {
  assertScalar(scalar);
  const n = pointCount(points);
  const out = new Uint8Array(points.length);
  for (let i = 0; i < n; i++) {
    assertCanonicalPoint(points, i);
    const o = i * POINT_BYTES;
    try {
      multiplyOne(out.subarray(o, o + POINT_BYTES), points.subarray(o, o + POINT_BYTES));
    } catch {
      throw lowOrder(i);
    }
  }
  return out;
}
