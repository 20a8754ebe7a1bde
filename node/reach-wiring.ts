/**
 * Wires the reach module for the pipeline (node/pipeline.ts): each part is one function, so the
 * parts built apart (feedback, reports, the node-kept channels, the dispatcher) meet without
 * sharing code. Like the root, it holds no rules and no SQL.
 */
import type { AnalyticsApi } from './analytics/service.js';
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import type { EventIngest } from './events/ingest/service.js';
import { outboxOrigin } from './journeys/engine/outbox-origin.js';
import { outboxStore } from './journeys/engine/outbox-store.js';
import { engineReportCounts } from './journeys/engine/report-counts.js';
import { suppressionsByEntry, suppressionsByNode } from './journeys/frequency/suppressions-by-node.js';
import type { JourneysApi } from './journeys/service.js';
import type { TemplatesApi } from './journeys/templates/service.js';
import type { Logger } from './log/logger.js';
import { feedbackLedger, type FeedbackLedger } from './reach/feedback-ledger.js';
import { reachReports, type ReachReports } from './reach/report/service.js';
import type { Db } from './store/db.js';
import { errorText } from './text/untrusted.js';
import { type LocalChannels, localChannels } from './reach/local-channels.js';
import type { ReachFeedback } from './reach/feedback.js';
interface LocalChannelPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  config: Pick<NodeConfig, 'reach'>;
  /** The feedback ledger opens, replies and task outcomes are reported to, once it exists on the node. */
  feedback?: ReachFeedback;
}

/** @example const local = reachLocalChannels({ db, audit, now, config }); */
export function reachLocalChannels(ports: LocalChannelPorts): LocalChannels {
  const { config, ...rest } = ports;
  return localChannels(rest, { callContactColumn: config.reach.channels.call?.contactColumn });
}

/** The feedback ledger over the node's outbox, writing its events through ingestion's own-events path. */
export function reachFeedbackPort(ports: {
  db: Db;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
  ingest: Pick<EventIngest, 'storeOwn'>;
  logger: Logger;
}): FeedbackLedger {
  const outbox = outboxStore(ports.db, ports.now);
  return feedbackLedger({
    db: ports.db,
    audit: ports.audit,
    now: ports.now,
    origin: outboxOrigin(ports.db),
    receipt: (key, result, at) => outbox.receipt(key, result, at),
    storeEvents: (events) => ports.ingest.storeOwn(events),
    onError: (err) => ports.logger.warn({ err: errorText(err) }, 'reach feedback: events not written yet; the next re-drive writes them'),
  });
}

/** Campaign reports and the A/B report over the ledger, the engine, frequency control and the event store. */
export function reachReportsPort(ports: {
  db: Db;
  now: () => Date;
  config: Pick<NodeConfig, 'reach' | 'events'>;
  journeys: JourneysApi;
  templates: TemplatesApi;
  analytics: AnalyticsApi;
}): ReachReports {
  const { reach } = ports.config;
  return reachReports({
    db: ports.db,
    now: ports.now,
    journeys: ports.journeys,
    templates: ports.templates,
    analytics: ports.analytics,
    engine: engineReportCounts(ports.db),
    suppressions: { byNode: (j) => suppressionsByNode(ports.db, j), byEntry: (j) => suppressionsByEntry(ports.db, j) },
    config: {
      costPerMessage: Object.fromEntries(Object.entries(reach.channels).map(([channel, c]) => [channel, c?.costPerMessage ?? 0])),
      costs: reach.costs,
      attribution: reach.attribution,
      timeZone: ports.config.events.timeZone,
    },
  });
}
