/**
 * JSON Lines source: one JSON object per line, streaming. Blank lines are skipped; a line that is
 * not a JSON object, or holds nested values, is a bad record with its line number.
 */
import { SourceError } from './errors.js';
import { isColumnName } from './column-name.js';
import { decodedChunks } from './decode.js';
import { FileDigest } from './file-digest.js';
import { MAX_RECORD_BYTES, recordSource, type FieldValue, type RecordSource, type SourceOptions, type SourceRecord } from './record.js';

const BLANK = /^\s*$/;

export function jsonlSource(file: string, { encoding, identity }: SourceOptions = {}): RecordSource {
  const digest = new FileDigest(file, identity);
  let done = false;

  async function* batches(): AsyncGenerator<SourceRecord[]> {
    let line = 0;
    let rest = '';
    let skipping = false; // inside an over-long line that was already reported
    for await (const chunk of decodedChunks(digest, encoding)) {
      const batch: SourceRecord[] = [];
      const text = rest + chunk;
      let from = 0;
      if (skipping) {
        const nl = text.indexOf('\n');
        rest = '';
        if (nl < 0) continue;
        from = nl + 1;
        skipping = false;
      }
      for (let nl = text.indexOf('\n', from); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) {
        const r = lineRecord(++line, text.slice(from, nl));
        if (r) batch.push(r);
      }
      rest = text.slice(from);
      if (rest.length > MAX_RECORD_BYTES) {
        // Report it now and drop it as it streams by, rather than holding an unbounded line.
        batch.push({ line: ++line, error: `line longer than ${MAX_RECORD_BYTES} characters` });
        rest = '';
        skipping = true;
      }
      if (batch.length > 0) yield batch;
    }
    if (!skipping && rest !== '') {
      const r = lineRecord(++line, rest);
      if (r) yield [r];
    }
    done = true;
  }

  return recordSource({
    format: 'jsonl',
    file,
    header: undefined,
    get bytesRead() {
      return digest.bytesRead;
    },
    totalBytes: digest.totalBytes,
    sha256() {
      if (!done) throw new SourceError('INTERNAL', 'sha256() is known only after the whole file was read');
      return digest.sha256();
    },
    batches,
  });
}

/** The record on one line of text (without its line break); undefined for a blank line. */
function lineRecord(line: number, text: string): SourceRecord | undefined {
  if (text.endsWith('\r')) text = text.slice(0, -1);
  if (BLANK.test(text)) return undefined;
  if (text.length > MAX_RECORD_BYTES) return { line, error: `line longer than ${MAX_RECORD_BYTES} characters` };
  return toRecord(line, text);
}

/**
 * Keys already found to be names: rows repeat the same few keys, and the regular expression would
 * otherwise run for every key of every row. Bounded, so a file of ever-new keys cannot grow it.
 */
const NAMES_CACHED = 1024;
const names = new Set<string>();
function knownName(key: string): boolean {
  if (names.has(key)) return true;
  if (!isColumnName(key)) return false;
  if (names.size < NAMES_CACHED) names.add(key);
  return true;
}

function toRecord(line: number, text: string): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // V8's message quotes the input; say only what is wrong.
    return { line, error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, error: 'not a JSON object' };
  // JSON.parse makes every key an own property, `__proto__` included: no prototype is touched.
  let k = 0;
  for (const [column, v] of Object.entries(value)) {
    k++;
    // The key is the file's text: named in reports only once it is known to be a column name.
    if (!knownName(column)) return { line, error: `key ${k} is not a column name (letters, digits, _ - . and spaces, at most 64 characters)` };
    if (typeof v === 'object' && v !== null) return { line, column, error: 'nested objects and arrays are not supported' };
  }
  return { line, fields: value as Record<string, FieldValue> };
}
