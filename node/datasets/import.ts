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
import type { RecordSource, SourceRecord } from '../../adapters/sources/record.js';
import type { Group } from '../../protocols/group/group.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { ATTRIBUTE_TYPES, INFERENCE_SAMPLE_ROWS, inferAttributeType, isAttributeType, type AttributeType, type DatasetColumn } from './attributes.js';
import { BadRows } from './bad-rows.js';
import { BatchWriter } from './batch-writer.js';
import { beginGeneration, dropGeneration, publishGeneration, reclaimGenerations } from './generations.js';
import { ID_KINDS, isIdKind, type IdKind, type NormaliseOptions } from './normalise.js';
import { RowReader, type BadRow } from './row-reader.js';
import { pointDst } from './store.js';

export type { BadRow };

export const DATASET_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
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
  /** Types of attribute columns; the others are inferred from the first INFERENCE_SAMPLE_ROWS rows. */
  attributeTypes?: Record<string, AttributeType>;
  /** Options changing the identifier's canonical form (both parties must use the same). */
  idOptions?: NormaliseOptions;
  /** Called every few thousand rows; throwing aborts the import (nothing changes). */
  onProgress?: (p: ImportProgress) => void;
  /** Group the identifiers are hashed to. */
  group: Group;
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
  /** The first 100 (MAX_REPORTED_BAD_ROWS), in line order. */
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
    for (let r = await records.next(); !r.done; r = await records.next()) {
      sample.push(r.value);
      if (sample.length === INFERENCE_SAMPLE_ROWS) break;
    }
    const columns = planColumns(source, sample, idColumn, options.attributeTypes ?? {});
    const generation = beginGeneration(db, dataset);
    let staged: Staged;
    let previousGeneration: number | null;
    try {
      staged = await stageRows(db, { ...options, idKind, generation, columns }, source, sample, records);
      previousGeneration = publishGeneration(db, generation, {
        name: dataset, idColumn, idKind, idOptions: JSON.stringify(options.idOptions ?? {}), columns: JSON.stringify(columns),
        rowCount: staged.imported, rejectedCount: staged.rejected, sourceSha256: source.sha256(), groupSuite: group.suite,
      });
    } catch (err) {
      await dropGeneration(db, generation).catch(() => undefined);
      throw err;
    }
    // The replaced generation is garbage now; if deleting it fails, the next import reclaims it.
    if (previousGeneration !== null) await dropGeneration(db, previousGeneration).catch(() => undefined);
    return {
      dataset, generation, previousGeneration, format: source.format, idColumn, idKind, ...staged, columns,
      sourceSha256: source.sha256(), groupSuite: group.suite, durationMs: Math.round(performance.now() - started),
    };
  } finally {
    restoreCache();
    await records.return?.();
  }
}

type Staged = Pick<ImportReport, 'rowsRead' | 'imported' | 'rejected' | 'badRows'>;

/** Reads every row (the sample first, then the rest) into the staging generation. */
async function stageRows(
  db: Db,
  options: ImportOptions & { idKind: IdKind; generation: number; columns: DatasetColumn[] },
  source: RecordSource,
  sample: readonly SourceRecord[],
  rest: AsyncIterator<SourceRecord>,
): Promise<Staged> {
  const { idColumn, idKind, onProgress } = options;
  const rowReader = new RowReader(idColumn, idKind, options.idOptions ?? {}, options.columns, source.format === 'jsonl');
  const bad = new BadRows(options.dataset, options.skipBad === true);
  const writer = new BatchWriter(db, {
    generation: options.generation,
    group: options.group,
    dst: pointDst(idKind),
    onDuplicate: (line, firstLine) => bad.add({ line, column: idColumn, reason: `duplicate of line ${firstLine}` }, true),
  });
  const flush = () => {
    writer.flush();
    bad.commit();
  };
  let rowsRead = 0;
  const progress = () => onProgress?.({ rowsRead, bytesRead: source.bytesRead, totalBytes: source.totalBytes });

  for (let i = 0; ; i++) {
    const r = i < sample.length ? { done: false as const, value: sample[i] } : await rest.next();
    if (r.done) break;
    rowsRead++;
    const row = rowReader.read(r.value);
    if ('reason' in row) {
      // Without skipBad this row aborts the import; write the queue first, so that a duplicate on
      // an earlier line is the one reported.
      if (!bad.skip) flush();
      bad.add(row);
    } else if (writer.add(r.value.line, row.id, row.attrs)) {
      bad.commit();
    }
    if (rowsRead % PROGRESS_EVERY === 0) progress();
  }
  flush();
  progress();
  return { rowsRead, imported: writer.written, rejected: bad.count, badRows: bad.listed };
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
