/**
 * Small file helpers for secrets and configs.
 *
 * `writeFileAtomic` never leaves a half-written file under the final name: readers see either the
 * old content or the new, even after a crash (temp file in the same directory, fsync, rename,
 * fsync of the directory so the rename itself is durable).
 */
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { MofangError } from '../errors.js';

export interface WriteFileAtomicOptions {
  /** Exact permission bits of the new file (applied with fchmod, so the umask cannot widen or narrow them). */
  mode: number;
  /**
   * Fail with an `EEXIST` error instead of replacing an existing file. Uses link(2), so the
   * existence check and the write are one atomic step (no race between two writers).
   */
  exclusive?: boolean;
}

/**
 * @example writeFileAtomic(join(dir, 'key.pem'), keyPem, { mode: 0o600, exclusive: true })
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteFileAtomicOptions): void {
  const dir = dirname(path);
  // Same directory as the target: rename(2) and link(2) are only atomic within one file system.
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', options.mode);
  try {
    try {
      fchmodSync(fd, options.mode);
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (options.exclusive) {
      linkSync(temp, path);
      unlinkSync(temp);
    } else {
      renameSync(temp, path);
    }
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // already renamed or never created
    }
    throw err;
  }
  fsyncDirectory(dir);
}

function fsyncDirectory(dir: string): void {
  // Windows cannot open a directory for fsync; there the rename is as durable as the OS makes it.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Refuses a secret file that the group or others may read or write (0600 or 0400 pass).
 * Throws SECRET_FILE_MODE naming the file and its mode; lets fs errors (ENOENT…) through.
 *
 * @example assertSecretFileMode('/etc/mofang/key.pem')
 */
export function assertSecretFileMode(path: string): void {
  // Windows reports synthetic modes (0666/0444); file ACLs are the control there.
  if (process.platform === 'win32') return;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    const octal = mode.toString(8).padStart(4, '0');
    throw new MofangError('SECRET_FILE_MODE', `${path}: mode ${octal} lets other users access it; run chmod 600 ${path}`, {
      file: path,
      mode: octal,
    });
  }
}
