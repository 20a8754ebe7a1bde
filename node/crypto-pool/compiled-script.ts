/**
 * Worker threads run compiled JavaScript: `new Worker()` cannot load TypeScript, and under vitest
 * the sources are TypeScript. So every worker script is taken from the package's `dist/` (built by
 * `npm run build`; `npm test` builds before it runs the tests), whether the caller runs from
 * sources or from dist.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MofangError } from '../errors.js';
import { packageRoot } from '../paths.js';

/**
 * The compiled script for `source` (a path from the package root, e.g. `node/crypto-pool/worker.ts`).
 * @throws INTERNAL naming the missing file and the command that builds it.
 *
 * @example new Worker(compiledScript('node/crypto-pool/worker.ts'))
 */
export function compiledScript(source: string): string {
  const file = join(packageRoot(), 'dist', source.replace(/\.ts$/, '.js'));
  if (!existsSync(file)) {
    throw new MofangError('INTERNAL', `worker script ${file} is missing: build the package first (npm run build)`, { file });
  }
  return file;
}
