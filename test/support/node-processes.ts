/**
 * Real node processes for tests that kill, stop and restart nodes: `mofang init`, `peers add`,
 * `import` and `start` run exactly as an administrator runs them, against the built dist/.
 */
import Database from 'better-sqlite3';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { MofangNode } from '../../node/node.js';
import { packageRoot } from '../../node/paths.js';
import { permitWeakTerms, TEST_QUERIES_PER_DAY } from './policy.js';
import { freePort } from './two-nodes.js';

export const BIN = join(packageRoot(), 'bin', 'mofang');

export function mofang(config: string | null, ...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...(config ? ['--config', config] : []), ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** As `mofang`, without blocking this process: for commands that talk to a node running in it. */
export function mofangAsync(config: string | null, ...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...(config ? ['--config', config] : []), ...args]);
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    err += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

// biome-ignore lint/suspicious/noExplicitAny: each caller names the shape of the CLI's JSON it reads
export function mofangJson<T = any>(config: string, ...args: string[]): T {
  const r = mofang(config, '--json', ...args);
  if (r.code !== 0) throw new Error(`mofang ${args.join(' ')} failed: ${r.err}`);
  return JSON.parse(r.out) as T;
}

/** `mofangJson` without blocking the test's event loop (a running node in the same process keeps serving). */
// biome-ignore lint/suspicious/noExplicitAny: each caller names the shape of the CLI's JSON it reads
export async function mofangJsonAsync<T = any>(config: string, ...args: string[]): Promise<T> {
  const r = await mofangAsync(config, '--json', ...args);
  if (r.code !== 0) throw new Error(`mofang ${args.join(' ')} failed: ${r.err}`);
  return JSON.parse(r.out) as T;
}

export interface NodeProcess {
  name: string;
  config: string;
  nodeId: string;
  certificateFile: string;
  httpUrl: string;
  grpcAddress: string;
  child: ChildProcess | null;
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Reads a node's database directly (read-only): polling through the CLI is too slow to catch a run in flight. */
export function peekDb<T>(node: NodeProcess, sql: string, ...params: unknown[]): T | undefined {
  const db = new Database(join(node.config, '..', 'data', 'mofang.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).get(...params) as T | undefined;
  } finally {
    db.close();
  }
}

/** A node starts in about a second; on a machine busy with other test files it has taken 30 s. */
const HEALTH_WAIT_MS = 60_000;

export async function waitForHealth(url: string): Promise<void> {
  for (const end = Date.now() + HEALTH_WAIT_MS; Date.now() < end; ) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not become healthy within ${HEALTH_WAIT_MS / 1000} s`);
}

/** Creates node directories, with config tweaks (e.g. short timeouts) applied to each. */
export async function createNodes(names: string[], tweak: (doc: ReturnType<typeof parseDocument>) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-proc-'));
  const nodes: NodeProcess[] = [];
  for (const name of names) {
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    const r = mofang(
      null,
      '--json',
      'init',
      '--name',
      name,
      '--dir',
      join(dir, name),
      '--template',
      join(packageRoot(), 'config', 'bank.yaml'),
      '--grpc',
      `127.0.0.1:${grpcPort}`,
      '--http',
      `127.0.0.1:${httpPort}`,
    );
    if (r.code !== 0) throw new Error(r.err);
    const init = JSON.parse(r.out);
    permitWeakTerms(init.configFile);
    const doc = parseDocument(readFileSync(init.configFile, 'utf8'));
    tweak(doc);
    writeFileSync(init.configFile, doc.toString());
    const node: NodeProcess = {
      name,
      config: init.configFile,
      nodeId: init.nodeId,
      certificateFile: init.certificateFile,
      httpUrl: `http://127.0.0.1:${httpPort}`,
      grpcAddress: `127.0.0.1:${grpcPort}`,
      child: null,
      async start() {
        this.child = spawn(process.execPath, [BIN, '--config', this.config, 'start'], { stdio: 'ignore' });
        await waitForHealth(this.httpUrl);
      },
      async kill(signal) {
        const child = this.child;
        if (!child || child.exitCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        if (signal !== 'SIGSTOP') await exited;
      },
    };
    nodes.push(node);
  }
  // Everyone pins everyone.
  for (const a of nodes)
    for (const b of nodes) {
      if (a === b) continue;
      const r = mofang(a.config, 'peers', 'add', '--name', b.name, '--address', b.grpcAddress, '--certificate', b.certificateFile, '--fingerprint', b.nodeId);
      if (r.code !== 0) throw new Error(r.err);
    }
  return {
    dir,
    nodes,
    async cleanup() {
      for (const n of nodes) {
        if (n.child && n.child.exitCode === null) {
          n.child.kill('SIGCONT');
          n.child.kill('SIGKILL');
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bank proposes, partner accepts, via the CLI; returns the agreement id. */
/** `exactCounts`: the agreement releases exact overlap counts (the test nodes' permissive policy allows it). */
export function agreeByCli(
  bank: NodeProcess,
  partner: NodeProcess,
  bankDataset: string,
  partnerDataset: string,
  operations = 'overlap,enrich',
  options: { exactCounts?: boolean } = {},
): string {
  const a = mofangJson(
    bank.config,
    'agreements',
    'propose',
    '--peer',
    partner.name,
    '--title',
    `with-${partner.name}`,
    '--dataset',
    bankDataset,
    '--peer-dataset',
    partnerDataset,
    '--id-kind',
    'phone',
    '--operations',
    operations,
    '--min-intersection',
    '10',
    '--max-queries-per-day',
    String(TEST_QUERIES_PER_DAY),
    '--expires',
    '30d',
    '--enrich-attribute',
    `partner:${partner.name}:member`,
    ...(options.exactCounts ? ['--exact-counts'] : []),
  );
  const r = mofang(partner.config, 'agreements', 'accept', a.id);
  if (r.code !== 0) throw new Error(r.err);
  return a.id;
}

/** One bank node (not started) whose tracking plan declares `card.paid`: amount (number, required) and channel (string, ≤ 16). */
export async function bankWithCardPlan(): Promise<{ cluster: Awaited<ReturnType<typeof createNodes>>; bank: NodeProcess }> {
  const cluster = await createNodes(['bank']);
  const bank = cluster.nodes[0];
  const node = MofangNode.open(bank.config, { quietLogs: true, metrics: false });
  try {
    node.trackingPlan.apply(
      {
        undeclared: 'reject',
        events: { 'card.paid': { properties: { amount: { type: 'number', required: true }, channel: { type: 'string', maxLength: 16 } } } },
      },
      { id: 'cli:test', role: 'admin' },
    );
  } finally {
    node.close();
  }
  return { cluster, bank };
}
