/**
 * Wires the local pipeline that follows the joint queries — the event store and what reads it —
 * for the composition root (node/node.ts). Like the root, it holds no rules and no SQL.
 */
import { join } from 'node:path';
import type { AppendInput } from './audit/log.js';
import type { NodeConfig } from './config/schema.js';
import { eventIngest, type EventIngest } from './events/ingest/service.js';
import type { PlanValidator } from './events/ingest/plan-port.js';
import { EventStore, type EventReader } from './events/store.js';
import type { BehaviourEvents } from './insight/behaviour/evaluate.js';
import type { Metrics } from './metrics/metrics.js';

export interface PipelinePorts {
  dataDir: string;
  /** The `events` section of the configuration. */
  events: NodeConfig['events'];
  audit: { append(input: AppendInput): unknown };
  metrics: Pick<Metrics, 'eventsIngested'>;
  now: () => Date;
}

export interface Pipeline {
  /** The columnar event store, opened on first use (one-shot CLI commands never open it). */
  eventStore(): Promise<EventStore>;
  /** What the analysis models read through. */
  events(): Promise<EventReader>;
  /** Events in: HTTP batches and file imports. */
  readonly ingest: EventIngest;
  /** The event store as segment behaviour conditions see it (node/insight). */
  readonly behaviour: BehaviourEvents;
  close(): void;
}

/** Until a tracking plan is declared, no event name is known, so every event is refused with that reason. */
const NO_PLAN: PlanValidator = () => ({ kind: 'reject', field: 'name', reason: 'the event is not declared in the tracking plan' });

/** @example const pipeline = composePipeline({ dataDir: config.node.dataDir, events: config.events, audit, metrics, now }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  let opening: Promise<EventStore> | null = null;
  const eventStore = () => {
    opening ??= EventStore.open(join(ports.dataDir, 'events.duckdb')).catch((err: unknown) => {
      opening = null; // a busy store may be free on the next call
      throw err;
    });
    return opening;
  };
  const { identifierKind, timeZone } = ports.events;
  return {
    eventStore,
    events: eventStore,
    behaviour: { reader: eventStore, identifierKind, timeZone },
    ingest: eventIngest({
      store: eventStore,
      plan: () => NO_PLAN,
      countPaused: () => {},
      audit: ports.audit,
      metrics: ports.metrics,
      limits: ports.events,
      now: ports.now,
    }),
    close() {
      void opening?.then((store) => store.close()).catch(() => {});
      opening = null;
    },
  };
}
