/**
 * `npm run bench:aggregate` — homomorphic intersection-sum end to end, as an operator runs it: per
 * set size n, two nodes (`mofang init`, `peers add`, `import`, `start` — gRPC + mutual TLS on
 * loopback), the bank's customers with a 10-valued `segment`, the telco's subscribers with a 32-bit
 * `value` (bench/aggregate-data.ts), agreements with an aggregate column clamped to [0, 2³²−1]
 * proposed and accepted through the CLI, then, timed around `mofang --json query`:
 *   1. `query overlap` — the PSI-only time of the same sets (shuffled, fresh key, like the aggregate);
 *   2. `query aggregate --column value` — one group (the whole dataset);
 *   3. `query aggregate --column value --group-by segment` — ten groups.
 * Both nodes' `run.completed` audit entries split each aggregate run into its PSI and HE phases
 * (time and bytes). In the same run a Paillier baseline (bench/paillier.ts) is measured on a subset
 * and extrapolated. Targets (bench/README.md) are printed as met or missed.
 *
 * Flags: --sizes 1e5,1e6 (default) | --quick (1e4,1e5). See bench/README.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addAggregateColumns, SEGMENT_COLUMN, VALUE_COLUMN, VALUE_MAX, type Expected } from './aggregate-data.js';
import { label, makeLog, mb, mbBytes, renderTable, secs, thousands } from './format.js';
import { BenchError, count, installCleanupHandlers, keepTempDirs, registerTempDir, runBenchmark, writeResults } from './harness.js';
import { measureLimit, type LimitMeasurement } from './limit.js';
import { CONTENDED_SHARE, contentionCheck, machineInfo } from './machine.js';
import { measurePaillier, paillierEstimate, type PaillierMeasurement } from './paillier.js';
import {
  auditDetails,
  createPair,
  durationMs,
  importDataset,
  propose,
  showRun,
  startPair,
  stopPair,
  timedQuery,
  type ImportRow,
  type Pair,
  type QueryReadings,
} from './two-nodes.js';

const TARGETS = { heOverPsi: 0.15, bytesPerValue: 40, paillierSpeedup: 1000, groupedOverOne: 1.5 };

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npm run bench:aggregate -- [--quick | --sizes 1e5,1e6] [options]
  --quick                 sizes 1e4 and 1e5 (default: 1e5 and 1e6)
  --sizes <list>          comma-separated set sizes (n × n each)
  --groups <k>            segments for the grouped query (default 10)
  --passes <p>            run each query p times (default 1)
  --overlap <fraction>    share of each set in the intersection (default 0.2)
  --epsilon <ε>           ε per query in the agreements (default 1)
  --paillier-subset <s>   values the Paillier baseline encrypts (default 200; 0 = skip)
  --peer-timeout-ms <ms>  limits.peerTimeoutMs written into both node configs (default 600000)
  --timeout-scale <x>     multiply every step's timeout (default 1)
  --dir <dir>             where to create the temporary node directories (default: OS temp)
  --out <file>            results JSON (default bench/results/aggregate-<date>.json)
  --keep                  keep the node directories (for debugging)`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    sizes: { type: 'string' },
    groups: { type: 'string', default: '10' },
    passes: { type: 'string', default: '1' },
    overlap: { type: 'string', default: '0.2' },
    epsilon: { type: 'string', default: '1' },
    'paillier-subset': { type: 'string', default: '200' },
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

const opts = {
  sizes: args.sizes
    ? args.sizes
        .split(',')
        .map((s) => count(s.trim(), '--sizes'))
        .filter((n) => n > 0)
    : args.quick
      ? [10_000, 100_000]
      : [100_000, 1_000_000],
  groups: count(args.groups!, '--groups'),
  passes: count(args.passes!, '--passes'),
  overlapFraction: Number(args.overlap),
  epsilon: Number(args.epsilon),
  paillierSubset: count(args['paillier-subset']!, '--paillier-subset'),
  peerTimeoutMs: count(args['peer-timeout-ms']!, '--peer-timeout-ms'),
  timeoutScale: Number(args['timeout-scale']),
  keep: args.keep!,
};
if (!(opts.overlapFraction > 0 && opts.overlapFraction <= 1)) throw new BenchError('--overlap: a fraction in (0, 1]');
if (!(opts.timeoutScale > 0)) throw new BenchError('--timeout-scale: a positive number');
if (!(opts.epsilon > 0 && opts.epsilon <= 10)) throw new BenchError('--epsilon: in (0, 10]');
if (opts.groups < 2 || opts.groups > 64) throw new BenchError('--groups: 2 to 64');
if (opts.passes < 1) throw new BenchError('--passes: at least 1');
if (opts.sizes.length === 0) throw new BenchError('no sizes to run');

const timeouts = {
  cli: () => 120_000 * opts.timeoutScale,
  import: (rows: number) => (120_000 + rows * 1) * opts.timeoutScale,
  query: (n: number) => (240_000 + n * 2) * opts.timeoutScale,
};

// ---------------------------------------------------------------------------------------------
// Results

type QueryKind = 'overlap' | 'aggregate-1' | 'aggregate-k';

interface PhaseStats {
  ms: number;
  bytesSent: number;
  bytesReceived: number;
}
interface Phases {
  psi: PhaseStats;
  he: PhaseStats;
}

interface QueryRow {
  n: number;
  kind: QueryKind;
  groups: number;
  pass: number;
  status: 'ok' | 'error';
  error?: string;
  wallMs?: number;
  /** The querier run's finishedAt − startedAt. */
  nodeMs?: number | null;
  responderNodeMs?: number | null;
  bytesBankToTelco?: number;
  bytesTelcoToBank?: number;
  /** From the `run.completed` audit entries (aggregate runs): the querier's and the value holder's split. */
  phases?: { querier: Phases | null; valueHolder: Phases | null };
  rssKb?: QueryReadings['rssKb'];
  cpuMs?: QueryReadings['cpuMs'];
  loadBefore?: number;
  /** Released vs exact, per group (aggregate runs); overlap: the count. */
  check?: {
    label: string;
    exactCount: number;
    count: number | null;
    countStd: number | null;
    exactSum?: number;
    sum?: number | null;
    sumStd?: number | null;
    ok: boolean;
  }[];
  runId?: string;
}

