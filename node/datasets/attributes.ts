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

/** Longest string attribute, in UTF-16 code units. */
export const ATTRIBUTE_MAX_LENGTH = 4096;
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
 * and null are null in every type except string (where '' stays '').
 */
export function coerceAttribute(type: AttributeType, value: FieldValue): FieldValue | undefined {
  if (value === null) return null;
  if (type === 'string') {
    const s = typeof value === 'string' ? value : String(value);
    return s.length <= ATTRIBUTE_MAX_LENGTH ? s : undefined;
  }
  if (value === '') return null;
  switch (type) {
    case 'number':
      if (typeof value === 'number') return value;
      return typeof value === 'string' && isDecimal(value) ? Number(value) : undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value !== 'string') return undefined;
      if (value.length === 4 && value.toLowerCase() === 'true') return true;
      if (value.length === 5 && value.toLowerCase() === 'false') return false;
      return undefined;
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? value : undefined;
  }
}

/** The narrowest type every non-empty sample value fits: boolean, number, date, else string. */
export function inferAttributeType(values: readonly FieldValue[]): AttributeType {
  const present = values.filter((v) => v !== null && v !== '');
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
