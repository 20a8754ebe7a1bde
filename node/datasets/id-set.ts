/**
 * Duplicate detection during an import, in typed arrays: the identifiers staged so far, kept as
 * (32-bit hash, row) pairs in an open-addressing table, 8 bytes a slot, at most 70 % full
 * (10 M identifiers: 2^24 slots = 128 MiB, freed when the import ends).
 *
 * Why not the database: a unique index on the identifier takes inserts in random order, and once it
 * outgrows the page cache every commit rewrites most of its pages. At 10 M rows that index alone
 * held the import to ≈ 60,000 rows/s; without it, appending records in line order runs at
 * ≈ 400,000 rows/s (docs/benchmarks.md, "Import").
 *
 * A hash match is confirmed by comparing the identifiers themselves (`idOfRow`), so two different
 * identifiers are never taken for duplicates. Among 10 M distinct identifiers about 10,000 pairs
 * share a 32-bit hash, so confirmations of non-duplicates cost a few thousand lookups per million.
 */

/** A 32-bit hash of an identifier, never 0 (0 marks an empty slot). */
export function idHash(id: string): number {
  // FNV-1a over UTF-16 code units, finished with MurmurHash3's fmix32 so that every input bit
  // reaches every output bit (the table uses the low bits).
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0 || 1;
}

const INITIAL_SLOTS = 1 << 16;
const MAX_LOAD = 0.7;

export class IdSet {
  size = 0;
  /** Slot i: [2i] hash (0 = empty), [2i + 1] row. */
  private slots = new Uint32Array(2 * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;

  /** @param idOfRow the identifier of a row (called on hash matches only, for the new row and the one held) */
  constructor(private readonly idOfRow: (row: number) => string) {}

  /**
   * Adds the identifier of `row` (its `idHash` given); if the set holds it already, returns the
   * row that holds it instead.
   * @example const first = set.add(idHash(id), line); if (first !== undefined) reportDuplicate(line, first);
   */
  add(hash: number, row: number): number | undefined {
    const { slots, mask } = this;
    let id: string | undefined;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const seen = slots[2 * i];
      if (seen === 0) {
        slots[2 * i] = hash;
        slots[2 * i + 1] = row;
        if (++this.size > MAX_LOAD * (mask + 1)) this.grow();
        return undefined;
      }
      if (seen === hash && this.idOfRow(slots[2 * i + 1]) === (id ??= this.idOfRow(row))) return slots[2 * i + 1];
    }
  }

  /** Bytes held by the table. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  private grow(): void {
    const old = this.slots;
    this.mask = 2 * (this.mask + 1) - 1;
    const slots = (this.slots = new Uint32Array(2 * (this.mask + 1)));
    for (let j = 0; j < old.length; j += 2) {
      const hash = old[j];
      if (hash === 0) continue;
      let i = hash & this.mask;
      while (slots[2 * i] !== 0) i = (i + 1) & this.mask;
      slots[2 * i] = hash;
      slots[2 * i + 1] = old[j + 1];
    }
  }
}
