/**
 * Keeping per-record payloads (label ciphertexts) aligned with the digests across the sort.
 *
 * The sender sends its digests sorted (so its record order is not revealed); each digest's label
 * ciphertext must move with it. `digestOrder` is the permutation `sortDigests` applies, so the
 * sender can apply the same permutation to the ciphertexts (`gather`), or do both at once with
 * `sortDigestsWithPayload`. The order is a function of the digests only: the sender may cache it
 * with F(y) for the key epoch and re-apply it to each run's fresh ciphertexts.
 *
 * On the receiver's side `matchPairs` reports, for each matched receiver record, the position of
 * the matching digest in the sender's sorted list — the index of its ciphertext.
 */
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';
import { digestOrder } from './digest.js';
import { matchMembership } from './match.js';

const SMALL_ITEM = 96;

/** Matched records: receiverIndices[k] (ascending) matched the sender's sorted digest senderIndices[k]. */
export interface MatchPairs {
  readonly receiverIndices: Uint32Array;
  readonly senderIndices: Uint32Array;
}

/** out[k] = items[order[k]] for fixed-size items; `order` must index `items` (a permutation or a selection). */
export function gather(items: Uint8Array, itemLength: number, order: Uint32Array): Uint8Array {
  if (!Number.isInteger(itemLength) || itemLength < 1) {
    throw new ProtocolError('PSI_INPUT_INVALID', `itemLength: expected a positive integer, got ${itemLength}`);
  }
  const n = itemCount(items, itemLength, 'items');
  if (!(order instanceof Uint32Array)) throw new ProtocolError('PSI_INPUT_INVALID', 'order: expected a Uint32Array');
  const out = new Uint8Array(order.length * itemLength);
  for (let k = 0; k < order.length; k++) {
    const from = order[k];
    if (from >= n) throw new ProtocolError('PSI_INPUT_INVALID', `order[${k}]: ${from} is out of range (${n} items)`);
    if (itemLength <= SMALL_ITEM) {
      // A byte loop beats allocating a subarray per item for digests and label ciphertexts.
      for (let b = 0, src = from * itemLength, dst = k * itemLength; b < itemLength; b++) out[dst + b] = items[src + b];
    } else {
      out.set(items.subarray(from * itemLength, (from + 1) * itemLength), k * itemLength);
    }
  }
  return out;
}

/**
 * The digests sorted as by `sortDigests`, and `payload` (one `payloadLength`-byte item per digest,
 * same order as the digests) permuted identically.
 * @example
 * const { digests: sorted, payload: sealed } = sortDigestsWithPayload(digests(fy, ctx, L), L, encryptLabels(fy, labels, LL, labelCtx), LL + LABEL_TAG_BYTES);
 */
export function sortDigestsWithPayload(
  d: Uint8Array,
  length: number,
  payload: Uint8Array,
  payloadLength: number,
): { digests: Uint8Array; payload: Uint8Array } {
  const n = itemCount(d, length, 'digests');
  if (!Number.isInteger(payloadLength) || payloadLength < 1) {
    throw new ProtocolError('PSI_INPUT_INVALID', `payloadLength: expected a positive integer, got ${payloadLength}`);
  }
  const items = itemCount(payload, payloadLength, 'payload');
  if (items !== n) throw new ProtocolError('PSI_INPUT_INVALID', `payload: ${items} items for ${n} digests`);
  const order = digestOrder(d, length);
  return { digests: gather(d, length, order), payload: gather(payload, payloadLength, order) };
}

/**
 * Like `matchMembership`, plus where each match sits in the sender's sorted list (the first equal
 * digest, if the sender sent duplicates). Checks the sender's sort order as `matchMembership` does.
 * @example
 * const pairs = matchPairs(digests(fx, ctx, L), digestsFromS, L);
 * const labels = decryptLabels(fx, pairs, ciphertextsFromS, labelLength, labelCtx);
 */
export function matchPairs(receiverDigests: Uint8Array, senderDigestsSorted: Uint8Array, length: number): MatchPairs {
  const receiverIndices = matchMembership(receiverDigests, senderDigestsSorted, length);
  const m = senderDigestsSorted.length / length;
  const senderIndices = new Uint32Array(receiverIndices.length);
  for (let k = 0; k < receiverIndices.length; k++) {
    const o = receiverIndices[k] * length;
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(senderDigestsSorted, mid * length, receiverDigests, o, length) < 0) lo = mid + 1;
      else hi = mid;
    }
    // matchMembership found this digest, so the lower bound is an equal one.
    senderIndices[k] = lo;
  }
  return { receiverIndices, senderIndices };
}

function compare(a: Uint8Array, ao: number, b: Uint8Array, bo: number, length: number): number {
  for (let k = 0; k < length; k++) {
    if (a[ao + k] !== b[bo + k]) return a[ao + k] - b[bo + k];
  }
  return 0;
}
