/**
 * Event ingestion: the one path every event takes into the store, from `POST /v1/events` and from
 * `mofang events import` alike — check (validate.ts), write idempotently (writer.ts), count, audit.
 *
 * Audit entries carry counts per outcome and the caller, never an event id, a customer id or a
 * property value.
 */
import type { Actor } from '../../audit/actor.js';
import { auditGroupCommit } from '../../audit/group-commit.js';
import type { AppendInput } from '../../audit/log.js';
import { MofangError } from '../../errors.js';
import type { EventOutcome, Metrics } from '../../metrics/metrics.js';
import type { EventStore, StoredEvent } from '../store.js';
import type { PlanValidator } from '../plan/compile.js';
import { importEvents, type EventImportOptions, type EventImportReport } from './import.js';
import { RESERVED_PREFIX } from '../plan/model.js';
import { checkBatch, type CheckLimits, type EventRecord, type Rejection } from './validate.js';
import { eventWriter } from './writer.js';

interface IngestLimits extends CheckLimits {
  /** Most events one HTTP batch may hold. */
  maxBatch: number;
}

export interface EventIngestPorts {
  store: () => Promise<EventStore>;
  /** The tracking plan's current validator. */
  plan: () => PlanValidator;
  /** Adds paused events to the tracking plan's durable per-name counters. */
  countPaused: (counts: ReadonlyMap<string, number>) => void;
  /** `appendAll` takes the entries of batches stored together, in one transaction. */
  audit: { append(input: AppendInput): unknown; appendAll(inputs: readonly AppendInput[], options: { deferAnchor: boolean }): unknown; flushHead(): unknown };
  metrics: Pick<Metrics, 'eventsIngested'>;
  limits: IngestLimits;
  now: () => Date;
  /** Told of the events of a batch once they are durable (re-sent ones included); the journey engine matches them. Its failure never fails the batch. */
  onStored?: (events: readonly StoredEvent[]) => void;
}

export interface IngestReport {
  accepted: number;
  /** Already stored (a re-sent event): not stored again, and not an error. */
  duplicates: number;
  quarantined: number;
  /** Events of paused names: counted and dropped. */
  paused: number;
  rejected: Rejection[];
}

export interface ChunkOptions {
  /** Refuse the whole chunk when any event is rejected. */
  atomic?: boolean;
  /** Only check, write nothing (the first pass of an atomic import). */
  dryRun?: boolean;
  /** A wider limit for one historical import. */
  maxAgeDays?: number;
}

export interface EventsApi {
  /** Most events `ingest` takes at once (events.maxBatch). */
  readonly maxBatch: number;
  /**
   * Checks and stores one batch; resolves once the stored events are durable. EVENT_BATCH_TOO_LARGE
   * above maxBatch; EVENT_BATCH_REJECTED (nothing stored) when `atomic` and any event is rejected.
   */
  ingest(events: readonly unknown[], actor: Actor, options?: { atomic?: boolean }): Promise<IngestReport>;
  /** Imports a CSV or JSONL file (import.ts) and audits it as `events.imported`. */
  importFile(file: string, options: EventImportOptions, actor: Actor): Promise<EventImportReport>;
}

/** One of the node's own events (`mofang.…`), written without the tracking plan: the node built it, nobody sent it. */
export interface OwnEvent {
  eventId: string;
  /** Normalised like the events' identifiers (the outbox row's customer). */
  customerId: string;
  name: string;
  time: Date;
  properties: Record<string, unknown>;
}

export interface EventIngest extends EventsApi {
  /** One chunk of an import: no batch limit and no audit entry of its own (the import writes one). */
  ingestChunk(events: readonly unknown[], options: ChunkOptions): Promise<IngestReport>;
  /**
   * The node's own events, the one way names under the reserved prefix get in: idempotent by
   * event id and time like every write, told to `onStored`. The caller audits the change it records.
   */
  storeOwn(events: readonly OwnEvent[]): Promise<{ accepted: number; duplicates: number }>;
}

