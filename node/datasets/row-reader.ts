/**
 * One source record → its normalised identifier and its attributes as JSON, or the reason the row
 * is bad (never quoting a value).
 */
import { fieldOf, type FieldValue, type SourceRecord } from '../../adapters/sources/record.js';
import { coerceAttribute, INFERENCE_SAMPLE_ROWS, MISMATCH_REASON, type DatasetColumn } from './attributes.js';
import { tryNormaliseIdentifier, type IdKind, type NormaliseOptions } from './normalise.js';

export interface BadRow {
  line: number;
  column?: string;
  reason: string;
}

export class RowReader {
  private readonly keys: string[];
  private readonly known: Set<string>;

  constructor(
    private readonly idColumn: string,
    private readonly kind: IdKind,
    private readonly idOptions: NormaliseOptions,
    private readonly columns: readonly DatasetColumn[],
    /** JSONL objects may carry keys the sample did not show; CSV rows always match the header. */
    private readonly checkUnknownKeys: boolean,
  ) {
    // JSON object keys, escaped once rather than per row.
    this.keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
    this.known = new Set([idColumn, ...columns.map((c) => c.name)]);
  }

  read(record: SourceRecord): { id: string; attrs: string } | BadRow {
    const { line } = record;
    if (record.error !== undefined) return { line, ...(record.column ? { column: record.column } : {}), reason: record.error };
    const fields = record.fields;
    const rawId = fieldOf(fields, this.idColumn);
    if (rawId === undefined || rawId === null || rawId === '') return { line, column: this.idColumn, reason: 'empty identifier' };
    if (typeof rawId === 'boolean') return { line, column: this.idColumn, reason: 'identifier must be a string' };
    const id = tryNormaliseIdentifier(this.kind, String(rawId), this.idOptions);
    if ('reason' in id) return { line, column: this.idColumn, reason: id.reason };

    let attrs = '{';
    for (let i = 0; i < this.columns.length; i++) {
      const { name, type } = this.columns[i];
      const value: FieldValue | undefined = coerceAttribute(type, fieldOf(fields, name) ?? null);
      if (value === undefined) return { line, column: name, reason: MISMATCH_REASON[type] };
      attrs += (i === 0 ? '' : ',') + this.keys[i] + JSON.stringify(value);
    }
    if (this.checkUnknownKeys) {
      for (const key in fields) {
        if (!this.known.has(key))
          return { line, column: key, reason: `column not seen in the first ${INFERENCE_SAMPLE_ROWS} rows (declare it in attributeTypes)` };
      }
    }
    return { id: id.value, attrs: `${attrs}}` };
  }
}
