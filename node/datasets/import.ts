/**
 * `mofang import`: streams a CSV or JSONL file into a new generation of a dataset, hashes its
 * identifiers to the group, then publishes it atomically (generations.ts). Two phases:
 *
 * 1. Read: parse, normalise (normalise.ts), type the attributes (attributes.ts), catch duplicates
 *    (id-set.ts) and store the rows in line order (record-writer.ts). For files of a few MB and up
 *    the parsing runs in a worker thread (read-in-worker.ts) while this thread writes.
 * 2. Hash: hash every stored identifier to the group on all cores (hash-pass.ts, CryptoPool) and
 *    store the points, so a query only pays scalar multiplications.
 *
 * Only then is the generation published: a dataset is never visible without its points. A bad row
 * aborts the import — nothing changes — unless `skipBad`, in which case it is counted and the
 * first 100 are reported. Reports and errors name lines and columns, never values.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Group } from '../../protocols/group/group.js';
import type { FileIdentity } from '../../adapters/sources/file-digest.js';
import { CryptoPool } from '../crypto-pool/pool.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { ATTRIBUTE_TYPES, isAttributeType, type AttributeType, type DatasetColumn } from './attributes.js';
import { BadRows } from './bad-rows.js';
import { beginGeneration, dropGeneration, publishGeneration, reclaimGenerations } from './generations.js';
import { hashPass } from './hash-pass.js';
import { IdSet } from './id-set.js';
import { ID_KINDS, isIdKind, type IdKind, type NormaliseOptions } from './normalise.js';
import { readRowsInWorker } from './read-in-worker.js';
import { readRows, type ReadEvent, type ReadSpec } from './read-rows.js';
import { RecordWriter } from './record-writer.js';
import type { BadRow } from './row-reader.js';
import { pointDst } from './store.js';

const DATASET_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** SQLite page cache during an import: room for one commit's dirty pages (64k rows ≈ 10 MB). */
const IMPORT_CACHE_BYTES = 32 << 20;
/** onProgress is called every this many rows (and at the end of each phase). */
const PROGRESS_EVERY = 2048;
/** Files from this size up are parsed in a worker thread (below, starting the thread costs more than it saves). */
const READ_WORKER_MIN_BYTES = 4 << 20;
/** Imports of fewer rows hash in this thread when no pool is given (starting workers costs more). */
const OWN_POOL_MIN_ROWS = 2048;

