/**
 * The peer anchor: `@openmined/psi.js` (ECDH PSI on P-256, compiled to WebAssembly). It is not a
 * project dependency: one of its dependencies (protoc-gen-js) runs an install script that
 * downloads from outside, so it is installed on demand into bench/.anchor/ with --ignore-scripts
 * (the library works without that script). Each anchor run is a separate process (the WASM calls
 * are synchronous, so only a process can be timed out), running client and server in memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError, ROOT, clip, runCommand } from './harness.js';

export const ANCHOR_PACKAGE = '@openmined/psi.js';
export const ANCHOR_VERSION = '2.0.6';
export const ANCHOR_DIR = join(ROOT, 'bench', '.anchor');

export interface AnchorResult {
  n: number;
  m: number;
  /** true: the client learns the intersection (vs enrich); false: its size only (vs overlap). */
  revealIntersection: boolean;
  fpr: number;
  result: number;
  expected: number;
  /** Client + server in one process, wall time of the whole protocol including (de)serialisation. */
  totalMs: number;
  phasesMs: { serverSetup: number; clientRequest: number; serverResponse: number; clientResult: number };
  bytes: { request: number; setup: number; response: number };
  maxRssKb: number;
}

/** Installs the anchor into bench/.anchor/ unless the right version is there. Returns its version. */
export async function ensureAnchor(timeoutMs = 300_000): Promise<string> {
  const pkg = join(ANCHOR_DIR, 'node_modules', ...ANCHOR_PACKAGE.split('/'), 'package.json');
  if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === ANCHOR_VERSION) return ANCHOR_VERSION;
  console.log(`  installing ${ANCHOR_PACKAGE}@${ANCHOR_VERSION} into bench/.anchor/ (--ignore-scripts) …`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = await runCommand(
    npm,
    ['install', '--prefix', ANCHOR_DIR, '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', `${ANCHOR_PACKAGE}@${ANCHOR_VERSION}`],
    { label: 'anchor install', timeoutMs },
  );
  if (r.code !== 0 || !existsSync(pkg)) throw new BenchError(`anchor install failed (exit ${r.code}): ${clip(r.stderr || r.stdout)}`);
  return JSON.parse(readFileSync(pkg, 'utf8')).version as string;
}

/**
 * The anchor's false-positive rate: Mofang's 2^-40 where psi.js can encode it. Its GCS setup
 * message stores a hash range of n·m/fpr as an int64 and fails an assertion at or above 2^63, so
 * at 10^4 × 10^4 and beyond the smallest usable rate is about n·m·2^-63 (we take 2× that).
 */
export function anchorFpr(n: number, m: number): number {
  return Math.max(2 ** -40, n * m * 2 ** -62);
}

export async function runAnchor(o: { n: number; overlap: number; revealIntersection: boolean; timeoutMs: number }): Promise<AnchorResult> {
  const input = JSON.stringify({
    n: o.n,
    m: o.n,
    overlap: o.overlap,
    revealIntersection: o.revealIntersection,
    fpr: anchorFpr(o.n, o.n),
    anchorDir: ANCHOR_DIR,
  });
  const r = await runCommand(process.execPath, ['--max-old-space-size=8192', join(ROOT, 'dist', 'bench', 'anchor-child.js'), input], {
    label: `psi.js ${o.n}×${o.n} ${o.revealIntersection ? 'intersection' : 'cardinality'}`,
    timeoutMs: o.timeoutMs,
  });
  if (r.code !== 0)
    throw new BenchError(
      `psi.js run exited ${r.code}: ${clip(
        r.stderr
          .split('\n')
          .filter((l) => l.length < 400)
          .join('\n') || r.stdout,
      )}`,
    );
  const line = r.stdout.trim().split('\n').pop() ?? '';
  const result = JSON.parse(line) as AnchorResult;
  if (result.result !== result.expected) throw new BenchError(`psi.js returned ${result.result}, expected ${result.expected}`);
  return result;
}
