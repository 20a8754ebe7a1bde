/**
 * Stages an uploaded dataset in a private directory inside the node's data directory, so the
 * importer can read it like any file on the node. The body is counted while it streams; the
 * upload stops at the limit instead of filling the disk.
 *
 * Uploads hold customer identifiers. Staged inside the data directory (not the shared /tmp) they
 * stay under the node's own permissions and backups policy, and what a crash or kill -9 leaves
 * behind is removed when the node next starts (`sweepStagedUploads`).
 */
import { chmodSync, createWriteStream, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { finished, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MofangError } from '../errors.js';

const STAGING_DIR = 'uploads';

/** The media types a file upload may be sent as, and the format each is read in. */
export const UPLOAD_TYPES = { 'text/csv': 'csv', 'application/x-ndjson': 'jsonl' } as const;

/** The upload format of a request's Content-Type, or null for any other type. */
export function uploadFormat(contentType: string | undefined): (typeof UPLOAD_TYPES)[keyof typeof UPLOAD_TYPES] | null {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return Object.hasOwn(UPLOAD_TYPES, mediaType) ? UPLOAD_TYPES[mediaType as keyof typeof UPLOAD_TYPES] : null;
}

/**
 * The directory uploads are staged in (created 0700 if missing).
 *
 * @example stageUpload(body, { dir: uploadDir(config.node.dataDir), extension: 'csv', limit })
 */
export function uploadDir(dataDir: string): string {
  const dir = join(dataDir, STAGING_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

/**
 * Removes every staged upload: at start no import is running, so any is a leftover of a crash.
 * Returns how many were removed.
 *
 * @example sweepStagedUploads(node.config.node.dataDir)
 */
export function sweepStagedUploads(dataDir: string): number {
  const dir = uploadDir(dataDir);
  const entries = readdirSync(dir);
  for (const entry of entries) rmSync(join(dir, entry), { recursive: true, force: true });
  return entries.length;
}

export interface StagedUpload {
  file: string;
  /** Removes the file and its directory; safe to call twice. */
  remove(): Promise<void>;
}

/**
 * @example
 * const staged = await stageUpload(request.body, { dir: uploadDir(dataDir), extension: 'csv', limit: 2 ** 31 });
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