interface SizeResult {
  n: number;
  overlap: number;
  allCoresRate: { before: number | null; after: number | null };
  contended?: boolean;
  imports: ImportRow[];
  queries: QueryRow[];
  summary?: Summary;
  error?: string;
}

interface Summary {
  psiOnlyMs: number | null;
  aggregatePsiMs: number | null;
  heMs: number | null;
  heOverPsi: number | null;
  heBytesToQuerier: number | null;
  heBytesToValueHolder: number | null;
  bytesPerValue: number | null;
  groupedOverOne: { node: number | null; wall: number | null; he: number | null };
  paillier: { ms: number; bytes: number; speedupOneCore: number | null; speedupAllCores: number | null } | null;
}

const started = new Date();
const results: {
  benchmark: 'aggregate';
  startedAt: string;
  finishedAt?: string;
  machine: Record<string, unknown>;
  options: typeof opts;
  targets: typeof TARGETS;
  limit?: LimitMeasurement;
  paillier?: PaillierMeasurement | { error: string };
  sizes: SizeResult[];
  errors: string[];
} = { benchmark: 'aggregate', startedAt: started.toISOString(), machine: {}, options: opts, targets: TARGETS, sizes: [], errors: [] };

const log = makeLog();

// ---------------------------------------------------------------------------------------------
// Agreements and queries

