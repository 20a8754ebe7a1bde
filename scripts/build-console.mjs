// Builds the web console (console/src, TSX) into dist/console: one entry script and one style
// sheet whose names carry a content hash (cached for good by the node), the chunks the entry
// loads on demand (the charts' ECharts), an index.html naming the entry (never cached), and
// brotli and gzip copies of every script and style sheet. `npm run build` runs it; any error fails the build with esbuild's messages.
// Usage: node scripts/build-console.mjs [--metafile]  (--metafile also prints the bundle sizes)
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'console');

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let result;
try {
  result = await build({
    entryPoints: [join(root, 'console', 'src', 'main.tsx')],
    bundle: true,
    outdir: out,
    entryNames: '[name]-[hash]',
    chunkNames: '[name]-[hash]',
    // Code loaded with import() (ECharts, for the pages with charts) goes in chunks of its own.
    splitting: true,
    assetNames: '[name]-[hash]',
    format: 'esm',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.svg': 'file', '.woff2': 'file' },
    logLevel: 'warning',
  });
} catch {
  // esbuild has printed each error with its file and line.
  console.error('console build failed: see the errors above (console/src)');
  process.exit(1);
}
if (result.errors.length > 0 || result.warnings.length > 0) {
  console.error('console build: warnings are errors here; fix them in console/src');
  process.exit(1);
}
const outputs = Object.entries(result.metafile.outputs);
const [script] = outputs.find(([f, output]) => f.endsWith('.js') && output.entryPoint?.endsWith('main.tsx')) ?? [];
const styles = outputs.filter(([f]) => f.endsWith('.css')).map(([f]) => f);
const style = styles.length === 1 ? styles[0] : undefined;
if (!script || !style) {
  console.error(`console build: expected the main.tsx entry and one .css output, got ${outputs.map(([f]) => f).join(', ')}`);
  process.exit(1);
}
// Absolute paths: index.html is also the answer for deep links such as /console/strategy/3.
const html = readFileSync(join(root, 'console', 'index.html'), 'utf8')
  .replace('%SCRIPT%', `/console/${basename(script)}`)
  .replace('%STYLE%', `/console/${basename(style)}`);
writeFileSync(join(out, 'index.html'), html);
// Every hashed script and style sheet compressed once here, at the highest levels (too slow per
// request, free at build time): the node serves the copy the browser's Accept-Encoding allows.
for (const file of outputs
  .map(([f]) => f)
  .filter((f) => /\.(js|css)$/.test(f))
  .map((f) => join(out, basename(f)))) {
  const body = readFileSync(file);
  writeFileSync(`${file}.br`, brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  writeFileSync(`${file}.gz`, gzipSync(body, { level: 9 }));
}
if (process.argv.includes('--metafile')) {
  for (const [file, o] of Object.entries(result.metafile.outputs)) console.log(`${basename(file)}\t${o.bytes} bytes`);
}
