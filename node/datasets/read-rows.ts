/**
 * The reading half of an import: a file's records → normalised rows, in packed batches.
 *
 * It opens the source, plans the attribute columns from the first rows, then normalises every row
 * (row-reader.ts). Good rows travel as one string and three typed arrays per batch; bad rows as
 * short descriptions, placed between the good rows they came between, so the consumer sees every
 * row in line order. No database access: the same generator runs in the import's thread or in a
 * worker thread (read-worker.ts), where batches cross as one string plus transferred buffers.
 */
import { openSource } from '../../adapters/sources/open.js';
import type { FileIdentity } from '../../adapters/sources/file-digest.js';
import type { RecordSource, SourceFormat, SourceRecord } from '../../adapters/sources/record.js';
import { fieldOf } from '../../adapters/sources/record.js';
import { SourceError } from '../../adapters/sources/errors.js';
import { MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import { INFERENCE_SAMPLE_ROWS, inferAttributeType, type AttributeType, type DatasetColumn } from './attributes.js';
import { idHash } from './id-set.js';
import type { IdKind, NormaliseOptions } from './normalise.js';
import { RowReader, type BadRow } from './row-reader.js';

const MAX_COLUMNS = 256;
/** Good rows per batch. */
const BATCH_ROWS = 4096;

/** What to read; plain data, so it can be handed to a worker. */
export interface ReadSpec {
  file: string;
  format?: string;
  /** One of SOURCE_ENCODINGS; UTF-8 by default (a byte-order mark decides by itself). */
  encoding?: string;
  /** The file `file` must still be when it is opened (a path checked by import-path.ts). */
  identity?: FileIdentity;
  idColumn: string;
  idKind: IdKind;
  idOptions: NormaliseOptions;
  attributeTypes: Record<string, AttributeType>;
}

/**
 * Good row i of a batch: identifier `text[ends[2i-1] .. ends[2i])` (from 0 for i = 0), attributes
 * as a JSON object `text[ends[2i] .. ends[2i+1])`.
 */
export interface RowBatch {
  count: number;
  lines: Uint32Array;
  text: string;
  ends: Uint32Array;
  /** `idHash` of each identifier (for the consumer's IdSet). */
  hashes: Uint32Array;
  /** Bad rows in line order; `before`: the index of the good row each one precedes. */
  bad: (BadRow & { before: number })[];
  /** Rows and bytes read so far, this batch included. */
  rowsRead: number;
  bytesRead: number;
}

export type ReadEvent =
  | { type: 'start'; format: SourceFormat; columns: DatasetColumn[]; totalBytes: number }
  | { type: 'rows'; batch: RowBatch }
  | { type: 'end'; sha256: string };

/**
 * @example
 * for await (const event of readRows(spec)) if (event.type === 'rows') stage(event.batch);
 */
export async function* readRows(spec: ReadSpec): AsyncGenerator<ReadEvent> {
  try {
    yield* readSource(spec);
  } catch (err) {
    throw fromSourceError(err);
  }
}

/**
 * A source's error as the node reports it: the same code, details and message, with the file's
 * own text (a column name) passed through the outsider-text filter.
 */
function fromSourceError(err: unknown): unknown {
  return err instanceof SourceError ? new MofangError(err.code, err.describe(untrustedText), err.details) : err;
}

async function* readSource(spec: ReadSpec): AsyncGenerator<ReadEvent> {
  const source = openSource(spec.file, spec.format, { encoding: spec.encoding, identity: spec.identity });
  const batches = source.batches();
  try {
    // The first source batches, up to the sample's size: the sample is their first rows.
    let head: SourceRecord[] = [];
    while (head.length < INFERENCE_SAMPLE_ROWS) {
      const r = await batches.next();
      if (r.done) break;
      head = head.length === 0 ? r.value : head.concat(r.value);
    }
    const columns = planColumns(source, head.slice(0, INFERENCE_SAMPLE_ROWS), spec.idColumn, spec.attributeTypes);
    yield { type: 'start', format: source.format, columns, totalBytes: source.totalBytes };

    const reader = new RowReader(spec.idColumn, spec.idKind, spec.idOptions, columns, source.format === 'jsonl');
    let batch = new BatchBuilder();
    let rowsRead = 0;
    for (let records: SourceRecord[] | undefined = head; records; records = await nextBatch(batches)) {
      for (const record of records) {
        rowsRead++;
        const row = reader.read(record);
        if ('reason' in row) batch.addBad(row);
        else batch.add(record.line, row.id, row.attrs);
        if (batch.full) {
          yield { type: 'rows', batch: batch.take(rowsRead, source.bytesRead) };
          batch = new BatchBuilder();
        }
      }
    }
    yield { type: 'rows', batch: batch.take(rowsRead, source.bytesRead) };
    yield { type: 'end', sha256: source.sha256() };
  } finally {
    await batches.return?.();
  }
}

async function nextBatch(batches: AsyncIterator<SourceRecord[]>): Promise<SourceRecord[] | undefined> {
  const r = await batches.next();
  return r.done ? undefined : r.value;
}

class BatchBuilder {
  private count = 0;
  private readonly lines = new Uint32Array(BATCH_ROWS);
  private readonly ends = new Uint32Array(2 * BATCH_ROWS);
  private readonly hashes = new Uint32Array(BATCH_ROWS);
  private readonly bad: RowBatch['bad'] = [];
  private text = '';

  get full(): boolean {
    return this.count === BATCH_ROWS || this.bad.length === BATCH_ROWS;
  }

  add(line: number, id: string, attrs: string): void {
    const i = this.count++;
    this.lines[i] = line;
    this.hashes[i] = idHash(id);
    this.text += id;
    this.ends[2 * i] = this.text.length;
    this.text += attrs;
    this.ends[2 * i + 1] = this.text.length;
  }

  addBad(row: BadRow): void {
    this.bad.push({ ...row, before: this.count });
  }

  take(rowsRead: number, bytesRead: number): RowBatch {
    const { count, lines, text, ends, hashes, bad } = this;
    return { count, lines, text, ends, hashes, bad, rowsRead, bytesRead };
  }
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
    // Names are listed only because the source checked them (column-name.ts); still outsider text.
    const available = [...names].map((name) => untrustedText(name));
    const column = untrustedText(idColumn);
    throw new MofangError('IMPORT_BAD_OPTION', `id column "${column}" is not in the file; available columns: ${available.join(', ') || '(none)'}`, {
      option: 'idColumn',
      column,
      available,
    });
  }
  for (const name of Object.keys(given)) {
    const column = untrustedText(name);
    if (!names.has(name))
      throw new MofangError('IMPORT_BAD_OPTION', `attributeTypes: column "${column}" is not in the file`, { option: 'attributeTypes', column });
  }
  if (names.size > MAX_COLUMNS) throw new MofangError('LIMIT_EXCEEDED', `${names.size} columns; at most ${MAX_COLUMNS} are supported`, { limit: MAX_COLUMNS });
  return (
    [...names]
      .filter((name) => name !== idColumn)
      // Own keys only: a column named `constructor` must not pick up Object.prototype's.
      .map((name) => ({ name, type: (Object.hasOwn(given, name) ? given[name] : undefined) ?? inferAttributeType(good.map((f) => fieldOf(f, name) ?? null)) }))
  );
}
