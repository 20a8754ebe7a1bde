import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTOR, analyticsOver, eventStoreWith } from '../../test/support/event-store.js';
import type { EventStore } from '../events/store.js';
import type { PathResult } from './path.js';

const range = { from: '2026-01-10', to: '2026-01-10' };
const path = async (store: EventStore, { anchor, ...params }: Record<string, unknown>) =>
  (await analyticsOver(store).run('path', { ...range, anchor: { event: anchor }, ...params }, ACTOR)).result as PathResult;
const at = (hms: string) => `2026-01-10T${hms}Z`;

let store: EventStore;
beforeAll(async () => {
  store = await eventStoreWith([
    // c1: home → list → item → cart, and a later home that is not its first.
    { customer: 'c1', name: 'home', time: at('00:00:00') },
    { customer: 'c1', name: 'list', time: at('00:01:00') },
    { customer: 'c1', name: 'item', time: at('00:02:00') },
    { customer: 'c1', name: 'cart', time: at('00:03:00') },
    { customer: 'c1', name: 'home', time: at('00:10:00') },
    // c2: home → list, then two hours idle before item (a new session).
    { customer: 'c2', name: 'home', time: at('00:00:00') },
    { customer: 'c2', name: 'list', time: at('00:05:00') },
    { customer: 'c2', name: 'item', time: at('02:05:00') },
    // c3: home → search → item.
    { customer: 'c3', name: 'home', time: at('00:00:00') },
    { customer: 'c3', name: 'search', time: at('00:01:00') },
    { customer: 'c3', name: 'item', time: at('00:02:00') },
    // c4: list before its only home, nothing after it.
    { customer: 'c4', name: 'list', time: at('00:00:00') },
    { customer: 'c4', name: 'home', time: at('01:00:00') },
    // c5: home late on the 11th, pay early on the 12th.
    { customer: 'c5', name: 'home', time: '2026-01-11T23:55:00Z', properties: { campaign: 'winter' } },
    { customer: 'c5', name: 'pay', time: '2026-01-12T00:10:00Z' },
  ]);
});
afterAll(() => store.close());

