/**
 * Ingestion through the HTTP API, as an app's back end sends events: a real node (`mofang init`,
 * `mofang token create --role ingest`, `mofang start`), batches of `batch` events posted to
 * `POST /v1/events` by `concurrency` clients at once until `events` were sent or `seconds` passed.
 * Every batch's body is serialised before the clock starts, so the client's JSON work does not
 * take CPU from the node while it is measured (the machine has two cores for both).
 *
 * After the run the node is stopped and its event store opened: every acknowledged event must be
 * there exactly once ("durable when acknowledged"), else the section fails.
 */
import { Agent, request } from 'node:http';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';
import { freePort } from '../node/net/free-port.js';
import { MofangNode } from '../node/node.js';
import { CHANNELS, eventNames, VALUED } from './event-data.js';
import { BenchError, ROOT, clip, cpuTimeMs, mofang, parseJsonOutput, peakRssKb, sleep, startNodeProcess } from './harness.js';

export interface IngestOptions {
  /** Where the node directory is created. */
  dir: string;
  events: number;
  seconds: number;
  batch: number;
  concurrency: number;
  customers: number;
  names: number;
  cliTimeoutMs: number;
  /** An event store to start from (copied into the node's data directory): ingestion with events already stored. */
  storedFrom?: string;
  /** Write a V8 CPU profile of the node process here (`--cpu-prof`), for reading where a batch's time goes. */
  cpuProfDir?: string;
}

export interface IngestReport {
  sent: number;
  batches: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  ms: number;
  eventsPerSecond: number;
  /** Batch round trips, ms. */
  latency: { p50: number; p99: number; max: number };
  /** Peak resident set of the node process (VmHWM), kB; sampled during the run as well. */
  nodePeakRssKb: number | null;
  /** CPU time the node process used while measured, ms: ÷ ms = the cores it had (of 2, shared with the client). */
  nodeCpuMs: number | null;
  /** CPU time this (client) process used while measured, ms: the cores it took from the node. */
  clientCpuMs: number;
  /** Events in the node's store before the run (a copy of `storedFrom`), after it stopped, and this run's distinct event ids. */
  stored: { before: number; rows: number; distinctIds: number };
}

/** One batch's answer from `POST /v1/events`. */
interface BatchAnswer {
  accepted: number;
  duplicates: number;
  quarantined?: number;
  paused?: number;
  rejected: unknown[];
}

/** One valid event, for the probe before the clock. */
const sampleEvent = () => ({ customerId: 'c0', name: 'app_open', time: new Date().toISOString(), properties: { channel: 'app', product_id: 'p1' } });

/** A deterministic xorshift32 stream: the same events on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * Declares the names with their properties in the node's tracking plan, so it accepts the events:
 * through the node's own tracking plan service on its files before it starts, as a CLI command
 * does (audited as cli:bench).
 */
function declarePlan(configFile: string, names: number): void {
  const properties = {
    channel: { type: 'enum', values: CHANNELS },
    product_id: { type: 'string', maxLength: 16 },
    amount: { type: 'number', min: 0 },
  };
  const plan = { undeclared: 'reject', events: Object.fromEntries(eventNames(names).map((name) => [name, { properties }])) };
  const node = MofangNode.open(configFile, { quietLogs: true, metrics: false });
  try {
    node.trackingPlan.apply(plan, { id: 'cli:bench', role: 'admin' });
  } finally {
    node.close();
  }
}

/** Request bodies of `batch` events each, drawn like the generated store (bench/event-data.ts). */
function ingestBodies(o: Pick<IngestOptions, 'events' | 'batch' | 'customers' | 'names'>, now: number, runId: string): { body: string; size: number }[] {
  const rnd = random(0x5eed1234);
  const names = eventNames(o.names);
  const bodies: { body: string; size: number }[] = [];
  for (let from = 0; from < o.events; from += o.batch) {
    const events = [];
    for (let i = from; i < Math.min(o.events, from + o.batch); i++) {
      const name = names[Math.floor(o.names * rnd() ** 3)];
      const properties: Record<string, unknown> = {
        channel: CHANNELS[Math.floor(5 * rnd() ** 2)],
        product_id: `p${Math.floor(1000 * rnd() ** 2)}`,
      };
      if (VALUED.includes(name)) properties.amount = Math.round(100 + 99_900 * rnd() ** 3) / 100;
      events.push({
        eventId: `${runId}-${i}`,
        customerId: `c${Math.floor(o.customers * rnd() ** 1.5)}`,
        name,
        // Within the last hour: inside any sensible tolerance for late events.
        time: new Date(now - Math.floor(rnd() * 3_600_000)).toISOString(),
        properties,
      });
    }
    bodies.push({ body: JSON.stringify({ events }), size: events.length });
  }
  return bodies;
}

function post(agent: Agent, url: URL, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);

