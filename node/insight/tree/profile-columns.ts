/**
 * Profile attributes (profiles/read.ts: NaN or −1 where unset) as the tree's columns (a missing
 * mask). Enums are categories like strings; booleans become codes 0/1.
 */
import type { TypedColumn } from '../profiles/read.js';
import type { FeatureColumn } from './columns.js';

export function featureColumn(c: TypedColumn): FeatureColumn {
  if (!('values' in c)) {
    return { name: c.name, type: 'string', codes: c.codes, levels: c.dictionary, missing: Uint8Array.from(c.codes, (code) => (code < 0 ? 1 : 0)) };
  }
  const { values } = c;
  const missing = Uint8Array.from(values, (v) => (Number.isNaN(v) ? 1 : 0));
  if (c.type === 'boolean') return { name: c.name, type: 'boolean', codes: Int32Array.from(values, (v) => (v === 1 ? 1 : 0)), levels: [false, true], missing };
  return { name: c.name, type: c.type, values, missing };
}
