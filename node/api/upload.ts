/**
 * Stages an uploaded dataset in a private temp directory so the importer can read it like any
 * file on the node. The body is counted while it streams; the upload stops at the limit instead
 * of filling the disk.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MofangError } from '../errors.js';

export interface StagedUpload {
  file: string;
  /** Removes the file and its directory; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * @example
 * const staged = await stageUpload(request.body, { dir: tmpdir(), extension: 'csv', limit: 2 ** 31 });
 * try { await importer(staged.file) } finally { await staged.remove() }
 */
export async function stageUpload(body: Readable, options: { dir: string; extension: string; limit: number }): Promise<StagedUpload> {
  // mkdtemp creates the directory 0700 and the file is 0600: uploads hold customer identifiers.
  const dir = await mkdtemp(join(options.dir, 'mofang-upload-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  const file = join(dir, `upload.${options.extension}`);
  let bytes = 0;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > options.limit) done(tooLarge(options.limit));
      else done(null, chunk);
    },
  });
  // The request is piped, not put in the pipeline: on LIMIT_EXCEEDED it must stay open (merely
  // paused) so the 413 can still be sent; the reply closes the connection instead of draining it.
  limiter.once('error', () => {
    body.unpipe(limiter);
    body.pause();
  });
  finished(body, (err) => {
    if (err) limiter.destroy(err); // client went away mid-upload
  });
  body.pipe(limiter);
  try {
    await pipeline(limiter, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
  } catch (err) {
    await remove();
    throw err;
  }
  return { file, remove };
}

export function tooLarge(limit: number): MofangError {
  return new MofangError('LIMIT_EXCEEDED', `upload is larger than the limit of ${limit} bytes`, { limit });
}
