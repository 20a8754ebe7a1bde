/**
 * Prometheus metrics of one node. The composition root creates one `Metrics` per node, each with
 * its own Registry (never prom-client's global one), so two nodes in one process — as in the
 * integration tests — keep separate series. Domains report through the few methods below; they
 * never see prom-client.
 *
 * Labels carry only bounded, non-personal values: job kinds and statuses, peer NAMES from the
 * configuration, run operations, audit actions, route patterns (never URLs, which can hold ids).
 */
import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

interface RunMetric {
  /** The peer's configured name (not its node id: shorter, and what operators use). */
  peer: string;
  operation: string;
  role: 'querier' | 'responder';
  status: 'succeeded' | 'failed';
  bytesSent: number;
  bytesReceived: number;
  durationSeconds: number;
}

export interface MetricsSources {
  /** Current number of jobs per kind and status (read at scrape time, so CLI-run jobs count too). */
  jobCounts?: () => readonly { kind: string; status: string; count: number }[];
  /** The peer server's refusal counters since start (refused per reason, rate-limited, connections); read at scrape time. */
  /** Events dropped while paused, per event name (durable counters in SQLite, so CLI-run ingestion counts too). */
  pausedEventDrops?: () => readonly { event: string; dropped: number }[];
  peerCalls?: () => { refusedCalls: Readonly<Record<string, number>>; rateLimitedCalls: number; refusedConnections: Readonly<Record<string, number>> };
  /** The journey outbox per channel: messages waiting to be sent (pending, claimed, retrying) and dead ones; read at scrape time. */
  reachQueue?: () => readonly { channel: string; queued: number; dead: number }[];
}

/** How a reach message ended a dispatch round. */
type ReachSendStatus = 'sent' | 'failed' | 'suppressed' | 'dead';

export type EventOutcome = 'accepted' | 'duplicate' | 'quarantined' | 'paused' | 'rejected';

