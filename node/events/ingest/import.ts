/**
 * Historical events from a file (`mofang events import`): CSV or JSON Lines, streamed, checked and
 * stored in batches through the same path as `POST /v1/events`, so the rules, the idempotency and
 * the outcomes are the same. Re-running an import stores nothing twice.
 *
 * CSV columns: eventId, customerId, name, time, then either one `properties` column holding a
 * JSON object or one `prop.<name>` column per property (a cell that reads as a JSON number, true
 * or false is taken as one; an empty cell leaves the property out). JSONL: one event object per
 * line, as in the HTTP body.
 *
 * The report names rejected rows by line, field and reason, never by value.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { openSource } from '../../../adapters/sources/open.js';
import { asMofangError, MofangError } from '../../errors.js';
import type { ChunkOptions, IngestReport } from './service.js';

export interface EventImportOptions {
  format?: 'csv' | 'jsonl';
  /** Store nothing when any row is rejected: the file is checked whole before anything is written. */
  atomic?: boolean;
  maxAgeDays?: number;
  /** Events per stored batch. */
  batchSize?: number;
  /** Rejected rows listed in the report; the rest are counted. */
  listRejected?: number;
  onProgress?: (p: { rowsRead: number; bytesRead: number; totalBytes: number }) => void;
  /** The file as messages name it: an upload's staged copy has a path its sender never saw. Default: the path. */
  name?: string;
}

export interface EventImportReport {
  format: 'csv' | 'jsonl';
  rows: number;
  accepted: number;
  duplicates: number;
  quarantined: number;
  paused: number;
  rejected: number;
  /** The first rejected rows, in file order. */
  firstRejected: { line: number; field: string; reason: string }[];
}

type Row = { line: number; event: unknown } | { line: number; field: string; reason: string };

const REQUIRED_COLUMNS = ['eventId', 'customerId', 'name', 'time'] as const;
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * @example const report = await importEvents((events, o) => ingest.ingestChunk(events, o), 'events.csv', { atomic: true });
 */
export async function importEvents(
  ingestChunk: (events: readonly unknown[], options: ChunkOptions) => Promise<IngestReport>,
  file: string,
  options: EventImportOptions = {},
): Promise<EventImportReport> {
  const format = eventFileFormat(file, options.format);
  const name = options.name ?? file;
  const batchSize = options.batchSize ?? 1000;
  const listRejected = options.listRejected ?? 20;
  const report: EventImportReport = { format, rows: 0, accepted: 0, duplicates: 0, quarantined: 0, paused: 0, rejected: 0, firstRejected: [] };
  const reject = (line: number, field: string, reason: string) => {
    report.rejected++;
    if (report.firstRejected.length < listRejected) report.firstRejected.push({ line, field, reason });
  };

  const pass = async (dryRun: boolean) => {
    let batch: { line: number; event: unknown }[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const lines = batch.map((r) => r.line);
      const result = await ingestChunk(
        batch.map((r) => r.event),
        { dryRun, maxAgeDays: options.maxAgeDays },
      );
      for (const r of result.rejected) reject(lines[r.index], r.field, r.reason);
      report.accepted += result.accepted;
      report.duplicates += result.duplicates;
      report.quarantined += result.quarantined;
      report.paused += result.paused;
      batch = [];
    };
    for await (const { rows, bytesRead, totalBytes } of readRows(file, format)) {
      for (const row of rows) {
        report.rows++;
        if ('event' in row) batch.push(row);
        else reject(row.line, row.field, row.reason);
        if (batch.length >= batchSize) await flush();
      }
      options.onProgress?.({ rowsRead: report.rows, bytesRead, totalBytes });
    }
    await flush();
  };

  if (options.atomic) {
    await pass(true);
    if (report.rejected > 0) {
      throw new MofangError('EVENT_BATCH_REJECTED', `${report.rejected} of ${report.rows} rows of ${name} were rejected; with --atomic nothing was stored`, {
        rejected: report.firstRejected,
        count: report.rejected,
      });
    }
    report.rows = 0;
  }
  await pass(false);
  return report;
}