/** Overlap (PSI-only) and aggregate allowed, membership not granted: the aggregate runs the shuffled PSI, like overlap. */
function proposeAggregate(pair: Pair, title: string): Promise<string> {
  return propose(pair, {
    title,
    dataset: 'customers',
    operations: 'overlap,aggregate',
    timeoutMs: timeouts.cli(),
    extra: [
      '--aggregate-column',
      `${VALUE_COLUMN}:0:${VALUE_MAX}`,
      '--epsilon-per-query',
      String(opts.epsilon),
      '--budget-epsilon',
      String(Math.min(opts.epsilon * 10 * opts.passes, 1000)),
      '--min-group-size',
      '10',
      '--min-input-size',
      '100',
      '--max-groups',
      String(Math.max(16, opts.groups)),
    ],
  });
}

async function phasesOf(pair: Pair, runId: string): Promise<QueryRow['phases']> {
  const read = async (side: Pair['bank']) => {
    try {
      const d = await auditDetails(side, 'run.completed', runId, timeouts.cli());
      return (d?.phases as Phases | undefined) ?? null;
    } catch {
      return null;
    }
  };
  return { querier: await read(pair.bank), valueHolder: await read(pair.telco) };
}

interface Released {
  label: string;
  count?: { value: number; noiseScale: { standardDeviation: number } };
  columns?: { column: string; sum: { value: number; noiseScale: { standardDeviation: number } } }[];
  suppressed?: boolean;
}

/** Released numbers within 10 standard deviations of their noise from the exact ones. */
function checkGroups(groups: Released[], expected: Expected, grouped: boolean): NonNullable<QueryRow['check']> {
  return groups.map((g) => {
    const exact = grouped ? expected.segments.get(g.label) : expected.total;
    const sum = g.columns?.find((c) => c.column === VALUE_COLUMN)?.sum;
    const row = {
      label: g.label,
      exactCount: exact?.count ?? -1,
      count: g.count?.value ?? null,
      countStd: g.count?.noiseScale.standardDeviation ?? null,
      exactSum: exact?.sum ?? -1,
      sum: sum?.value ?? null,
      sumStd: sum?.noiseScale.standardDeviation ?? null,
      ok: false,
    };
    row.ok =
      !!exact &&
      !g.suppressed &&
      row.count != null &&
      row.sum != null &&
      Math.abs(row.count - exact.count) <= 10 * (row.countStd ?? 0) + 1 &&
      Math.abs(row.sum - exact.sum) <= 10 * (row.sumStd ?? 0) + 1;
    return row;
  });
}

async function query(pair: Pair, o: { n: number; kind: QueryKind; agreementId: string; pass: number; expected: Expected }): Promise<QueryRow> {
  const groups = o.kind === 'aggregate-k' ? opts.groups : 1;
  const base: QueryRow = { n: o.n, kind: o.kind, groups, pass: o.pass, status: 'ok' };
  const loadBefore = loadavg()[0];
  const cliArgs =
    o.kind === 'overlap'
      ? ['overlap', '--agreement', o.agreementId]
      : ['aggregate', '--agreement', o.agreementId, '--column', VALUE_COLUMN, ...(o.kind === 'aggregate-k' ? ['--group-by', SEGMENT_COLUMN] : [])];
  try {
    const { run, printed, readings } = await timedQuery(pair, cliArgs, {
      label: `query ${o.kind} ${label(o.n)}`,
      timeoutMs: timeouts.query(o.n),
      cliTimeoutMs: timeouts.cli(),
    });
    let responderNodeMs: number | null = null;
    try {
      responderNodeMs = durationMs(await showRun(pair.telco, run.id, timeouts.cli()));
    } catch {
      responderNodeMs = null;
    }
    const row: QueryRow = {
      ...base,
      wallMs: readings.wallMs,
      nodeMs: durationMs(run),
      responderNodeMs,
      bytesBankToTelco: run.bytesSent,
      bytesTelcoToBank: run.bytesReceived,
      rssKb: readings.rssKb,
      cpuMs: readings.cpuMs,
      loadBefore: readings.loadBefore,
      runId: run.id,
    };
    if (o.kind === 'overlap') {
      const ok = run.resultCount === o.expected.total.count;
      row.check = [{ label: 'all', exactCount: o.expected.total.count, count: run.resultCount, countStd: 0, ok }];
    } else {
      row.phases = await phasesOf(pair, run.id);
      row.check = checkGroups((printed.groups ?? []) as Released[], o.expected, o.kind === 'aggregate-k');
      if (row.check.length !== groups)
        row.check.push({ label: `expected ${groups} groups, got ${row.check.length}`, exactCount: 0, count: null, countStd: null, ok: false });
    }
    const bad = row.check.filter((c) => !c.ok);
    if (bad.length > 0) {
      row.status = 'error';
      row.error = `released numbers off the exact ones (beyond 10 noise standard deviations): ${bad.map((c) => `${c.label} count ${c.count} vs ${c.exactCount}${c.exactSum != null ? `, sum ${c.sum} vs ${c.exactSum}` : ''}`).join('; ')}`;
    }
    return row;
  } catch (err) {
    return { ...base, status: 'error', error: (err as Error).message, loadBefore };
  }
}

