import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventStore } from '../events/store.js';
import { ACTOR, analyticsOver, eventStoreWith, type TestEvent } from '../../test/support/event-store.js';
import type { FunnelResult } from './funnel.js';

const at = (hhmm: string, day = '2026-03-01') => `${day}T${hhmm}:00Z`;
const ev = (customer: string, name: string, time: string, properties: Record<string, unknown> = {}): TestEvent => ({ customer, name, time, properties });

// view → cart → pay within one hour of the view, entering on 1 March (UTC).
const EVENTS: TestEvent[] = [
  // c1 goes straight through: 10 minutes per step.
  ev('c1', 'view', at('10:00')),
  ev('c1', 'cart', at('10:10')),
  ev('c1', 'pay', at('10:20'), { amount: 50 }),
  // c2 views twice, carts 30 minutes after entry, pays 90 minutes after: outside the window.
  ev('c2', 'view', at('10:00')),
  ev('c2', 'view', at('10:05')),
  ev('c2', 'cart', at('10:30')),
  ev('c2', 'pay', at('11:30')),
  // c3 carts before viewing: entry is the view, and no cart follows it.
  ev('c3', 'cart', at('09:00')),
  ev('c3', 'view', at('09:30')),
  ev('c3', 'pay', at('09:40')),
  // c4 enters late on 1 March and carts after midnight: after `to`, but within the window.
  ev('c4', 'view', at('23:50')),
  ev('c4', 'cart', at('00:10', '2026-03-02')),
  // c5 views only outside the range.
  ev('c5', 'view', at('10:00', '2026-02-28')),
  ev('c5', 'view', at('10:00', '2026-03-02')),
  // c6 pays before carting, then carts and pays again.
  ev('c6', 'view', at('10:00')),
  ev('c6', 'pay', at('10:05')),
  ev('c6', 'cart', at('10:10')),
  ev('c6', 'pay', at('10:15'), { amount: 200 }),
  // c7, c8: products, for sameProperty (their own event names).
  ev('c7', 'pview', at('12:00'), { product: 'A' }),
  ev('c7', 'pcart', at('12:01'), { product: 'B' }),
  ev('c7', 'pcart', at('12:02'), { product: 'A' }),
  ev('c8', 'pview', at('12:00')),
  ev('c8', 'pview', at('12:05'), { product: 'B' }),
  ev('c8', 'pcart', at('12:10'), { product: 'C' }),
];

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith(EVENTS);
});
afterAll(() => store.close());

const steps = [{ event: 'view' }, { event: 'cart' }, { event: 'pay' }];
const base = { steps, from: '2026-03-01', to: '2026-03-01', windowSeconds: 3600 };
const run = async (params: object) => (await analyticsOver(store).run('funnel', { ...base, ...params }, ACTOR)).result as FunnelResult;
const reached = (r: FunnelResult) => r.steps.map((s) => s.customers);

