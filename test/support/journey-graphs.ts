/**
 * Test support: random valid journey graphs (fast-check) over the journey-references test
 * double's data — for the validator's and the executor's property tests.
 */
import fc from 'fast-check';
import type { JourneyNode } from '../../node/journeys/graph.js';

/** Components with valid parameters on the test double's data, and their outlets. */
export const POOL: { type: string; params: object; outlets: string[] }[] = [
  { type: 'segment_check', params: { segment: 'high-value' }, outlets: ['in', 'out'] },
  {
    type: 'attribute_split',
    params: {
      branches: [
        { key: 'rich', conditions: [{ attribute: 'income', op: 'gte', value: 50_000 }] },
        { key: 'vip', conditions: [{ tag: 'vip', op: 'has' }] },
      ],
    },
    outlets: ['rich', 'vip', 'else'],
  },
  {
    type: 'behaviour_split',
    params: { event: { event: 'app.opened' }, atLeast: 2, within: { amount: 7, unit: 'days' } },
    outlets: ['yes', 'no'],
  },
  { type: 'score_split', params: { attribute: 'churn_score', bands: [{ key: 'high', from: 0.5 }] }, outlets: ['high', 'else'] },
  { type: 'wait_event', params: { event: { event: 'deposit.made' }, timeout: { amount: 2, unit: 'days' } }, outlets: ['event', 'timeout'] },
  { type: 'delay', params: { kind: 'random', min: { amount: 1, unit: 'hours' }, max: { amount: 3, unit: 'hours' } }, outlets: ['out'] },
  { type: 'time_window', params: { mode: 'open', hours: [{ from: '09:00', to: '18:00' }], outside: 'skip' }, outlets: ['out', 'skipped'] },
  {
    type: 'random_split',
    params: {
      branches: [
        { key: 'a', percent: 45 },
        { key: 'b', percent: 45 },
      ],
      control: 10,
    },
    outlets: ['a', 'b'],
  },
  { type: 'update_attribute', params: { op: 'add_tag', tag: 'seen' }, outlets: ['out'] },
  { type: 'reach', params: { channel: 'push', template: { body: 'Hi {{profile.first_name}}' } }, outlets: ['out'] },
];

/**
 * A valid journey: an entry, then a chain in which each node's first outlet leads to the next
 * (so all are reachable), its other outlets forward to any later node, and a wait's timeout
 * anywhere, even back (a cycle through a wait is allowed); the last node is an exit.
 */
export const validGraph = fc.integer({ min: 1, max: 25 }).chain((n) =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: POOL.length - 1 }), { minLength: n, maxLength: n }),
      fc.array(fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), { minLength: n, maxLength: n }),
    )
    .map(([kinds, picks]) => {
      const id = (i: number) => (i === n + 1 ? 'bye' : `n${i}`);
      const nodes: JourneyNode[] = [
        { id: 'start', type: 'segment_entry', params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } }, next: { out: id(1) } },
      ];
      for (let i = 1; i <= n; i++) {
        const c = POOL[kinds[i - 1]];
        const next: Record<string, string> = {};
        c.outlets.forEach((outlet, k) => {
          const back = c.type === 'wait_event' && outlet === 'timeout';
          const lowest = back ? 1 : i + 1;
          next[outlet] = k === 0 ? id(i + 1) : id(lowest + (picks[i - 1][k] % (n + 2 - lowest)));
        });
        nodes.push({ id: id(i), type: c.type, params: structuredClone(c.params) as JourneyNode['params'], next });
      }
      nodes.push({ id: 'bye', type: 'exit', params: {} });
      return { dataset: 'customers', nodes };
    }),
);
