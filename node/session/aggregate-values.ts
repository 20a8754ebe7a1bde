/**
 * The value holder's side of the data: each requested column of its records in the order π of
 * the digests it sends, clamped to the agreed [min, max] and scaled to integers; with a histogram,
 * one 0/1 column per bucket. A missing or non-numeric value counts as `min` (the agreed floor), so
 * no record's presence depends on its value being filled in.
 */
import type { AggregateColumn } from '../agreements/aggregate-terms.js';
import { recordAttrsInRowOrder } from '../datasets/records.js';
import type { Db } from '../store/db.js';
import type { EncryptedColumn } from './aggregate-plan.js';

/** Raw values per requested column, in record row order (NaN where missing). */
export function readColumns(db: Db, generation: number, columns: readonly AggregateColumn[]): Float64Array[] {
  const out = columns.map(() => [] as number[]);
  for (const attrs of recordAttrsInRowOrder(db, generation)) {
    const record = JSON.parse(attrs) as Record<string, unknown>;
    columns.forEach((c, i) => {
      const v = record[c.column];
      out[i].push(typeof v === 'number' && Number.isFinite(v) ? v : Number.NaN);
    });
  }
  return out.map((values) => Float64Array.from(values));
}

/**
 * The integers to encrypt, one array per encrypted column, gathered into order π (`order[k]` is
 * the row index of the k-th sorted digest).
 */
export function encryptedValues(
  raw: readonly Float64Array[],
  columns: readonly AggregateColumn[],
  encrypted: readonly EncryptedColumn[],
  order: Uint32Array,
): Float64Array[] {
  return encrypted.map((e) => {
    const column = columns[e.source];
    const values = raw[e.source];
    const unit = 10 ** (column.scale ?? 0);
    const out = new Float64Array(order.length);
    for (let k = 0; k < order.length; k++) {
      const v = values[order[k]];
      const clamped = Number.isNaN(v) ? column.min : Math.min(column.max, Math.max(column.min, v));
      if (e.bucket === null) {
        out[k] = Math.min(Number(e.max), Math.max(Number(e.min), Math.round(clamped * unit)));
      } else {
        out[k] = bucketOf(clamped, column.buckets!) === e.bucket ? 1 : 0;
      }
    }
    return out;
  });
}

/** Bucket i of edges e: (−∞, e0) is 0, [e0, e1) is 1, …, [e_last, ∞) is edges.length. */
export function bucketOf(value: number, edges: readonly number[]): number {
  let i = 0;
  while (i < edges.length && value >= edges[i]) i++;
  return i;
}