export interface ImportProgress {
  /** 'read' while the file is read and stored, then 'hash' during the hash pass. */
  phase?: 'read' | 'hash';
  rowsRead: number;
  bytesRead: number;
  totalBytes: number;
  /** Hash pass: identifiers hashed so far, of `toHash`. */
  hashed?: number;
  toHash?: number;
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
  /** One of SOURCE_ENCODINGS (utf-8, gb18030, gbk, latin1, utf-16le); UTF-8 by default, and a byte-order mark decides by itself. */
  encoding?: string;
  /** The file `file` must still be when it is read: set for paths checked by import-path.ts, so a swap after the check is refused. */
  identity?: FileIdentity;
  /** Skip and report bad rows instead of aborting on the first. */
  skipBad?: boolean;
  /** Types of attribute columns; the others are inferred from the first INFERENCE_SAMPLE_ROWS rows. */
  attributeTypes?: Record<string, AttributeType>;
  /** Options changing the identifier's canonical form (both parties must use the same). */
  idOptions?: NormaliseOptions;
  /** Called every few thousand rows; throwing aborts the import (nothing changes). */
  onProgress?: (p: ImportProgress) => void;
  /** The group the points belong to (its suite is stored with the dataset; the pool must run the same). */
  group: Group;
  /** Hashes the identifiers; by default a pool on all cores is started for the import and closed after it. */
  pool?: CryptoPool;
  /** Parse in a worker thread; by default for files of READ_WORKER_MIN_BYTES and up, on machines with 2+ cores. */
  readInWorker?: boolean;
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
  /** Phase 1, read: parse, normalise and store. */
  readMs: number;
  /** Phase 2, hash: hash-to-group of every imported identifier and storing the points. */
  hashMs: number;
  /** rowsRead / read phase. */
  parseRowsPerSecond: number;
  /** imported / hash phase. */
  hashPerSecond: number;
  /** Threads the hash pass ran on (0: the importing thread). */
  hashThreads: number;
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
  const spec: ReadSpec = {
    file: options.file,
    format: options.format,
    encoding: options.encoding,
    identity: options.identity,
    idColumn,
    idKind,
    idOptions: options.idOptions ?? {},
    attributeTypes: options.attributeTypes ?? {},
  };
  const events = (readInWorker(options) ? readRowsInWorker : readRows)(spec);
  const restoreCache = raiseCacheSize(db);
  let ownPool: CryptoPool | undefined;
  try {
    const start = await nextEvent(events, 'start');
    const reclaiming = performance.now();
    await reclaimGenerations(db);
    const reclaimMs = performance.now() - reclaiming;
    const generation = beginGeneration(db, dataset);
    let previousGeneration: number | null;
    let read: Staged;
    let readMs: number;
    let hash: { ms: number; threads: number };
    try {
      read = await stageRows(
        db,
        { ...options, idKind, generation, columns: start.columns, totalBytes: start.totalBytes, pointBytes: group.pointBytes },
        events,
      );
      // The read phase runs from the start (opening the file, the sample) to the last row stored.
      readMs = performance.now() - started - reclaimMs;
      const pool = options.pool ?? (ownPool = new CryptoPool(read.imported < OWN_POOL_MIN_ROWS ? { threads: 0 } : {}));
      if (pool.suite !== group.suite) throw new MofangError('INTERNAL', `the crypto pool runs suite ${pool.suite}, the import's group ${group.suite}`);
      hash = await hashRows(db, { ...options, idKind, generation, pool, read, totalBytes: start.totalBytes });
      previousGeneration = publishGeneration(db, generation, {
        name: dataset,
        idColumn,
        idKind,
        idOptions: JSON.stringify(options.idOptions ?? {}),
        columns: JSON.stringify(start.columns),
        rowCount: read.imported,
        rejectedCount: read.rejected,
        sourceSha256: read.sha256,
        groupSuite: group.suite,
      });
    } catch (err) {
      await dropGeneration(db, generation).catch(() => undefined);
      throw err;
    }
    // The replaced generation is garbage now; if deleting it fails, the next import reclaims it.
    if (previousGeneration !== null) await dropGeneration(db, previousGeneration).catch(() => undefined);
    const { sha256, ...counts } = read;
    return {
      dataset,
      generation,
      previousGeneration,
      format: start.format,
      idColumn,
      idKind,
      ...counts,
      columns: start.columns,
      sourceSha256: sha256,
      groupSuite: group.suite,
      durationMs: Math.round(performance.now() - started),
      readMs: Math.round(readMs),
      hashMs: Math.round(hash.ms),
      parseRowsPerSecond: perSecond(read.rowsRead, readMs),
      hashPerSecond: perSecond(read.imported, hash.ms),
      hashThreads: hash.threads,
    };
  } finally {
    restoreCache();
    await events.return(undefined).catch(() => undefined);
    await ownPool?.close().catch(() => undefined);
  }
}

function readInWorker(options: ImportOptions): boolean {
  if (options.readInWorker !== undefined) return options.readInWorker;
  if (availableParallelism() < 2) return false;
  try {
    return statSync(options.file).size >= READ_WORKER_MIN_BYTES;
  } catch {
    return false; // the reader reports the unreadable file
  }
}

async function nextEvent<T extends ReadEvent['type']>(events: AsyncGenerator<ReadEvent>, type: T): Promise<Extract<ReadEvent, { type: T }>> {
  const r = await events.next();
  if (r.done || r.value.type !== type) throw new MofangError('INTERNAL', `import reader: expected a ${type} event`);
  return r.value as Extract<ReadEvent, { type: T }>;
}

const perSecond = (n: number, ms: number) => Math.round((n / Math.max(ms, 1)) * 1000);

type Staged = Pick<ImportReport, 'rowsRead' | 'imported' | 'rejected' | 'badRows'> & { sha256: string };
type StageOptions = ImportOptions & { idKind: IdKind; generation: number; columns: DatasetColumn[]; totalBytes: number; pointBytes: number };

/**
 * Phase 1: stores every good row of the reader's batches in the staging generation. An error
 * carries `rowsRead` (rows of the batches before the failing one) and `badRows` (skipped so far).
 */
