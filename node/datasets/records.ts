/**
 * Reads of a dataset generation's records for the protocol sessions, always in row order (the
 * order of the points a session sends), so callers never write SQL on a table this folder owns.
 */
import type { Db } from '../store/db.js';

/** Each record's attributes (JSON text), in row order; streamed, not loaded at once. */
export function recordAttrsInRowOrder(db: Db, generation: number): IterableIterator<string> {
  const select = db.prepare('SELECT attrs FROM records WHERE generation = ? ORDER BY row').pluck();
  return select.iterate(generation) as IterableIterator<string>;
}

/** Every record's row, ascending. */
export function recordRows(db: Db, generation: number): number[] {
  return db.prepare('SELECT row FROM records WHERE generation = ? ORDER BY row').pluck().all(generation) as number[];
}

/**
 * Each record's row with the value of one attribute (SQLite's JSON value: null when missing, 1/0
 * for JSON true/false), in row order; streamed.
 */
export function recordAttributeValues(db: Db, generation: number, attribute: string): IterableIterator<[number, unknown]> {
  const select = db.prepare(`SELECT row, json_extract(attrs, ?) AS value FROM records WHERE generation = ? ORDER BY row`).raw();
  return select.iterate(`$."${attribute.replaceAll('"', '""')}"`, generation) as IterableIterator<[number, unknown]>;
}
