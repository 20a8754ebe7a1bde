/**
 * Two Mofang nodes on this machine, set up exactly as operators do it — every step a separate
 * `bin/mofang` process: `init` (bank from config/bank.yaml, telco from config/partner.yaml) on
 * free loopback ports, `peers add` both ways, `import`, `start` (gRPC + mutual TLS, HTTP API),
 * `agreements propose` on the bank and `accept` on the telco — and the readings taken around one
 * query: wall time, peak RSS and CPU time of both node processes, the querier's run.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { writeSyntheticPair } from '../node/demo/synthetic.js';
import { freePort } from '../node/net/free-port.js';
import {
  BenchError,
  ROOT,
  cpuTimeMs,
  mofang,
  parseJsonOutput,
  peakRssKb,
  resetPeakRss,
  sleep,
  startNodeProcess,
  type CommandResult,
  type NodeProcess,
} from './harness.js';

export interface Side {
  name: 'bank' | 'telco';
  dir: string;
  config: string;
  httpUrl: string;
  process?: NodeProcess;
}
export interface Pair {
  dir: string;
  bank: Side;
  telco: Side;
  dataDir: string;
  bankFile: string;
  partnerFile: string;
  expectedOverlap: number;
}

export interface PairOptions {
  /** limits.peerTimeoutMs written into both configs: a single-threaded responder can be silent longer than the default 30 s. */
  peerTimeoutMs: number;
  /** Timeout of each short CLI step. */
  cliTimeoutMs: number;
}

/** Two initialised, mutually pinned node directories under root/n<n>, and n × n synthetic records sharing `overlap`. */
/** n bank records against m partner records (m = n unless given), `overlap` of them in common. */
export async function createPair(root: string, n: number, overlap: number, o: PairOptions, m = n): Promise<Pair> {
  const dir = join(root, m === n ? `n${n}` : `n${n}-m${m}`);
  mkdirSync(dir, { recursive: true });
  const [bg, bh, tg, th] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const init: Record<string, { nodeId: string; certificateFile: string; configFile: string }> = {};
  const sides: Record<'bank' | 'telco', Side> = {} as never;
  for (const [name, template, g, h] of [
    ['bank', 'bank.yaml', bg, bh],
    ['telco', 'partner.yaml', tg, th],
  ] as const) {
    const r = await mofang(
      null,
      [
        '--json',
        'init',
        '--name',
        name,
        '--dir',
        join(dir, name),
        '--template',
        join(ROOT, 'config', template),
        '--grpc',
        `127.0.0.1:${g}`,
        '--http',
        `127.0.0.1:${h}`,
      ],
      { label: `init ${name}`, timeoutMs: o.cliTimeoutMs },
    );
    init[name] = parseJsonOutput(r, `init ${name}`);
    const doc = parseDocument(readFileSync(init[name].configFile, 'utf8'));
    doc.setIn(['limits', 'peerTimeoutMs'], o.peerTimeoutMs);
    // The benchmarks check every overlap result against the planted overlap: exact counts.
    doc.setIn(['policy', 'allowExactCounts'], true);
    writeFileSync(init[name].configFile, doc.toString());
    sides[name] = { name, dir: join(dir, name), config: init[name].configFile, httpUrl: `http://127.0.0.1:${h}` };
  }
  await mofang(
    sides.bank.config,
    ['peers', 'add', '--name', 'telco', '--address', `127.0.0.1:${tg}`, '--certificate', init.telco.certificateFile, '--fingerprint', init.telco.nodeId],
    { label: 'peers add telco', timeoutMs: o.cliTimeoutMs },
  );
  await mofang(
    sides.telco.config,
    ['peers', 'add', '--name', 'bank', '--address', `127.0.0.1:${bg}`, '--certificate', init.bank.certificateFile, '--fingerprint', init.bank.nodeId],
    { label: 'peers add bank', timeoutMs: o.cliTimeoutMs },
  );

  const dataDir = join(dir, 'data');
  const data = writeSyntheticPair({ dir: dataDir, bankRows: n, partnerRows: m, overlap, seed: 20261125 + n });
  return { dir, bank: sides.bank, telco: sides.telco, dataDir, bankFile: data.bankFile, partnerFile: data.partnerFile, expectedOverlap: data.expectedOverlap };
}

export interface ImportRow {
  side: 'bank' | 'telco';
  dataset: string;
  rows: number;
  wallMs: number;
  nodeMs: number | null;
  rowsPerSecond: number;
  maxRssKb: number | null;
}

