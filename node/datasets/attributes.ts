/**
 * Typed attribute columns: the non-identifier columns of an imported file. A column's type is
 * given by the caller or inferred from the first rows; every later value must match it, or its row
 * is bad. Values are stored as JSON (number, string, boolean, or an ISO-8601 date string).
 */
import type { FieldValue } from '../../adapters/sources/record.js';

export const ATTRIBUTE_TYPES = ['number', 'string', 'boolean', 'date'] as const;
export type AttributeType = (typeof ATTRIBUTE_TYPES)[number];

export interface DatasetColumn {
  name: string;
  type: AttributeType;
}

/** Rows read before attribute types are inferred. */
export const INFERENCE_SAMPLE_ROWS = 1000;
/** Longest string attribute, in UTF-16 code units. */
const ATTRIBUTE_MAX_LENGTH = 4096;
/** Integers above 2^53 lose precision as JSON numbers: digit strings longer than this stay strings. */
const MAX_SIGNIFICANT_DIGITS = 15;

// No leading zeros ("007" is a code, not a number), no hex, no thousands separators.
const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// ISO 8601 calendar date, optionally with a time and an offset.
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Why a value does not fit its column's type, per type. */
export const MISMATCH_REASON: Record<AttributeType, string> = {
  number: `not a number (decimal, at most ${MAX_SIGNIFICANT_DIGITS} significant digits)`,
  boolean: 'not a boolean (true or false)',
  date: 'not an ISO-8601 date (YYYY-MM-DD, optionally with a time)',
  string: `not a string of at most ${ATTRIBUTE_MAX_LENGTH} characters`,
};

export function isAttributeType(type: string): type is AttributeType {
  return (ATTRIBUTE_TYPES as readonly string[]).includes(type);
}

/**
 * The value as stored for a column of `type`, or `undefined` when it does not fit. Empty strings
 * and null are null in every type except string (where '' stays '' and blanks are kept).
 */
export function coerceAttribute(type: AttributeType, value: FieldValue): FieldValue | undefined {
  if (value === null) return null;
  if (type === 'string') {
    const s = typeof value === 'string' ? value : String(value);
    return s.length <= ATTRIBUTE_MAX_LENGTH ? s : undefined;
  }
  // Outside string columns, blanks around a value are layout ("a, b" in hand-written CSV).
  const s = typeof value === 'string' ? value.trim() : value;
  if (s === '') return null;
  switch (type) {
    case 'number':
      if (typeof s === 'number') return s;
      return typeof s === 'string' && isDecimal(s) ? Number(s) : undefined;
    case 'boolean':
      if (typeof s === 'boolean') return s;
      if (typeof s !== 'string') return undefined;
      if (s.length === 4 && s.toLowerCase() === 'true') return true;
      if (s.length === 5 && s.toLowerCase() === 'false') return false;
      return undefined;
    case 'date':
      return typeof s === 'string' && isIsoDate(s) ? s : undefined;
  }
}

/** The narrowest type every non-empty sample value fits: boolean, number, date, else string. */
export function inferAttributeType(values: readonly FieldValue[]): AttributeType {
  const present = values.filter((v) => v !== null && (typeof v !== 'string' || v.trim() !== ''));
  if (present.length === 0) return 'string';
  for (const type of ['boolean', 'number', 'date'] as const) {
    if (present.every((v) => coerceAttribute(type, v) !== undefined)) return type;
  }
  return 'string';
}

function isDecimal(s: string): boolean {
  if (!NUMBER.test(s)) return false;
  if (s.length <= MAX_SIGNIFICANT_DIGITS) return true;
  const mantissa = s.split(/[eE]/)[0].replace(/[-.]/g, '').replace(/^0+/, '');
  return mantissa.length <= MAX_SIGNIFICANT_DIGITS;
}

function isIsoDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || date.getUTCDate() !== day) return false;
  if (m[4] === undefined) return true;
  return Number(m[4]) <= 23 && Number(m[5]) <= 59 && (m[6] === undefined || Number(m[6]) <= 59);
}