/**
 * The format given, else the one the file's extension names (.csv, .jsonl or .ndjson).
 * @example eventFileFormat('events.ndjson') // → 'jsonl'
 */
export function eventFileFormat(file: string, format?: 'csv' | 'jsonl'): 'csv' | 'jsonl' {
  const known = format ?? (/\.(jsonl|ndjson)$/i.test(file) ? 'jsonl' : /\.csv$/i.test(file) ? 'csv' : undefined);
  if (known === undefined) {
    throw new MofangError('EVENT_IMPORT_INVALID', `cannot tell the format of ${file} from its extension; give --format csv or --format jsonl`, {
      field: 'format',
    });
  }
  return known;
}

/** The file's rows as events (or as row-level reasons), a chunk at a time with the bytes read so far. */
async function* readRows(file: string, format: 'csv' | 'jsonl'): AsyncGenerator<{ rows: Row[]; bytesRead: number; totalBytes: number }> {
  if (format === 'jsonl') {
    yield* jsonlRows(file);
    return;
  }
  let source: ReturnType<typeof openSource>;
  try {
    source = openSource(file, 'csv');
  } catch (err) {
    throw asMofangError(err);
  }
  let columns: ReturnType<typeof csvColumns> | null = null;
  try {
    for await (const records of source.batches()) {
      columns ??= csvColumns(source.header ?? []);
      const rows = records.map((r): Row => {
        if (r.error !== undefined) return { line: r.line, field: 'line', reason: r.error };
        return columns!.event(r.line, r.fields as Record<string, string>);
      });
      yield { rows, bytesRead: source.bytesRead, totalBytes: source.totalBytes };
    }
  } catch (err) {
    throw asMofangError(err);
  }
}

function csvColumns(header: readonly string[]) {
  const missing = REQUIRED_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw new MofangError('EVENT_IMPORT_INVALID', `the CSV header has no ${missing.join(', ')} column (needed: ${REQUIRED_COLUMNS.join(', ')})`, {
      field: missing[0],
    });
  }
  const props = header.filter((c) => c.startsWith('prop.')).map((c) => [c, c.slice('prop.'.length)] as const);
  const json = header.includes('properties');
  if (json && props.length > 0) {
    throw new MofangError('EVENT_IMPORT_INVALID', 'the CSV header has both a properties column and prop.<name> columns; use one or the other', {
      field: 'properties',
    });
  }
  return {
    event(line: number, fields: Record<string, string>): Row {
      const properties: Record<string, unknown> = {};
      if (json && fields.properties !== '' && fields.properties !== undefined) {
        try {
          return { line, event: { ...base(fields), properties: JSON.parse(fields.properties) } };
        } catch {
          return { line, field: 'properties', reason: 'the properties column is not valid JSON' };
        }
      }
      for (const [column, name] of props) {
        const cell = fields[column];
        if (cell === undefined || cell === '') continue;
        properties[name] = NUMBER.test(cell) ? Number(cell) : cell === 'true' ? true : cell === 'false' ? false : cell;
      }
      return { line, event: { ...base(fields), properties } };
    },
  };
}

function base(fields: Record<string, string>) {
  // Epoch milliseconds arrive as digits in a CSV cell.
  const time = /^\d{1,15}$/.test(fields.time) ? Number(fields.time) : fields.time;
  return { eventId: fields.eventId, customerId: fields.customerId, name: fields.name, time };
}

async function* jsonlRows(file: string): AsyncGenerator<{ rows: Row[]; bytesRead: number; totalBytes: number }> {
  let totalBytes: number;
  try {
    totalBytes = statSync(file).size;
  } catch (err) {
    throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { file });
  }
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  let rows: Row[] = [];
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    try {
      rows.push({ line, event: JSON.parse(text) });
    } catch {
      rows.push({ line, field: 'line', reason: 'the line is not valid JSON' });
    }
    if (rows.length >= 1000) {
      yield { rows, bytesRead: stream.bytesRead, totalBytes };
      rows = [];
    }
  }
  yield { rows, bytesRead: totalBytes, totalBytes };
}
