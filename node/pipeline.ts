/**
 * Wires the local pipeline that follows the joint queries — the event store and what reads it —
 * for the composition root (node/node.ts). Like the root, it holds no rules and no SQL.
 */
import { join } from 'node:path';
import { alertsService, type AlertsService } from './alerts/service.js';
import { analyticsService, type AnalyticsApi } from './analytics/service.js';
import { segmentCustomers, type SegmentSource } from './analytics/segment-members.js';
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { recordIds } from './datasets/records.js';
import { getDataset } from './datasets/store.js';
import { EventStore, type EventReader } from './events/store.js';
import type { Insight } from './insight/insight.js';
import type { Logger } from './log/logger.js';
import { packageVersion } from './paths.js';
import type { Db } from './store/db.js';

export interface PipelinePorts {
  dataDir: string;
  config: Pick<NodeConfig, 'node' | 'events' | 'analytics' | 'alerts'>;
  /** Segments, for restricting models to their members. */
  insight: Insight;
  /** The node database, for the members' normalised ids (datasets/records.ts owns them). */
  db: Db;
  now: () => Date;
  logger: Logger;
  /** Alert rules record what they change and what fires. */
  audit: AuditLog;
}

export interface Pipeline {
  /** The columnar event store, opened on first use (one-shot CLI commands never open it). */
  eventStore(): Promise<EventStore>;
  /** What the analysis models read through. */
  events(): Promise<EventReader>;
  /** The analysis models (node/analytics). */
  readonly analytics: AnalyticsApi;
  /** Saved metrics, alert rules and their scheduler (node/alerts). */
  readonly alerts: AlertsService;
  close(): void;
}

/** @example const pipeline = composePipeline({ dataDir, config, insight, db, now, logger, audit }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  let opening: Promise<EventStore> | null = null;
  let alerts: AlertsService | undefined;
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
    // A getter: the service runs models through `pipeline.analytics`, defined above in this object.
    get alerts() {
      alerts ??= alertsService({
        db,
        audit: ports.audit,
        now: ports.now,
        logger: ports.logger,
        nodeName: ports.config.node.name,
        timeZone: ports.config.events.timeZone,
        models: pipeline.analytics,
        webhooks: { default: ports.config.alerts.webhook, named: ports.config.alerts.webhooks },
        userAgent: `mofang/${packageVersion()}`,
      });
      return alerts;
    },
    close() {
      void opening?.then((store) => store.close()).catch(() => {});
      opening = null;
    },
  };
  return pipeline;
}
