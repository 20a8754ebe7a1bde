/**
 * Advances many entries together. Each round walks every entry of the batch (walk.ts; the reads
 * are asynchronous) and then applies all their advances in one SQLite transaction — states,
 * outbox rows, frequency counts, paths and node counts — and walks again those due at once, until
 * every entry of the batch waits or ends. One transaction per round rather than one per advance:
 * a WAL commit per customer step was most of the engine's time.
 *
 * What the single-advance path guaranteed still holds. An advance planned on a state another
 * advance has since changed is dropped (its steps are compared inside the transaction, before the
 * gate counts anything). The gate decides the round's messages in one call, so the caps hold
 * across the batch. A key already in the outbox is kept. A round whose transaction fails is
 * applied again one advance per transaction, so one entry's failure never undoes its neighbours'
 * work: that entry alone is marked failed, with the reason.
 */
import type { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { errorText } from '../../text/untrusted.js';
import * as entries from './entries.js';
import type { OutboxStore } from './outbox-store.js';
import type { FrequencyGate, GateDecision } from './ports.js';
import { MAX_ADVANCES } from './run.js';
import { settle } from './settle.js';
import type { EntryState, RunnableJourney } from './state.js';
import { walk, type Advance, type Cause, type Visit, type WalkPorts } from './walk.js';

export interface AdvancingPorts {
  db: Db;
  gate: FrequencyGate;
  outbox: OutboxStore;
  now: () => Date;
  journeyAt(id: number, version: number): RunnableJourney;
  logger?: { warn(obj: object, msg: string): void };
}

interface Planned {
  j: RunnableJourney;
  adv: Advance;
}

/** What applying one advance came to: the entry's new state, null when the advance was stale, or the error that stopped it. */
type Applied = EntryState | null | { error: unknown };

/** Advances the entries (each woken by its cause) until each waits or ends; an entry not active is left alone. */
export type AdvanceAll = (items: readonly { id: number; cause: Cause }[], ports: WalkPorts) => Promise<void>;

export function advancing(p: AdvancingPorts): AdvanceAll {
  const { db, gate, outbox } = p;

  const applyAll = db.transaction((planned: readonly Planned[], at: Date): Applied[] => {
    const steps = entries.stepsOf(
      db,
      planned.map(({ adv }) => adv.next.id),
    );
    const live = planned.map(({ adv }) => steps.get(adv.next.id) === adv.basedOn);
    const sends = planned.flatMap(({ adv }, i) => (live[i] && adv.send ? [i] : []));
    const decisions = new Map<number, GateDecision>();
    if (sends.length > 0) gate.decide(sends.map((i) => planned[i].adv.send!.attempt)).forEach((d, k) => decisions.set(sends[k], d));
    const tally = entries.visitTally();
    const paths: { id: number; visits: Visit[] }[] = [];
    const applied = planned.map(({ j, adv }, i): Applied => {
      if (!live[i]) return null;
      const s = settle(adv, decisions.get(i), at);
      if (s.message) outbox.write(s.message);
      for (const u of adv.updates) entries.writeProfileUpdate(db, s.entry.dataset, s.entry.customerId, u.name, u.value, j.id, at);
      entries.saveEntry(db, s.entry, adv.basedOn, at);
      paths.push({ id: s.entry.id, visits: s.visits });
      tally.add(s.entry, s.visits);
      return s.entry;
    });
    entries.recordPaths(db, paths, at);
    tally.write(db);
    return applied;
  });

  const apply = (planned: readonly Planned[], at: Date): Applied[] => {
    try {
      return applyAll.immediate(planned, at);
    } catch (error) {
      if (planned.length === 1) return [{ error }];
      // Nothing of the round was kept: apply each alone, so only the failing entry fails.
      return planned.map((x) => {
        try {
          return applyAll.immediate([x], at)[0];
        } catch (err) {
          return { error: err };
        }
      });
    }
  };

  // One customer's bad data must not stop the others: the entry fails with the reason recorded.
  const fail = (e: EntryState, err: unknown, at: Date) => {
    p.logger?.warn({ journey: e.journeyId, entry: e.id, err: errorText(err) }, 'journey entry failed');
    db.transaction(() => {
      const failed: EntryState = { ...e, status: 'failed', exitReason: `error:${(err as MofangError).code ?? 'INTERNAL'}` };
      if (entries.saveEntry(db, failed, e.steps, at)) entries.recordVisits(db, e, [{ node: e.node, outcome: 'failed:error' }], at);
    })();
  };

  return async (items, ports) => {
    const at = p.now();
    const loaded = entries.loadEntries(
      db,
      items.map((x) => x.id),
    );
    let work: { j: RunnableJourney; e: EntryState; cause: Cause }[] = [];
    for (const { id, cause } of items) {
      const e = loaded.get(id);
      loaded.delete(id); // an entry named twice is advanced once, by its first cause
      if (e?.status !== 'active') continue;
      // Read as due, then advanced by an event before its turn: its timer is no longer due.
      if (cause.kind === 'timer' && !(e.wakeAt && e.wakeAt <= at)) continue;
      work.push({ j: p.journeyAt(e.journeyId, e.version), e, cause: e.resume ? { kind: 'due' } : cause });
    }
    for (let round = 0; round < MAX_ADVANCES && work.length > 0; round++) {
      const planned: Planned[] = [];
      const from: typeof work = [];
      for (const w of work) {
        try {
          const adv = await walk(w.j, w.e, w.cause, at, ports);
          if (adv) {
            planned.push({ j: w.j, adv });
            from.push(w);
          }
        } catch (err) {
          fail(w.e, err, at);
        }
      }
      work = [];
      if (planned.length === 0) break;
      apply(planned, at).forEach((r, i) => {
        if (r === null) return;
        if ('error' in r) fail(from[i].e, r.error, at);
        else if (r.status === 'active' && r.resume) work.push({ j: from[i].j, e: r, cause: { kind: 'due' } });
      });
    }
  };
}