function logQuery(r: QueryRow): void {
  if (r.wallMs == null) {
    log(`  ${r.kind.padEnd(11)} pass ${r.pass}: FAILED ${r.error}`);
    return;
  }
  const q = r.phases?.querier;
  log(
    `  ${r.kind.padEnd(11)} pass ${r.pass}: ${secs(r.wallMs)} s wall (node ${secs(r.nodeMs)} s${q ? `: PSI ${secs(q.psi.ms)} s + HE ${secs(q.he.ms)} s` : ''}), ` +
      `${mbBytes(r.bytesBankToTelco)}/${mbBytes(r.bytesTelcoToBank)} MB b→t/t→b, RSS bank ${mb(r.rssKb?.bankNode)} telco ${mb(r.rssKb?.telcoNode)} MB${r.status === 'error' ? ` — ${r.error}` : ', results check out'}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Summary and table

const median = (xs: number[]) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summarise(size: SizeResult, paillier: PaillierMeasurement | null, cores: number): Summary {
  const ok = (kind: QueryKind) => size.queries.filter((q) => q.kind === kind && q.status === 'ok');
  const med = (kind: QueryKind, f: (q: QueryRow) => number | null | undefined) =>
    median(
      ok(kind)
        .map(f)
        .filter((x): x is number => x != null),
    );
  const psiOnlyMs = med('overlap', (q) => q.nodeMs);
  const heMs = med('aggregate-1', (q) => q.phases?.querier?.he.ms);
  // Bytes from the value holder's split: its HE phase starts when it starts sending the key, while
  // the querier may still be finishing its masks with the first ciphertexts already in its buffer.
  const heBytesToQuerier = med('aggregate-1', (q) => q.phases?.valueHolder?.he.bytesSent);
  const ratio = (a: number | null, b: number | null) => (a == null || b == null || b === 0 ? null : a / b);
  const p = paillier ? paillierEstimate(paillier, { m: size.n, matched: size.overlap, groups: 1 }) : null;
  return {
    psiOnlyMs,
    aggregatePsiMs: med('aggregate-1', (q) => q.phases?.querier?.psi.ms),
    heMs,
    heOverPsi: ratio(heMs, psiOnlyMs),
    heBytesToQuerier,
    heBytesToValueHolder: med('aggregate-1', (q) => q.phases?.valueHolder?.he.bytesReceived),
    bytesPerValue: heBytesToQuerier == null ? null : heBytesToQuerier / size.n,
    groupedOverOne: {
      node: ratio(
        med('aggregate-k', (q) => q.nodeMs),
        med('aggregate-1', (q) => q.nodeMs),
      ),
      wall: ratio(
        med('aggregate-k', (q) => q.wallMs),
        med('aggregate-1', (q) => q.wallMs),
      ),
      he: ratio(
        med('aggregate-k', (q) => q.phases?.querier?.he.ms),
        heMs,
      ),
    },
    paillier: p ? { ...p, speedupOneCore: ratio(p.ms, heMs), speedupAllCores: ratio(p.ms / cores, heMs) } : null,
  };
}

const pct = (x: number | null | undefined) => (x == null ? '-' : `${(100 * x).toFixed(1)} %`);
const times = (x: number | null | undefined, digits = 2) => (x == null ? '-' : `${x.toFixed(digits)}×`);
const verdict = (ok: boolean | null) => (ok == null ? 'not measured' : ok ? 'met' : 'MISSED');

function renderTables(): string {
  const lines: string[] = [];
  const m = results.machine;
  lines.push(
    `Machine: ${m.cpuModel}, ${m.nproc} CPUs (availableParallelism ${m.availableParallelism}), Node ${m.node}, ${m.date}; load average at start ${m.loadStart}, end ${m.loadEnd ?? '-'}`,
  );
  if (results.limit)
    lines.push(
      `Contention reference: ${thousands(results.limit.perCoreRate)} X25519 mult/s on one core × ${results.limit.cores} = ${thousands(results.limit.limitRate)}; CONTENDED when all cores at once reach < ${100 * CONTENDED_SHARE} % of it.`,
    );
  lines.push('');
  const head = [
    'n × n',
    'query',
    'groups',
    'pass',
    'wall s',
    'node s',
    'PSI s',
    'HE s',
    'MB b→t',
    'MB t→b',
    'HE MB t→b',
    'RSS bank',
    'RSS telco',
    'CPU s b/t',
    'check',
  ];
  const rows = results.sizes
    .flatMap((s) => s.queries)
    .map((q) => {
      const ph = q.phases?.querier;
      return [
        `${label(q.n)} × ${label(q.n)}`,
        q.kind,
        String(q.groups),
        String(q.pass),
        q.wallMs == null ? 'FAILED' : secs(q.wallMs),
        secs(q.nodeMs),
        secs(ph?.psi.ms),
        secs(ph?.he.ms),
        mbBytes(q.bytesBankToTelco),
        mbBytes(q.bytesTelcoToBank),
        mbBytes(q.phases?.valueHolder?.he.bytesSent),
        mb(q.rssKb?.bankNode),
        mb(q.rssKb?.telcoNode),
        q.cpuMs ? `${secs((q.cpuMs.bankQueryCli ?? 0) + (q.cpuMs.bankNode ?? 0), 1)}/${secs(q.cpuMs.telcoNode, 1)}` : '-',
        q.status === 'ok' ? 'ok' : 'ERROR',
      ];
    });
  lines.push(...renderTable(head, rows, 4));
  lines.push('');
  lines.push(
    "wall = the `mofang --json query` CLI process (CLI start-up, opening the node, job, mTLS connection, differencing guard, run); node = the querier run's finishedAt − startedAt;",
  );
  lines.push(
    "PSI / HE = the querier's phases from its run.completed audit entry (PSI: start to masks; HE: masks to the end of the run). MB b→t / t→b: the querier run's bytes sent / received; HE MB t→b: what the value holder sent in its HE phase (key + ciphertexts).",
  );
  lines.push(
    'RSS = VmHWM of the `mofang start` processes in MB, reset before each query. check = released count and sum within 10 noise standard deviations of the exact values (overlap: exact count).',
  );

  for (const s of results.sizes) {
    const sm = s.summary;
    lines.push(
      '',
      `${label(s.n)} × ${label(s.n)} (overlap ${label(s.overlap)})${s.contended ? ' — CONTENDED (other work used the CPUs: times inflated)' : ''}; all cores at once ${thousands(s.allCoresRate.before)} before, ${thousands(s.allCoresRate.after)} after${s.error ? `; FAILED: ${s.error}` : ''}`,
    );
    if (!sm) continue;
    lines.push(
      `  HE phase ${secs(sm.heMs)} s vs PSI-only (overlap query, node time) ${secs(sm.psiOnlyMs)} s: HE adds ${pct(sm.heOverPsi)} (target ≤ ${100 * TARGETS.heOverPsi} % at 10⁶: ${verdict(sm.heOverPsi == null ? null : sm.heOverPsi <= TARGETS.heOverPsi)}); the aggregate's own PSI phase ${secs(sm.aggregatePsiMs)} s`,
    );
    lines.push(
      `  HE bytes to the querier ${mbBytes(sm.heBytesToQuerier)} MB = ${sm.bytesPerValue?.toFixed(1) ?? '-'} B/value incl. the one-time public key (target ≤ ${TARGETS.bytesPerValue}: ${verdict(sm.bytesPerValue == null ? null : sm.bytesPerValue <= TARGETS.bytesPerValue)}); to the value holder ${mbBytes(sm.heBytesToValueHolder)} MB`,
    );
    lines.push(
      `  ${opts.groups} groups vs 1: node time ${times(sm.groupedOverOne.node)}, wall ${times(sm.groupedOverOne.wall)}, HE phase alone ${times(sm.groupedOverOne.he)} (target < ${TARGETS.groupedOverOne}× on the query: ${verdict(sm.groupedOverOne.node == null ? null : sm.groupedOverOne.node < TARGETS.groupedOverOne)})`,
    );
    if (sm.paillier) {
      lines.push(
        `  Paillier-2048 extrapolated: ${secs(sm.paillier.ms, 0)} s on one core (${secs(sm.paillier.ms / (results.limit?.cores ?? 1), 0)} s on all cores), ${mbBytes(sm.paillier.bytes)} MB of ciphertexts; HE phase faster by ${times(sm.paillier.speedupOneCore, 0)} (one core) / ${times(sm.paillier.speedupAllCores, 0)} (Paillier on all cores) (target ≥ ${TARGETS.paillierSpeedup}×: ${verdict(sm.paillier.speedupAllCores == null ? null : sm.paillier.speedupAllCores >= TARGETS.paillierSpeedup)})`,
      );
    }
  }
  const p = results.paillier;
  if (p && 'bits' in p) {
    lines.push(
      '',
      `Paillier baseline (${p.package}, ${p.bits}-bit, ${p.subset} values, one process, no network): encrypt ${p.encryptMsPerValue.toFixed(2)} ms/value, add ${(p.addMsPerValue * 1000).toFixed(1)} µs/value, decrypt ${p.decryptMs.toFixed(1)} ms, key generation ${secs(p.keyGenMs, 1)} s, ${p.ciphertextBytes} B/ciphertext.`,
    );
    lines.push("  Extrapolated: n encryptions (value holder) + overlap additions (querier) + one decryption per group; compared with the querier's HE phase.");
  } else if (p) lines.push('', `Paillier baseline FAILED: ${p.error}`);
  const imports = results.sizes.flatMap((s) => s.imports);
  if (imports.length > 0) {
    lines.push('', 'Imports (`mofang import`):');
    for (const i of imports)
      lines.push(
        `  ${i.side.padEnd(5)} ${i.dataset.padEnd(12)} ${label(i.rows).padStart(5)} rows  ${secs(i.wallMs, 1).padStart(7)} s  peak RSS ${mb(i.maxRssKb)} MB`,
      );
  }
  if (results.errors.length > 0) lines.push('', 'Errors:', ...results.errors.map((e) => `  ${e}`));
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Main