describe('funnel', () => {
  it('loose order: first entry, then the earliest next step within the window', async () => {
    const r = await run({});
    // Entered: c1, c2, c3, c4, c6. Carted: c1, c2, c4 (after midnight), c6. Paid in time: c1, c6.
    expect(reached(r)).toEqual([5, 4, 2]);
    expect(r.steps[1]).toMatchObject({ conversionFromPrevious: 0.8, conversionFromFirst: 0.8, dropOff: 1 });
    expect(r.steps[2]).toMatchObject({ conversionFromPrevious: 0.5, conversionFromFirst: 0.4, dropOff: 2 });
    // View → cart: c1 600 s, c2 1800 s, c4 1200 s, c6 600 s: median (600 + 1200) / 2.
    expect(r.steps[1].medianSecondsFromPrevious).toBe(900);
    // Cart → pay: c1 600 s, c6 300 s; view → pay: 1200 s and 900 s.
    expect(r.steps[2].medianSecondsFromPrevious).toBe(450);
    expect(r.steps[2].medianSecondsFromFirst).toBe(1050);
    expect(r.steps[0]).toMatchObject({ conversionFromPrevious: null, conversionFromFirst: 1, dropOff: 0, medianSecondsFromPrevious: null });
    expect(r.conversion).toBe(0.4);
  });

  it('strict order: the next funnel event must be the next step', async () => {
    const r = await run({ order: 'strict' });
    // c2's second view and c6's early pay interrupt them after step 1; c4 carts; c1 goes through.
    expect(reached(r)).toEqual([5, 2, 1]);
  });

  it('a shorter window drops late steps; step filters select events', async () => {
    // 15 minutes: c1 carts at 10 min and pays at 20 (too late); c2 carts at 30 (too late); c6 carts at 10, pays at 15.
    expect(reached(await run({ windowSeconds: 900 }))).toEqual([5, 2, 1]);
    // Only payments over 100: c6's second one.
    expect(reached(await run({ steps: [...steps.slice(0, 2), { event: 'pay', filters: [{ property: 'amount', op: 'gt', value: 100 }] }] }))).toEqual([5, 4, 1]);
  });

  it('sameProperty: later steps share the entry event’s value', async () => {
    const products = { steps: [{ event: 'pview' }, { event: 'pcart' }] };
    // Without it: c7 and c8 both cart.
    expect(reached(await run(products))).toEqual([2, 2]);
    // With it: c7 enters with A and carts A at 12:02; c8 enters with B (its first view has no product) and carts only C.
    const r = await run({ ...products, sameProperty: 'product' });
    expect(reached(r)).toEqual([2, 1]);
    expect(r.steps[1].medianSecondsFromPrevious).toBe(120);
  });

  it('counts nobody when nobody entered', async () => {
    const r = await run({ from: '2026-01-01', to: '2026-01-01' });
    expect(reached(r)).toEqual([0, 0, 0]);
    expect(r.conversion).toBeNull();
    expect(r.steps[1].conversionFromPrevious).toBeNull();
  });

  it('refuses too many or too few steps and a bad step filter, naming the field', async () => {
    const analytics = analyticsOver(store);
    await expect(analytics.run('funnel', { ...base, steps: Array(11).fill({ event: 'view' }) }, ACTOR)).rejects.toMatchObject({
      code: 'ANALYTICS_PARAMS_INVALID',
      details: { field: 'steps' },
    });
    await expect(analytics.run('funnel', { ...base, steps: [{ event: 'view' }] }, ACTOR)).rejects.toMatchObject({ details: { field: 'steps' } });
    await expect(
      analytics.run('funnel', { ...base, steps: [{ event: 'view' }, { event: 'cart', filters: [{ property: 'x', op: 'contains', value: 3 }] }] }, ACTOR),
    ).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'steps[1].filters[0].value' } });
  });
});

describe('funnel at one instant', () => {
  it('orders events at the same time by event id, and never uses one event for two steps (loose and strict)', async () => {
    const t = at('10:00');
    const tied = await eventStoreWith([
      // c1: cart (id a) sorts before view (id b) at the same instant, so no cart follows the view.
      { id: 'b', customer: 'c1', name: 'view', time: t },
      { id: 'a', customer: 'c1', name: 'cart', time: t },
      // c2: view (id c) before cart (id d) at the same instant: a 0-second step.
      { id: 'c', customer: 'c2', name: 'view', time: t },
      { id: 'd', customer: 'c2', name: 'cart', time: t },
      // c3: two views at one instant make view → view; c4's single view does not.
      { id: 'e', customer: 'c3', name: 'view', time: t },
      { id: 'f', customer: 'c3', name: 'view', time: t },
      { id: 'g', customer: 'c4', name: 'view', time: t },
    ]);
    try {
      for (const order of ['loose', 'strict']) {
        const cart = (await analyticsOver(tied).run('funnel', { ...base, order, steps: [{ event: 'view' }, { event: 'cart' }] }, ACTOR)).result as FunnelResult;
        expect(reached(cart)).toEqual([4, 1]);
        expect(cart.steps[1].medianSecondsFromPrevious).toBe(0);
        const twice = (await analyticsOver(tied).run('funnel', { ...base, order, steps: [{ event: 'view' }, { event: 'view' }] }, ACTOR))
          .result as FunnelResult;
        expect(reached(twice)).toEqual([4, 1]);
      }
    } finally {
      tied.close();
    }
  });
});
