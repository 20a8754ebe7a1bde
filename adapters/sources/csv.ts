/**
 * CSV source (RFC 4180, header row required), streaming: the file is decoded chunk by chunk and
 * tokenized (csv-tokenizer.ts); only the record being read is held between chunks.
 *
 * Malformed rows become bad records with the line where the row starts: a wrong number of fields
 * (compared with the header), a quote error or a record over MAX_RECORD_BYTES. Reading resumes on
 * the line after the one a malformed record starts on, so a broken multi-line record may yield a
 * few bad records, but never swallows good ones.
 */
import { SourceError } from './errors.js';
import { checkHeader } from './column-name.js';
import { CsvTokenizer, type CsvError, type CsvToken } from './csv-tokenizer.js';
import { decodedChunks } from './decode.js';
import { FileDigest } from './file-digest.js';
import { MAX_RECORD_BYTES, recordSource, type RecordSource, type SourceOptions, type SourceRecord } from './record.js';

/** Why a record is malformed, without its content. */
const REASONS: Record<CsvError, string> = {
  'quote-in-unquoted-field': 'malformed CSV: a quote inside an unquoted field',
  'text-after-closing-quote': 'malformed CSV: characters after a closing quote',
  'unclosed-quote': 'malformed CSV: unclosed quote',
  'record-too-long': `malformed CSV: record longer than ${MAX_RECORD_BYTES} bytes (unclosed quote?)`,
};

export function csvSource(file: string, { encoding, identity }: SourceOptions = {}): RecordSource {
  const digest = new FileDigest(file, identity);
  let header: string[] | undefined;
  /** Only `__proto__` cannot be stored by assignment on a plain object; files naming it pay for null-prototype rows. */
  let newFields: () => Record<string, string> = () => ({});
  let done = false;

  async function* batches(): AsyncGenerator<SourceRecord[]> {
    let batch: SourceRecord[] = [];
    const take = (token: CsvToken) => {
      const { line } = token;
      if (token.error !== undefined) {
        if (!header)
          throw new SourceError('IMPORT_FILE_UNREADABLE', `${file}: line ${line}, the header row, is malformed (${REASONS[token.error]})`, { file, line });
        batch.push({ line, error: REASONS[token.error] });
      } else if (!header) {
        header = checkHeader(file, line, token.fields);
        if (header.includes('__proto__')) newFields = () => Object.create(null) as Record<string, string>;
      } else if (token.fields.length !== header.length) {
        batch.push({ line, error: `malformed CSV: ${header.length} fields expected, ${token.fields.length} found` });
      } else {
        const fields = newFields();
        for (let i = 0; i < header.length; i++) fields[header[i]] = token.fields[i];
        batch.push({ line, fields });
      }
    };
    const tokenizer = new CsvTokenizer(take, MAX_RECORD_BYTES);
    for await (const text of decodedChunks(digest, encoding)) {
      tokenizer.push(text);
      if (batch.length > 0) {
        yield batch;
        batch = [];
      }
    }
    tokenizer.finish();
    if (batch.length > 0) yield batch;
    if (!header) throw new SourceError('IMPORT_FILE_UNREADABLE', `${file}: empty file, a header row is required`, { file });
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
      if (!done) throw new SourceError('INTERNAL', 'sha256() is known only after the whole file was read');
      return digest.sha256();
    },
    batches,
  });
}