/** Sets up a node, measures the sustained ingestion rate, checks durability. */
export async function measureIngestion(o: IngestOptions, log: (text: string) => void): Promise<IngestReport> {
  const [grpc, http] = [await freePort(), await freePort()];
  const nodeDir = join(o.dir, 'ingest-node');
  // The bench's own node: a run with --dir starts a fresh one, never on what an earlier run left.
  rmSync(nodeDir, { recursive: true, force: true });
  const init = parseJsonOutput<{ configFile: string }>(
    await mofang(
      null,
      [
        '--json',
        'init',
        '--name',
        'bank',
        '--dir',
        nodeDir,
        '--template',
        join(ROOT, 'config', 'bank.yaml'),
        '--grpc',
        `127.0.0.1:${grpc}`,
        '--http',
        `127.0.0.1:${http}`,
      ],
      { label: 'init', timeoutMs: o.cliTimeoutMs },
    ),
    'init',
  );
  const doc = parseDocument(readFileSync(init.configFile, 'utf8'));
  // The node's default batch limit is 1,000; larger batches need the limit raised.
  if (o.batch > 1000) doc.setIn(['events', 'maxBatch'], o.batch);
  writeFileSync(init.configFile, doc.toString());
  const dataDir = resolve(dirname(init.configFile), String(doc.getIn(['node', 'dataDir'])));
  const created = parseJsonOutput<{ token: string }>(
    await mofang(init.configFile, ['--json', 'token', 'create', '--name', 'bench-ingest', '--role', 'ingest'], {
      label: 'token create',
      timeoutMs: o.cliTimeoutMs,
    }),
    'token create',
  );

  const storeFile = join(dataDir, 'events.duckdb');
  let before = 0;
  if (o.storedFrom !== undefined) {
    log(`  copying ${o.storedFrom} into the ingestion node: it starts with those events stored`);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    copyFileSync(o.storedFrom, storeFile);
    if (existsSync(`${o.storedFrom}.wal`)) copyFileSync(`${o.storedFrom}.wal`, `${storeFile}.wal`);
    const copy = await EventStore.open(storeFile);
    try {
      before = (await copy.all(`SELECT count(*) AS n FROM ${EVENTS_TABLE}`))[0].n as number;
    } finally {
      copy.close();
    }
  }
  declarePlan(init.configFile, o.names);
  const runId = `bench${Date.now().toString(36)}`;
  const bodies = ingestBodies(o, Date.now(), runId);
  const base = `http://127.0.0.1:${http}`;
  const url = new URL(`${base}/v1/events`);
  const nodeFlags = o.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`];
  const node = await startNodeProcess('ingest', init.configFile, base, join(o.dir, 'ingest-node.log'), 30_000, nodeFlags);
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency });
  const totals = { accepted: 0, duplicates: 0, rejected: 0, sent: 0, batches: 0 };
  const latencies: number[] = [];
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, peakRssKb(node.pid) ?? 0);
  }, 500);
  let ms = 0;
  let nodeCpuMs: number | null = null;
  let clientCpuMs = 0;
  try {
    // One event before the clock: the route, the token, the plan and the store answer (the store
    // opens lazily); a node that refuses it would make the rate meaningless.
    const probe = await post(agent, url, created.token, JSON.stringify({ events: [{ ...sampleEvent(), eventId: `${runId}-probe` }] }));
    if (probe.status === 404) throw new BenchError('this build has no POST /v1/events');
    const probed = probe.status === 200 ? (JSON.parse(probe.text) as BatchAnswer) : null;
    if (probed?.accepted !== 1) throw new BenchError(`the node did not accept a valid event (${probe.status}): ${clip(probe.text)}`);
    const cpuBefore = cpuTimeMs(node.pid);
    const clientBefore = process.cpuUsage();
    const started = performance.now();
    const deadline = started + o.seconds * 1000;
    let next = 0;
    const client = async () => {
      while (next < bodies.length && performance.now() < deadline) {
        const { body, size } = bodies[next++];
        const t = performance.now();
        const r = await post(agent, url, created.token, body);
        latencies.push(performance.now() - t);
        if (r.status !== 200) throw new BenchError(`POST /v1/events answered ${r.status}: ${clip(r.text)}`);
        const answer = JSON.parse(r.text) as BatchAnswer;
        totals.accepted += answer.accepted;
        totals.duplicates += answer.duplicates;
        totals.rejected += answer.rejected.length;
        totals.sent += size;
        totals.batches++;
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, client));
    ms = performance.now() - started;
    const cpuAfter = cpuTimeMs(node.pid);
    const clientUsed = process.cpuUsage(clientBefore);
    clientCpuMs = (clientUsed.user + clientUsed.system) / 1000;
    nodeCpuMs = cpuBefore == null || cpuAfter == null ? null : cpuAfter - cpuBefore;
  } finally {
    clearInterval(sampler);
    peak = Math.max(peak, peakRssKb(node.pid) ?? 0);
    agent.destroy();
    await node.stop();
  }
  log(`  ingestion: ${totals.sent.toLocaleString('en-US')} events in ${(ms / 1000).toFixed(1)} s; checking the stopped node's store`);
  await sleep(200);
  const store = await EventStore.open(storeFile);
  let stored: IngestReport['stored'];
  try {
    const [row] = await store.all(`SELECT count(*) AS rows, count(DISTINCT event_id) FILTER (WHERE starts_with(event_id, $1)) AS ids FROM ${EVENTS_TABLE}`, [
      `${runId}-`,
    ]);
    stored = { before, rows: row.rows as number, distinctIds: row.ids as number };
  } finally {
    store.close();
  }
  // The probe before the clock is the one stored event not counted in `accepted`.
  if (stored.rows !== before + totals.accepted + 1 || stored.distinctIds !== totals.accepted + 1) {
    throw new BenchError(
      `ingestion: ${totals.accepted + 1} events acknowledged onto ${before} stored, the store holds ${stored.rows} rows with ${stored.distinctIds} distinct ids of this run`,
    );
  }
  latencies.sort((a, b) => a - b);
  return {
    ...totals,
    ms,
    eventsPerSecond: totals.accepted / (ms / 1000),
    latency: { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? 0 },
    nodePeakRssKb: peak || null,
    nodeCpuMs,
    clientCpuMs,
    stored,
  };
}
