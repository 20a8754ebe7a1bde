/**
 * Compact record sets for the differencing guard: each record becomes a 48-bit fingerprint, a
 * keyed hash of its normalised identifier (HMAC-SHA-256 under a key only this node holds, so the
 * stored sets are neither identifiers nor plain hashes of them), sorted and stored as LEB128
 * varints of the gaps. A million records take about 4 MB. Two records colliding in 48 bits makes
 * the guard see one record fewer: negligible at the sizes it compares (≈ n²/2⁴⁹).
 */
import { createHash, createHmac } from 'node:crypto';

/** The key earlier versions derived from the node's private key; guard-key.ts keeps it for their rows. */
export function fingerprintKey(nodeKeyPem: string): Buffer {
  return createHash('sha256').update('mofang/v1/differencing-guard\n').update(nodeKeyPem).digest();
}

/** Sorted, distinct fingerprints of the identifiers. */
export function fingerprints(key: Uint8Array, idNorms: Iterable<string>): Float64Array {
  const out: number[] = [];
  for (const id of idNorms) out.push(createHmac('sha256', key).update(id).digest().readUIntBE(0, 6));
  const sorted = Float64Array.from(out).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i];
  return sorted.subarray(0, n);
}

/** Gap-encodes sorted fingerprints as LEB128 varints. */
export function encodeSet(sorted: Float64Array): Buffer {
  const bytes: number[] = [];
  let previous = 0;
  for (const value of sorted) {
    let gap = value - previous;
    previous = value;
    do {
      const low = gap % 128;
      gap = Math.floor(gap / 128);
      bytes.push(gap > 0 ? low | 0x80 : low);
    } while (gap > 0);
  }
  return Buffer.from(bytes);
}

export function decodeSet(bytes: Uint8Array): Float64Array {
  const out: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; ) {
    let gap = 0;
    for (let shift = 1; ; shift *= 128) {
      const b = bytes[i++];
      gap += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    value += gap;
    out.push(value);
  }
  return Float64Array.from(out);
}

/** |a Δ b| of two sorted sets, counting no further than `limit` (the guard only needs "below"). */
export function symmetricDifference(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length && d < limit) {
    if (a[i] === b[j]) i++, j++;
    else if (a[i] < b[j]) i++, d++;
    else j++, d++;
  }
  return Math.min(limit, d + (a.length - i) + (b.length - j));
}

/** |a ∖ b| of two sorted sets, counting no further than `limit`. */
export function differenceSize(a: Float64Array, b: Float64Array, limit = Infinity): number {
  let j = 0;
  let d = 0;
  for (let i = 0; i < a.length && d < limit; i++) {
    while (j < b.length && b[j] < a[i]) j++;
    if (j >= b.length || b[j] !== a[i]) d++;
  }
  return Math.min(limit, d);
}

/** |a ∩ b| of two sorted sets. */
export function intersectionSize(a: Float64Array, b: Float64Array): number {
  return a.length - differenceSize(a, b);
}

/** a ∪ b of two sorted sets, sorted. */
export function unionOf(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out[n++] = a[i++];
    else if (i >= a.length || b[j] < a[i]) out[n++] = b[j++];
    else (out[n++] = a[i++]), j++;
  }
  return out.subarray(0, n);
}
