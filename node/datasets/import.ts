/**
 * `mofang import`: streams a CSV or JSONL file into a new generation of a dataset, then publishes
 * it atomically (generations.ts). Identifiers are normalised (normalise.ts) and hashed to the group
 * once, here, so a query only pays scalar multiplications. Attribute columns keep their types
 * (attributes.ts).
 *
 * A bad row aborts the import — nothing changes — unless `skipBad`, in which case it is counted and
 * the first 100 are reported. Reports and errors name lines and columns, never values.
 */
import { openSource } from '../../adapters/sources/open.js';
import type { FieldValue, RecordSource, SourceRecord } from '../../adapters/sources/record.js';
import type { Group } from '../../protocols/group/group.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { ATTRIBUTE_TYPES, coerceAttribute, inferAttributeType, isAttributeType, MISMATCH_REASON, type AttributeType, type DatasetColumn } from './attributes.js';
import { BatchWriter } from './batch-writer.js';
import { beginGeneration, dropGeneration, publishGeneration, reclaimGenerations } from './generations.js';
import { ID_KINDS, isIdKind, tryNormaliseIdentifier, type IdKind, type NormaliseOptions } from './normalise.js';
import { pointDst } from './store.js';

export const DATASET_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** Rows read before attribute types are inferred. */
export const SAMPLE_ROWS = 1000;
/** Bad rows listed in a report (all are counted). */
export const MAX_REPORTED_BAD_ROWS = 100;
export const MAX_COLUMNS = 256;
/** SQLite page cache during an import. */
const IMPORT_CACHE_BYTES = 128 << 20;
/** onProgress is called every this many rows (and at the end). */
const PROGRESS_EVERY = 2048;

