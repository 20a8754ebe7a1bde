/**
 * Wires the local pipeline that follows the joint queries — the event store and what reads it —
 * for the composition root (node/node.ts). Like the root, it holds no rules and no SQL.
 */
import { join } from 'node:path';
import { analyticsService, type AnalyticsApi } from './analytics/service.js';
import { segmentCustomers, type SegmentSource } from './analytics/segment-members.js';
import type { NodeConfig } from './config/schema.js';
import { recordIds } from './datasets/records.js';
import { getDataset } from './datasets/store.js';
import { EventStore, type EventReader } from './events/store.js';
import type { Insight } from './insight/insight.js';
import type { Logger } from './log/logger.js';
import type { Db } from './store/db.js';

export interface PipelinePorts {
  dataDir: string;
  config: Pick<NodeConfig, 'events' | 'analytics'>;
  /** Segments, for restricting models to their members. */
  insight: Insight;
  /** The node database, for the members' normalised ids (datasets/records.ts owns them). */
  db: Db;
  now: () => Date;
  logger: Logger;
}

export interface Pipeline {
  /** The columnar event store, opened on first use (one-shot CLI commands never open it). */
  eventStore(): Promise<EventStore>;
  /** What the analysis models read through. */
  events(): Promise<EventReader>;
  /** The analysis models (node/analytics). */
  readonly analytics: AnalyticsApi;
  close(): void;
}

/** @example const pipeline = composePipeline({ dataDir, config, insight, db, now, logger }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  let opening: Promise<EventStore> | null = null;
  const { insight, db } = ports;
  const segments: SegmentSource = {
    idKind: async (name, actor) => getDataset(db, insight.getSegment(name, actor).dataset).idKind,
    withheld: (name, actor) => insight.segmentWithheld(name, actor),
    members: async (name, actor) => {
      const m = await insight.segmentMembers(name, actor);
      return recordIds(db, m.generation, m.rows);
    },
  };
  const pipeline: Pipeline = {
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
    analytics: analyticsService({
      reader: async () => (await pipeline.eventStore()).reader(),
      segmentCustomers: segmentCustomers(segments, ports.config.events.identifierKind),
      timeZone: ports.config.events.timeZone,
      maxRangeDays: ports.config.analytics.maxRangeDays,
      timeoutMs: ports.config.analytics.timeoutMs,
      now: ports.now,
      logger: ports.logger,
    }),
    close() {
      void opening?.then((store) => store.close()).catch(() => {});
      opening = null;
    },
  };
  return pipeline;
}
