/**
 * Files and directories that only the node's user should read: the database and its WAL, the
 * audit head anchor, the config, the data directory. `exposedPaths` lists those that the group or
 * others can access, with the chmod that fixes each, so `start` can warn about every one.
 */
import { statSync } from 'node:fs';

export interface ExposedPath {
  path: string;
  /** Octal permission bits, e.g. '0644'. */
  mode: string;
  /** The command that makes it private. */
  fix: string;
}

/**
 * Missing paths are skipped (a WAL exists only while the database is open).
 * @example exposedPaths([dataDir, dbFile]) // → [{ path: dbFile, mode: '0644', fix: 'chmod 600 …' }]
 */
export function exposedPaths(paths: readonly string[]): ExposedPath[] {
  // Windows reports synthetic modes; file ACLs are the control there.
  if (process.platform === 'win32') return [];
  const out: ExposedPath[] = [];
  for (const path of paths) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      continue;
    }
    const mode = st.mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    out.push({ path, mode: mode.toString(8).padStart(4, '0'), fix: `chmod ${st.isDirectory() ? '700' : '600'} ${path}` });
  }
  return out;
}
