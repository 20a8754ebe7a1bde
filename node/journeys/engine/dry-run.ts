/**
 * A dry run: the journey's segment entry over the current data, every member moved through the
 * same executor (run.ts, walk.ts, settle.ts) as the real run until they wait or end — but the
 * state lives in memory, nothing reaches the outbox, and the frequency gate decides inside a
 * transaction that is rolled back. The counts per node therefore equal the real run's on the same data.
 */
import type { Db } from '../../store/db.js';
import type { ComponentParams } from '../components.js';
import { latestEntry } from './entries.js';
import { mayEnter } from './entering.js';
import type { FrequencyGate, GateDecision, SendAttempt } from './ports.js';
import { runEntry, type EntrySink } from './run.js';
import { settle } from './settle.js';
import { startingEntry, type RunnableJourney } from './state.js';
import type { WalkPorts } from './walk.js';

export interface DryRunReport {
  journey: number;
  version: number;
  /** Customers who would enter now (a journey entered by events or calls enters nobody in a dry run). */
  entered: number;
  /** Per node and outcome (`entered`, `out:<outlet>`, `sent`, `suppressed:<reason>`, `waiting:<reason>`, `failed:<reason>`, `exited`, `converted`). */
  nodes: { node: string; outcome: string; count: number }[];
}

export interface DryRunPorts {
  db: Db;
  gate: FrequencyGate;
  journey: RunnableJourney;
  walk: WalkPorts;
  now: Date;
  members(segment: string): Promise<readonly string[]>;
}

class RolledBack extends Error {}

export async function dryRun(ports: DryRunPorts): Promise<DryRunReport> {
  const { db, journey: j, now } = ports;
  const counts = new Map<string, number>();
  const count = (node: string, outcome: string) => counts.set(`${node}\u0000${outcome}`, (counts.get(`${node}\u0000${outcome}`) ?? 0) + 1);
  /** The real gate's decision, its counts and records undone. */
  const decide = (attempt: SendAttempt): GateDecision => {
    let decision: GateDecision | undefined;
    try {
      db.transaction(() => {
        decision = ports.gate.decide([attempt])[0];
        throw new RolledBack();
      })();
    } catch (err) {
      if (!(err instanceof RolledBack)) throw err;
    }
    return decision!;
  };
  const sent = new Set<string>();
  const sink: EntrySink = {
    apply(_j, adv, at) {
      const s = settle(adv, adv.send ? decide(adv.send.attempt) : undefined, at);
      if (s.message) sent.add(s.message.idempotencyKey);
      for (const v of s.visits) count(v.node, v.outcome);
      return s.entry;
    },
  };
  // Messages of this run are pending, as they would be in the outbox right after the real run.
  const walk: WalkPorts = { ...ports.walk, sendResult: (key) => (sent.has(key) ? { status: 'pending', result: null } : null) };
  let entered = 0;
  let nextId = 1;
  for (const node of j.graph.nodes) {
    if (node.type !== 'segment_entry') continue;
    const p = node.params as ComponentParams['segment_entry'];
    for (const customerId of await ports.members(p.segment)) {
      if (!mayEnter(p.reentry, latestEntry(db, j.id, customerId), now)) continue;
      entered++;
      count(node.id, 'entered');
      const entry = startingEntry(
        { id: -nextId++, journeyId: j.id, version: j.version, dataset: j.graph.dataset, customerId, triggerKey: 'dry-run', node: node.id },
        now,
      );
      await runEntry(j, entry, { kind: 'due' }, now, walk, sink);
    }
  }
  const nodes = [...counts].map(([k, c]) => {
    const [node, outcome] = k.split('\u0000');
    return { node, outcome, count: c };
  });
  nodes.sort((a, b) => a.node.localeCompare(b.node) || a.outcome.localeCompare(b.outcome));
  return { journey: j.id, version: j.version, entered, nodes };
}
