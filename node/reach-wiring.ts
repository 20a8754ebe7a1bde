/**
 * Wires reach for the pipeline (node/pipeline.ts), one function per part: the channels from
 * `reach.channels`, checked at start (a bad credential refuses the start, naming channel and field),
 * the dispatcher that drains the journey outbox through them and the dead-letter service; the
 * channels the node keeps itself; the feedback ledger and what feeds it from outside (unsubscribes,
 * opens, clicks, provider receipts: the public /v1/reach routes); campaign reports. Like the root, it holds no
 * rules and no SQL: it fills the modules' ports from frequency control (consent at send time),
 * insight (contacts from the profile table) and the journeys (a reach node's parameters).
 */
import type { ProviderChannel } from '../adapters/channels/channel.js';
import type { ReachFeedbackRoutes } from './reach/public-routes.js';
import { outboxLookup } from './journeys/engine/outbox-lookup.js';
import { reachLinks } from './reach/links.js';
import { reachReceipts } from './reach/receipts.js';
import type { AnalyticsApi } from './analytics/service.js';
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { asMofangError } from './errors.js';
import type { EventIngest } from './events/ingest/service.js';
import type { Insight } from './insight/insight.js';
import { profileTablePointer } from './insight/profiles/build.js';
import { contactValues } from './insight/profiles/string-values.js';
import { liveGeneration } from './datasets/store.js';
import type { Channel } from './journeys/components.js';
import { outboxOrigin } from './journeys/engine/outbox-origin.js';
import type { OutboxStore } from './journeys/engine/outbox-store.js';
import { outboxStore } from './journeys/engine/outbox-store.js';
import { engineReportCounts } from './journeys/engine/report-counts.js';
import { sendTimeConsent } from './journeys/frequency/consent-refusal.js';
import type { FrequencyRules } from './journeys/frequency/rules.js';
import { suppressionsByEntry, suppressionsByNode } from './journeys/frequency/suppressions-by-node.js';
import type { JourneysApi } from './journeys/service.js';
import { findJourney, getVersion } from './journeys/store.js';
import type { TemplatesApi } from './journeys/templates/service.js';
import type { Logger } from './log/logger.js';
import type { Metrics } from './metrics/metrics.js';
import { packageVersion } from './paths.js';
import { type CheckedChannel, checkChannels, type OpenChannel, openChannel } from './reach/channels.js';
import { deadLetters, type DeadLettersApi } from './reach/dead-letters.js';
import { type Dispatcher, reachDispatcher } from './reach/dispatcher.js';
import { feedbackLedger, type FeedbackLedger } from './reach/feedback-ledger.js';
import type { ReachFeedback } from './reach/feedback.js';
import { type LocalChannels, localChannels } from './reach/local-channels.js';
import { reachReports, type ReachReports } from './reach/report/service.js';
import type { Db } from './store/db.js';
import { errorText } from './text/untrusted.js';
import type { LocalChannel, LocalChannelName } from './reach/local-channel.js';

export interface ReachWiringPorts {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  metrics: Metrics;
  logger: Logger;
  config: Pick<NodeConfig, 'reach'>;
  outbox: OutboxStore;
  rules: Pick<FrequencyRules, 'consent'>;
  insight: () => Insight;
  /** The node's own channels (inbox, call list, branch tasks), when built. */
  local?: ReadonlyMap<Channel, LocalChannel>;
  /** Where every outcome is reported, when built. */
  feedback?: ReachFeedback;
  /** Where `{ env }` credentials are read; the process environment by default. */
  env?: NodeJS.ProcessEnv;
}

export interface Reach {
  readonly deadLetters: DeadLettersApi;
  /** Resolves every channel's credential and checks its endpoint; throws the first problem. Nothing is opened. */
  check(): void;
  /** Starts the dispatcher when a channel is enabled (checking first, if `check` was not called); false when there is nothing to send on. */
  start(): boolean;
  /** Drains sends in flight (bounded by `reach.dispatch.drainMs`), gives unsent messages back and closes the channels. */
  stop(): Promise<void>;
  /** One dispatch round, for tools and tests that drive the dispatcher themselves; null when no channel is enabled. */
  dispatcher(): Dispatcher | null;
  /** What the public /v1/reach routes serve (unsubscribe, opens, clicks, provider receipts), over the checked channels and the feedback port. */
  feedbackRoutes(): ReachFeedbackRoutes;
}

