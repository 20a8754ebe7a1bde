/**
 * What a data source yields: one record per row of the file, either its fields or the reason it
 * could not be read. Sources never throw for a bad row — the importer decides whether a bad row
 * aborts the import or is skipped — and reasons never quote the row's content.
 */

import type { SourceEncoding } from './decode.js';
import type { FileIdentity } from './file-digest.js';

export type FieldValue = string | number | boolean | null;

export type SourceRecord =
  | {
      /** 1-based line of the file where the record starts. */
      readonly line: number;
      readonly fields: Readonly<Record<string, FieldValue>>;
      readonly error?: undefined;
    }
  | {
      readonly line: number;
      readonly fields?: undefined;
      /** Why the row could not be read, without its content. */
      readonly error: string;
      /** The column at fault, when there is one. */
      readonly column?: string;
    };

/**
 * A record's field: own properties only, so a JSONL row without a `constructor` or `toString`
 * key reads as missing rather than as Object.prototype's function.
 */
export function fieldOf(fields: Readonly<Record<string, FieldValue>>, name: string): FieldValue | undefined {
  return Object.hasOwn(fields, name) ? fields[name] : undefined;
}

/** How to read a source's file. */
export interface SourceOptions {
  /** The text encoding (decode.ts); UTF-8 by default. */
  encoding?: SourceEncoding;
  /** The file the path must still name when it is read (file-digest.ts). */
  identity?: FileIdentity;
}

export const SOURCE_FORMATS = ['csv', 'jsonl'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/**
 * A file's records, read once, front to back, as a stream (the file is never held in memory):
 * iterate the source for one record at a time, or `batches()` for the records of each chunk read
 * (the import's hot path: one await per chunk rather than per record).
 */
export interface RecordSource extends AsyncIterable<SourceRecord> {
  readonly format: SourceFormat;
  readonly file: string;
  /** CSV: the header, known once the first record has been read. JSONL: undefined. */
  readonly header: readonly string[] | undefined;
  /** Bytes of the file read so far, for progress. */
  readonly bytesRead: number;
  /** Size of the file when the source was opened. */
  readonly totalBytes: number;
  /** SHA-256 (hex) of the whole file; available once iteration has run to the end. */
  sha256(): string;
  /** The records in batches, in file order; each batch is what one chunk of the file completed. */
  batches(): AsyncIterableIterator<SourceRecord[]>;
}

/** A source from its `batches()`: iterating it yields the records one at a time. */
export function recordSource(source: Omit<RecordSource, typeof Symbol.asyncIterator>): RecordSource {
  return Object.defineProperty(source, Symbol.asyncIterator, {
    value: async function* records(this: RecordSource) {
      for await (const batch of this.batches()) yield* batch;
    },
  }) as RecordSource;
}

/** Longest record a source accepts; longer ones are bad rows (a runaway quote, a binary file). */
export const MAX_RECORD_BYTES = 1 << 20;
