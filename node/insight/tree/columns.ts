/**
 * Columnar input of the decision tree: one typed array per attribute, never an object per row, so
 * a million profiles × ten attributes fit in ≈ 100 MB and every training pass is a tight loop.
 *
 * Numbers and dates are Float64Array (dates as milliseconds since the epoch, UTC); strings and
 * booleans are Int32Array codes into `levels`. A set bit in `missing` marks an unset value (its slot
 * in `values`/`codes` is then meaningless).
 */
import type { FieldValue } from '../../../adapters/sources/record.js';
import type { AttributeType } from '../../datasets/attributes.js';
import { MofangError } from '../../errors.js';

export interface NumericColumn {
  name: string;
  type: 'number' | 'date';
  values: Float64Array;
  missing: Uint8Array;
}

export interface CategoricalColumn {
  name: string;
  type: 'string' | 'boolean';
  codes: Int32Array;
  /** Value of each code; for booleans always `[false, true]`. */
  levels: (string | boolean)[];
  missing: Uint8Array;
}

export type FeatureColumn = NumericColumn | CategoricalColumn;

export const isNumeric = (c: FeatureColumn): c is NumericColumn => c.type === 'number' || c.type === 'date';

/** Milliseconds since the epoch of an ISO-8601 date as datasets store it; a time without an offset is UTC. */
export function dateMillis(iso: string): number {
  let s = iso.replace(' ', 'T');
  // Date.parse reads "YYYY-MM-DDTHH:mm" without an offset as local time: pin it to UTC.
  if (s.length > 10 && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(s)) s += 'Z';
  return Date.parse(s);
}

/** A date threshold as rules carry it: the calendar date when it falls on midnight UTC. */
export function isoOfMillis(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso;
}

/**
 * Accumulates one attribute's values row by row into a column.
 *
 * @example
 * const age = columnBuilder('age', 'number', rows.length);
 * for (const r of rows) age.push(r.age ?? null);
 * const column = age.finish();
 */
function columnBuilder(name: string, type: AttributeType, capacity = 1024) {
  let size = 0;
  let missing = new Uint8Array(Math.max(capacity, 16));
  const numeric = type === 'number' || type === 'date';
  let values = numeric ? new Float64Array(missing.length) : new Float64Array(0);
  let codes = numeric ? new Int32Array(0) : new Int32Array(missing.length);
  const levels: (string | boolean)[] = type === 'boolean' ? [false, true] : [];
  const codeOf = new Map<string, number>();

  const grow = () => {
    const m = new Uint8Array(missing.length * 2);
    m.set(missing);
    missing = m;
    if (numeric) {
      const v = new Float64Array(m.length);
      v.set(values);
      values = v;
    } else {
      const c = new Int32Array(m.length);
      c.set(codes);
      codes = c;
    }
  };

  const invalid = (value: FieldValue) =>
    new MofangError('TREE_INPUT_INVALID', `attribute ${name} (${type}) has a value of type ${typeof value} in row ${size}`, {
      attribute: name,
      row: size,
    });

  return {
    push(value: FieldValue | undefined): void {
      if (size === missing.length) grow();
      const at = size;
      if (value === null || value === undefined) {
        missing[at] = 1;
      } else if (type === 'number') {
        if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(value);
        values[at] = value;
      } else if (type === 'date') {
        const ms = typeof value === 'string' ? dateMillis(value) : NaN;
        if (!Number.isFinite(ms)) throw invalid(value);
        values[at] = ms;
      } else if (type === 'boolean') {
        if (typeof value !== 'boolean') throw invalid(value);
        codes[at] = value ? 1 : 0;
      } else {
        const s = typeof value === 'string' ? value : String(value);
        let code = codeOf.get(s);
        if (code === undefined) {
          code = levels.length;
          levels.push(s);
          codeOf.set(s, code);
        }
        codes[at] = code;
      }
      size++;
    },
    finish(): FeatureColumn {
      const m = missing.slice(0, size);
      if (numeric) return { name, type: type as NumericColumn['type'], values: values.slice(0, size), missing: m };
      return { name, type: type as CategoricalColumn['type'], codes: codes.slice(0, size), levels, missing: m };
    },
  };
}

/** Columns from row objects (tests, small inputs); the store reads columns directly. */
export function columnsFromRows(
  attributes: readonly { name: string; type: AttributeType }[],
  rows: readonly Readonly<Record<string, FieldValue | undefined>>[],
): FeatureColumn[] {
  return attributes.map(({ name, type }) => {
    const b = columnBuilder(name, type, rows.length);
    for (const row of rows) b.push(row[name]);
    return b.finish();
  });
}
