/**
 * Process plumbing for the benchmarks: CLI calls with a bounded timeout and their peak RSS,
 * long-running `mofang start` processes with their VmHWM, and cleanup of every child process and
 * temporary directory on exit, on error and on SIGINT/SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** dist/bench/harness.js → the package root (two levels up). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(ROOT, 'bin', 'mofang');
/** Preloaded into CLI processes: prints their peak RSS at exit. */
const RSS_HOOK = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), 'rss-hook.js')).href;
const RSS_MARK = /\n?MOFANG_BENCH_MAXRSS_KB=(\d+) MOFANG_BENCH_CPU_US=(\d+)\n?/;

export class BenchError extends Error {}

/** A count from a command-line flag: `1e5`, `100000`; rounded, non-negative. */
export function count(text: string, flag: string): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || !Number.isSafeInteger(Math.round(v))) throw new BenchError(`${flag}: expected a number like 1e5, got ${text}`);
  return Math.round(v);
}

// ---------------------------------------------------------------------------------------------
// Cleanup registry

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let keepDirs = false;

export function keepTempDirs(keep: boolean): void {
  keepDirs = keep;
}

export function registerTempDir(dir: string): void {
  tempDirs.add(dir);
}

/** Kills every child still running (SIGKILL) and removes the temp dirs. Synchronous: safe in 'exit'. */
export function cleanupNow(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
  children.clear();
  if (!keepDirs) for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}

let handlersInstalled = false;
export function installCleanupHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', cleanupNow);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      console.error(`\nbench: ${signal}: stopping node processes and removing temp directories`);
      cleanupNow();
      process.exit(130);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// One-shot commands

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall time around the whole process, ms. */
  ms: number;
  /** Peak RSS of the process (kB), when it ran with the RSS hook. */
  maxRssKb: number | null;
  /** User + system CPU time of the process (ms), when it ran with the RSS hook. */
  cpuMs: number | null;
}

/** Runs a command, kills it after `timeoutMs`; rejects on timeout, resolves with its exit code otherwise. */
export function runCommand(
  cmd: string,
  args: string[],
  opts: { label: string; timeoutMs: number; cwd?: string; env?: NodeJS.ProcessEnv },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new BenchError(`${opts.label}: ${e.message}`));
    });
    child.once('close', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      children.delete(child);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) return reject(new BenchError(`${opts.label}: timed out after ${(opts.timeoutMs / 1000).toFixed(0)} s (raise --timeout-scale)`));
      const m = RSS_MARK.exec(stderr);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: stderr.replace(RSS_MARK, '').trim(),
        ms,
        maxRssKb: m ? Number(m[1]) : null,
        cpuMs: m ? Number(m[2]) / 1000 : null,
      });
    });
  });
}

/** `mofang [--config cfg] args…` as a separate process, with its peak RSS. Throws on a non-zero exit. */
export async function mofang(config: string | null, args: string[], opts: { label: string; timeoutMs: number }): Promise<CommandResult> {
  const r = await runCommand(process.execPath, ['--import', RSS_HOOK, BIN, ...(config ? ['--config', config] : []), ...args], opts);
  if (r.code !== 0) throw new BenchError(`${opts.label}: mofang ${args.join(' ')} exited ${r.code}: ${clip(r.stderr || r.stdout)}`);
  return r;
}

/** The last JSON value a command printed (the CLI prints one with --json). */
export function parseJsonOutput<T>(r: CommandResult, label: string): T {
  const text = r.stdout.trim();
  try {
    return JSON.parse(text) as T;
  } catch {
    const start = text.search(/^[{[]/m);
    if (start >= 0) {
      try {
        return JSON.parse(text.slice(start)) as T;
      } catch {
        /* fall through */
      }
    }
    throw new BenchError(`${label}: expected JSON output, got: ${clip(text)}`);
  }
}

export const clip = (s: string, n = 600) => (s.length > n ? `${s.slice(0, n)}…` : s);

// ---------------------------------------------------------------------------------------------
// Long-running node processes

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * `mofang --config cfg start`, stdout/stderr to `logFile`; resolves once GET /health answers.
 * `nodeFlags` go to Node itself (`--cpu-prof`, `--cpu-prof-dir=…` to profile the node).
 */
export async function startNodeProcess(
  name: string,
  config: string,
  httpUrl: string,
  logFile: string,
  timeoutMs = 30_000,
  nodeFlags: readonly string[] = [],
): Promise<NodeProcess> {
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeFlags, BIN, '--config', config, 'start'], { cwd: ROOT, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  children.add(child);
  let exited: string | null = null;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    children.delete(child);
  });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new BenchError(`node ${name} ${exited} before it was healthy; log: ${clip(tail(logFile))}`);
    try {
      if ((await fetch(`${httpUrl}/health`)).ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new BenchError(`node ${name} not healthy after ${timeoutMs / 1000} s; log: ${clip(tail(logFile))}`);
    }
    await sleep(100);
  }
  return {
    name,
    child,
    pid: child.pid!,
    logFile,
    async stop() {
      if (exited) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const killed = await Promise.race([done.then(() => false), sleep(10_000).then(() => true)]);
      if (killed) {
        child.kill('SIGKILL');
        await done;
      }
    },
  };
}

function tail(file: string, bytes = 2000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-bytes);
  } catch {
    return '';
  }
}

/** Peak resident set (VmHWM, kB) of a live process, or null if it cannot be read. */
export function peakRssKb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** User + system CPU time (ms) a live process has used so far, from /proc/<pid>/stat; null if unreadable. */
export function cpuTimeMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after "pid (comm) ": state is field 3, utime 14, stime 15 (clock ticks, 100 per second on Linux).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) / 100) * 1000;
  } catch {
    return null;
  }
}

/**
 * Resets VmHWM to the current RSS (Linux ≥ 4.0: `echo 5 > /proc/pid/clear_refs`), so the next
 * reading is the peak of one query. Returns false where that is not possible (then the reading is
 * the peak since the process started).
 */
export function resetPeakRss(pid: number): boolean {
  try {
    if (!existsSync(`/proc/${pid}/clear_refs`)) return false;
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Writes a benchmark's results as `bench/results/<name>-<UTC start>.json` (or `out`), stamped with
 * the end time and load; returns the path.
 */
export function writeResults(name: string, started: Date, results: { finishedAt?: string; machine: Record<string, unknown> }, out?: string): string {
  results.machine.loadEnd = loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
  results.finishedAt = new Date().toISOString();
  const stamp = started.toISOString().replace(/:/g, '-').replace(/\..*/, 'Z');
  const file = out ?? join(ROOT, 'bench', 'results', `${name}-${stamp}.json`);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

/** Runs a benchmark's main: its exit code, or 2 with the message when it throws. */
export function runBenchmark(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`bench: ${(err as Error).message}`);
      process.exit(2);
    },
  );
}