/** @example const reach = composeReach({ db, audit, now, metrics, logger, config, outbox: engine.outbox, rules, insight }); reach.start(); */
export function composeReach(ports: ReachWiringPorts): Reach {
  const { db, config, logger } = ports;
  // The node-kept channels need no provider: they deliver unless their config turns them off.
  const local = new Map([...(ports.local ?? [])].filter(([channel]) => config.reach.channels[channel as LocalChannelName]?.enabled !== false));
  let checked: CheckedChannel[] | null = null;
  let opened: OpenChannel[] = [];
  let dispatcher: Dispatcher | null = null;
  const params = new Map<string, Record<string, unknown>>();
  const consent = sendTimeConsent(db, ports.rules);
  ports.metrics.setSources({ reachQueue: () => ports.outbox.queueDepth() });

  const check = () => {
    checked ??= checkChannels(config.reach.channels, { userAgent: `mofang/${packageVersion()}`, ...(ports.env ? { env: ports.env } : {}) });
    return checked;
  };

  const open = (): Dispatcher | null => {
    if (dispatcher) return dispatcher;
    const enabled = check().filter((c) => c.settings.enabled);
    if (enabled.length === 0 && local.size === 0) return null;
    opened = enabled.map(openChannel);
    dispatcher = reachDispatcher({
      db,
      outbox: ports.outbox,
      channels: new Map(opened.map((c) => [c.channel, c])),
      local,
      consent,
      async contacts(dataset, column, ids) {
        const live = liveGeneration(db, dataset);
        if (live === undefined) return null;
        // The catalogue builds the profile table after a re-import (and audits that); read per batch it cost more than the lookup, so only then.
        if (profileTablePointer(db, dataset)?.generation !== live) {
          try {
            await ports.insight().catalogue(dataset);
          } catch (err) {
            if (asMofangError(err).code === 'DATASET_NOT_FOUND') return null;
            throw err;
          }
        }
        return contactValues(db, dataset, column, ids);
      },
      nodeParams(journeyId, version, node) {
        const key = `${journeyId}.${version}.${node}`;
        let p = params.get(key);
        if (!p) {
          const journey = findJourney(db, journeyId);
          const graph = journey && getVersion(db, journey, version)?.graph;
          p = (graph?.nodes.find((n) => n.id === node)?.params as Record<string, unknown> | undefined) ?? {};
          params.set(key, p);
        }
        return p;
      },
      ...(ports.feedback ? { feedback: ports.feedback } : {}),
      metrics: ports.metrics,
      config: config.reach.dispatch,
      now: ports.now,
      logger,
    });
    return dispatcher;
  };

  return {
    deadLetters: deadLetters({ db, outbox: ports.outbox, audit: ports.audit, now: ports.now }),
    check() {
      check();
    },
    start() {
      const d = open();
      if (!d) return false;
      d.start();
      logger.info({ channels: [...opened.map((c) => c.channel), ...local.keys()] }, 'reach dispatcher started');
      return true;
    },
    async stop() {
      await dispatcher?.stop();
      await Promise.all(opened.map((c) => c.adapter.close().catch(() => {})));
      opened = [];
      dispatcher = null;
    },
    dispatcher: open,
    feedbackRoutes() {
      if (!ports.feedback) throw new Error('reach: the public routes need the feedback port');
      return reachFeedbackRoutesOf({ db, audit: ports.audit, now: ports.now, config, channels: check(), feedback: ports.feedback });
    },
  };
}

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
  metrics: Pick<Metrics, 'reachReceiptLag'>;
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
    receiptLag: (channel, receipt, seconds) => ports.metrics.reachReceiptLag(channel, receipt, seconds),
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

/** What comes back after a send (unsubscribes, opens, clicks, provider receipts) over the checked channels; the HTTP app serves it as its public /v1/reach routes. */
export interface ReachFeedbackWiring {
  db: Db;
  audit: AuditLog;
  now: () => Date;
  config: Pick<NodeConfig, 'reach'>;
  /** The configured channels, checked (their secrets resolved). */
  channels: readonly CheckedChannel[];
  feedback: ReachFeedback;
}

/** @example buildApp({ …, reachFeedback: reachFeedbackRoutesOf({ db, audit, now, config, channels: checkChannels(config.reach.channels, options), feedback }) }) */
export function reachFeedbackRoutesOf(w: ReachFeedbackWiring): ReachFeedbackRoutes {
  const { db, audit, now, feedback } = w;
  const outbox = outboxLookup(db);
  const settings = w.config.reach.feedback;
  return {
    links: reachLinks({ db, audit, now, outbox, feedback, secret: w.channels.find((c) => c.channel === 'email')?.feedback.linkSecret }),
    receipts: reachReceipts({
      db,
      audit,
      now,
      outbox,
      feedback,
      channels: new Map<ProviderChannel, string | undefined>(w.channels.map((c) => [c.channel, c.feedback.callbackSecret])),
      toleranceSeconds: settings.signatureToleranceSeconds,
      maxBatch: settings.maxReceiptBatch,
    }),
    publicRatePerMinute: settings.publicRatePerMinute,
  };
}
