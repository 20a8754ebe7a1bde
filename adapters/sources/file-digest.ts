/**
 * Hashes and counts a file's bytes as sources stream it. A CSV source may re-read part of the file
 * after a malformed record (csv.ts); each byte is still hashed exactly once, in order, so the digest
 * is the file's SHA-256 however often it was re-read.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { Transform } from 'node:stream';
import { MofangError } from '../../node/errors.js';

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

  /** A pass-through for a read stream that starts at byte `start` of the file. */
  tap(start: number): Transform {
    let offset = start;
    return new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        const end = offset + chunk.length;
        if (end > this.hashed) {
          this.hash.update(chunk.subarray(Math.max(0, this.hashed - offset)));
          this.hashed = end;
        }
        offset = end;
        done(null, chunk);
      },
    });
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
    if (err instanceof MofangError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new MofangError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (${code})`, { file, code });
  }
}