/** `mofang --json import file --dataset name --id phone:phone`; throws unless every row was imported. */
export async function importDataset(side: Side, file: string, dataset: string, rows: number, timeoutMs: number): Promise<ImportRow> {
  const r = await mofang(side.config, ['--json', 'import', file, '--dataset', dataset, '--id', 'phone:phone'], {
    label: `import ${side.name} ${dataset}`,
    timeoutMs,
  });
  const report = parseJsonOutput<{ imported: number; durationMs?: number }>(r, `import ${side.name}`);
  if (report.imported !== rows) throw new BenchError(`import ${side.name} ${dataset}: ${report.imported} of ${rows} rows imported`);
  return { side: side.name, dataset, rows, wallMs: r.ms, nodeMs: report.durationMs ?? null, rowsPerSecond: (rows / r.ms) * 1000, maxRssKb: r.maxRssKb };
}

/** `mofang start` for both nodes, each logging to <pair>/<name>.log; resolves once both answer /health. */
export async function startPair(pair: Pair): Promise<void> {
  for (const side of [pair.bank, pair.telco]) {
    side.process = await startNodeProcess(side.name, side.config, side.httpUrl, join(pair.dir, `${side.name}.log`));
  }
}

export async function stopPair(pair: Pair): Promise<void> {
  for (const side of [pair.bank, pair.telco]) await side.process?.stop();
}

/** The bank proposes (its `dataset` against the telco's `subscribers`, plus `extra` flags), the telco accepts; the agreement id. */
export async function propose(pair: Pair, o: { title: string; dataset: string; operations: string; extra?: string[]; timeoutMs: number }): Promise<string> {
  const r = await mofang(
    pair.bank.config,
    [
      '--json',
      'agreements',
      'propose',
      '--peer',
      'telco',
      '--title',
      o.title,
      '--dataset',
      o.dataset,
      '--peer-dataset',
      'subscribers',
      '--id-kind',
      'phone',
      '--operations',
      o.operations,
      '--min-intersection',
      '10',
      '--expires',
      '30d',
      // A benchmark runs many queries with any ε it measures: it overrides the policy floors
      // (audited on both nodes) rather than lower them in the configs.
      '--max-queries-per-day',
      '1000000',
      '--override-policy',
      ...(o.operations.split(',').includes('overlap') ? ['--exact-counts'] : []),
      ...(o.extra ?? []),
    ],
    { label: `propose ${o.title}`, timeoutMs: o.timeoutMs },
  );
  const id = parseJsonOutput<{ id: string }>(r, 'propose').id;
  await mofang(pair.telco.config, ['agreements', 'accept', id, '--override-policy'], { label: `accept ${o.title}`, timeoutMs: o.timeoutMs });
  return id;
}

// ---------------------------------------------------------------------------------------------
// Runs

export interface RunJson {
  id: string;
  status: string;
  resultCount: number | null;
  bytesSent: number;
  bytesReceived: number;
  messagesSent: number;
  messagesReceived: number;
  startedAt: string;
  finishedAt: string | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  [k: string]: unknown;
}

const isRun = (v: Record<string, unknown>) => typeof v.bytesSent === 'number' && typeof v.startedAt === 'string';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

/** `mofang --json runs show <id>` on one side. */
export async function showRun(side: Side, id: string, timeoutMs: number): Promise<RunJson> {
  return parseJsonOutput<RunJson>(await mofang(side.config, ['--json', 'runs', 'show', id], { label: `runs show (${side.name})`, timeoutMs }), 'runs show');
}

/**
 * The querier's run from what `mofang --json query` printed: the run itself; or a job naming its
 * run(s) — waited for if the CLI returned it unfinished; or (aggregate, score) a score set, whose
 * `runId` names it.
 */
