/**
 * One string attribute of many customers at once, read from the published profile table — for a
 * caller that needs a per-customer setting (the frequency gate: each customer's time zone) inside
 * a synchronous transaction. Customers without a value, or a dataset without a built profile
 * table or without that string attribute, give no entry: the caller applies its default.
 */
import type { Db } from '../../store/db.js';
import { checkedColumn, profileTablePointer } from './build.js';

/** Ids per query: well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/** @example stringAttributeValues(db, 'customers', 'time_zone', ['c1', 'c2']) // Map { 'c1' => 'Asia/Shanghai' } */
export function stringAttributeValues(db: Db, dataset: string, attribute: string, ids: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const table = profileTablePointer(db, dataset);
  const column = table?.columns.find((c) => c.name === attribute && (c.type === 'string' || c.type === 'enum'));
  if (!table || !column) return found;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = db
      .prepare(`SELECT id_norm, ${checkedColumn(column.column)} FROM ${table.table} WHERE id_norm IN (${chunk.map(() => '?').join(', ')})`)
      .raw()
      .all(...chunk) as [string, string | null][];
    for (const [id, value] of rows) if (value !== null && value !== '') found.set(id, value);
  }
  return found;
}
