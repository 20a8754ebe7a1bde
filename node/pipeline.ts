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
import { tryNormaliseIdentifier } from './datasets/normalise.js';
import { getDataset } from './datasets/store.js';
import { eventIngest, type EventIngest } from './events/ingest/service.js';
import { trackingPlanService, type TrackingPlanApi } from './events/plan/service.js';
import { pausedCounts, retentionByEvent } from './events/plan/store.js';
import { retentionJob, type RetentionJob } from './events/retention.js';
import { EventStore, type EventReader } from './events/store.js';
import { asMofangError } from './errors.js';
import type { BehaviourEvents } from './insight/behaviour/evaluate.js';
import type { Insight } from './insight/insight.js';
import { createHmac } from 'node:crypto';
import { getUnit, isWithin, listUnits, scopeOf } from './insight/units/units.js';
import { stringAttributeValues } from './insight/profiles/string-values.js';
import { countCustomerEvents, eventsReceivedAfter, usualHour } from './analytics/customer-events.js';
import { normaliseIdentifier } from './datasets/normalise.js';
import { profileLookup } from './insight/profiles/lookup.js';
import { CHANNELS } from './journeys/components.js';
import { journeyEngine, type JourneyEngine } from './journeys/engine/engine.js';
import type { EngineData } from './journeys/engine/ports.js';
import { assignVariant } from './journeys/experiments/assign.js';
import { frequencyRules, type FrequencyRules } from './journeys/frequency/rules.js';
import { frequencyControl, type FrequencyControl } from './journeys/frequency/service.js';
import type { JourneyReferences } from './journeys/references.js';
import { journeysService, type JourneysApi } from './journeys/service.js';
import { templatesService, type TemplatesApi } from './journeys/templates/service.js';
import type { Logger } from './log/logger.js';
import type { Metrics } from './metrics/metrics.js';
import { packageVersion } from './paths.js';
import type { LocalChannels } from './reach/local-channels.js';
import { errorText } from './text/untrusted.js';
import type { FeedbackLedger } from './reach/feedback-ledger.js';
import type { ReachReports } from './reach/report/service.js';
import { composeReach, type Reach, reachFeedbackPort, reachLocalChannels, reachReportsPort } from './reach-wiring.js';
import type { Db } from './store/db.js';

/** Ledger rows expire by the day, and a prune scans the ledger: four times a day is plenty. */
const FREQUENCY_PRUNE_EVERY_MS = 6 * 3_600_000;

export interface PipelinePorts {
  dataDir: string;
  /** The node database: the tracking plan, and the segment members' normalised ids (datasets/records.ts owns them). */
  db: Db;
  audit: AuditLog;
  now: () => Date;
  metrics: Metrics;
  logger: Logger;
  config: Pick<NodeConfig, 'node' | 'events' | 'analytics' | 'alerts' | 'journeys' | 'reach'>;
  /** Segments, for restricting models to their members; a getter, as insight reads events through this pipeline. */
  insight: () => Insight;
  /** The node's identity: A/B assignment derives its secret from the private key. */
  identity: { keyPem: string };
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
  /** Deletes events past their retention; the running node schedules it. */
  readonly retention: RetentionJob;
  /** The event store as segment behaviour conditions see it (node/insight). */
  readonly behaviour: BehaviourEvents;
  /** The analysis models (node/analytics). */
  readonly analytics: AnalyticsApi;
  /** Saved metrics, alert rules and their scheduler (node/alerts). */
  readonly alerts: AlertsService;
  /** Journeys: versioned, validated graphs and their state (node/journeys). */
  readonly journeys: JourneysApi;
  /** Campaign templates: parameterised journeys that units instantiate (node/journeys/templates). */
  readonly templates: TemplatesApi;
  /** Global frequency control: the gate the journey engine asks, consent, suppression counts (node/journeys/frequency). */
  readonly frequency: FrequencyControl;
  /** Runs published journeys; the running node starts its scheduler (node/journeys/engine). */
  readonly journeyEngine: JourneyEngine;
  /** The channels the node keeps itself: in-app inbox, call lists, branch tasks (node/reach). */
  readonly localChannels: LocalChannels;
  /** What became of each message, and its `mofang.reach.*` events (node/reach); the running node re-drives unwritten events at start. */
  readonly feedback: FeedbackLedger;
  /** Campaign reports per journey and template, and the A/B report (node/reach/report). */
  readonly reachReports: ReachReports;
  /** Reach: the dispatcher draining the outbox through the channels, dead letters (node/reach-wiring.ts). */
  readonly reach: Reach;
  close(): void;
}