/** @example const events = eventIngest({ store, plan, countPaused, audit, metrics, limits: config.events, now }); */
export function eventIngest(ports: EventIngestPorts): EventIngest {
  const audited = auditGroupCommit(ports.audit);
  let writer: ReturnType<typeof eventWriter> | null = null;
  const write = async (...args: Parameters<Awaited<ReturnType<typeof eventWriter>>['write']>) => {
    writer ??= ports.store().then((store) => store.connect().then(eventWriter));
    try {
      return await (await writer).write(...args);
    } catch (err) {
      writer = null; // a store that failed to open may open on the next batch
      throw err;
    }
  };

  const told = (kept: readonly EventRecord[], now: Date) => {
    if (ports.onStored && kept.length > 0)
      ports.onStored(
        kept.map((e) => ({
          eventId: e.eventId,
          customerId: e.customerId,
          name: e.name,
          time: new Date(e.timeMs),
          receivedAt: now,
          properties: JSON.parse(e.properties) as Record<string, unknown>,
        })),
      );
  };

  const ingestChunk = async (events: readonly unknown[], options: ChunkOptions): Promise<IngestReport> => {
    const now = ports.now();
    const limits = options.maxAgeDays === undefined ? ports.limits : { ...ports.limits, maxAgeDays: options.maxAgeDays };
    const checked = checkBatch(events, { plan: ports.plan(), limits, now });
    const refused = options.atomic === true && checked.rejected.length > 0;
    if (refused || options.dryRun) {
      return { accepted: 0, duplicates: 0, quarantined: 0, paused: 0, rejected: checked.rejected };
    }
    const written = await write(checked.keep, checked.quarantine, now);
    told(checked.keep, now);
    const report: IngestReport = { ...written, paused: checked.paused.length, rejected: checked.rejected };
    if (checked.paused.length > 0) ports.countPaused(countByName(checked.paused));
    ports.metrics.eventsIngested(outcomeCounts(report));
    return report;
  };

  return {
    maxBatch: ports.limits.maxBatch,
    ingestChunk,
    async storeOwn(events) {
      const outside = events.find((e) => !e.name.startsWith(RESERVED_PREFIX));
      if (outside) throw new Error(`storeOwn takes only the node's own events (${RESERVED_PREFIX}…), not ${outside.name}`);
      const now = ports.now();
      const records = events.map((e) => ({
        eventId: e.eventId,
        customerId: e.customerId,
        name: e.name,
        timeMs: e.time.getTime(),
        properties: JSON.stringify(e.properties),
      }));
      const written = await write(records, [], now);
      told(records, now);
      ports.metrics.eventsIngested({ ...NONE, accepted: written.accepted, duplicate: written.duplicates });
      return { accepted: written.accepted, duplicates: written.duplicates };
    },
    async importFile(file, options, actor) {
      const report = await importEvents(ingestChunk, file, options);
      ports.audit.append({
        actor: actor.id,
        action: 'events.imported',
        subject: null,
        details: { format: report.format, rows: report.rows, ...auditCounts(report) },
      });
      return report;
    },
    async ingest(events, actor, options = {}) {
      const { maxBatch } = ports.limits;
      if (events.length > maxBatch) {
        throw new MofangError('EVENT_BATCH_TOO_LARGE', `events: the batch holds ${events.length} events; the limit is ${maxBatch} (events.maxBatch)`, {
          field: 'events',
          limit: maxBatch,
          size: events.length,
        });
      }
      const report = await ingestChunk(events, { atomic: options.atomic });
      if (options.atomic === true && report.rejected.length > 0) {
        ports.metrics.eventsIngested({ ...NONE, rejected: report.rejected.length });
        throw new MofangError('EVENT_BATCH_REJECTED', `${report.rejected.length} of ${events.length} events were rejected; the atomic batch was not stored`, {
          rejected: report.rejected,
        });
      }
      if (report.accepted + report.quarantined > 0) {
        // Before the answer: an acknowledged batch is always audited.
        await audited({ actor: actor.id, action: 'events.ingested', subject: null, details: auditCounts(report) });
      }
      return report;
    },
  };
}

const NONE: Record<EventOutcome, number> = { accepted: 0, duplicate: 0, quarantined: 0, paused: 0, rejected: 0 };

function outcomeCounts(report: IngestReport): Record<EventOutcome, number> {
  return {
    accepted: report.accepted,
    duplicate: report.duplicates,
    quarantined: report.quarantined,
    paused: report.paused,
    rejected: report.rejected.length,
  };
}

/** What the audit keeps of a batch or an import: counts only. */
function auditCounts(report: Omit<IngestReport, 'rejected'> & { rejected: number | readonly unknown[] }): Record<string, number> {
  const rejected = typeof report.rejected === 'number' ? report.rejected : report.rejected.length;
  return { accepted: report.accepted, duplicates: report.duplicates, quarantined: report.quarantined, paused: report.paused, rejected };
}

function countByName(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
