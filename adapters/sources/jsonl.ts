/**
 * JSON Lines source: one JSON object per line, streaming. Blank lines are skipped; a line that is
 * not a JSON object, or holds nested values, is a bad record with its line number.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { MofangError } from '../../node/errors.js';
import { FileDigest } from './file-digest.js';
import { MAX_RECORD_BYTES, type FieldValue, type RecordSource, type SourceRecord } from './record.js';

const BLANK = /^\s*$/;

export function jsonlSource(file: string): RecordSource {
  const digest = new FileDigest(file);
  let done = false;

  async function* records(): AsyncGenerator<SourceRecord> {
    const input = createReadStream(file, { highWaterMark: 1 << 18 }).pipe(digest.tap(0));
    const lines = createInterface({ input, crlfDelay: Infinity });
    let line = 0;
    try {
      for await (let text of lines) {
        line++;
        if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        if (BLANK.test(text)) continue;
        if (text.length > MAX_RECORD_BYTES) {
          yield { line, error: `line longer than ${MAX_RECORD_BYTES} characters` };
          continue;
        }
        yield toRecord(line, text);
      }
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unknown error';
      throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (${code})`, { file, code });
    } finally {
      lines.close();
      input.destroy();
    }
    done = true;
  }

  return {
    format: 'jsonl',
    file,
    header: undefined,
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

function toRecord(line: number, text: string): SourceRecord {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // V8's message quotes the input; say only what is wrong.
    return { line, error: 'not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { line, error: 'not a JSON object' };
  for (const [column, v] of Object.entries(value)) {
    if (typeof v === 'object' && v !== null) return { line, column, error: 'nested objects and arrays are not supported' };
  }
  return { line, fields: value as Record<string, FieldValue> };
}
