/**
 * Reads a file in chunks for a source, hashing and counting its bytes on the way. A source may
 * re-read part of the file (decode.ts, to find the line of a bad byte); each byte is still hashed
 * exactly once, in order, so the digest is the file's SHA-256 however often parts were re-read.
 *
 * Every read checks that the file it opened is the one first examined (device and inode): a path
 * approved by a check (import-path.ts) cannot be swapped for a link elsewhere before it is read.
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { SourceError } from './errors.js';

/** Which file a path named when it was checked; plain strings, so it crosses to a worker. */
export interface FileIdentity {
  dev: string;
  ino: string;
}

/** @example const identity = fileIdentity(realpath) // { dev: '66306', ino: '1234567' } */
export function fileIdentity(file: string): FileIdentity {
  const stat = statSync(file, { bigint: true });
  return { dev: String(stat.dev), ino: String(stat.ino) };
}

const CHUNK_BYTES = 1 << 18;

export class FileDigest {
  readonly totalBytes: number;
  private readonly hash = createHash('sha256');
  /** Offset up to which the file has been hashed (= the furthest byte read). */
  private hashed = 0;
  private hex: string | undefined;

  private readonly identity: FileIdentity;

  /** `identity`: the file the path must still name (IMPORT_PATH_FORBIDDEN otherwise). */
  constructor(
    readonly file: string,
    identity?: FileIdentity,
  ) {
    const stat = statFile(file);
    this.totalBytes = Number(stat.size);
    this.identity = { dev: String(stat.dev), ino: String(stat.ino) };
    if (identity) checkSame(file, identity, this.identity);
  }

  get bytesRead(): number {
    return this.hashed;
  }

  /** The file's bytes from offset `start` to its end. */
  async *chunks(start: number): AsyncGenerator<Buffer> {
    let offset = start;
    const handle = await open(this.file, 'r').catch((err: unknown) => {
      throw unreadable(this.file, err);
    });
    try {
      const stat = await handle.stat({ bigint: true });
      checkSame(this.file, this.identity, { dev: String(stat.dev), ino: String(stat.ino) });
      for await (const chunk of handle.createReadStream({ start, highWaterMark: CHUNK_BYTES, autoClose: false }) as AsyncIterable<Buffer>) {
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
    } finally {
      await handle.close();
    }
  }

  sha256(): string {
    this.hex ??= this.hash.digest('hex');
    return this.hex;
  }
}

function statFile(file: string) {
  try {
    const stat = statSync(file, { bigint: true });
    if (!stat.isFile()) throw new SourceError('IMPORT_FILE_UNREADABLE', `${file}: not a regular file`, { file });
    return stat;
  } catch (err) {
    throw unreadable(file, err);
  }
}

function checkSame(file: string, expected: FileIdentity, actual: FileIdentity): void {
  if (expected.dev !== actual.dev || expected.ino !== actual.ino) {
    throw new SourceError('IMPORT_PATH_FORBIDDEN', `${file}: the file changed after its path was checked (replaced or re-linked); nothing was imported`, {
      file,
      reason: 'file-replaced',
    });
  }
}

function unreadable(file: string, err: unknown): SourceError {
  if (err instanceof SourceError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
  return new SourceError('IMPORT_FILE_UNREADABLE', `${file}: cannot read (${code})`, { file, code });
}
