/**
 * `npm run bench:analytics` — the event store and the analysis models at scale (docs/benchmarks.md,
 * "Analytics"). Targets, with 10⁸ events for 10⁷ customers over 90 days and 50 event names:
 * - ingestion through `POST /v1/events` ≥ 50,000 events/s sustained (batches of 1,000, durable
 *   when acknowledged), node RSS < 2 GB;
 * - event analysis with one breakdown ≤ 2 s, 4-step funnel ≤ 5 s, 30-day retention ≤ 5 s, path
 *   depth 3 ≤ 10 s, attribution ≤ 10 s, a segment mixing a profile and a behaviour rule ≤ 10 s.
 *
 * Each model's time is printed as a ratio to the floor: one full scan of the event table, over
 * every column the models read, measured in the same run. The events are generated in a DuckDB
 * file by SQL (bench/event-data.ts) through the node's event store; `--dir` keeps them and
 * `--reuse` uses them again when the options match.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { analyticsRows, type AnalyticsRow } from './analytics-models.js';
import { DEFAULT_END, generateEvents, type EventDataOptions } from './event-data.js';
import { measureIngestion, type IngestReport } from './event-ingest.js';
import { label, makeLog, mb, renderTable, secs, thousands } from './format.js';
import { BenchError, count, installCleanupHandlers, peakRssKb, registerTempDir, resetPeakRss, runBenchmark, writeResults } from './harness.js';
import { machineInfo } from './machine.js';
import { segmentBench } from './segment-row.js';

const TARGETS = { ingestEventsPerSecond: 50_000, ingestRssBytes: 2e9 };

const USAGE = `usage: npm run bench:analytics -- [options]
  --events <n>              events in the store (default 1e8)
  --customers <n>           distinct customers at most (default events / 10)
  --days <d>                period the events span, ending ${DEFAULT_END} (default 90)
  --names <k>               event names (default 50)
  --passes <p>              run the floor and each model p times; the median is reported (default 3)
  --dir <dir>               keep the generated store (and the ingestion node) in dir
  --reuse                   with --dir: use the store there when it was generated with the same options
  --skip-models             measure only ingestion (no floor, no model rows)
  --skip-ingest             do not measure ingestion through the HTTP API
  --ingest-empty            ingest into an empty store (default: into a copy of the generated one)
  --ingest-cpu-prof <dir>   write a V8 CPU profile of the ingesting node to dir
  --ingest-events <n>       events to send through POST /v1/events (default 1e6)
  --ingest-seconds <s>      stop sending after s seconds (default 60)
  --ingest-concurrency <c>  requests in flight at once (default 4)
  --out <file>              results JSON (default bench/results/analytics-<date>.json)`;

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1e8' },
    customers: { type: 'string' },
    days: { type: 'string', default: '90' },
    names: { type: 'string', default: '50' },
    passes: { type: 'string', default: '3' },
    dir: { type: 'string' },
    reuse: { type: 'boolean', default: false },
    'skip-models': { type: 'boolean', default: false },
    'skip-ingest': { type: 'boolean', default: false },
    'ingest-empty': { type: 'boolean', default: false },
    'ingest-cpu-prof': { type: 'string' },
    'ingest-events': { type: 'string', default: '1e6' },
    'ingest-seconds': { type: 'string', default: '60' },
    'ingest-concurrency': { type: 'string', default: '4' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

/**
 * One timed query: the median of its passes, the CPU time the process (DuckDB's threads included)
 * spent per pass, and its peak RSS while it ran. CPU ÷ wall shows how many cores the query got: on
 * a shared machine, less than the cores it could use means the wall times are inflated.
 */
