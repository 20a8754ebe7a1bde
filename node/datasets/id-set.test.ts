import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet, idHash } from './id-set.js';

/** Adds ids[i] as row i; returns, per row, the earlier row holding the same id (or undefined). */
function firstRows(ids: readonly string[], hash: (id: string) => number = idHash): (number | undefined)[] {
  const set = new IdSet((row) => ids[row]);
  return ids.map((id, row) => set.add(hash(id), row));
}

/** The same, from a Map. */
const reference = (ids: readonly string[]) => {
  const first = new Map<string, number>();
  return ids.map((id, row) => {
    const seen = first.get(id);
    if (seen === undefined) first.set(id, row);
    return seen;
  });
};

describe('IdSet', () => {
  const ids = fc.array(fc.string({ maxLength: 4 }), { maxLength: 300 });

  it('finds exactly the duplicates, and the row each one repeats', () => {
    fc.assert(
      fc.property(ids, (xs) => {
        expect(firstRows(xs)).toEqual(reference(xs));
      }),
    );
  });

  it('never takes different identifiers with the same hash for duplicates', () => {
    fc.assert(
      fc.property(ids, (xs) => {
        expect(firstRows(xs, (id) => idHash(id.slice(0, 1)))).toEqual(reference(xs));
      }),
    );
    expect(firstRows(['a', 'b', 'a', 'c', 'b'], () => 42)).toEqual([undefined, undefined, 0, undefined, 1]);
  });

  it('grows past its initial size', () => {
    const many = Array.from({ length: 200_000 }, (_, i) => `+86139${String(i % 150_000).padStart(8, '0')}`);
    const rows = firstRows(many);
    expect(rows.slice(0, 150_000).every((r) => r === undefined)).toBe(true);
    expect(rows.slice(150_000)).toEqual(Array.from({ length: 50_000 }, (_, i) => i));
  });

  it('hashes to non-zero 32-bit values', () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const h = idHash(s);
        expect(Number.isInteger(h) && h > 0 && h < 2 ** 32).toBe(true);
      }),
    );
  });
});
