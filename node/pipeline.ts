/**
 * Wires the local pipeline that follows the joint queries — the event store and what reads it —
 * for the composition root (node/node.ts). Like the root, it holds no rules and no SQL.
 */
import { join } from 'node:path';
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { eventIngest, type EventIngest } from './events/ingest/service.js';
import { trackingPlanService, type TrackingPlanApi } from './events/plan/service.js';
import { pausedCounts } from './events/plan/store.js';
import { EventStore, type EventReader } from './events/store.js';
import type { BehaviourEvents } from './insight/behaviour/evaluate.js';
import type { Metrics } from './metrics/metrics.js';
import type { Db } from './store/db.js';

export interface PipelinePorts {
  dataDir: string;
  db: Db;
  audit: AuditLog;
  now: () => Date;
  metrics: Metrics;
  /** The `events` section of the configuration. */
  events: NodeConfig['events'];
}

export interface Pipeline {
  /** The columnar event store, opened on first use (one-shot CLI commands never open it). */
  eventStore(): Promise<EventStore>;
  /** What the analysis models read through. */
  events(): Promise<EventReader>;
  /** The tracking plan: what ingestion validates each event against. */
  readonly trackingPlan: TrackingPlanApi;
  /** Events in: HTTP batches and file imports. */
  readonly ingest: EventIngest;
  /** The event store as segment behaviour conditions see it (node/insight). */
  readonly behaviour: BehaviourEvents;
  close(): void;
}

/** @example const pipeline = composePipeline({ dataDir: config.node.dataDir, db, audit, now, metrics, events: config.events }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  const { db, audit, now, metrics } = ports;
  let opening: Promise<EventStore> | null = null;
  metrics.setSources({ pausedEventDrops: () => pausedCounts(db) });
  const eventStore = () => {
    opening ??= EventStore.open(join(ports.dataDir, 'events.duckdb')).catch((err: unknown) => {
      opening = null; // a busy store may be free on the next call
      throw err;
    });
    return opening;
  };
  const { identifierKind, timeZone } = ports.events;
  const trackingPlan = trackingPlanService({ db, audit, now });
  return {
    trackingPlan,
    eventStore,
    events: eventStore,
    behaviour: { reader: eventStore, identifierKind, timeZone },
    ingest: eventIngest({
      store: eventStore,
      plan: () => trackingPlan.validator(),
      countPaused: (counts) => trackingPlan.countPaused(counts),
      audit,
      metrics,
      limits: ports.events,
      now,
    }),
    close() {
      void opening?.then((store) => store.close()).catch(() => {});
      opening = null;
    },
  };
}
