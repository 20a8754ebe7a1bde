/**
 * Snapshot entries: a 56-bit keyed hash of the customer's normalised identifier with the
 * customer's category (0 = none of these) in the low byte, as one little-endian uint64, so a
 * snapshot sorts with `BigUint64Array.prototype.sort` and two snapshots join by a merge.
 *
 * The key only makes snapshots comparable across re-imports of the dataset (rows change, the
 * customer does not) without storing identifiers again; it is not a privacy measure — the same
 * database holds the identifiers. Two MurmurHash3 (x86, 32-bit) lanes seeded from the flow's
 * random salt; two customers sharing a key (≈ n²/2⁵⁷: 7·10⁻⁴ at 10⁷) are counted as collisions.
 */
export const MAX_CATEGORIES = 200;

function murmur32(s: string, seed: number): number {
  let h = seed >>> 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Writes entry `i` of `out` (viewed as uint32 pairs): key of `id` under `salt`, category `cat`. */
export function writeEntry(out: Uint32Array, i: number, id: string, cat: number, salt: Uint32Array): void {
  out[2 * i + 1] = murmur32(id, salt[0]);
  out[2 * i] = ((murmur32(id, salt[1]) & 0xffffff00) | cat) >>> 0;
}

/** Key comparison of entry a of `x` with entry b of `y`: <0, 0, >0. */
export function compareKeys(x: Uint32Array, a: number, y: Uint32Array, b: number): number {
  const hx = x[2 * a + 1];
  const hy = y[2 * b + 1];
  if (hx !== hy) return hx < hy ? -1 : 1;
  const lx = x[2 * a] >>> 8;
  const ly = y[2 * b] >>> 8;
  return lx === ly ? 0 : lx < ly ? -1 : 1;
}

export const categoryOf = (x: Uint32Array, a: number) => x[2 * a] & 0xff;

/** Sorts the entries by key and counts entries whose key equals the previous one's. */
export function sortEntries(entries: BigUint64Array): number {
  entries.sort();
  const w = new Uint32Array(entries.buffer, entries.byteOffset, entries.length * 2);
  let collisions = 0;
  for (let i = 1; i < entries.length; i++) if (compareKeys(w, i - 1, w, i) === 0) collisions++;
  return collisions;
}
