/**
 * Wires the local pipeline that follows the joint queries — the event store and what reads it —
 * for the composition root (node/node.ts). Like the root, it holds no rules and no SQL.
 */
import { join } from 'node:path';
import type { IdKind } from './datasets/normalise.js';
import { EventStore, type EventReader } from './events/store.js';
import type { BehaviourEvents } from './insight/behaviour/evaluate.js';

export interface PipelinePorts {
  dataDir: string;
  /** How events' customer ids are normalised and which zone their calendar uses (config `events`; default raw ids, UTC). */
  events?: { identifierKind: IdKind; timeZone: string };
}

export interface Pipeline {
  /** The columnar event store, opened on first use (one-shot CLI commands never open it). */
  eventStore(): Promise<EventStore>;
  /** What the analysis models read through. */
  events(): Promise<EventReader>;
  /** The event store as segment behaviour conditions see it (node/insight). */
  readonly behaviour: BehaviourEvents;
  close(): void;
}

/** @example const pipeline = composePipeline({ dataDir: config.node.dataDir }); */
export function composePipeline(ports: PipelinePorts): Pipeline {
  let opening: Promise<EventStore> | null = null;
  const { identifierKind, timeZone } = ports.events ?? { identifierKind: 'raw', timeZone: 'UTC' };
  const pipeline: Pipeline = {
    behaviour: { reader: () => pipeline.events(), identifierKind, timeZone },
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
  return pipeline;
}