async function runSize(work: string, n: number, limit: LimitMeasurement): Promise<SizeResult> {
  const overlap = Math.max(10, Math.round(n * opts.overlapFraction));
  const size: SizeResult = { n, overlap, allCoresRate: { before: null, after: null }, imports: [], queries: [] };
  log(`${label(n)} × ${label(n)} (overlap ${label(overlap)}): init, peers, synthetic data with '${SEGMENT_COLUMN}' and '${VALUE_COLUMN}'`);
  let pair: Pair | null = null;
  try {
    pair = await createPair(work, n, overlap, { peerTimeoutMs: opts.peerTimeoutMs, cliTimeoutMs: timeouts.cli() });
    const expected = await addAggregateColumns(pair, n, overlap, opts.groups);
    for (const [side, file, dataset] of [
      [pair.bank, pair.bankFile, 'customers'],
      [pair.telco, pair.partnerFile, 'subscribers'],
    ] as const) {
      const row = await importDataset(side, file, dataset, n, timeouts.import(n));
      size.imports.push(row);
      log(`  import ${side.name}: ${secs(row.wallMs, 1)} s, peak RSS ${mb(row.maxRssKb)} MB`);
    }
    await startPair(pair);
    size.allCoresRate.before = await contentionCheck(limit, 'before the queries', log);
    // One agreement per aggregate shape: the differencing guard and budget of one do not touch the other.
    const one = await proposeAggregate(pair, `bench-aggregate-1-${n}`);
    const grouped = await proposeAggregate(pair, `bench-aggregate-${opts.groups}-${n}`);
    for (let pass = 1; pass <= opts.passes; pass++) {
      for (const [kind, agreementId] of [
        ['overlap', one],
        ['aggregate-1', one],
        ['aggregate-k', grouped],
      ] as const) {
        const row = await query(pair, { n, kind, agreementId, pass, expected });
        size.queries.push(row);
        logQuery(row);
        if (row.status === 'error') results.errors.push(`${label(n)} ${kind} pass ${pass}: ${row.error}`);
      }
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
  const rates = [size.allCoresRate.before, size.allCoresRate.after].filter((x): x is number => x != null);
  size.contended = rates.some((r) => r < CONTENDED_SHARE * limit.limitRate);
  return size;
}

async function main(): Promise<number> {
  installCleanupHandlers();
  keepTempDirs(opts.keep);
  results.machine = await machineInfo(started);
  log(
    `Aggregate benchmark: sizes ${opts.sizes.map(label).join(', ')}, ${opts.groups} groups, ${opts.passes} pass(es); ${results.machine.cpuModel}, ${results.machine.nproc} CPUs, Node ${process.version}`,
  );
  log('measuring the contention reference: native scalar multiplications per second …');
  const limit = await measureLimit();
  results.limit = limit;

  let paillier: PaillierMeasurement | null = null;
  if (opts.paillierSubset > 0) {
    log(`Paillier baseline: 2048-bit keys, ${opts.paillierSubset} values …`);
    try {
      paillier = await measurePaillier(opts.paillierSubset);
      results.paillier = paillier;
      log(
        `  encrypt ${paillier.encryptMsPerValue.toFixed(2)} ms/value, add ${(paillier.addMsPerValue * 1000).toFixed(1)} µs/value, decrypt ${paillier.decryptMs.toFixed(1)} ms`,
      );
    } catch (err) {
      results.paillier = { error: (err as Error).message };
      results.errors.push(`paillier: ${(err as Error).message}`);
    }
  }

  const work = mkdtempSync(join(args.dir ?? tmpdir(), 'mofang-bench-aggregate-'));
  registerTempDir(work);
  log(`node directories under ${work}${opts.keep ? ' (kept)' : ''}`);
  for (const n of opts.sizes) {
    const size = await runSize(work, n, limit);
    size.summary = summarise(size, paillier, limit.cores);
    results.sizes.push(size);
  }

  const out = writeResults('aggregate', started, results, args.out);
  console.log(`\n${renderTables()}\n\nResults: ${out}`);
  return results.errors.length === 0 ? 0 : 1;
}

runBenchmark(main);
