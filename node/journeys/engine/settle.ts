/**
 * The executor's deciding half for a message: what the frequency gate's decision makes of an
 * advance that stopped at a reach node. Shared by the real run (commit.ts, in the advance's
 * transaction) and the dry run, so both count sends and suppressions alike.
 */
import type { OutboxMessage } from '../outbox.js';
import type { GateDecision } from './ports.js';
import type { EntryState } from './state.js';
import type { Advance, Visit } from './walk.js';

export interface Settled {
  entry: EntryState;
  visits: Visit[];
  message?: OutboxMessage;
}

/** The entry's state after the advance and the gate's decision on its message (if any). */
export function settle(adv: Advance, decision: GateDecision | undefined, now: Date): Settled {
  const entry: EntryState = { ...adv.next, steps: adv.basedOn + 1 };
  if (!adv.send || !decision) return { entry, visits: adv.visits };
  const node = adv.send.message.nodeId;
  switch (decision.kind) {
    case 'send':
      // Leaves by `out` at once; the message waits in the outbox until `at`.
      return {
        entry: { ...entry, resume: 'out:out', wakeAt: now },
        visits: [...adv.visits, { node, outcome: 'sent' }],
        message: { ...adv.send.message, scheduledAt: decision.at.toISOString() },
      };
    case 'wait':
      return { entry: { ...entry, wakeAt: decision.until }, visits: [...adv.visits, { node, outcome: `waiting:${decision.reason}` }] };
    case 'suppress':
      return { entry: { ...entry, resume: 'out:out', wakeAt: now }, visits: [...adv.visits, { node, outcome: `suppressed:${decision.reason}` }] };
  }
}
