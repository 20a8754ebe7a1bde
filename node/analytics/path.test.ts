import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeWith } from '../../test/support/analytics-b-events.js';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventStore } from '../events/store.js';
import { path } from './path.js';

const scope = { events: EVENTS_TABLE, timeZone: 'UTC', end: '2026-02-01T00:00:00Z' };
const at = (hms: string) => `2026-01-10T${hms}Z`;

let store: EventStore;
beforeAll(async () => {
  store = await storeWith([
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
  ]);
});
afterAll(() => store.close());

describe('path analysis', () => {
  it('follows each customer from the first anchor, keeps the top names per step and groups the rest as other', async () => {
    // Step 1: list (c1, c2) beats search (c3), which becomes other; c2's session ends after list.
    expect(await path(store, scope, { anchor: 'home', depth: 2, top: 1 })).toEqual({
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
    const { nodes, links } = await path(store, scope, { anchor: 'home', depth: 2, top: 1, sessionGapSeconds: null });
    expect(nodes.find((n) => n.id === '2:item')?.customers).toBe(3);
    expect(links.find((l) => l.source === '1:list')).toEqual({ source: '1:list', target: '2:item', customers: 2 });
  });

  it('walks backwards from the anchor, flowing into it', async () => {
    // First item: c1 at 00:02 (list, home before it), c2 at 02:05 (list is 2 h earlier: another
    // session), c3 at 00:02 (search, home).
    expect(await path(store, scope, { anchor: 'item', direction: 'before', depth: 2 })).toEqual({
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
    expect(await path(store, scope, { anchor: 'checkout' })).toEqual({ nodes: [], links: [] });
  });

  it('names the parameter that is out of range', async () => {
    await expect(path(store, scope, { anchor: 'home', depth: 6 })).rejects.toMatchObject({ details: { field: 'depth' } });
    await expect(path(store, scope, { anchor: 'home', top: 0 })).rejects.toMatchObject({ details: { field: 'top' } });
    await expect(path(store, scope, { anchor: 'home', sessionGapSeconds: 0 })).rejects.toMatchObject({ details: { field: 'sessionGapSeconds' } });
  });
});
