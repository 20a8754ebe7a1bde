/**
 * Wires reach for the pipeline (node/pipeline.ts): the channels from `reach.channels`, checked at
 * start (a bad credential refuses the start, naming channel and field), the dispatcher that drains
 * the journey outbox through them, and the dead-letter service. Like the root, it holds no rules
 * and no SQL: it fills the dispatcher's ports from frequency control (consent at send time),
 * insight (contacts from the profile table) and the journeys (a reach node's parameters).
 */
import type { AuditLog } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { asMofangError } from './errors.js';
import type { Insight } from './insight/insight.js';
import { contactValues } from './insight/profiles/string-values.js';
import type { Channel } from './journeys/components.js';
import type { OutboxStore } from './journeys/engine/outbox-store.js';
import { sendTimeConsent } from './journeys/frequency/consent-refusal.js';
import type { FrequencyRules } from './journeys/frequency/rules.js';
import { findJourney, getVersion } from './journeys/store.js';
import type { Logger } from './log/logger.js';
import type { Metrics } from './metrics/metrics.js';
import { packageVersion } from './paths.js';
import { type CheckedChannel, checkChannels, type OpenChannel, openChannel } from './reach/channels.js';
import { deadLetters, type DeadLettersApi } from './reach/dead-letters.js';
import type { LocalChannel, ReachFeedback } from './reach/dispatch-ports.js';
import { type Dispatcher, reachDispatcher } from './reach/dispatcher.js';
import type { Db } from './store/db.js';

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
}

/** @example const reach = composeReach({ db, audit, now, metrics, logger, config, outbox: engine.outbox, rules, insight }); reach.start(); */
export function composeReach(ports: ReachWiringPorts): Reach {
  const { db, config, logger } = ports;
  const local = ports.local ?? new Map<Channel, LocalChannel>();
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
        try {
          await ports.insight().catalogue(dataset); // builds the profile table if the dataset was re-imported
        } catch (err) {
          if (asMofangError(err).code === 'DATASET_NOT_FOUND') return null;
          throw err;
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
  };
}
