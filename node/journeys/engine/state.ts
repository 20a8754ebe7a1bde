/** One customer's entry into a journey as the executor moves it, and the journey as it runs. */
import type { JourneyGraph, JourneyNode } from '../graph.js';

export type EntryStatus = 'active' | 'exited' | 'converted' | 'failed';

export interface EntryState {
  id: number;
  journeyId: number;
  version: number;
  dataset: string;
  /** Normalised as the dataset's identifiers; never logged, never audited. */
  customerId: string;
  triggerKey: string;
  enteredAt: Date;
  status: EntryStatus;
  /** The node it waits at, or ended at. */
  node: string;
  /** When it arrived at `node`. */
  since: Date;
  wakeAt: Date | null;
  waitingFor: string | null;
  priority: number;
  variant: string | null;
  /** The entering event's properties (`event.*` variables). */
  context: Record<string, unknown>;
  exitReason: string | null;
  /** Advances committed so far; an advance planned on an older count is stale. */
  steps: number;
  /** Due at once: `out:<outlet>` leaves `node` by that outlet; `arrive` arrives at `node` again. */
  resume: string | null;
}

/** A published version, ready to run: its nodes by id and the journey's frequency settings. */
export interface RunnableJourney {
  id: number;
  name: string;
  version: number;
  graph: JourneyGraph;
  nodes: ReadonlyMap<string, JourneyNode>;
  /** A capped customer moves on (skip) or waits for the next free slot. */
  onCap: 'skip' | 'wait';
  /** Quiet hours and holidays postpone a message or drop it. */
  onQuiet: 'postpone' | 'drop';
}

/** An entry as it starts at an entry node at `at`: active, due at once, leaving by `out` (as the database stores a new entry). */
export function startingEntry(e: Pick<EntryState, 'id' | 'journeyId' | 'version' | 'dataset' | 'customerId' | 'triggerKey' | 'node'>, at: Date): EntryState {
  return {
    ...e,
    enteredAt: at,
    status: 'active',
    since: at,
    wakeAt: at,
    waitingFor: null,
    priority: 5,
    variant: null,
    context: {},
    exitReason: null,
    steps: 0,
    resume: 'out:out',
  };
}

export function runnable(j: { id: number; name: string; version: number; graph: JourneyGraph }): RunnableJourney {
  const { onCap = 'skip', onQuiet = 'postpone' } = j.graph.frequency ?? {};
  return { ...j, nodes: new Map(j.graph.nodes.map((n) => [n.id, n])), onCap, onQuiet };
}

/** The types an entry can stand at between two advances — what a migration may map an occupied node to. */
export const WAITABLE_TYPES: ReadonlySet<string> = new Set(['event_entry', 'delay', 'wait_event', 'time_window', 'send_result_split', 'reach']);
