/**
 * Runs one entry: walks it (walk.ts) and applies each advance through a sink — the SQLite one in
 * one transaction per advance, or the dry run's memory — until it waits or ends.
 */
import type { EntryState, RunnableJourney } from './state.js';
import { walk, type Advance, type Cause, type WalkPorts } from './walk.js';

export interface EntrySink {
  /** Applies the advance; the entry's new state, or null when it was stale (another advance came first). */
  apply(j: RunnableJourney, adv: Advance, now: Date): EntryState | null;
}

/** Most advances in a row for one wake-up: each is a message sent or suppressed, then on. */
export const MAX_ADVANCES = 100;

export async function runEntry(j: RunnableJourney, entry: EntryState, cause: Cause, now: Date, ports: WalkPorts, sink: EntrySink): Promise<EntryState> {
  let current = entry;
  let c = cause;
  for (let i = 0; i < MAX_ADVANCES; i++) {
    const adv = await walk(j, current, c, now, ports);
    if (!adv) return current;
    const next = sink.apply(j, adv, now);
    if (!next) return current;
    current = next;
    if (current.status !== 'active' || !current.resume) return current;
    c = { kind: 'due' };
  }
  return current;
}