async function stageRows(db: Db, options: StageOptions, events: AsyncGenerator<ReadEvent>): Promise<Staged> {
  const { idColumn, onProgress, totalBytes } = options;
  const bad = new BadRows(options.dataset, options.skipBad === true);
  const writer = new RecordWriter(db, options.generation, options.pointBytes);
  const seen = new IdSet((row) => writer.idOfRow(row));
  let rowsRead = 0;
  let bytesRead = 0;
  let reported = 0;
  try {
    for (;;) {
      const r = await events.next();
      if (r.done) throw new MofangError('INTERNAL', 'import reader: ended without an end event');
      const event = r.value;
      if (event.type === 'end') {
        writer.flush();
        onProgress?.({ phase: 'read', rowsRead, bytesRead, totalBytes });
        return { rowsRead, imported: writer.written, rejected: bad.count, badRows: bad.listed, sha256: event.sha256 };
      }
      if (event.type !== 'rows') throw new MofangError('INTERNAL', `import reader: unexpected ${event.type} event`);
      const { count, lines, hashes, bad: badInBatch } = event.batch;
      const write = writer.queueBatch(event.batch);
      let b = 0;
      for (let i = 0; ; i++) {
        // Rows in line order: the bad rows that came before good row i, then row i.
        for (; b < badInBatch.length && badInBatch[b].before === i; b++) {
          const { before: _, ...row } = badInBatch[b];
          bad.add(row);
        }
        if (i === count) break;
        const first = seen.add(hashes[i], lines[i]);
        if (first === undefined) write[i] = 1;
        else bad.add({ line: lines[i], column: idColumn, reason: `duplicate of line ${first}` });
      }
      writer.commitIfFull();
      rowsRead = event.batch.rowsRead;
      bytesRead = event.batch.bytesRead;
      if (rowsRead - reported >= PROGRESS_EVERY) {
        reported = rowsRead;
        onProgress?.({ phase: 'read', rowsRead, bytesRead, totalBytes });
      }
    }
  } catch (err) {
    // The audit entry of a failed import keeps counts, not messages: give it the counts.
    if (!(err instanceof MofangError)) throw err;
    throw new MofangError(err.code, err.message, { ...err.details, rowsRead, badRows: bad.count });
  }
}

/** Phase 2: the hash pass over the staged rows. */
async function hashRows(
  db: Db,
  options: ImportOptions & { idKind: IdKind; generation: number; pool: CryptoPool; read: Staged; totalBytes: number },
): Promise<{ ms: number; threads: number }> {
  const started = performance.now();
  const { pool, read, onProgress, totalBytes } = options;
  const progress = (hashed: number) =>
    onProgress?.({ phase: 'hash', rowsRead: read.rowsRead, bytesRead: totalBytes, totalBytes, hashed, toHash: read.imported });
  const hashed = await hashPass(db, { generation: options.generation, dst: pointDst(options.idKind), pool, onChunk: progress });
  if (hashed !== read.imported) throw new MofangError('INTERNAL', `hash pass: ${hashed} records hashed, ${read.imported} staged`);
  return { ms: performance.now() - started, threads: pool.threads };
}

/**
 * A commit whose dirty pages do not fit the page cache spills them to the WAL mid-transaction and
 * writes them twice; SQLite's default cache (2 MB) is far below one commit. Returns a function
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
    throw new MofangError('IMPORT_BAD_OPTION', `unknown identifier kind "${options.idKind}"; valid kinds: ${ID_KINDS.join(', ')}`, {
      option: 'idKind',
      valid: ID_KINDS,
    });
  }
  for (const [column, type] of Object.entries(options.attributeTypes ?? {})) {
    if (!isAttributeType(type)) {
      throw new MofangError('IMPORT_BAD_OPTION', `column ${column}: unknown type "${type}"; valid types: ${ATTRIBUTE_TYPES.join(', ')}`, {
        option: 'attributeTypes',
        column,
        valid: ATTRIBUTE_TYPES,
      });
    }
    if (column === options.idColumn) {
      throw new MofangError('IMPORT_BAD_OPTION', `column ${column} is the identifier column and has no attribute type`, { option: 'attributeTypes', column });
    }
  }
  return options.idKind;
}
