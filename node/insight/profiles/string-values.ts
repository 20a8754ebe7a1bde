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
  return columnValues(db, dataset, attribute, ids, ['string', 'enum']) ?? new Map();
}

/**
 * A contact column (phone, e-mail address, token) of many customers: a number column counts too,
 * since a column of phone numbers is read as numbers. Null when the dataset has no such column
 * (or no built profile table), so a caller can tell a typo in its config from a customer without one.
 * @example contactValues(db, 'customers', 'mobile', ['c1']) // Map { 'c1' => '13800138000' }
 */
export function contactValues(db: Db, dataset: string, attribute: string, ids: readonly string[]): Map<string, string> | null {
  return columnValues(db, dataset, attribute, ids, ['string', 'enum', 'number']);
}

function columnValues(db: Db, dataset: string, attribute: string, ids: readonly string[], types: readonly string[]): Map<string, string> | null {
  const found = new Map<string, string>();
  const table = profileTablePointer(db, dataset);
  const column = table?.columns.find((c) => c.name === attribute && types.includes(c.type));
  if (!table || !column) return null;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = db
      .prepare(`SELECT id_norm, ${checkedColumn(column.column)} FROM ${table.table} WHERE id_norm IN (${chunk.map(() => '?').join(', ')})`)
      .raw()
      .all(...chunk) as [string, string | number | null][];
    for (const [id, value] of rows) if (value !== null && value !== '') found.set(id, String(value));
  }
  return found;
}