export interface ImportProgress {
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportOptions {
  /** CSV with a header row, or JSON Lines. */
  file: string;
  /** Dataset name (`^[a-z][a-z0-9_-]{0,63}$`); an existing dataset of that name is replaced. */
  dataset: string;
  /** Column holding the identifier. */
  idColumn: string;
  /** One of ID_KINDS. */
  idKind: string;
  /** 'csv' or 'jsonl'; by default from the file extension. */
  format?: string;
  /** Skip and report bad rows instead of aborting on the first. */
  skipBad?: boolean;
  /** Types of attribute columns; the others are inferred from the first SAMPLE_ROWS rows. */
  attributeTypes?: Record<string, AttributeType>;
  /** Options changing the identifier's canonical form (both parties must use the same). */
  idOptions?: NormaliseOptions;
  /** Called every few thousand rows; throwing aborts the import (nothing changes). */
  onProgress?: (p: ImportProgress) => void;
  /** Group the identifiers are hashed to. */
  group: Group;
}

export interface BadRow {
  line: number;
  column?: string;
  reason: string;
}

/** Everything the caller needs for the audit entry; holds no identifier or attribute value. */
export interface ImportReport {
  dataset: string;
  generation: number;
  /** Generation this import replaced, or null for a new dataset. */
  previousGeneration: number | null;
  format: string;
  idColumn: string;
  idKind: IdKind;
  rowsRead: number;
  imported: number;
  rejected: number;
  /** The first MAX_REPORTED_BAD_ROWS, in line order. */
  badRows: BadRow[];
  columns: DatasetColumn[];
  sourceSha256: string;
  groupSuite: string;
  durationMs: number;
}

/**
 * @example
 * const report = await importDataset(db, { file: 'bank.csv', dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup() });
 */
export async function importDataset(db: Db, options: ImportOptions): Promise<ImportReport> {
  const started = performance.now();
  const { dataset, idColumn, group } = options;
  const idKind = checkOptions(options);
  if (db.inTransaction) throw new MofangError('INTERNAL', 'importDataset must not run inside a transaction');
  const source = openSource(options.file, options.format);
  await reclaimGenerations(db);
  const restoreCache = raiseCacheSize(db);

  const records = source[Symbol.asyncIterator]();
  try {
    const sample: SourceRecord[] = [];
    while (sample.length < SAMPLE_ROWS) {
      const r = await records.next();
      if (r.done) break;
      sample.push(r.value);
    }
    const columns = planColumns(source, sample, idColumn, options.attributeTypes ?? {});
    const generation = beginGeneration(db, dataset);
    let published = false;
    try {
      const rowReader = new RowReader(idColumn, idKind, options.idOptions ?? {}, columns, source.format === 'jsonl');
      const bad = new BadRows(dataset, options.skipBad === true);
      const writer = new BatchWriter(db, {
        generation,
        group,
        dst: pointDst(idKind),
        onDuplicate: (line, firstLine) => bad.add({ line, column: idColumn, reason: `duplicate of line ${firstLine}` }, true),
      });
      const flush = () => {
        writer.flush();
        bad.commit();
      };
      let rowsRead = 0;
      const progress = () => options.onProgress?.({ rowsRead, bytesRead: source.bytesRead, totalBytes: source.totalBytes });

      for (let i = 0; ; i++) {
        const r = i < sample.length ? { done: false as const, value: sample[i] } : await records.next();
        if (r.done) break;
        rowsRead++;
        const row = rowReader.read(r.value);
        if ('reason' in row) {
          // Without skipBad the first bad row aborts; flush first so a duplicate on an earlier line is reported instead.
          if (!bad.skip) flush();
          bad.add(row);
        } else if (writer.add(r.value.line, row.id, row.attrs)) {
          bad.commit();
        }
        if (rowsRead % PROGRESS_EVERY === 0) progress();
      }
      flush();
      progress();

      const meta = {
        name: dataset, idColumn, idKind, idOptions: JSON.stringify(options.idOptions ?? {}), columns: JSON.stringify(columns),
        rowCount: writer.written, rejectedCount: bad.count, sourceSha256: source.sha256(), groupSuite: group.suite,
      };
      const previousGeneration = publishGeneration(db, generation, meta);
      published = true;
      // The replaced generation is garbage now; if reclaiming fails, the next import retries.
      if (previousGeneration !== null) await dropGeneration(db, previousGeneration).catch(() => undefined);
      return {
        dataset, generation, previousGeneration, format: source.format, idColumn, idKind,
        rowsRead, imported: writer.written, rejected: bad.count, badRows: bad.listed, columns,
        sourceSha256: meta.sourceSha256, groupSuite: group.suite, durationMs: Math.round(performance.now() - started),
      };
    } finally {
      if (!published) await dropGeneration(db, generation).catch(() => undefined);
    }
  } finally {
    restoreCache();
    await records.return?.();
  }
}

/**
 * Random inserts into the id_norm index are what an import spends its database time on; a page
 * cache that holds more of the index halves that (benchmark in batch-writer.ts). Returns a function
 * restoring the connection's setting.
 */
function raiseCacheSize(db: Db): () => void {
  const previous = db.pragma('cache_size', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  const bytes = previous < 0 ? -previous * 1024 : previous * pageSize;
  if (bytes >= IMPORT_CACHE_BYTES) return () => undefined;
  db.pragma(`cache_size = ${-IMPORT_CACHE_BYTES / 1024}`);
  return () => db.pragma(`cache_size = ${previous}`);
}

function checkOptions(options: ImportOptions): IdKind {
  if (!DATASET_NAME.test(options.dataset)) {
    throw new MofangError('IMPORT_BAD_OPTION', `dataset name must match ${DATASET_NAME}`, { option: 'dataset' });
  }
  if (!isIdKind(options.idKind)) {
    throw new MofangError('IMPORT_BAD_OPTION', `unknown identifier kind "${options.idKind}"; valid kinds: ${ID_KINDS.join(', ')}`, { option: 'idKind', valid: ID_KINDS });
  }
  for (const [column, type] of Object.entries(options.attributeTypes ?? {})) {
    if (!isAttributeType(type)) {
      throw new MofangError('IMPORT_BAD_OPTION', `column ${column}: unknown type "${type}"; valid types: ${ATTRIBUTE_TYPES.join(', ')}`, { option: 'attributeTypes', column, valid: ATTRIBUTE_TYPES });
    }
    if (column === options.idColumn) {
      throw new MofangError('IMPORT_BAD_OPTION', `column ${column} is the identifier column and has no attribute type`, { option: 'attributeTypes', column });
    }
  }
  return options.idKind;
}

/**
 * The attribute columns: the CSV header, or for JSONL the keys seen in the sample plus those given
 * a type; all but the identifier column. Types not given are inferred from the sample.
 */
function planColumns(source: RecordSource, sample: readonly SourceRecord[], idColumn: string, given: Record<string, AttributeType>): DatasetColumn[] {
  const good = sample.flatMap((r) => (r.fields ? [r.fields] : []));
  const names = new Set(source.header ?? good.flatMap((f) => Object.keys(f)));
  if (!source.header) for (const name of Object.keys(given)) names.add(name);
  if (!names.has(idColumn)) {
    const available = [...names];
    throw new MofangError('IMPORT_BAD_OPTION', `id column "${idColumn}" is not in the file; available columns: ${available.join(', ') || '(none)'}`, { option: 'idColumn', column: idColumn, available });
  }
  for (const name of Object.keys(given)) {
    if (!names.has(name)) throw new MofangError('IMPORT_BAD_OPTION', `attributeTypes: column "${name}" is not in the file`, { option: 'attributeTypes', column: name });
  }
  if (names.size > MAX_COLUMNS) throw new MofangError('LIMIT_EXCEEDED', `${names.size} columns; at most ${MAX_COLUMNS} are supported`, { limit: MAX_COLUMNS });
  return [...names]
    .filter((name) => name !== idColumn)
    .map((name) => ({ name, type: given[name] ?? inferAttributeType(good.map((f) => f[name] ?? null)) }));
}

/** Turns a source record into (normalised id, attributes JSON) or the reason it is bad. */
class RowReader {
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
    const rawId = fields[this.idColumn];
    if (rawId === undefined || rawId === null || rawId === '') return { line, column: this.idColumn, reason: 'empty identifier' };
    if (typeof rawId === 'boolean') return { line, column: this.idColumn, reason: 'identifier must be a string' };
    const id = tryNormaliseIdentifier(this.kind, String(rawId), this.idOptions);
    if ('reason' in id) return { line, column: this.idColumn, reason: id.reason };

    let attrs = '{';
    for (let i = 0; i < this.columns.length; i++) {
      const { name, type } = this.columns[i];
      const value: FieldValue | undefined = coerceAttribute(type, fields[name] ?? null);
      if (value === undefined) return { line, column: name, reason: MISMATCH_REASON[type] };
      attrs += (i === 0 ? '' : ',') + this.keys[i] + JSON.stringify(value);
    }
    if (this.checkUnknownKeys) {
      for (const key in fields) {
        if (!this.known.has(key)) return { line, column: key, reason: `column not seen in the first ${SAMPLE_ROWS} rows (declare it in attributeTypes)` };
      }
    }
    return { id: id.value, attrs: attrs + '}' };
  }
}

/**
 * Collects bad rows. Duplicates are found only when their batch is written, after other errors on
 * later lines, so listing waits until the batch is committed and then goes in line order.
 */
class BadRows {
  count = 0;
  readonly listed: BadRow[] = [];
  private pending: BadRow[] = [];
  private pendingErrors = 0;

  constructor(
    private readonly dataset: string,
    readonly skip: boolean,
  ) {}

  /** `duplicate`: found while writing a batch (kept until `commit`, at most one batch of them). */
  add(row: BadRow, duplicate = false): void {
    if (!this.skip) {
      const where = row.column ? `line ${row.line}: column ${row.column}` : `line ${row.line}`;
      throw new MofangError('IMPORT_BAD_ROW', `${where}: ${row.reason}; nothing was imported (use --skip-bad to skip bad rows)`, { dataset: this.dataset, ...row });
    }
    this.count++;
    // Other errors arrive in line order: only the first few can still be listed.
    if (duplicate || this.pendingErrors++ < MAX_REPORTED_BAD_ROWS - this.listed.length) this.pending.push(row);
  }

  /** Called once the batch holding every pending row's line is committed. */
  commit(): void {
    if (this.pending.length > 0 && this.listed.length < MAX_REPORTED_BAD_ROWS) {
      this.pending.sort((a, b) => a.line - b.line);
      this.listed.push(...this.pending.slice(0, MAX_REPORTED_BAD_ROWS - this.listed.length));
    }
    this.pending = [];
    this.pendingErrors = 0;
  }
}
