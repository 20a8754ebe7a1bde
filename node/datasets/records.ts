/**
 * Reads of a dataset generation's records for other domains, always in row order (the order of
 * the points a session sends), so callers never write SQL on a table this folder owns. A caller
 * that copies records set-based (insight's profile build) gets the SELECT as text instead.
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

/** The normalised identifiers of the given rows of a generation, in row order (a segment's members). */
export function recordIds(db: Db, generation: number, rows: Iterable<number>): string[] {
  const select = db.prepare('SELECT id_norm FROM records WHERE generation = ? AND row = ?').pluck();
  const ids: string[] = [];
  for (const row of rows) {
    const id = select.get(generation, row) as string | undefined;
    if (id !== undefined) ids.push(id);
  }
  return ids;
}

/**
 * Each record's row with the value of one attribute (SQLite's JSON value: null when missing, 1/0
 * for JSON true/false), in row order; streamed.
 */
export function recordAttributeValues(db: Db, generation: number, attribute: string): IterableIterator<[number, unknown]> {
  const select = db.prepare(`SELECT row, json_extract(attrs, ?) AS value FROM records WHERE generation = ? ORDER BY row`).raw();
  return select.iterate(`$."${attribute.replaceAll('"', '""')}"`, generation) as IterableIterator<[number, unknown]>;
}

/** SQL expressions for the record columns a chunked copy may select. */
interface RecordColumns {
  /** The record's row: the line of the source file where it starts. */
  row: string;
  /** The normalised identifier. */
  idNorm: string;
  /** SQLite's JSON value of one attribute, whose JSON path the caller binds at its `?`. */
  attribute: string;
}

const RECORD_COLUMNS: RecordColumns = { row: 'row', idNorm: 'id_norm', attribute: 'json_extract(attrs, ?)' };

/**
 * A SELECT of up to `limit` records of one generation after a given row, in row order, for a
 * caller that copies records with `INSERT … SELECT` in chunks (one short transaction each) rather
 * than row by row. `select` makes the select list from the column expressions. Binds: the marks
 * of the select list, then the generation, the row to start after (-1 for the first chunk) and
 * the limit.
 * @example
 * const sql = recordsChunkSql((c) => `${c.row}, ${c.attribute}`);
 * db.prepare(`INSERT INTO copy ${sql}`).run('$."age"', generation, -1, 1000);
 */
export function recordsChunkSql(select: (columns: RecordColumns) => string): string {
  return `SELECT ${select(RECORD_COLUMNS)} FROM records WHERE generation = ? AND row > ? ORDER BY row LIMIT ?`;
}
