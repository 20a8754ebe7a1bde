/** Picks the source for a file: by its extension, unless the caller names the format. */
import { extname } from 'node:path';
import { SourceError } from './errors.js';
import { csvSource } from './csv.js';
import { isSourceEncoding, SOURCE_ENCODINGS } from './decode.js';
import type { FileIdentity } from './file-digest.js';
import { jsonlSource } from './jsonl.js';
import { SOURCE_FORMATS, type RecordSource, type SourceFormat } from './record.js';

const EXTENSIONS: Record<string, SourceFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** The format implied by the file name (`.csv`, `.jsonl`, `.ndjson`), if any. */
export function detectFormat(file: string): SourceFormat | undefined {
  return EXTENSIONS[extname(file).toLowerCase()];
}

/**
 * @example for await (const r of openSource('bank.csv')) if (r.error) console.log(r.line, r.error)
 */
export function openSource(file: string, format?: string, options: { encoding?: string; identity?: FileIdentity } = {}): RecordSource {
  const { encoding, identity } = options;
  if (encoding !== undefined && !isSourceEncoding(encoding)) {
    throw new SourceError('IMPORT_BAD_OPTION', `unknown encoding; valid encodings: ${SOURCE_ENCODINGS.join(', ')}`, {
      option: 'encoding',
      valid: SOURCE_ENCODINGS,
    });
  }
  const chosen = format ?? detectFormat(file);
  if (chosen === undefined) {
    throw new SourceError('IMPORT_BAD_OPTION', `cannot tell the format of ${file} from its extension; give one of: ${SOURCE_FORMATS.join(', ')}`, {
      option: 'format',
      valid: SOURCE_FORMATS,
    });
  }
  if (chosen === 'csv') return csvSource(file, { encoding, identity });
  if (chosen === 'jsonl') return jsonlSource(file, { encoding, identity });
  throw new SourceError('IMPORT_BAD_OPTION', `unknown format "${chosen}"; valid formats: ${SOURCE_FORMATS.join(', ')}`, {
    option: 'format',
    valid: SOURCE_FORMATS,
  });
}
