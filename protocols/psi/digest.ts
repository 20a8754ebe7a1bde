/**
 * Truncated digests of OPRF outputs: what S sends for its own set and what R compares against.
 *
 * Bound: R compares each of its n digests with each of S's m digests. Modelling SHA-256 as a random
 * oracle, two different F values give equal L-byte digests with probability 2^-8L, so by the union
 * bound Pr[any false match] ≤ n·m·2^-8L. `digestLength` picks the smallest L with n·m·2^-8L ≤ 2^-40,
 * i.e. 8L ≥ 40 + log2(n·m), and at least 8 bytes (1e6 × 1e6 → 10 bytes).
 */
import { sodium } from '../group/sodium.js';
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';
import { DIGEST_LABEL, lengthPrefixed } from './domain.js';

/** Target: a false match anywhere in the run with probability at most 2^-40. */
export const FALSE_MATCH_BITS = 40;
export const MIN_DIGEST_BYTES = 8;
/** SHA-256 output; reached only when n·m > 2^216, i.e. never for sizes below 2^53. */
export const MAX_DIGEST_BYTES = 32;
const F_BYTES = 32;

/**
 * Digest length in bytes for a run between a receiver set of `receiverSize` and a sender set of
 * `senderSize`. Each side computes it from the agreed sizes; R must not accept a shorter one from S.
 * @example
 * digestLength(1_000_000, 1_000_000); // 10
 */
export function digestLength(receiverSize: number, senderSize: number): number {
  for (const [field, size] of [
    ['receiverSize', receiverSize],
    ['senderSize', senderSize],
  ] as const) {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new ProtocolError('PSI_INPUT_INVALID', `${field}: expected a non-negative integer, got ${size}`);
    }
  }
  // Exact integer arithmetic: the smallest L ≥ 8 with 2^(8L − 40) ≥ n·m.
  const pairs = BigInt(receiverSize) * BigInt(senderSize);
  let length = MIN_DIGEST_BYTES;
  while (1n << BigInt(8 * length - FALSE_MATCH_BITS) < pairs) length++;
  return length;
}

export function assertDigestLength(length: number): void {
  if (!Number.isInteger(length) || length < MIN_DIGEST_BYTES || length > MAX_DIGEST_BYTES) {
    throw new ProtocolError('PSI_INPUT_INVALID', `length: expected an integer in [${MIN_DIGEST_BYTES}, ${MAX_DIGEST_BYTES}], got ${length}`);
  }
}

/**
 * Per element: SHA-256(lp("mofang/v1/psi-digest") || lp(context) || F)[0..length], concatenated.
 * `context` binds the digests to one run (see domain.ts); both sides must use the same bytes.
 * @example
 * const mine = digests(receiver.finalize(reply), runContext, digestLength(n, m));
 */
export function digests(fx: Uint8Array, context: Uint8Array, length: number): Uint8Array {
  assertDigestLength(length);
  const n = itemCount(fx, F_BYTES, 'fx');
  if (!(context instanceof Uint8Array) || context.length > 0xffff) {
    throw new ProtocolError('PSI_INPUT_INVALID', 'context: expected at most 65535 bytes');
  }
  const prefix = lengthPrefixed(new TextEncoder().encode(DIGEST_LABEL), context);
  const input = new Uint8Array(prefix.length + F_BYTES);
  input.set(prefix);
  const tail = input.subarray(prefix.length);
  const hash = new Uint8Array(32);
  const truncated = hash.subarray(0, length);
  const out = new Uint8Array(n * length);
  for (let i = 0; i < n; i++) {
    tail.set(fx.subarray(i * F_BYTES, (i + 1) * F_BYTES));
    sodium.crypto_hash_sha256(hash, input);
    out.set(truncated, i * length);
  }
  return out;
}

/**
 * order[k] = index of the k-th smallest digest (ties keep input order). LSD radix sort,
 * O(n·length) whatever the input.
 */
export function digestOrder(d: Uint8Array, length: number): Uint32Array {
  assertDigestLength(length);
  const n = itemCount(d, length, 'digests');
  let order = new Uint32Array(n);
  let spare = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Uint32Array(257);
  for (let byte = length - 1; byte >= 0; byte--) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[d[order[i] * length + byte] + 1]++;
    for (let v = 1; v < 257; v++) counts[v] += counts[v - 1];
    for (let i = 0; i < n; i++) spare[counts[d[order[i] * length + byte]]++] = order[i];
    [order, spare] = [spare, order];
  }
  return order;
}

/**
 * The digests in ascending lexicographic order: the canonical order S sends, which reveals nothing
 * about the order of S's records.
 */
export function sortDigests(d: Uint8Array, length: number): Uint8Array {
  const order = digestOrder(d, length);
  const out = new Uint8Array(d.length);
  for (let i = 0; i < order.length; i++) out.set(d.subarray(order[i] * length, (order[i] + 1) * length), i * length);
  return out;
}