/** @example const pipeline = composePipeline({ dataDir, db, audit, now, metrics, logger, config, insight: () => insight }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  const { db, audit, now, metrics, config } = ports;
  let opening: Promise<EventStore> | null = null;
  /** The store once open, so close() releases it at once: a node reopened on the same directory in this process must not race a deferred close (DuckDB's WAL is removed by the close). */
  let opened: EventStore | null = null;
  let alerts: AlertsService | undefined;
  let feedback: FeedbackLedger | undefined;
  let reports: ReachReports | undefined;
  metrics.setSources({ pausedEventDrops: () => pausedCounts(db) });
  const eventStore = () => {
    opening ??= EventStore.open(join(ports.dataDir, 'events.duckdb'), { memoryLimitMb: config.events.memoryLimitMb, threads: config.events.threads }).then(
      (store) => (opened = store),
      (err: unknown) => {
        opening = null; // a busy store may be free on the next call
        throw err;
      },
    );
    return opening;
  };
  const { identifierKind, timeZone } = config.events;
  const trackingPlan = trackingPlanService({ db, audit, now });
  const segments: SegmentSource = {
    idKind: async (name, actor) => getDataset(db, ports.insight().getSegment(name, actor).dataset).idKind,
    withheld: (name, actor) => ports.insight().segmentWithheld(name, actor),
    members: async (name, actor) => {
      const m = await ports.insight().segmentMembers(name, actor);
      return recordIds(db, m.generation, m.rows);
    },
  };
  const references = journeyReferences(ports.insight, trackingPlan);
  const within = (owner: string | null, viewer: string | null | undefined) => isWithin(db, owner, viewer);
  const rules = frequencyRules(config.journeys.frequency, timeZone);
  const frequency = frequencyControl({
    db,
    audit,
    now,
    config: config.journeys.frequency,
    rules,
    normaliser: (dataset) => {
      const { idKind, idOptions } = getDataset(db, dataset);
      return (raw) => tryNormaliseIdentifier(idKind, raw, idOptions);
    },
    zones: (dataset, attribute, ids) => stringAttributeValues(db, dataset, attribute, ids),
    pruneEveryMs: FREQUENCY_PRUNE_EVERY_MS,
    onError: (err) => ports.logger.error({ err }, 'frequency pruning failed; the next run retries'),
  });
  // Derived from the node's private key: stable across restarts, unknown to partners, never stored.
  const assignmentSecret = createHmac('sha256', ports.identity.keyPem).update('mofang/journeys/assignment/v1').digest();
  const engine = journeyEngine({
    db,
    audit,
    now,
    data: engineData(db, ports.insight, segments, eventStore, rules),
    gate: frequency.gate,
    assign: (experiment, entryKey, groups) => assignVariant(assignmentSecret, experiment, entryKey, groups),
    logger: { warn: (obj, msg) => ports.logger.warn(obj, msg) },
    batch: config.journeys.batch,
    // A getter: templates are wired below, on the journeys this engine serves.
    entryWindow: (journey) => pipeline.templates.schedule(journey),
  });
  const journeys = journeysService({ db, audit, now, references, within, engine });
  // The ledger is made on first use; the node-kept channels and the dispatcher report to it through this forwarder.
  const toLedger = { record: (outcomes: Parameters<FeedbackLedger['record']>[0]) => pipeline.feedback.record(outcomes) };
  const localChannels = reachLocalChannels({ db, audit, now, config, feedback: toLedger });
  const pipeline: Pipeline = {
    journeyEngine: engine,
    trackingPlan,
    eventStore,
    events: eventStore,
    behaviour: behaviourEvents(config.events, eventStore),
    ingest: eventIngest({
      store: eventStore,
      plan: () => trackingPlan.validator(),
      countPaused: (counts) => trackingPlan.countPaused(counts),
      audit,
      metrics,
      limits: config.events,
      now,
      onStored: (events) => {
        engine
          .onEvents(events)
          .catch((err: unknown) => ports.logger.warn({ err: errorText(err) }, 'journey engine: matching events failed; the catch-up retries'));
      },
    }),
    retention: retentionJob({
      store: eventStore,
      retentionByEvent: () => retentionByEvent(db),
      audit,
      now,
      everyMs: config.events.retentionIntervalSeconds * 1000,
      onError: (err) => ports.logger.error({ err }, 'event retention run failed; the next run retries'),
    }),
    analytics: analyticsService({
      reader: async () => (await eventStore()).reader(),
      segmentCustomers: segmentCustomers(segments, identifierKind),
      timeZone,
      maxRangeDays: config.analytics.maxRangeDays,
      timeoutMs: config.analytics.timeoutMs,
      now,
      logger: ports.logger,
    }),
    journeys,
    templates: templatesService({
      db,
      audit,
      now,
      references,
      journeys,
      within,
      units: { scopeOf: (unit) => scopeOf(db, unit), check: (unit, field) => void getUnit(db, unit, field), root: () => listUnits(db)[0]?.id ?? null },
      instanceResults: (journey) => engine.results(journey),
    }),
    frequency,
    localChannels,
    get feedback() {
      feedback ??= reachFeedbackPort({ db, audit, now, ingest: pipeline.ingest, logger: ports.logger, metrics });
      return feedback;
    },
    get reachReports() {
      reports ??= reachReportsPort({ db, now, config, journeys, templates: pipeline.templates, analytics: pipeline.analytics });
      return reports;
    },
    reach: composeReach({
      db,
      audit,
      now,
      metrics,
      logger: ports.logger,
      config,
      outbox: engine.outbox,
      rules,
      insight: ports.insight,
      local: localChannels.channels,
      feedback: toLedger,
    }),
    // A getter: the service runs models through `pipeline.analytics`, defined above in this object.
    get alerts() {
      alerts ??= alertsService({
        db,
        audit,
        now,
        logger: ports.logger,
        nodeName: config.node.name,
        timeZone,
        models: pipeline.analytics,
        webhooks: { default: config.alerts.webhook, named: config.alerts.webhooks },
        userAgent: `mofang/${packageVersion()}`,
      });
      return alerts;
    },
    close() {
      frequency.stop();
      if (opened) opened.close();
      else void opening?.then((store) => store.close()).catch(() => {});
      opened = null;
      opening = null;
    },
  };
  return pipeline;
}

