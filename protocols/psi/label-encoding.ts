/**
 * Label records for labelled PSI: the sender's agreed columns for one record, serialised into a
 * plaintext of FIXED length. Every record of a run has the same length (derived from the column
 * specs, which come from the agreement), so a ciphertext's length says nothing about its values.
 *
 * Layout for columns c_0 … c_{k−1}:
 *
 *   null bitmap   ⌈k/8⌉ bytes; bit (i mod 8) of byte ⌊i/8⌋ is set when c_i is null
 *   then per column, in order:
 *     boolean     1 byte: 0x00 false, 0x01 true
 *     number      8 bytes: IEEE-754 binary64, big-endian; finite values only (no NaN, no ±∞).
 *                 float64 rather than a bounded integer: it carries scores and fractions as well as
 *                 integers, exactly up to 2^53, and decodes to the same JS number that was encoded
 *                 (−0 included).
 *     category    1 byte n (0 ≤ n ≤ maxBytes), then maxBytes bytes: n bytes of UTF-8, zero padding.
 *                 maxBytes is 1..255 and comes from the agreement's column spec.
 *   a null value's slot is all zero bytes.
 *
 * Decoding is strict (unused bitmap bits, null slots and padding must be zero, booleans 0 or 1,
 * UTF-8 well-formed): a plaintext has one encoding, so a malformed one — which can only come from a
 * cheating sender or a column spec the two sides disagree on — is refused rather than guessed at.
 * Errors name the column and never contain the value (label values are the partner's data).
 */
import { ProtocolError } from '../errors.js';

export const LABEL_TYPES = ['boolean', 'number', 'category'] as const;
export type LabelType = (typeof LABEL_TYPES)[number];

/** One agreed label column, as in the agreement's `labels` terms. */
export interface LabelColumn {
  readonly column: string;
  readonly type: LabelType;
  /** Category only (required there): the longest value in UTF-8 bytes, 1..255. */
  readonly maxBytes?: number;
}

export type LabelValue = string | number | boolean | null;

export const MAX_CATEGORY_BYTES = 255;
export const MAX_LABEL_COLUMNS = 256;

/** Encodes and decodes the label records of one fixed column list (build once, use per record). */
export interface LabelCodec {
  readonly columns: readonly LabelColumn[];
  /** Plaintext bytes per record. */
  readonly length: number;
  /** Writes the record for `values` (one per column, in column order) at `out[offset …]`. */
  encodeInto(values: readonly LabelValue[], out: Uint8Array, offset: number): void;
  /** The values of the record at `bytes[offset … offset + length)`. */
  decode(bytes: Uint8Array, offset?: number): LabelValue[];
}

