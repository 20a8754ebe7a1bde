/**
 * `npm run bench:psi` — PSI end to end, as an operator runs it: for each set size n, two node
 * directories made with `mofang init`, pinned to each other with `mofang peers add`, synthetic
 * customers (writeSyntheticPair) imported with `mofang import`, both nodes run by
 * `mofang start` as separate processes (gRPC + mutual TLS on loopback), an agreement proposed by
 * the bank and accepted by the telco through the CLI, then `mofang --json query overlap|enrich`
 * timed around the CLI call. Reported against the machine's limit measured in the same run
 * (native scalar multiplications/s × cores) and against @openmined/psi.js run on the same sizes.
 *
 * Flags: --sizes 1e4,1e5 | --max 1e7 | --quick (1e4,1e5); default 1e4,1e5,1e6. See bench/README.md.
 */
import { mkdtempSync, rmSync, createReadStream, createWriteStream } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ANCHOR_PACKAGE, ensureAnchor, runAnchor, type AnchorResult } from './anchor.js';
import { label, makeLog, mb, mbBytes, renderTable, secs } from './format.js';
import { BenchError, count, installCleanupHandlers, keepTempDirs, registerTempDir, runBenchmark, writeResults } from './harness.js';
import { measureLimit, protocolMultiplications, type LimitMeasurement } from './limit.js';
import { contentionCheck, machineInfo } from './machine.js';
import {
  auditDetails,
  createPair as createNodePair,
  durationMs,
  importDataset as importNodeDataset,
  propose as proposeAgreement,
  showRun,
  startPair,
  stopPair,
  timedQuery,
  type ImportRow,
  type Pair,
} from './two-nodes.js';

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npm run bench:psi -- [--quick | --sizes 1e4,1e5 | --max 1e7] [options]
  --quick                 sizes 1e4 and 1e5
  --sizes <list>          comma-separated set sizes (n × n each)
  --max <n>               powers of ten from 1e4 up to n (default 1e6)
  --anchor-max <n>        run @openmined/psi.js for sizes up to n (default 1e5; 0 = never)
  --no-repeat             run each query once (default: twice — cold, then a repeat that is warm
                          if the node caches F(y))
  --unbalanced <m>        after the m × m sizes, query a small bank set against that partner set
                          (default 1e6, when that size is run; 0 = never)
  --unbalanced-n <n>      the small bank set (default 1e4)
  --partner <m>           partner set size for the sizes above (default: the same n), e.g.
                          --sizes 1e7 --partner 1e6 for 10 M identifiers on the bank side
  --operations <list>     overlap,enrich (default both)
  --overlap <fraction>    share of each set in the intersection (default 0.2)
  --peer-timeout-ms <ms>  limits.peerTimeoutMs written into both node configs (default 600000)
  --timeout-scale <x>     multiply every step's timeout (default 1)
  --dir <dir>             where to create the temporary node directories (default: OS temp)
  --out <file>            results JSON (default bench/results/psi-<date>.json)
  --keep                  keep the node directories (for debugging)`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    max: { type: 'string' },
    'anchor-max': { type: 'string', default: '1e5' },
    'no-repeat': { type: 'boolean', default: false },
    unbalanced: { type: 'string', default: '1e6' },
    'unbalanced-n': { type: 'string', default: '1e4' },
    partner: { type: 'string' },
    operations: { type: 'string', default: 'overlap,enrich' },
    overlap: { type: 'string', default: '0.2' },
    'peer-timeout-ms': { type: 'string', default: '600000' },
    'timeout-scale': { type: 'string', default: '1' },
    dir: { type: 'string' },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

function chooseSizes(): number[] {
  if (args.sizes)
    return args.sizes
      .split(',')
      .map((s) => count(s.trim(), '--sizes'))
      .filter((n) => n > 0);
  if (args.quick) return [10_000, 100_000];
  const max = count(args.max ?? '1e6', '--max');
  const sizes: number[] = [];
  for (let n = 10_000; n <= max; n *= 10) sizes.push(n);
  return sizes;
}

const opts = {
  sizes: chooseSizes(),
  anchorMax: count(args['anchor-max']!, '--anchor-max'),
  repeat: !args['no-repeat'],
  unbalancedPartner: count(args.unbalanced!, '--unbalanced'),
  unbalancedN: count(args['unbalanced-n']!, '--unbalanced-n'),
  partner: args.partner == null ? null : count(args.partner, '--partner'),
  operations: args.operations!.split(',').map((s) => s.trim()) as ('overlap' | 'enrich')[],
  overlapFraction: Number(args.overlap),
  peerTimeoutMs: count(args['peer-timeout-ms']!, '--peer-timeout-ms'),
  timeoutScale: Number(args['timeout-scale']),
  keep: args.keep!,
};
if (!(opts.overlapFraction > 0 && opts.overlapFraction <= 1)) throw new BenchError('--overlap: a fraction in (0, 1]');
if (!(opts.timeoutScale > 0)) throw new BenchError('--timeout-scale: a positive number');
if (opts.sizes.length === 0) throw new BenchError('no sizes to run');
if (opts.partner === 0) throw new BenchError('--partner: a positive set size');
for (const op of opts.operations) if (op !== 'overlap' && op !== 'enrich') throw new BenchError(`--operations: overlap and/or enrich, got ${op}`);

// Bounded timeouts per step, growing with the work (generous: they catch hangs, not slowness).
const timeouts = {
  cli: () => 120_000 * opts.timeoutScale,
  import: (rows: number) => (120_000 + rows * 1) * opts.timeoutScale,
  query: (n: number, m: number) => (180_000 + (n + m) * 1) * opts.timeoutScale,
  anchor: (n: number) => (120_000 + n * 8) * opts.timeoutScale,
};

// ---------------------------------------------------------------------------------------------
// Results

interface QueryRow {
  kind: 'n×n' | 'unbalanced';
  n: number;
  m: number;
  operation: 'overlap' | 'enrich';
  /** 1 = first query under its agreement (cold), 2+ = repeats. */
  pass: number;
  status: 'ok' | 'error';
  error?: string;
  wallMs?: number;
  /** From the querier's run: finishedAt − startedAt. */
  nodeMs?: number | null;
  responderNodeMs?: number | null;
  resultCount?: number | null;
  expected?: number;
  bytesBankToTelco?: number;
  bytesTelcoToBank?: number;
  messages?: number;
  /** Peak RSS (kB): the query CLI process and the two `mofang start` processes (the querier computes in the bank node's job runner, or in the CLI process on versions without jobs). */
  rssKb?: { bankQueryCli: number | null; bankNode: number | null; telcoNode: number | null; perQuery: boolean };
  /** CPU time (ms) used during the query by the same three processes. */
  cpuMs?: { bankQueryCli: number | null; bankNode: number | null; telcoNode: number | null };
  /** 1-minute load average just before the query (the machine may be shared). */
  loadBefore?: number;
  /** Whether the responder reused a cached F(y): read from the run JSON when the node reports it. */
  senderCached?: boolean | null;
  multiplications?: number;
  limitMs?: number;
  /** limitMs / wallMs. */
  ratio?: number;
  runId?: string;
}

interface SizeResult {
  n: number;
  /** The partner's set size (n unless --partner). */
  m: number;
  overlap: number;
  /** Aggregate multiplications/s with one thread per core, just before and after this size's queries (nodes idle/stopped): a contention check. */
  allCoresRate: { before: number | null; after: number | null };
  imports: ImportRow[];
  queries: QueryRow[];
  anchor: (AnchorResult | { revealIntersection: boolean; error: string })[];
  error?: string;
}

const started = new Date();
const results: {
  benchmark: 'psi';
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, unknown>;
  options: typeof opts;
  limit?: LimitMeasurement;
  /** Measured again after the queries; the ratios use the better of the two rates. */
  limitEnd?: LimitMeasurement;
  limitRateUsed?: number;
  anchor: { package: string; version?: string; error?: string; note: string };
  sizes: SizeResult[];
  unbalanced: QueryRow[];
  errors: string[];
} = {
  benchmark: 'psi',
  startedAt: started.toISOString(),
  machine: {},
  options: opts,
  anchor: { package: ANCHOR_PACKAGE, note: 'client and server in one process, messages (de)serialised in memory, no network or TLS: favours the anchor' },
  sizes: [],
  unbalanced: [],
  errors: [],
};

// ---------------------------------------------------------------------------------------------
// Helpers

const log = makeLog();

// ---------------------------------------------------------------------------------------------
// Two nodes (bench/two-nodes.ts) with this benchmark's timeouts

const createPair = (root: string, n: number, m: number, overlap: number) =>
  createNodePair(root, n, overlap, { peerTimeoutMs: opts.peerTimeoutMs, cliTimeoutMs: timeouts.cli() }, m);
const importDataset = (side: Pair['bank'], file: string, dataset: string, rows: number) => importNodeDataset(side, file, dataset, rows, timeouts.import(rows));
const propose = (pair: Pair, title: string, dataset: string, operations: string) =>
  proposeAgreement(pair, { title, dataset, operations, timeoutMs: timeouts.cli() });

// ---------------------------------------------------------------------------------------------
// One query

/**
 * Whether the responder reused a cached F(y): a boolean field named like "cache" in either run's
 * JSON, else `fyCached` in the responder's `run.completed` audit entry (`mofang audit export`);
 * null when the node reports neither (a node without the cache).
 */
async function senderCached(pair: Pair, run: Record<string, unknown>, responder: Record<string, unknown> | null): Promise<boolean | null> {
  const flag = senderCachedFlag(run, responder);
  if (flag != null) return flag;
  try {
    const details = await auditDetails(pair.telco, 'run.completed', String(run.id), timeouts.cli());
    return details ? senderCachedFlag(details) : null;
  } catch {
    /* not available: unknown */
  }
  return null;
}

/** A boolean the node may report about F(y) reuse (the name is not fixed): null when absent. */
function senderCachedFlag(...runs: (Record<string, unknown> | null)[]): boolean | null {
  for (const run of runs) {
    if (!run) continue;
    for (const [k, v] of Object.entries(run)) {
      if (typeof v === 'boolean' && /cache/i.test(k)) return v;
    }
  }
  return null;
}

async function query(
  pair: Pair,
  o: { kind: QueryRow['kind']; agreementId: string; operation: 'overlap' | 'enrich'; n: number; m: number; pass: number; expected: number; limitRate: number },
): Promise<QueryRow> {
  const base: QueryRow = { kind: o.kind, n: o.n, m: o.m, operation: o.operation, pass: o.pass, status: 'ok', expected: o.expected };
  const loadBefore = loadavg()[0];
  try {
    const { run, readings } = await timedQuery(pair, [o.operation, '--agreement', o.agreementId], {
      label: `query ${o.operation} ${label(o.n)}×${label(o.m)}`,
      timeoutMs: timeouts.query(o.n, o.m),
      cliTimeoutMs: timeouts.cli(),
    });
    let responder: Record<string, unknown> | null = null;
    try {
      responder = await showRun(pair.telco, run.id, timeouts.cli());
    } catch {
      responder = null;
    }
    const cached = await senderCached(pair, run, responder);
    const multiplications = protocolMultiplications(o.n, o.m, cached === true);
    const limitMs = (multiplications / o.limitRate) * 1000;
    const row: QueryRow = {
      ...base,
      wallMs: readings.wallMs,
      nodeMs: durationMs(run),
      responderNodeMs: durationMs(responder),
      resultCount: run.resultCount,
      bytesBankToTelco: run.bytesSent,
      bytesTelcoToBank: run.bytesReceived,
      messages: run.messagesSent + run.messagesReceived,
      rssKb: readings.rssKb,
      cpuMs: readings.cpuMs,
      loadBefore: readings.loadBefore,
      senderCached: cached,
      multiplications,
      limitMs,
      ratio: limitMs / readings.wallMs,
      runId: run.id,
    };
    if (run.resultCount !== o.expected) {
      row.status = 'error';
      row.error = `result ${run.resultCount}, expected ${o.expected}`;
    }
    return row;
  } catch (err) {
    return { ...base, status: 'error', error: (err as Error).message, loadBefore };
  }
}

function logQuery(r: QueryRow): void {
  if (r.status === 'error' && r.wallMs == null) {
    log(`  ${r.operation.padEnd(7)} pass ${r.pass}: FAILED ${r.error}`);
    return;
  }
  log(
    `  ${r.operation.padEnd(7)} pass ${r.pass}: ${secs(r.wallMs)} s wall (node ${secs(r.nodeMs)} s), result ${r.resultCount}${r.status === 'error' ? ` — ${r.error}` : ''}, ` +
      `${mbBytes(r.bytesBankToTelco)}/${mbBytes(r.bytesTelcoToBank)} MB, ${(100 * (r.ratio ?? 0)).toFixed(1)} % of limit`,
  );
}

// ---------------------------------------------------------------------------------------------
// Unbalanced: a small bank set against the (possibly cached) large partner set

async function smallBankFile(pair: Pair, rows: number, n: number, overlap: number): Promise<{ file: string; expected: number }> {
  // The bank file is shuffled; its first `rows` records are a random subset. Synthetic customer
  // C<i+1> is in the partner set exactly when i ≥ n − overlap (see node/demo/synthetic.ts).
  const file = join(pair.dataDir, `bank-${rows}.csv`);
  const out = createWriteStream(file);
  let taken = -1;
  let expected = 0;
  for await (const line of createInterface({ input: createReadStream(pair.bankFile) })) {
    if (taken >= rows) break;
    if (taken >= 0) {
      const i = Number(line.slice(1, line.indexOf(','))) - 1;
      if (i >= n - overlap) expected++;
    }
    out.write(`${line}\n`);
    taken++;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return { file, expected };
}

async function runUnbalanced(pair: Pair, m: number, overlap: number, limitRate: number): Promise<QueryRow[]> {
  const n = opts.unbalancedN;
  log(`unbalanced: ${label(n)} bank records against the ${label(m)}-record partner set`);
  const small = await smallBankFile(pair, n, m, overlap);
  await importDataset(pair.bank, small.file, 'customers_small', n);
  const agreementId = await propose(pair, `bench-unbalanced-${n}-${m}`, 'customers_small', 'overlap,enrich');
  const rows: QueryRow[] = [];
  const plan: ('overlap' | 'enrich')[] = ['enrich', 'enrich', 'enrich', 'overlap', 'overlap'];
  for (let i = 0; i < plan.length; i++) {
    const row = await query(pair, { kind: 'unbalanced', agreementId, operation: plan[i], n, m, pass: i + 1, expected: small.expected, limitRate });
    logQuery(row);
    rows.push(row);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Table

function renderTables(): string {
  const lines: string[] = [];
  const fmt = (x: number | null | undefined) => (x == null ? '-' : Math.round(x).toLocaleString('en-US'));
  lines.push(
    `Machine: ${results.machine.cpuModel}, ${results.machine.nproc} CPUs (availableParallelism ${results.machine.availableParallelism}), Node ${results.machine.node}, ${results.machine.date}; load average at start ${results.machine.loadStart}`,
  );
  for (const [when, l] of [
    ['start', results.limit],
    ['end', results.limitEnd],
  ] as const) {
    if (!l) continue;
    lines.push(
      `Limit (${when}): ${fmt(l.perCoreRate)} mult/s per core (${l.backend}, batch ${fmt(l.batch)}, best of ${l.perCoreRuns.length}: ${l.perCoreRuns.map(fmt).join(', ')}) × ${l.cores} cores = ${fmt(l.limitRate)} mult/s; ${l.cores} threads at once measured ${fmt(l.allCoresRate)} mult/s`,
    );
  }
  lines.push(`Ratios use ${fmt(results.limitRateUsed)} mult/s (the better of the two).`);
  lines.push('');
  const head = [
    'n × m',
    'op',
    'pass',
    'wall s',
    'node s',
    'n/s',
    'MB b→t',
    'MB t→b',
    'RSS cli',
    'RSS bank',
    'RSS telco',
    'CPU s b/t',
    'F(y)',
    'mults',
    'limit s',
    '% limit',
    'psi.js s',
    'speed-up',
  ];
  const rows: string[][] = [];
  const anchorFor = (n: number, op: string) => {
    const size = results.sizes.find((s) => s.n === n);
    const a = size?.anchor.find((x) => x.revealIntersection === (op === 'enrich'));
    return a && 'totalMs' in a ? a : null;
  };
  for (const q of [...results.sizes.flatMap((s) => s.queries), ...results.unbalanced]) {
    const a = q.kind === 'n×n' ? anchorFor(q.n, q.operation) : null;
    const ok = q.wallMs != null;
    rows.push([
      `${label(q.n)} × ${label(q.m)}`,
      q.operation,
      `${q.pass}${q.pass === 1 ? ' cold' : ''}`,
      ok ? secs(q.wallMs) : 'FAILED',
      secs(q.nodeMs),
      ok ? Math.round((q.n / q.wallMs!) * 1000).toLocaleString('en-US') : '-',
      mbBytes(q.bytesBankToTelco),
      mbBytes(q.bytesTelcoToBank),
      mb(q.rssKb?.bankQueryCli),
      mb(q.rssKb?.bankNode),
      mb(q.rssKb?.telcoNode),
      q.cpuMs ? `${secs((q.cpuMs.bankQueryCli ?? 0) + (q.cpuMs.bankNode ?? 0), 1)}/${secs(q.cpuMs.telcoNode, 1)}` : '-',
      q.senderCached == null ? (ok ? '?' : '-') : q.senderCached ? 'cached' : 'fresh',
      q.multiplications ? `${(q.multiplications / 1e6).toFixed(2)}M` : '-',
      secs(q.limitMs),
      q.ratio != null ? `${(100 * q.ratio).toFixed(1)}` : '-',
      a ? secs(a.totalMs, 1) : '-',
      a && ok ? `${(a.totalMs / q.wallMs!).toFixed(1)}×` : '-',
    ]);
  }
  lines.push(...renderTable(head, rows, 3));
  lines.push('');
  lines.push(
    "wall = the `mofang --json query` CLI process, start to exit (includes CLI start-up, opening the node, the gRPC/mTLS connection); node = the querier run's finishedAt − startedAt.",
  );
  lines.push(
    "n/s = n / wall. MB b→t / t→b = bytes the bank sent / received (run JSON). RSS in MB: cli = the query CLI process, bank/telco = the `mofang start` processes (VmHWM, reset before each query); the querier computes in the bank node's job runner when queries are jobs, in the CLI process before that.",
  );
  lines.push(
    'F(y): whether the telco reused a cached F(y) (? = the node does not report it: counted as fresh). mults = 3n + m (fresh) or 3n (cached); limit = mults / (rate × cores); % limit = limit / wall.',
  );
  lines.push('CPU s b/t = CPU seconds used during the query on the bank side (query CLI + bank node) / by the telco node.');
  lines.push(
    'psi.js = @openmined/psi.js cardinality (vs overlap) / intersection (vs enrich), client and server in one process, in memory; speed-up = psi.js time / Mofang wall time.',
  );

  const contended = results.sizes.map((s) => `${label(s.n)}: ${fmt(s.allCoresRate.before)} before, ${fmt(s.allCoresRate.after)} after`);
  lines.push(`Contention check (all cores multiplying at once, nodes idle; compare with rate × cores ${fmt(results.limitRateUsed)}): ${contended.join('; ')}.`);

  const imports = results.sizes.flatMap((s) => s.imports);
  if (imports.length > 0) {
    lines.push('', 'Imports (`mofang import`, separate CLI processes):');
    for (const i of imports)
      lines.push(
        `  ${i.side.padEnd(5)} ${i.dataset.padEnd(16)} ${label(i.rows).padStart(5)} rows  ${secs(i.wallMs, 1).padStart(7)} s  ${Math.round(i.rowsPerSecond).toLocaleString('en-US').padStart(8)} rows/s  peak RSS ${mb(i.maxRssKb)} MB`,
      );
  }
  const anchors = results.sizes.flatMap((s) => s.anchor.map((a) => ({ n: s.n, a })));
  if (anchors.length > 0) {
    lines.push('', `Anchor ${ANCHOR_PACKAGE}@${results.anchor.version ?? '?'} (one process, in memory):`);
    for (const { n, a } of anchors) {
      const mode = a.revealIntersection ? 'intersection' : 'cardinality ';
      if (!('totalMs' in a)) lines.push(`  ${label(n).padStart(5)} ${mode} FAILED ${a.error}`);
      else
        lines.push(
          `  ${label(n).padStart(5)} ${mode} ${secs(a.totalMs, 1).padStart(7)} s  (setup ${secs(a.phasesMs.serverSetup, 1)}, request ${secs(a.phasesMs.clientRequest, 1)}, response ${secs(a.phasesMs.serverResponse, 1)}, result ${secs(a.phasesMs.clientResult, 1)})  fpr 2^${Math.log2(a.fpr).toFixed(1)}  bytes c→s ${mbBytes(a.bytes.request)} MB, s→c ${mbBytes(a.bytes.setup + a.bytes.response)} MB  peak RSS ${mb(a.maxRssKb)} MB`,
        );
    }
  }
  if (results.errors.length > 0) lines.push('', 'Errors:', ...results.errors.map((e) => `  ${e}`));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  installCleanupHandlers();
  keepTempDirs(opts.keep);
  results.machine = await machineInfo(started);
  log(
    `PSI benchmark: sizes ${opts.sizes.map(label).join(', ')}; anchor up to ${opts.anchorMax ? label(opts.anchorMax) : 'never'}; ${results.machine.cpuModel}, ${results.machine.nproc} CPUs, Node ${process.version}`,
  );

  log('measuring the limit: native scalar multiplications per second …');
  const limit = await measureLimit();
  results.limit = limit;
  log(
    `  ${Math.round(limit.perCoreRate).toLocaleString('en-US')} mult/s per core × ${limit.cores} = ${Math.round(limit.limitRate).toLocaleString('en-US')} mult/s` +
      (limit.allCoresRate ? ` (all threads at once: ${Math.round(limit.allCoresRate).toLocaleString('en-US')})` : ''),
  );

  const anchorSizes = opts.sizes.filter((n) => n <= opts.anchorMax);
  if (anchorSizes.length > 0) {
    try {
      results.anchor.version = await ensureAnchor();
    } catch (err) {
      results.anchor.error = (err as Error).message;
      results.errors.push(`anchor: ${(err as Error).message}`);
      log(`  anchor unavailable: ${(err as Error).message}`);
    }
  }

  const work = mkdtempSync(join(args.dir ?? tmpdir(), 'mofang-bench-'));
  registerTempDir(work);
  log(`node directories under ${work}${opts.keep ? ' (kept)' : ''}`);

  for (const n of opts.sizes) {
    const m = opts.partner ?? n;
    const overlap = Math.max(10, Math.round(Math.min(n, m) * opts.overlapFraction));
    const size: SizeResult = { n, m, overlap, allCoresRate: { before: null, after: null }, imports: [], queries: [], anchor: [] };
    results.sizes.push(size);
    log(`${label(n)} × ${label(m)} (overlap ${label(overlap)}): init, peers, synthetic data`);
    let pair: Pair | null = null;
    try {
      pair = await createPair(work, n, m, overlap);
      for (const [side, file, dataset] of [
        [pair.bank, pair.bankFile, 'customers'],
        [pair.telco, pair.partnerFile, 'subscribers'],
      ] as const) {
        const row = await importDataset(side, file, dataset, side === pair.bank ? n : m);
        size.imports.push(row);
        log(
          `  import ${side.name}: ${secs(row.wallMs, 1)} s, ${Math.round(row.rowsPerSecond).toLocaleString('en-US')} rows/s, peak RSS ${mb(row.maxRssKb)} MB`,
        );
      }
      await startPair(pair);
      size.allCoresRate.before = await contentionCheck(limit, 'before the queries', log);
      for (const operation of opts.operations) {
        // One agreement per operation, so each operation's first query is cold even once the
        // node caches F(y) per agreement and key epoch.
        const agreementId = await propose(pair, `bench-${operation}-${n}`, 'customers', operation);
        for (let pass = 1; pass <= (opts.repeat ? 2 : 1); pass++) {
          const row = await query(pair, { kind: 'n×n', agreementId, operation, n, m, pass, expected: pair.expectedOverlap, limitRate: limit.limitRate });
          size.queries.push(row);
          logQuery(row);
          if (row.status === 'error') results.errors.push(`${label(n)} ${operation} pass ${pass}: ${row.error}`);
        }
      }
      if (n === opts.unbalancedPartner && m === n) {
        results.unbalanced = await runUnbalanced(pair, n, overlap, limit.limitRate);
        for (const r of results.unbalanced) if (r.status === 'error') results.errors.push(`unbalanced ${r.operation} pass ${r.pass}: ${r.error}`);
      }
    } catch (err) {
      size.error = (err as Error).message;
      results.errors.push(`${label(n)}: ${(err as Error).message}`);
      log(`  FAILED: ${(err as Error).message}`);
    } finally {
      if (pair) {
        await stopPair(pair);
        if (!opts.keep) rmSync(pair.dir, { recursive: true, force: true });
      }
    }
    size.allCoresRate.after = await contentionCheck(limit, 'after the queries', log);

    // The anchor runs with both nodes stopped, on an otherwise idle machine.
    if (n <= opts.anchorMax && m === n && results.anchor.version) {
      for (const revealIntersection of [false, true]) {
        log(`  ${ANCHOR_PACKAGE} ${label(n)} × ${label(n)} ${revealIntersection ? 'intersection' : 'cardinality'} …`);
        try {
          const a = await runAnchor({ n, overlap, revealIntersection, timeoutMs: timeouts.anchor(n) });
          size.anchor.push(a);
          log(`    ${secs(a.totalMs, 1)} s, result ${a.result}`);
        } catch (err) {
          size.anchor.push({ revealIntersection, error: (err as Error).message });
          results.errors.push(`psi.js ${label(n)} ${revealIntersection ? 'intersection' : 'cardinality'}: ${(err as Error).message}`);
          log(`    FAILED: ${(err as Error).message}`);
        }
      }
    }
  }

  log('measuring the limit again …');
  try {
    results.limitEnd = await measureLimit();
  } catch (err) {
    results.errors.push(`limit (end): ${(err as Error).message}`);
  }
  results.limitRateUsed = Math.max(limit.limitRate, results.limitEnd?.limitRate ?? 0);
  for (const q of [...results.sizes.flatMap((s) => s.queries), ...results.unbalanced]) {
    if (q.multiplications == null || q.wallMs == null) continue;
    q.limitMs = (q.multiplications / results.limitRateUsed) * 1000;
    q.ratio = q.limitMs / q.wallMs;
  }
  const out = writeResults('psi', started, results, args.out);
  console.log(`\n${renderTables()}\n\nResults: ${out}`);
  return results.errors.length === 0 ? 0 : 1;
}

runBenchmark(main);
