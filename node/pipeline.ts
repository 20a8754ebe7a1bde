/**
 * Wires the local pipeline that follows the joint queries — the event store and what reads it —
 * for the composition root (node/node.ts). Like the root, it holds no rules and no SQL.
 */
import { join } from 'node:path';
import type { AuditLog } from './audit/log.js';
import { trackingPlanService, type TrackingPlanApi } from './events/plan/service.js';
import { pausedCounts } from './events/plan/store.js';
import { EventStore, type EventReader } from './events/store.js';
import type { Metrics } from './metrics/metrics.js';
import type { Db } from './store/db.js';

export interface PipelinePorts {
  dataDir: string;
  db: Db;
  audit: AuditLog;
  now: () => Date;
  metrics: Metrics;
}

export interface Pipeline {
  /** The columnar event store, opened on first use (one-shot CLI commands never open it). */
  eventStore(): Promise<EventStore>;
  /** What the analysis models read through. */
  events(): Promise<EventReader>;
  /** The tracking plan: what ingestion validates each event against. */
  readonly trackingPlan: TrackingPlanApi;
  close(): void;
}

/** @example const pipeline = composePipeline({ dataDir: config.node.dataDir, db, audit, now, metrics }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  const { db, audit, now, metrics } = ports;
  let opening: Promise<EventStore> | null = null;
  metrics.setSources({ pausedEventDrops: () => pausedCounts(db) });
  return {
    trackingPlan: trackingPlanService({ db, audit, now }),
    eventStore() {
      opening ??= EventStore.open(join(ports.dataDir, 'events.duckdb')).catch((err: unknown) => {
        opening = null; // a busy store may be free on the next call
        throw err;
      });
      return opening;
    },
    events() {
      return this.eventStore();
    },
    close() {
      void opening?.then((store) => store.close()).catch(() => {});
      opening = null;
    },
  };
}