export interface Metrics {
  /** One finished HTTP request; `route` is the route pattern, never the URL. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  runFinished(run: RunMetric): void;
  importFinished(outcome: 'succeeded' | 'failed', rows: number, seconds: number): void;
  auditAppended(action: string): void;
  /** Events of one ingested batch or import step, by outcome (accepted, duplicate, quarantined, paused, rejected). */
  eventsIngested(counts: Readonly<Record<EventOutcome, number>>): void;
  /** The responder suspected a peer of probing (node/privacy/probing.ts): an input for alerts. */
  probingSuspected(peer: string): void;
  /** One message the reach dispatcher ended on `channel`: sent, failed (to be retried), suppressed or dead. */
  reachSent(channel: string, status: ReachSendStatus): void;
  /** A transient failure the dispatcher will try again. */
  reachRetried(channel: string): void;
  /** The time from a message's send to a receipt of it (`delivered`, `opened` …), observed once per message and receipt. */
  reachReceiptLag(channel: string, receipt: string, seconds: number): void;
  /** Late-bound sources (the peer server exists only once the node starts). */
  setSources(sources: MetricsSources): void;
  /** Starts sampling event-loop lag; `stop` ends it. */
  start(): void;
  stop(): void;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const RUN_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/** A delivery receipt comes within seconds; an open or a reply within hours or days (up to a week). */
const RECEIPT_BUCKETS = [0.5, 1, 5, 30, 60, 300, 900, 3600, 14_400, 86_400, 604_800];

/**
 * @example
 * const metrics = createMetrics({ jobCounts: () => countJobs(db) });
 * metrics.auditAppended('dataset.imported');
 * const { contentType, body } = await metrics.render();
 */
export function createMetrics(initial: MetricsSources = {}): Metrics {
  // Required here, not imported: prom-client and its dependencies (≈ 90 modules) are loaded only
  // by the processes that count.
  const { Counter, Gauge, Histogram, Registry } = createRequire(import.meta.url)('prom-client') as typeof PromClient;
  const registry = new Registry();
  let sources: MetricsSources = { ...initial };
  let loop: IntervalHistogram | null = null;

  const http = new Histogram({
    name: 'mofang_http_request_duration_seconds',
    help: 'HTTP API request latency by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: SECONDS_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'mofang_jobs',
    help: 'Jobs in the database by kind and status.',
    labelNames: ['kind', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.jobCounts?.() ?? []) this.set({ kind: r.kind, status: r.status }, r.count);
    },
  });
  const runs = new Counter({
    name: 'mofang_runs_total',
    help: 'Finished protocol runs by peer, operation, role and status.',
    labelNames: ['peer', 'operation', 'role', 'status'],
    registers: [registry],
  });
  const runBytes = new Counter({
    name: 'mofang_run_bytes_total',
    help: 'Bytes exchanged with each peer in finished runs.',
    labelNames: ['peer', 'direction'],
    registers: [registry],
  });
  const runDuration = new Histogram({
    name: 'mofang_run_duration_seconds',
    help: 'Duration of finished protocol runs by peer and operation.',
    labelNames: ['peer', 'operation'],
    buckets: RUN_BUCKETS,
    registers: [registry],
  });
  const imports = new Counter({ name: 'mofang_imports_total', help: 'Dataset imports by outcome.', labelNames: ['status'], registers: [registry] });
  const importRows = new Counter({ name: 'mofang_import_rows_total', help: 'Rows imported into datasets.', registers: [registry] });
  const importDuration = new Histogram({
    name: 'mofang_import_duration_seconds',
    help: 'Duration of dataset imports.',
    buckets: RUN_BUCKETS,
    registers: [registry],
  });
  const probing = new Counter({
    name: 'mofang_probing_suspected_total',
    help: 'Probing alerts raised as responder (tiny or near-identical querier sets, frequent re-imports), per peer; at most one per data pair and 24 hours.',
    labelNames: ['peer'],
    registers: [registry],
  });
  const events = new Counter({
    name: 'mofang_events_total',
    help: 'Events received through POST /v1/events and imports, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const audit = new Counter({
    name: 'mofang_audit_appends_total',
    help: 'Audit log entries appended by this process, by action.',
    labelNames: ['action'],
    registers: [registry],
  });
  new Counter({
    name: 'mofang_events_paused_dropped_total',
    help: 'Events dropped because their name was paused in the tracking plan, by event name.',
    labelNames: ['event'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.pausedEventDrops?.() ?? []) this.inc({ event: r.event }, r.dropped);
    },
  });
  new Counter({
    name: 'mofang_peer_refused_calls_total',
    help: 'Peer calls refused (unpinned caller or over its rate limit).',
    registers: [registry],
    collect() {
      this.reset();
      const counts = sources.peerCalls?.();
      this.inc(counts ? Object.values(counts.refusedCalls).reduce((a, b) => a + b, 0) : 0);
    },
  });
  new Counter({
    name: 'mofang_peer_rate_limited_calls_total',
    help: 'Peer calls answered RESOURCE_EXHAUSTED by the per-source rate limit.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.peerCalls?.().rateLimitedCalls ?? 0);
    },
  });
  new Counter({
    name: 'mofang_peer_refused_connections_total',
    help: 'Connections to the peer port closed before TLS by the per-address connection limit.',
    registers: [registry],
    collect() {
      this.reset();
      const counts = sources.peerCalls?.();
      this.inc(counts ? Object.values(counts.refusedConnections).reduce((a, b) => a + b, 0) : 0);
    },
  });
  const reachSends = new Counter({
    name: 'mofang_reach_sends_total',
    help: 'Reach messages ended by the dispatcher, by channel and status (sent, failed, suppressed, dead).',
    labelNames: ['channel', 'status'],
    registers: [registry],
  });
  const reachRetries = new Counter({
    name: 'mofang_reach_retries_total',
    help: 'Transient send failures the dispatcher tries again, by channel.',
    labelNames: ['channel'],
    registers: [registry],
  });
  const reachReceiptLag = new Histogram({
    name: 'mofang_reach_receipt_lag_seconds',
    help: "From a message's send to each receipt of it (delivered, bounced, opened, clicked, replied), by channel and receipt.",
    labelNames: ['channel', 'receipt'],
    buckets: RECEIPT_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'mofang_reach_queue_depth',
    help: 'Outbox messages waiting to be sent (pending, claimed or retrying), by channel.',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.reachQueue?.() ?? []) this.set({ channel: r.channel }, r.queued);
    },
  });
  new Gauge({
    name: 'mofang_reach_dead_letters',
    help: 'Dead outbox messages (listable and re-drivable), by channel.',
    labelNames: ['channel'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.reachQueue?.() ?? []) this.set({ channel: r.channel }, r.dead);
    },
  });
  new Gauge({
    name: 'mofang_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape (mean, p99, max).',
    labelNames: ['stat'],
    registers: [registry],
    collect() {
      this.reset();
      if (!loop || loop.count === 0) return;
      this.set({ stat: 'mean' }, loop.mean / 1e9);
      this.set({ stat: 'p99' }, loop.percentile(99) / 1e9);
      this.set({ stat: 'max' }, loop.max / 1e9);
      loop.reset();
    },
  });

  return {
    httpRequest(method, route, status, seconds) {
      http.observe({ method, route, status: String(status) }, seconds);
    },
    runFinished(run) {
      runs.inc({ peer: run.peer, operation: run.operation, role: run.role, status: run.status });
      runBytes.inc({ peer: run.peer, direction: 'sent' }, run.bytesSent);
      runBytes.inc({ peer: run.peer, direction: 'received' }, run.bytesReceived);
      runDuration.observe({ peer: run.peer, operation: run.operation }, run.durationSeconds);
    },
    eventsIngested(counts) {
      for (const [outcome, n] of Object.entries(counts)) if (n > 0) events.inc({ outcome }, n);
    },
    importFinished(outcome, rows, seconds) {
      imports.inc({ status: outcome });
      if (rows > 0) importRows.inc(rows);
      importDuration.observe(seconds);
    },
    auditAppended(action) {
      audit.inc({ action });
    },
    probingSuspected(peer) {
      probing.inc({ peer });
    },
    reachSent(channel, status) {
      reachSends.inc({ channel, status });
    },
    reachRetried(channel) {
      reachRetries.inc({ channel });
    },
    reachReceiptLag(channel, receipt, seconds) {
      reachReceiptLag.observe({ channel, receipt }, seconds);
    },
    setSources(next) {
      sources = { ...sources, ...next };
    },
    start() {
      if (loop) return;
      loop = monitorEventLoopDelay({ resolution: 20 });
      loop.enable();
    },
    stop() {
      loop?.disable();
      loop = null;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/**
 * For one-shot CLI processes: nothing in them could serve /metrics, and the series of a running
 * node count only what that process does, so counting here would be lost work.
 */
export const uncountedMetrics: Metrics = {
  httpRequest() {},
  runFinished() {},
  probingSuspected() {},
  importFinished() {},
  auditAppended() {},
  eventsIngested() {},
  reachSent() {},
  reachRetried() {},
  reachReceiptLag() {},
  setSources() {},
  start() {},
  stop() {},
  render: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: '' }),
};
