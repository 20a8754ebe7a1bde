import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validGraph } from '../../../test/support/journey-graphs.js';
import type { JourneyGraph } from '../graph.js';
import type { OutboxMessage } from '../outbox.js';
import { assignVariant } from '../experiments/assign.js';
import type { EngineData, EngineEvent, GateDecision } from './ports.js';
import { runEntry, type EntrySink } from './run.js';
import { settle } from './settle.js';
import { runnable, startingEntry, type EntryState } from './state.js';
import type { WalkPorts } from './walk.js';

const TEST_SECRET = new Uint8Array(32).fill(7);

// The executor over random valid journeys (the validator's generator), random customers, random
// gate decisions and random sequences of timers and events: after every wake-up the entry has
// ended or waits at a node that waits (with a timer or an event to wake it); no message key is
// written twice; an advance replayed after another committed is refused.

const EVENTS = ['deposit.made', 'app.opened', 'loan.applied'];

const customer = fc.record({
  income: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
  churn: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
  member: fc.boolean(),
});
const wakeUps = fc.array(fc.oneof(fc.constant<'timer'>('timer'), fc.constantFrom(...EVENTS)), { maxLength: 40 });
const decisions = fc.array(fc.constantFrom<GateDecision['kind']>('send', 'wait', 'suppress'), { minLength: 1, maxLength: 8 });

describe('the executor (property)', () => {
  it('every entry ends or waits at a waiting node, and no message is written twice', async () => {
    await fc.assert(
      fc.asyncProperty(validGraph, customer, wakeUps, decisions, async (graph, c, sequence, gateKinds) => {
        const j = runnable({ id: 1, name: 'p', version: 1, graph: graph as JourneyGraph });
        let now = new Date('2026-03-02T10:00:00Z');
        const history: EngineEvent[] = [];
        const data: EngineData = {
          profiles: async () => () =>
            new Map<string, string | number | null>([
              ['income', c.income],
              ['churn_score', c.churn],
              ['first_name', 'Li'],
            ]),
          segmentMembers: async () => (c.member ? ['c1'] : []),
          countEvents: async (_id, selector, from, to) => history.filter((e) => e.name === selector.event && e.time >= from && e.time < to).length,
          activeHour: async () => null,
          eventsReceivedAfter: async () => [],
          timeZoneOf: () => 'Asia/Shanghai',
          normalise: (_d, id) => id,
        };
        const written = new Map<string, OutboxMessage>();
        let decided = 0;
        const ports: WalkPorts = {
          data,
          assign: (experiment, key, groups) => assignVariant(TEST_SECRET, experiment, key, groups),
          profile: async (dataset, id) => (await data.profiles(dataset))(id),
          inSegment: async () => c.member,
          sendResult: (key) => (written.has(key) ? { status: 'pending', result: null } : null),
          random: () => 0.25,
        };
        let stored: EntryState = startingEntry(
          { id: 1, journeyId: 1, version: 1, dataset: 'customers', customerId: 'c1', triggerKey: 't', node: 'start' },
          now,
        );
        const sink: EntrySink = {
          apply(_j, adv, at) {
            if (adv.basedOn !== stored.steps) return null;
            const kind = gateKinds[decided++ % gateKinds.length];
            const decision: GateDecision | undefined = adv.send
              ? kind === 'send'
                ? { kind, at }
                : kind === 'wait'
                  ? { kind, until: new Date(at.getTime() + 3_600_000), reason: 'cap', detail: 'test' }
                  : { kind, reason: 'cap', detail: 'test' }
              : undefined;
            const s = settle(adv, decision, at);
            if (s.message) {
              expect(written.has(s.message.idempotencyKey)).toBe(false);
              written.set(s.message.idempotencyKey, s.message);
            }
            stored = s.entry;
            return s.entry;
          },
        };
        const check = () => {
          if (stored.status !== 'active') return;
          const type = j.nodes.get(stored.node)!.type;
          expect(stored.resume).toBeNull();
          if (type === 'wait_event') expect(stored.waitingFor).not.toBeNull();
          else expect(['delay', 'reach']).toContain(type);
          expect(stored.wakeAt).not.toBeNull();
        };
        await runEntry(j, stored, { kind: 'due' }, now, ports, sink);
        check();
        for (const step of sequence) {
          if (stored.status !== 'active') break;
          const before = stored;
          if (step === 'timer') {
            now = new Date(Math.max(now.getTime(), stored.wakeAt!.getTime()));
            await runEntry(j, stored, { kind: 'timer' }, now, ports, sink);
          } else {
            now = new Date(now.getTime() + 60_000);
            const event: EngineEvent = { eventId: `e${history.length}`, customerId: 'c1', name: step, time: now, receivedAt: now, properties: {} };
            history.push(event);
            await runEntry(j, stored, { kind: 'event', event }, now, ports, sink);
          }
          check();
          // The same wake-up planned on the old state again: refused, nothing written.
          const count = written.size;
          if (stored !== before) await runEntry(j, before, { kind: 'timer' }, now, ports, sink);
          expect(written.size).toBe(count);
        }
      }),
      { numRuns: 200 },
    );
  });
});
