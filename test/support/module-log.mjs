/**
 * Preloaded with `node --import` into a CLI process by test/cli-startup.test.ts: writes the file
 * of every module the process loaded (ES modules as the loader sees them, CommonJS ones from
 * require.cache at exit) to the file named by MODULE_LOG, one per line.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin, register } from 'node:module';
import { isMainThread } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

/** The loader hook (runs on the loader's own thread). */
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(process.env.MODULE_LOG, `${fileURLToPath(url)}\n`);
  return next(url, context);
}

if (isMainThread) {
  writeFileSync(process.env.MODULE_LOG, '');
  register(import.meta.url);
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () =>
    appendFileSync(
      process.env.MODULE_LOG,
      Object.keys(cache)
        .filter((f) => !isBuiltin(f))
        .map((f) => `${f}\n`)
        .join(''),
    ),
  );
}
