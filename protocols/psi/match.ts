/**
 * The receiver's last step: which of its digests appear among the sender's sorted digests.
 * S's digests arrive from the peer, so their sort order is checked rather than trusted: binary
 * search over an unsorted list would silently miss matches.
 */
import { ProtocolError } from '../errors.js';
import { itemCount } from './batch.js';
import { assertDigestLength } from './digest.js';

/**
 * Indices (ascending) of the receiver digests that occur in `senderDigestsSorted`. Duplicates in
 * the receiver's input are matched independently (each index is reported).
 * @example
 * const matched = matchMembership(digests(fx, run, L), digestsFromS, L);
 */
export function matchMembership(receiverDigests: Uint8Array, senderDigestsSorted: Uint8Array, length: number): Uint32Array {
  const found = new Uint32Array(itemCount(receiverDigests, length, 'receiverDigests'));
  const count = scan(receiverDigests, senderDigestsSorted, length, (i, k) => (found[k] = i));
  return found.slice(0, count);
}

/** How many receiver digests occur among the sender's (cardinality / overlap mode). */
export function matchCount(receiverDigests: Uint8Array, senderDigestsSorted: Uint8Array, length: number): number {
  return scan(receiverDigests, senderDigestsSorted, length, () => {});
}

/** Calls `onMatch(i, k)` for the k-th matching receiver index i; returns the number of matches. */
function scan(receiver: Uint8Array, sender: Uint8Array, length: number, onMatch: (i: number, k: number) => void): number {
  assertDigestLength(length);
  const n = itemCount(receiver, length, 'receiverDigests');
  const m = itemCount(sender, length, 'senderDigestsSorted');
  // The first 4 bytes as a big-endian u32 decide almost every comparison with one integer compare.
  const prefixes = new Uint32Array(m);
  for (let j = 0; j < m; j++) {
    prefixes[j] = prefixAt(sender, j * length);
    if (j > 0 && compareAt(sender, (j - 1) * length, sender, j * length, length, prefixes[j - 1], prefixes[j]) > 0) {
      throw new ProtocolError('PSI_INPUT_INVALID', `senderDigestsSorted: digest ${j} is smaller than digest ${j - 1}`);
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    const o = i * length;
    const key = prefixAt(receiver, o);
    // Lower bound of key in prefixes, then the run of equal prefixes.
    let lo = 0;
    let hi = m;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (prefixes[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo; j < m && prefixes[j] === key; j++) {
      if (compareAt(receiver, o, sender, j * length, length, key, key) === 0) {
        onMatch(i, count++);
        break;
      }
    }
  }
  return count;
}

function prefixAt(d: Uint8Array, o: number): number {
  return ((d[o] << 24) | (d[o + 1] << 16) | (d[o + 2] << 8) | d[o + 3]) >>> 0;
}

function compareAt(a: Uint8Array, ao: number, b: Uint8Array, bo: number, length: number, pa: number, pb: number): number {
  if (pa !== pb) return pa < pb ? -1 : 1;
  for (let k = 4; k < length; k++) {
    if (a[ao + k] !== b[bo + k]) return a[ao + k] - b[bo + k];
  }
  return 0;
}
