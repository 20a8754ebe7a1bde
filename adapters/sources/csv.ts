/**
 * CSV source (RFC 4180, header row required) over csv-parse, streaming.
 *
 * Malformed rows become bad records with the line where the row starts:
 * - a wrong number of fields: `relax_column_count` lets the record through and we compare it
 *   with the header;
 * - quote errors and runaway records: csv-parse stops with an error. Its own recovery
 *   (`skip_records_with_error`) resumes inside the broken record and can swallow the rest of the
 *   file as one quoted field, so instead we start a fresh parser on the line after the bad one.
 *   A quote error in a multi-line record may therefore yield a few bad records, never lost good ones.
 *
 * The parser is fed one chunk at a time and its records are taken synchronously in `on_record`:
 * that keeps every record parsed before an error (a stream would drop its buffer on error) and
 * bounds memory to one chunk's records.
 */
import { parse, type CsvError, type Parser } from 'csv-parse';
import { open } from 'node:fs/promises';
import { MofangError } from '../../node/errors.js';
import { FileDigest } from './file-digest.js';
import { MAX_RECORD_BYTES, type RecordSource, type SourceRecord } from './record.js';

/** csv-parse errors that concern one record; any other error is about the file as a whole. */
const RECORD_ERRORS: Record<string, string> = {
  INVALID_OPENING_QUOTE: 'malformed CSV: a quote inside an unquoted field',
  CSV_INVALID_CLOSING_QUOTE: 'malformed CSV: characters after a closing quote',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: 'malformed CSV: characters after a closing quote',
  CSV_QUOTE_NOT_CLOSED: 'malformed CSV: unclosed quote',
  CSV_MAX_RECORD_SIZE: `malformed CSV: record longer than ${MAX_RECORD_BYTES} bytes (unclosed quote?)`,
};

/** A record as csv-parse reports it: `lines` is the line it ends on, `bytes` the offset after it. */
interface Parsed {
  record: string[];
  lines: number;
  bytes: number;
  blankLines: number;
}

export function csvSource(file: string): RecordSource {
  const digest = new FileDigest(file);
  let header: string[] | undefined;
  let done = false;

  async function* records(): AsyncGenerator<SourceRecord> {
    // A segment is one parser run from byte `start`, whose line 1 is file line `lineBase + 1`.
    for (let start = 0, lineBase = 0; start < digest.totalBytes; ) {
      const segment = parseSegment(digest, start);
      // Where the last good record ended: file line, byte offset, and blank lines skipped so far.
      let endLine = lineBase;
      let endByte = start;
      let blanks = 0;
      let failure: Partial<CsvError> & { empty_lines?: number } = {};
      for await (const batch of segment) {
        if (!Array.isArray(batch)) {
          failure = batch;
          break;
        }
        for (const { record, lines, bytes, blankLines } of batch) {
          const line = endLine + 1 + (blankLines - blanks);
          endLine = lineBase + lines;
          endByte = start + bytes;
          blanks = blankLines;
          if (!header) {
            header = readHeader(file, record);
          } else if (record.length !== header.length) {
            yield { line, error: `malformed CSV: ${header.length} fields expected, ${record.length} found` };
          } else {
            const fields: Record<string, string> = {};
            for (let i = 0; i < record.length; i++) fields[header[i]] = record[i];
            yield { line, fields };
          }
        }
      }
      if (failure.code === undefined) break;

      const reason = RECORD_ERRORS[failure.code];
      if (reason === undefined) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read as CSV (${failure.code})`, { file, code: failure.code });
      if (!header) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: the header row is malformed (${reason})`, { file });
      const line = endLine + 1 + ((failure.empty_lines ?? blanks) - blanks);
      yield { line, error: reason };
      // Resume on the line after the bad one: skip the blank lines before it and the line itself.
      start = await offsetAfterNewlines(file, endByte, line - endLine);
      lineBase = line;
    }
    if (!header) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: empty file, a header row is required`, { file });
    done = true;
  }

  return {
    format: 'csv',
    file,
    get header() {
      return header;
    },
    get bytesRead() {
      return digest.bytesRead;
    },
    totalBytes: digest.totalBytes,
    sha256() {
      if (!done) throw new MofangError('INTERNAL', 'sha256() is known only after the whole file was read');
      return digest.sha256();
    },
    [Symbol.asyncIterator]: records,
  };
}

/**
 * Parses the file from `start`: yields the records of each chunk, and finally the parse error
 * (if any) — after every record that preceded it.
 */
async function* parseSegment(digest: FileDigest, start: number): AsyncGenerator<Parsed[] | CsvError> {
  let batch: Parsed[] = [];
  const parser: Parser = parse({
    relax_column_count: true,
    skip_empty_lines: true,
    bom: start === 0,
    max_record_size: MAX_RECORD_BYTES,
    on_record: (record: string[], info) => {
      batch.push({ record, lines: info.lines, bytes: info.bytes, blankLines: info.empty_lines });
      return null; // taken here; nothing goes through the stream
    },
  });
  parser.on('error', () => undefined); // reported through the write/end callbacks below
  const write = (chunk: Buffer) => new Promise<Error | null | undefined>((resolve) => parser.write(chunk, resolve));
  try {
    for await (const chunk of digest.chunks(start)) {
      const err = await write(chunk);
      yield batch;
      batch = [];
      if (err) return yield err as CsvError;
    }
    const err = await new Promise<Error | null | undefined>((resolve) => {
      parser.once('error', resolve);
      parser.end(() => resolve(undefined));
    });
    yield batch;
    if (err) yield err as CsvError;
  } finally {
    parser.destroy();
  }
}

function readHeader(file: string, record: string[]): string[] {
  const names = record.map((name) => name.trim());
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (name === '') throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: header column ${i + 1} has no name`, { file, column: i + 1 });
    if (seen.has(name)) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: header column "${name}" appears twice`, { file, column: name });
    seen.add(name);
  });
  return names;
}

/** The offset just after the `count`-th newline at or after `from` (or the end of the file). */
async function offsetAfterNewlines(file: string, from: number, count: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 16);
    for (let offset = from; ; ) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return offset;
      for (let i = 0; i < bytesRead; i++) {
        if (buf[i] === 0x0a && --count === 0) return offset + i + 1;
      }
      offset += bytesRead;
    }
  } finally {
    await handle.close();
  }
}