interface Timing {
  ms: number[];
  medianMs: number;
  cpuMs: number;
  peakRssKb: number | null;
  summary: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The store's file and its write-ahead log, bytes. */
const storeBytes = (file: string) => [file, `${file}.wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);

/** Uses the store in `dir` when its recorded options equal `o`; otherwise generates it anew. */
async function prepareStore(file: string, o: EventDataOptions, reuse: boolean, log: (text: string) => void) {
  const specFile = `${file}.spec.json`;
  const spec = JSON.stringify(o);
  if (reuse && existsSync(file) && existsSync(specFile) && readFileSync(specFile, 'utf8') === spec) {
    log(`reusing ${file} (generated with the same options)`);
    return { store: await EventStore.open(file), generatedMs: null };
  }
  if (reuse) log(`--reuse: no store generated with these options in ${file}; generating`);
  rmSync(file, { force: true });
  rmSync(`${file}.wal`, { force: true });
  rmSync(specFile, { force: true });
  const store = await EventStore.open(file);
  const started = performance.now();
  await generateEvents(store, o, (done) => log(`  generated ${thousands(done)} / ${thousands(o.events)} events`));
  const generatedMs = performance.now() - started;
  writeFileSync(specFile, spec);
  return { store, generatedMs };
}

/**
 * The physical floor: one scan of every column the models read (customer, name, time, the
 * properties, and the event id that orders ties in paths), with the per-customer hash table most
 * models build.
 */
const FLOOR_SQL = `SELECT count(*) AS events, count(DISTINCT customer_id) AS customers, count(DISTINCT name) AS names,
  min(time) AS first, max(time) AS last, sum(length(properties)) AS property_bytes, sum(length(event_id)) AS id_bytes FROM ${EVENTS_TABLE}`;

/** CPU time over wall time: how many cores the query had on average (mean over its passes). */
const busy = (t: Timing) => (t.cpuMs / (t.ms.reduce((a, b) => a + b, 0) / t.ms.length)).toFixed(2);

async function timeQuery(run: () => Promise<string>, passes: number): Promise<Timing> {
  const ms: number[] = [];
  let summary = '';
  const reset = resetPeakRss(process.pid);
  const cpu = process.cpuUsage();
  for (let p = 0; p < passes; p++) {
    const t = performance.now();
    summary = await run();
    ms.push(performance.now() - t);
  }
  const used = process.cpuUsage(cpu);
  return { ms, medianMs: median(ms), cpuMs: (used.user + used.system) / 1000 / passes, peakRssKb: reset ? peakRssKb(process.pid) : null, summary };
}

async function main(): Promise<number> {
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const started = new Date();
  const log = makeLog();
  installCleanupHandlers();
  const events = count(args.events, '--events');
  const o: EventDataOptions = {
    events,
    customers: args.customers ? count(args.customers, '--customers') : Math.max(1, Math.round(events / 10)),
    days: count(args.days, '--days'),
    names: count(args.names, '--names'),
    end: DEFAULT_END,
  };
  const passes = Math.max(1, count(args.passes, '--passes'));
  if (args.reuse && !args.dir) throw new BenchError('--reuse: needs --dir (where the store was kept)');
  const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'mofang-bench-analytics-'));
  mkdirSync(dir, { recursive: true });
  if (!args.dir) registerTempDir(dir);
  const machine = await machineInfo(started);
  log(
    `analytics bench: ${thousands(o.events)} events, ≤ ${thousands(o.customers)} customers, ${o.days} days, ${o.names} names, in ${dir} (load ${machine.loadStart})`,
  );

  const file = join(dir, 'events.duckdb');
  const { store, generatedMs } = await prepareStore(file, o, args.reuse, log);
  const bytes = storeBytes(file);
  if (generatedMs != null) log(`store generated in ${secs(generatedMs, 1)} s (${thousands(o.events / (generatedMs / 1000))} events/s)`);
  log(`store on disk: ${(bytes / 1e9).toFixed(2)} GB (${(bytes / o.events).toFixed(1)} bytes/event)`);

  let floor: Timing | null = null;
  const rows: { row: AnalyticsRow; timing: Timing | null; error: string | null }[] = [];
  if (args['skip-models']) store.close();
  else floor = await measureModels(dir, o, store, passes, rows, log);

  let ingest: IngestReport | null = null;
  let ingestError: string | null = args['skip-ingest'] ? 'skipped (--skip-ingest)' : null;
  if (!args['skip-ingest']) {
    try {
      log(`ingestion through POST /v1/events: up to ${thousands(count(args['ingest-events'], '--ingest-events'))} events, batches of 1,000`);
      ingest = await measureIngestion(
        {
          dir,
          events: count(args['ingest-events'], '--ingest-events'),
          seconds: count(args['ingest-seconds'], '--ingest-seconds'),
          batch: 1000,
          concurrency: Math.max(1, count(args['ingest-concurrency'], '--ingest-concurrency')),
          customers: o.customers,
          names: o.names,
          cliTimeoutMs: 60_000,
          storedFrom: args['ingest-empty'] ? undefined : file,
          cpuProfDir: args['ingest-cpu-prof'],
        },
        log,
      );
    } catch (err) {
      ingestError = `NOT RUN: ${(err as Error).message}`;
      log(`ingestion: ${ingestError}`);
    }
  }

  const largest = floor === null ? null : largestTable(o.events, bytes, dir, rows);
  if (floor !== null && largest !== null) printModels(o.events, passes, floor, rows, largest.text);
  console.log(
    ingest
      ? `\nIngestion (${thousands(ingest.stored.before)} events stored before): ${thousands(ingest.eventsPerSecond)} events/s (target ≥ ${thousands(TARGETS.ingestEventsPerSecond)}: ${ingest.eventsPerSecond >= TARGETS.ingestEventsPerSecond ? 'met' : 'MISSED'}), ` +
          `${thousands(ingest.accepted)} accepted in ${secs(ingest.ms, 1)} s, batch p50 ${ingest.latency.p50.toFixed(0)} ms / p99 ${ingest.latency.p99.toFixed(0)} ms; ` +
          `node busy ${ingest.nodeCpuMs == null ? '-' : (ingest.nodeCpuMs / ingest.ms).toFixed(2)} cores, bench client busy ${(ingest.clientCpuMs / ingest.ms).toFixed(2)} cores, ` +
          `peak RSS ${mb(ingest.nodePeakRssKb)} MB (target < 2 GB: ${ingest.nodePeakRssKb != null && ingest.nodePeakRssKb * 1024 < TARGETS.ingestRssBytes ? 'met' : 'MISSED'}); ` +
          `store after stop: ${thousands(ingest.stored.rows)} rows, all acknowledged events once (load now ${loadavg()[0].toFixed(2)})`
      : `\nIngestion: ${ingestError}`,
  );
  const failed = rows.some((r) => r.error) || (ingestError?.startsWith('NOT RUN') && !ingestError.includes('no POST /v1/events'));
  const results = {
    machine,
    options: { ...o, passes },
    store: { file, bytes, bytesPerEvent: bytes / o.events, generatedMs },
    floor,
    rows: rows.map(({ row, timing, error }) => ({ key: row.key, label: row.label, targetS: row.targetS, timing, error })),
    ingest,
    ingestError,
    largest,
  };
  const out = writeResults('analytics', started, results, args.out);
  console.log(`\nresults: ${out}`);
  return failed ? 1 : 0;
}

/** The floor and the model rows on `store` (closed after), each row appended to `rows`; returns the floor. */
async function measureModels(
  dir: string,
  o: EventDataOptions,
  store: EventStore,
  passes: number,
  rows: { row: AnalyticsRow; timing: Timing | null; error: string | null }[],
  log: (text: string) => void,
): Promise<Timing> {
  for (const f of ['segment-node.db', 'segment-node.db-wal', 'segment-node.db-shm', 'segment-audit-head.json']) rmSync(join(dir, f), { force: true });
  rmSync(join(dir, 'segment-identity'), { recursive: true, force: true });
  const segment = await segmentBench(dir, o, async () => store);
  log(`segment row setup: ${thousands(o.customers)} profiles written and their typed table built in ${secs(segment.setupMs, 1)} s`);
  let floor: Timing;
  try {
    // The first scan reads the file into the page cache and DuckDB's buffers; every model after it
    // finds them warm, so the floor is timed warm too.
    const cold = await timeQuery(async () => JSON.stringify(await store.all(FLOOR_SQL)), 1);
    log(`floor, first (cold) scan: ${secs(cold.medianMs)} s`);
    floor = await timeQuery(async () => {
      const [r] = await store.all(FLOOR_SQL);
      return `${thousands(r.events as number)} events, ${thousands(r.customers as number)} customers, ${r.names} names, ${String(r.first).slice(0, 10)} … ${String(r.last).slice(0, 10)}`;
    }, passes);
    log(`floor: ${secs(floor.medianMs)} s — ${floor.summary}`);
    for (const row of analyticsRows(o, store, segment)) {
      try {
        const timing = await timeQuery(() => row.run(), passes);
        rows.push({ row, timing, error: null });
        log(`${row.label}: ${secs(timing.medianMs)} s (${(timing.medianMs / floor.medianMs).toFixed(1)} × floor) — ${timing.summary}`);
      } catch (err) {
        rows.push({ row, timing: null, error: (err as Error).message });
        log(`${row.label}: FAILED — ${(err as Error).message}`);
      }
    }
  } finally {
    segment.close();
    store.close();
  }

  return floor;
}

/** The model table, what each row found, and the largest table. */
function printModels(
  events: number,
  passes: number,
  floor: Timing,
  rows: { row: AnalyticsRow; timing: Timing | null; error: string | null }[],
  largest: string,
) {
  const table = renderTable(
    ['row', 'target', 'time s', '× floor', 'CPU s', 'cores busy', 'peak RSS MB', 'verdict'],
    [
      ['floor: full scan', '-', secs(floor.medianMs), '1.0', secs(floor.cpuMs), busy(floor), mb(floor.peakRssKb), ''],
      ...rows.map(({ row, timing }) => [
        row.label,
        row.targetS == null ? '-' : `≤ ${row.targetS} s`,
        timing ? secs(timing.medianMs) : '-',
        timing ? (timing.medianMs / floor.medianMs).toFixed(1) : '-',
        timing ? secs(timing.cpuMs) : '-',
        timing ? busy(timing) : '-',
        timing ? mb(timing.peakRssKb) : '-',
        timing ? (row.targetS == null ? '' : timing.medianMs <= row.targetS * 1000 ? 'met' : 'MISSED') : 'FAILED',
      ]),
    ],
    1,
  );
  console.log(`\nAnalytics at ${label(events)} events (${passes} passes, medians; load now ${loadavg()[0].toFixed(2)})`);
  for (const line of table) console.log(line);
  console.log(`\nWhat each row found:\n  floor: full scan: ${floor.summary}`);
  for (const { row, timing, error } of rows) console.log(`  ${row.label}: ${timing ? timing.summary : `FAILED: ${error}`}`);
  console.log(`\nLargest event table: ${largest}`);
}

/**
 * The largest event table this machine handles, from this run: the model times grow with the
 * table (each is a few scans of it), so a target holds up to events × target ÷ time; the disk
 * holds what is free ÷ bytes per event more.
 */
function largestTable(events: number, bytes: number, dir: string, rows: { row: AnalyticsRow; timing: Timing | null }[]) {
  const byTarget = rows
    .filter((r) => r.timing && r.row.targetS != null)
    .map((r) => ({ label: r.row.label, events: Math.floor((events * r.row.targetS! * 1000) / r.timing!.medianMs) }))
    .sort((a, b) => a.events - b.events)[0];
  const fs = statfsSync(dir);
  const byDisk = events + Math.floor((fs.bavail * fs.bsize) / (bytes / events));
  const text = [
    byTarget
      ? `≈ ${thousands(byTarget.events)} events within every target (first to miss: ${byTarget.label}; linear in the table's size)`
      : 'no model measured',
    `≈ ${thousands(byDisk)} events on this disk's free space (${(bytes / events).toFixed(1)} bytes/event)`,
  ].join('; ');
  return { byTarget: byTarget ?? null, byDisk, text };
}

runBenchmark(main);