interface Slot {
  column: string;
  type: LabelType;
  maxBytes: number;
  offset: number;
  size: number;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function invalid(message: string): ProtocolError {
  return new ProtocolError('PSI_INPUT_INVALID', message);
}

/**
 * A codec for `columns`; throws PSI_INPUT_INVALID naming the first bad column spec.
 * @example
 * const codec = createLabelCodec([{ column: 'vip', type: 'boolean' }, { column: 'plan', type: 'category', maxBytes: 16 }]);
 * const bytes = new Uint8Array(codec.length); codec.encodeInto([true, 'gold'], bytes, 0);
 */
export function createLabelCodec(columns: readonly LabelColumn[]): LabelCodec {
  if (!Array.isArray(columns) || columns.length === 0 || columns.length > MAX_LABEL_COLUMNS) {
    throw invalid(`columns: expected 1 to ${MAX_LABEL_COLUMNS} label columns`);
  }
  const bitmapBytes = Math.ceil(columns.length / 8);
  const seen = new Set<string>();
  let offset = bitmapBytes;
  const slots: Slot[] = columns.map((c, i) => {
    const name = typeof c?.column === 'string' ? c.column : '';
    if (name === '') throw invalid(`columns[${i}].column: expected a non-empty name`);
    if (seen.has(name)) throw invalid(`columns[${i}].column: '${name}' is listed twice`);
    seen.add(name);
    let size: number;
    let maxBytes = 0;
    switch (c.type) {
      case 'boolean':
      case 'number':
        if (c.maxBytes !== undefined) throw invalid(`columns[${i}].maxBytes: only a category column has maxBytes ('${name}' is ${c.type})`);
        size = c.type === 'boolean' ? 1 : 8;
        break;
      case 'category':
        if (!Number.isInteger(c.maxBytes) || c.maxBytes! < 1 || c.maxBytes! > MAX_CATEGORY_BYTES) {
          throw invalid(`columns[${i}].maxBytes: category column '${name}' needs an integer in [1, ${MAX_CATEGORY_BYTES}]`);
        }
        maxBytes = c.maxBytes!;
        size = 1 + maxBytes;
        break;
      default:
        throw invalid(`columns[${i}].type: '${String((c as { type?: unknown }).type)}' is not one of ${LABEL_TYPES.join(', ')}`);
    }
    const slot = { column: name, type: c.type, maxBytes, offset, size };
    offset += size;
    return slot;
  });
  const length = offset;
  const frozen = Object.freeze(columns.map((c) => Object.freeze({ ...c })));

  const describe = (s: Slot) => `label column '${s.column}' (${s.type}${s.type === 'category' ? `, at most ${s.maxBytes} bytes` : ''})`;

  // One DataView per output buffer, not per record (encodeLabels writes 10^6 records into one buffer).
  let viewed: Uint8Array | undefined;
  let view: DataView | undefined;
  const viewOf = (bytes: Uint8Array) => {
    if (bytes !== viewed) {
      viewed = bytes;
      view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    return view!;
  };

  return {
    columns: frozen,
    length,
    encodeInto(values, out, base) {
      if (!Array.isArray(values) || values.length !== slots.length) {
        throw invalid(`values: expected ${slots.length} values (one per label column), got ${Array.isArray(values) ? values.length : typeof values}`);
      }
      if (!(out instanceof Uint8Array) || !Number.isInteger(base) || base < 0 || base + length > out.length) {
        throw invalid(`out: no room for a ${length}-byte label at offset ${base}`);
      }
      out.fill(0, base, base + length);
      const view = viewOf(out);
      for (let i = 0; i < slots.length; i++) {
        const s = slots[i];
        const v = values[i];
        const at = base + s.offset;
        if (v === null) {
          out[base + (i >>> 3)] |= 1 << (i & 7);
          continue;
        }
        switch (s.type) {
          case 'boolean':
            if (typeof v !== 'boolean') throw invalid(`${describe(s)}: expected a boolean or null, got ${typeName(v)}`);
            out[at] = v ? 1 : 0;
            break;
          case 'number':
            if (typeof v !== 'number') throw invalid(`${describe(s)}: expected a number or null, got ${typeName(v)}`);
            if (!Number.isFinite(v)) throw invalid(`${describe(s)}: expected a finite number (NaN and ±Infinity do not fit)`);
            view.setFloat64(at, v, false);
            break;
          case 'category': {
            if (typeof v !== 'string') throw invalid(`${describe(s)}: expected a string or null, got ${typeName(v)}`);
            if (!isWellFormed(v)) throw invalid(`${describe(s)}: the string contains a lone surrogate (not encodable as UTF-8)`);
            // encodeInto writes at most maxBytes bytes; a longer value is then measured to report it.
            const { read, written } = utf8Encoder.encodeInto(v, out.subarray(at + 1, at + 1 + s.maxBytes));
            if (read !== v.length) {
              out.fill(0, base, base + length);
              throw invalid(`${describe(s)}: the value is ${utf8Encoder.encode(v).length} UTF-8 bytes, longer than ${s.maxBytes}`);
            }
            out[at] = written;
            break;
          }
        }
      }
    },
    decode(bytes, base = 0) {
      if (!(bytes instanceof Uint8Array) || !Number.isInteger(base) || base < 0 || base + length > bytes.length) {
        throw invalid(`bytes: expected a ${length}-byte label at offset ${base}`);
      }
      const record = bytes.subarray(base, base + length);
      const view = viewOf(bytes);
      for (let i = slots.length; i < 8 * bitmapBytes; i++) {
        if (record[i >>> 3] & (1 << (i & 7))) throw invalid(`label: null bit ${i} is set, but there are only ${slots.length} columns`);
      }
      return slots.map((s, i) => {
        const slot = record.subarray(s.offset, s.offset + s.size);
        if (record[i >>> 3] & (1 << (i & 7))) {
          if (slot.some((b) => b !== 0)) throw invalid(`${describe(s)}: null, but its slot is not zero`);
          return null;
        }
        switch (s.type) {
          case 'boolean':
            if (slot[0] > 1) throw invalid(`${describe(s)}: byte ${slot[0]} is neither 0 (false) nor 1 (true)`);
            return slot[0] === 1;
          case 'number': {
            const v = view.getFloat64(base + s.offset, false);
            if (!Number.isFinite(v)) throw invalid(`${describe(s)}: not a finite number`);
            return v;
          }
          case 'category': {
            const n = slot[0];
            if (n > s.maxBytes) throw invalid(`${describe(s)}: length ${n} exceeds ${s.maxBytes}`);
            if (slot.subarray(1 + n).some((b) => b !== 0)) throw invalid(`${describe(s)}: padding is not zero`);
            try {
              return utf8Decoder.decode(slot.subarray(1, 1 + n));
            } catch {
              throw invalid(`${describe(s)}: not well-formed UTF-8`);
            }
          }
        }
      });
    },
  };
}

/** Plaintext bytes per label record for `columns`. */
export function labelLength(columns: readonly LabelColumn[]): number {
  return createLabelCodec(columns).length;
}

/**
 * One record's values (one per column, in column order) as a fixed-length plaintext.
 * @example encodeLabel([{ column: 'score', type: 'number' }], [0.82]) // 9 bytes: 1 (null bitmap) + 8
 */
export function encodeLabel(columns: readonly LabelColumn[], values: readonly LabelValue[]): Uint8Array {
  const codec = createLabelCodec(columns);
  const out = new Uint8Array(codec.length);
  codec.encodeInto(values, out, 0);
  return out;
}

/** The values of one record; throws PSI_INPUT_INVALID naming the column on any malformed byte. */
export function decodeLabel(columns: readonly LabelColumn[], bytes: Uint8Array): LabelValue[] {
  const codec = createLabelCodec(columns);
  if (!(bytes instanceof Uint8Array) || bytes.length !== codec.length) {
    throw invalid(`bytes: expected ${codec.length} bytes for these label columns, got ${bytes?.length}`);
  }
  return codec.decode(bytes, 0);
}

/** Many records, concatenated in row order: rows.length × labelLength(columns) bytes. */
export function encodeLabels(columns: readonly LabelColumn[], rows: readonly (readonly LabelValue[])[]): Uint8Array {
  const codec = createLabelCodec(columns);
  const out = new Uint8Array(rows.length * codec.length);
  rows.forEach((values, r) => {
    try {
      codec.encodeInto(values, out, r * codec.length);
    } catch (error) {
      throw invalid(`rows[${r}]: ${(error as Error).message}`);
    }
  });
  return out;
}

function typeName(v: unknown): string {
  return v === undefined ? 'undefined' : Array.isArray(v) ? 'array' : typeof v;
}

function isWellFormed(s: string): boolean {
  // String.prototype.isWellFormed is in Node 20 but not in the ES2022 lib typings.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
