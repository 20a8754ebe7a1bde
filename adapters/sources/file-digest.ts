/**
 * Reads a file in chunks for a source, hashing and counting its bytes on the way. A CSV source may
 * re-read part of the file after a malformed record (csv.ts); each byte is still hashed exactly
 * once, in order, so the digest is the file's SHA-256 however often parts were re-read.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { MofangError } from '../../node/errors.js';

const CHUNK_BYTES = 1 << 18;

export class FileDigest {
  readonly totalBytes: number;
  private readonly hash = createHash('sha256');
  /** Offset up to which the file has been hashed (= the furthest byte read). */
  private hashed = 0;
  private hex: string | undefined;

  constructor(readonly file: string) {
    this.totalBytes = fileSize(file);
  }

  get bytesRead(): number {
    return this.hashed;
  }

  /** The file's bytes from offset `start` to its end. */
  async *chunks(start: number): AsyncGenerator<Buffer> {
    let offset = start;
    try {
      for await (const chunk of createReadStream(this.file, { start, highWaterMark: CHUNK_BYTES }) as AsyncIterable<Buffer>) {
        const end = offset + chunk.length;
        if (end > this.hashed) {
          this.hash.update(chunk.subarray(Math.max(0, this.hashed - offset)));
          this.hashed = end;
        }
        offset = end;
        yield chunk;
      }
    } catch (err) {
      throw unreadable(this.file, err);
    }
  }

  sha256(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

function fileSize(file: string): number {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: not a regular file`, { file });
    return stat.size;
  } catch (err) {
    throw unreadable(file, err);
  }
}

function unreadable(file: string, err: unknown): MofangError {
  if (err instanceof MofangError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
  return new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (${code})`, { file, code });
}
