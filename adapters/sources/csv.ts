/**
 * CSV source (RFC 4180, header row required), streaming: the file is decoded chunk by chunk and
 * tokenized (csv-tokenizer.ts); only the record being read is held between chunks.
 *
 * Malformed rows become bad records with the line where the row starts: a wrong number of fields
 * (compared with the header), a quote error or a record over MAX_RECORD_BYTES. Reading resumes on
 * the line after the one a malformed record starts on, so a broken multi-line record may yield a
 * few bad records, but never swallows good ones.
 */
import { StringDecoder } from 'node:string_decoder';
import { MofangError } from '../../node/errors.js';
import { CsvTokenizer, type CsvError, type CsvToken } from './csv-tokenizer.js';
import { FileDigest } from './file-digest.js';
import { MAX_RECORD_BYTES, recordSource, type RecordSource, type SourceRecord } from './record.js';

/** Why a record is malformed, without its content. */
const REASONS: Record<CsvError, string> = {
  'quote-in-unquoted-field': 'malformed CSV: a quote inside an unquoted field',
  'text-after-closing-quote': 'malformed CSV: characters after a closing quote',
  'unclosed-quote': 'malformed CSV: unclosed quote',
  'record-too-long': `malformed CSV: record longer than ${MAX_RECORD_BYTES} bytes (unclosed quote?)`,
};

export function csvSource(file: string): RecordSource {
  const digest = new FileDigest(file);
  let header: string[] | undefined;
  let done = false;

  async function* batches(): AsyncGenerator<SourceRecord[]> {
    let batch: SourceRecord[] = [];
    const take = (token: CsvToken) => {
      const { line } = token;
      if (token.error !== undefined) {
        if (!header) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: the header row is malformed (${REASONS[token.error]})`, { file });
        batch.push({ line, error: REASONS[token.error] });
      } else if (!header) {
        header = readHeader(file, token.fields);
      } else if (token.fields.length !== header.length) {
        batch.push({ line, error: `malformed CSV: ${header.length} fields expected, ${token.fields.length} found` });
      } else {
        const fields: Record<string, string> = {};
        for (let i = 0; i < header.length; i++) fields[header[i]] = token.fields[i];
        batch.push({ line, fields });
      }
    };
    const tokenizer = new CsvTokenizer(take, MAX_RECORD_BYTES);
    const decoder = new StringDecoder('utf8');
    let first = true;
    for await (const chunk of digest.chunks(0)) {
      let text = decoder.write(chunk);
      if (first && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        first = false;
      }
      tokenizer.push(text);
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    tokenizer.push(decoder.end());
    tokenizer.finish();
    if (batch.length > 0) yield batch;
    if (!header) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: empty file, a header row is required`, { file });
    done = true;
  }

  return recordSource({
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
    batches,
  });
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
