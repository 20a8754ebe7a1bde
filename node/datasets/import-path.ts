/**
 * Which files an API caller may import by path. An admin token is not a shell account: over HTTP
 * a path is read only inside the directories the operator listed (`imports.allowedDirs`, none by
 * default), and never inside the node's own directories (configuration, data, identity, secrets),
 * even when an allowed directory contains them.
 *
 * Containment is decided on real paths — the file's, after every symlink, against the allowed
 * directories' — so a link inside an allowed directory cannot point outside it. A path that is
 * not even nominally inside an allowed directory is refused before the filesystem is touched, so
 * the answer says nothing about whether such a file exists.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileIdentity, type FileIdentity } from '../../adapters/sources/file-digest.js';
import { MofangError } from '../errors.js';

export interface ImportPathPolicy {
  /** Absolute directories API path imports may read (`imports.allowedDirs`). */
  allowedDirs: readonly string[];
  /** The node's own directories: never readable by a path import. */
  nodeDirs: readonly string[];
}

/**
 * The real path to import and the file it names now (the reader refuses another file in its place),
 * or IMPORT_PATH_FORBIDDEN / IMPORT_FILE_UNREADABLE.
 *
 * @example const { file, identity } = checkImportPath('/srv/exports/bank.csv', { allowedDirs: ['/srv/exports'], nodeDirs: ['/var/lib/mofang'] });
 */
export function checkImportPath(path: string, policy: ImportPathPolicy): { file: string; identity: FileIdentity } {
  if (policy.allowedDirs.length === 0) {
    throw new MofangError('IMPORT_PATH_FORBIDDEN', 'imports by path are disabled on this node (imports.allowedDirs is empty); upload the file instead', {
      reason: 'no-allowed-dirs',
    });
  }
  if (!isAbsolute(path)) throw new MofangError('IMPORT_PATH_FORBIDDEN', 'path must be absolute', { reason: 'not-absolute' });
  const allowed = policy.allowedDirs.flatMap((dir) => [resolve(dir), realOrNull(dir)]).filter((d): d is string => d !== null);
  if (!allowed.some((dir) => isInside(resolve(path), dir))) throw outside();
  let real: string;
  let identity: FileIdentity;
  try {
    real = realpathSync(path);
    identity = fileIdentity(real);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new MofangError('IMPORT_FILE_UNREADABLE', `${path}: cannot read (${code})`, { file: path, code });
  }
  const realAllowed = policy.allowedDirs.map(realOrNull).filter((d): d is string => d !== null);
  if (!realAllowed.some((dir) => isInside(real, dir))) throw outside();
  const own = policy.nodeDirs.flatMap((dir) => [resolve(dir), realOrNull(dir)]).filter((d): d is string => d !== null);
  if (own.some((dir) => isInside(real, dir))) {
    throw new MofangError(
      'IMPORT_PATH_FORBIDDEN',
      "the path is inside the node's own directories (configuration, data, identity, secrets), which are never imported by path",
      { reason: 'node-dir' },
    );
  }
  return { file: real, identity };
}

function outside(): MofangError {
  return new MofangError(
    'IMPORT_PATH_FORBIDDEN',
    'the path is not inside a directory listed in imports.allowedDirs (symbolic links are followed before the check)',
    { reason: 'outside-allowed-dirs' },
  );
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

function realOrNull(dir: string): string | null {
  try {
    return realpathSync(dir);
  } catch {
    return null; // a listed directory that does not exist allows nothing
  }
}