describe('path analysis', () => {
  it('follows each customer from the first anchor, keeps the top names per step and groups the rest as other', async () => {
    // Step 1: list (c1, c2) beats search (c3), which becomes other; c2's session ends after list.
    expect(await path(store, { anchor: 'home', depth: 2, top: 1 })).toEqual({
      nodes: [
        { id: '0:home', step: 0, name: 'home', customers: 4 },
        { id: '1:list', step: 1, name: 'list', customers: 2 },
        { id: '1:*', step: 1, name: 'other', customers: 1 },
        { id: '2:item', step: 2, name: 'item', customers: 2 },
      ],
      links: [
        { source: '0:home', target: '1:list', customers: 2 },
        { source: '0:home', target: '1:*', customers: 1 },
        { source: '1:list', target: '2:item', customers: 1 },
        { source: '1:*', target: '2:item', customers: 1 },
      ],
    });
  });

  it('follows a path across pauses without a session gap', async () => {
    const { nodes, links } = await path(store, { anchor: 'home', depth: 2, top: 1, sessionGapSeconds: null });
    expect(nodes.find((n) => n.id === '2:item')?.customers).toBe(3);
    expect(links.find((l) => l.source === '1:list')).toEqual({ source: '1:list', target: '2:item', customers: 2 });
  });

  it('walks backwards from the anchor, flowing into it', async () => {
    // First item: c1 at 00:02 (list, home before it), c2 at 02:05 (list is 2 h earlier: another
    // session), c3 at 00:02 (search, home).
    expect(await path(store, { anchor: 'item', direction: 'before', depth: 2 })).toEqual({
      nodes: [
        { id: '-2:home', step: -2, name: 'home', customers: 2 },
        { id: '-1:list', step: -1, name: 'list', customers: 1 },
        { id: '-1:search', step: -1, name: 'search', customers: 1 },
        { id: '0:item', step: 0, name: 'item', customers: 3 },
      ],
      links: [
        { source: '-2:home', target: '-1:list', customers: 1 },
        { source: '-2:home', target: '-1:search', customers: 1 },
        { source: '-1:list', target: '0:item', customers: 1 },
        { source: '-1:search', target: '0:item', customers: 1 },
      ],
    });
  });

  it('returns no node when nobody did the anchor', async () => {
    expect(await path(store, { anchor: 'checkout' })).toEqual({ nodes: [], links: [] });
  });

  it('starts from the first anchor in the range, with the anchor filters, and walks outside the range', async () => {
    // On the 11th only c5 did home (with a campaign), then pay at 00:10 on the 12th.
    const day11 = { from: '2026-01-11', to: '2026-01-11' };
    expect((await path(store, { ...day11, anchor: 'home', depth: 1 })).links).toEqual([{ source: '0:home', target: '1:pay', customers: 1 }]);
    const spring = { event: 'home', filters: [{ property: 'campaign', op: 'eq', value: 'spring' }] };
    expect((await analyticsOver(store).run('path', { ...day11, anchor: spring }, ACTOR)).result).toEqual({ nodes: [], links: [] });
  });

  it('names the parameter that is out of range', async () => {
    await expect(path(store, { anchor: 'home', depth: 6 })).rejects.toMatchObject({ code: 'ANALYTICS_PARAMS_INVALID', details: { field: 'depth' } });
    await expect(path(store, { anchor: 'home', top: 0 })).rejects.toMatchObject({ details: { field: 'top' } });
    await expect(path(store, { anchor: 'home', sessionGapSeconds: 0 })).rejects.toMatchObject({ details: { field: 'sessionGapSeconds' } });
    await expect(path(store, { anchor: 'home', direction: 'sideways' })).rejects.toMatchObject({ details: { field: 'direction' } });
  });

  it("is restricted to a segment's members", async () => {
    const onlyC3 = analyticsOver(store, { segmentCustomers: async () => ['c3'] });
    const r = (await onlyC3.run('path', { ...range, anchor: { event: 'home' }, depth: 2, segment: 'vip' }, ACTOR)).result as PathResult;
    expect(r.links).toEqual([
      { source: '0:home', target: '1:search', customers: 1 },
      { source: '1:search', target: '2:item', customers: 1 },
    ]);
  });
});

describe('path analysis over a pause', () => {
  it('ends the path at the first pause even when later events follow each other closely, in both directions', async () => {
    const paused = await eventStoreWith([
      // After home: list, then 40 minutes idle (more than the 30-minute gap), then item and cart
      // five minutes apart — all within depth × gap of the anchor, so only the pause ends the path.
      { customer: 'c1', name: 'home', time: at('00:00:00') },
      { customer: 'c1', name: 'list', time: at('00:05:00') },
      { customer: 'c1', name: 'item', time: at('00:45:00') },
      { customer: 'c1', name: 'cart', time: at('00:50:00') },
      // Before pay: search and list five minutes apart, 40 minutes idle, then item just before pay.
      { customer: 'c2', name: 'search', time: at('00:00:00') },
      { customer: 'c2', name: 'list', time: at('00:05:00') },
      { customer: 'c2', name: 'item', time: at('00:45:00') },
      { customer: 'c2', name: 'pay', time: at('00:50:00') },
    ]);
    try {
      const after = await path(paused, { anchor: 'home', depth: 3 });
      expect(after.nodes.map((n) => n.id)).toEqual(['0:home', '1:list']);
      expect(after.links).toEqual([{ source: '0:home', target: '1:list', customers: 1 }]);
      const before = await path(paused, { anchor: 'pay', depth: 3, direction: 'before' });
      expect(before.nodes.map((n) => n.id)).toEqual(['-1:item', '0:pay']);
      expect(before.links).toEqual([{ source: '-1:item', target: '0:pay', customers: 1 }]);
    } finally {
      paused.close();
    }
  });
});