/**
 * The event store as segment behaviour conditions see it: the reader (opened lazily), the kind
 * customer ids are normalised to, and the zone calendar days are read in.
 */
export function behaviourEvents(config: Pick<NodeConfig['events'], 'identifierKind' | 'timeZone'>, events: () => Promise<EventReader>): BehaviourEvents {
  return { reader: events, identifierKind: config.identifierKind, timeZone: config.timeZone };
}

/**
 * What journey validation reads of the node: profile attributes and segments through insight (in
 * the journey's unit scope), events and their properties from the tracking plan, and the channels.
 */
function journeyReferences(insight: () => Insight, plan: TrackingPlanApi): JourneyReferences {
  const actor = (unit: string | null) => ({ id: 'system:journeys', unit });
  /** `read`'s value, or null when it throws `code` (a name that does not exist, or not in scope). */
  const orNull = async <T>(code: string, read: () => T | Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (err) {
      if (asMofangError(err).code === code) return null;
      throw err;
    }
  };
  return {
    async attributes(dataset, unit) {
      const view = await orNull('DATASET_NOT_FOUND', () => insight().attributes(dataset, actor(unit)));
      return view && new Map(view.attributes.map((a) => [a.name, { type: a.type, source: a.source }]));
    },
    segment(name, unit) {
      try {
        return { dataset: insight().getSegment(name, actor(unit)).dataset };
      } catch (err) {
        if (asMofangError(err).code === 'INSIGHT_NOT_FOUND') return null;
        throw err;
      }
    },
    events: () =>
      new Map(
        Object.entries(plan.current().plan.events).map(([name, e]) => [
          name,
          new Map(Object.entries(e.properties).map(([p, spec]) => [p, { type: spec.type, ...(spec.type === 'enum' ? { values: spec.values } : {}) }])),
        ]),
      ),
    channels: CHANNELS,
  };
}

/** What the journey engine reads of customers: profiles through insight, segments, and the event store. */
function engineData(
  db: Db,
  insight: () => Insight,
  segments: SegmentSource,
  events: () => Promise<EventReader>,
  zones: Pick<FrequencyRules, 'defaultZone' | 'zoneAttribute'>,
): EngineData {
  const system = { id: 'system:journeys', role: 'operator' } as const;
  return {
    async profiles(dataset) {
      const lookup = profileLookup(db, await insight().catalogue(dataset));
      return (customerId) => {
        try {
          return new Map(lookup(customerId).attributes.map((a) => [a.name, a.value]));
        } catch (err) {
          if (asMofangError(err).code === 'INSIGHT_NOT_FOUND') return null;
          throw err;
        }
      };
    },
    segmentMembers: (segment) => segments.members(segment, system),
    countEvents: async (customerId, selector, from, to) => countCustomerEvents(await events(), customerId, selector, from, to),
    activeHour: async (customerId, days, timeZone, now) => usualHour(await events(), customerId, days, timeZone, now),
    eventsReceivedAfter: async (after, limit) => eventsReceivedAfter(await events(), after, limit),
    // The zone frequency control counts the customer's days in (journeys.frequency), so a delay
    // "until 10:00" and a daily cap agree on what a day is.
    timeZoneOf(_dataset, _customerId, profile) {
      const zone = zones.zoneAttribute ? profile?.get(zones.zoneAttribute) : undefined;
      if (typeof zone === 'string') {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return zone;
        } catch {
          // not a zone: the node's
        }
      }
      return zones.defaultZone;
    },
    normalise(dataset, id) {
      const info = getDataset(db, dataset);
      return normaliseIdentifier(info.idKind, id, info.idOptions);
    },
  };
}