export async function querierRun(pair: Pair, printed: Record<string, unknown>, deadline: number, cliTimeoutMs: number): Promise<RunJson> {
  if (isRun(printed)) return printed as unknown as RunJson;
  if (typeof printed.runId === 'string' && Array.isArray(printed.groups)) return showRun(pair.bank, printed.runId, cliTimeoutMs);
  let job = printed;
  while (typeof job.status === 'string' && !TERMINAL.has(job.status) && typeof job.id === 'string') {
    if (Date.now() > deadline) throw new BenchError(`job ${job.id} still ${job.status} at the timeout`);
    await sleep(500);
    job = parseJsonOutput(await mofang(pair.bank.config, ['--json', 'jobs', 'show', job.id], { label: 'jobs show', timeoutMs: cliTimeoutMs }), 'jobs show');
  }
  if (job.status === 'failed' || job.status === 'cancelled')
    throw new BenchError(`job ${String(job.id)} ${job.status}: ${String(job.errorCode ?? '')} ${String(job.errorMessage ?? '')}`);
  const runIds = (
    Array.isArray(job.runIds)
      ? job.runIds
      : Array.isArray(job.runs)
        ? (job.runs as unknown[]).map((r) => (typeof r === 'string' ? r : (r as { id: string }).id))
        : [job.runId]
  ).filter((x): x is string => typeof x === 'string');
  if (runIds.length === 0) throw new BenchError(`query printed neither a run nor a job naming one: ${JSON.stringify(printed).slice(0, 300)}`);
  return showRun(pair.bank, runIds[0], cliTimeoutMs);
}

/** finishedAt − startedAt of a run, ms. */
export const durationMs = (r: { startedAt?: unknown; finishedAt?: unknown } | null) =>
  r && typeof r.startedAt === 'string' && typeof r.finishedAt === 'string' ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : null;

/** The details of `side`'s audit entry `action` about `subject` (a run id), from `mofang audit export`; null when absent. */
export async function auditDetails(side: Side, action: string, subject: string, timeoutMs: number): Promise<Record<string, unknown> | null> {
  const r = await mofang(side.config, ['audit', 'export', '--format', 'jsonl', '--action', action], { label: `audit export (${side.name})`, timeoutMs });
  for (const line of r.stdout.split('\n')) {
    if (!line.includes(subject)) continue;
    const entry = JSON.parse(line) as { subject?: string; details?: string | Record<string, unknown> };
    if (entry.subject !== subject) continue;
    return typeof entry.details === 'string' ? (JSON.parse(entry.details) as Record<string, unknown>) : (entry.details ?? {});
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Readings around one query

export interface QueryReadings {
  wallMs: number;
  /** Peak RSS (kB): the query CLI process and the two `mofang start` processes (VmHWM, reset before the query when the kernel allows). */
  rssKb: { bankQueryCli: number | null; bankNode: number | null; telcoNode: number | null; perQuery: boolean };
  /** CPU time (ms) used during the query by the same three processes. */
  cpuMs: { bankQueryCli: number | null; bankNode: number | null; telcoNode: number | null };
  /** 1-minute load average just before the query (the machine may be shared). */
  loadBefore: number;
}

/**
 * Runs `mofang --json query <args>` on the bank and follows it to the querier's run, with the
 * readings of both node processes around it.
 */
export async function timedQuery(
  pair: Pair,
  args: string[],
  o: { label: string; timeoutMs: number; cliTimeoutMs: number },
): Promise<{ run: RunJson; printed: Record<string, unknown>; cli: CommandResult; readings: QueryReadings }> {
  const bankPid = pair.bank.process!.pid;
  const telcoPid = pair.telco.process!.pid;
  const perQuery = resetPeakRss(bankPid) && resetPeakRss(telcoPid);
  const loadBefore = loadavg()[0];
  const cpuBefore = { bank: cpuTimeMs(bankPid), telco: cpuTimeMs(telcoPid) };
  const cpuDelta = (before: number | null, pid: number) => {
    const after = cpuTimeMs(pid);
    return before == null || after == null ? null : after - before;
  };
  const deadline = Date.now() + o.timeoutMs;
  const started = performance.now();
  const cli = await mofang(pair.bank.config, ['--json', 'query', ...args], { label: o.label, timeoutMs: o.timeoutMs });
  const printed = parseJsonOutput<Record<string, unknown>>(cli, 'query');
  const run = await querierRun(pair, printed, deadline, o.cliTimeoutMs);
  const wallMs = performance.now() - started;
  const readings: QueryReadings = {
    wallMs,
    rssKb: { bankQueryCli: cli.maxRssKb, bankNode: peakRssKb(bankPid), telcoNode: peakRssKb(telcoPid), perQuery },
    cpuMs: { bankQueryCli: cli.cpuMs, bankNode: cpuDelta(cpuBefore.bank, bankPid), telcoNode: cpuDelta(cpuBefore.telco, telcoPid) },
    loadBefore,
  };
  if (run.status !== 'succeeded') throw new BenchError(`run ${run.id} ${run.status}: ${run.errorCode ?? ''} ${run.errorMessage ?? ''}`);
  return { run, printed, cli, readings };
}
