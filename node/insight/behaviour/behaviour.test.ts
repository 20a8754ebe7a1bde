import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insightFixture, type InsightFixture } from '../../../test/support/insight-fixture.js';
import { EVENTS_TABLE } from '../../events/schema.js';
import { EventStore } from '../../events/store.js';
import type { LayerCell } from '../layering/compute.js';
import type { Rule } from '../rules/rule.js';
import type { BehaviourEvents } from './evaluate.js';

// Ten customers c0…c9 (even: gold, odd: basic); "now" is 2026-03-01T12:00Z (the fixture's clock).
const EVENTS: [customer: string, name: string, time: string, properties: Record<string, unknown>][] = [
  ['c0', 'purchase', '2026-02-28T10:00:00Z', { amount: 100, channel: 'web' }],
  ['c0', 'purchase', '2026-01-01T10:00:00Z', { amount: 6000, channel: 'web' }],
  ['c0', 'login', '2026-02-27T08:00:00Z', {}],
  ['c1', 'purchase', '2026-02-20T10:00:00Z', { amount: 2000, channel: 'app' }],
  ['c1', 'purchase', '2026-02-21T10:00:00Z', { amount: 2000, channel: 'app' }],
  ['c1', 'purchase', '2026-02-22T10:00:00Z', { amount: 2000, channel: 'app' }],
  ['c2', 'purchase', '2026-02-10T10:00:00Z', { amount: 50, channel: 'web', coupon: 'SPRING' }],
  ['c3', 'login', '2026-02-25T09:00:00Z', {}],
  ['c4', 'purchase', '2025-12-15T10:00:00Z', { amount: 5000, channel: 'branch' }],
  // 1 January 01:00 in Shanghai, still 31 December in UTC.
  ['c5', 'visit', '2025-12-31T17:00:00Z', {}],
  // 1 February 01:00 in Shanghai, still 31 January in UTC.
  ['c6', 'visit', '2026-01-31T17:00:00Z', {}],
  // Not a customer of the dataset: never selected, never counted.
  ['zz', 'purchase', '2026-02-28T10:00:00Z', { amount: 9999, channel: 'web' }],
];

let fx: InsightFixture;
let store: EventStore;
const events: BehaviourEvents = { reader: async () => store, identifierKind: 'raw', timeZone: 'UTC' };
const op = { id: 'token:operator-1' };
let seq = 0;

async function addEvents(list: typeof EVENTS): Promise<void> {
  for (const [customer, name, time, properties] of list) {
    await store.connection.run(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, $3, $4::TIMESTAMP, $4::TIMESTAMP, $5)`, [
      `e${seq++}`,
      customer,
      name,
      time.replace('T', ' ').replace('Z', ''),
      JSON.stringify(properties),
    ]);
  }
}

/** The customers (c0…c9) a rule selects, via a preview (which shows the attributes a rule reads, so `n` is read too). */
async function members(rule: unknown): Promise<string[]> {
  const p = await fx.insight.preview('customers', { all: [rule, { attr: 'n', op: 'isSet' }] }, 50);
  return p.sample.map((s) => `c${s.values.n}`);
}

const did = (event: Record<string, unknown>): Rule => ({ event: { name: 'purchase', ...event } }) as Rule;

beforeAll(async () => {
  store = await EventStore.open(':memory:');
  fx = await insightFixture({ events });
  await fx.importRows(
    'customers',
    Array.from({ length: 10 }, (_, i) => ({ id: `c${i}`, n: String(i), tier: i % 2 === 0 ? 'gold' : 'basic' })),
    { n: 'number' },
  );
  await addEvents(EVENTS);
});
afterAll(() => {
  fx.close();
  store.close();
});

describe('behaviour conditions against hand-computed members', () => {
  it.each([
    ['did', did({}), ['c0', 'c1', 'c2', 'c4']],
    ['did not', did({ did: false }), ['c3', 'c5', 'c6', 'c7', 'c8', 'c9']],
    ['at least 2 times', did({ times: { atLeast: 2 } }), ['c0', 'c1']],
    ['at most 1 time (and at least once)', did({ times: { atMost: 1 } }), ['c2', 'c4']],
    ['at most 1 time, none included', did({ times: { atLeast: 0, atMost: 1 } }), ['c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8', 'c9']],
    ['within the last 30 days', did({ within: { days: 30 } }), ['c0', 'c1', 'c2']],
    ['within the last 2 days', did({ within: { days: 2 } }), ['c0']],
    ['between dates (inclusive)', did({ within: { from: '2025-12-15', to: '2026-01-01' } }), ['c0', 'c4']],
    ['sum of amount ≥ 5000', did({ aggregate: { fn: 'sum', property: 'amount', op: 'gte', value: 5000 } }), ['c0', 'c1', 'c4']],
    [
      'sum of amount < 100 (no purchase: 0)',
      did({ aggregate: { fn: 'sum', property: 'amount', op: 'lt', value: 100 } }),
      ['c2', 'c3', 'c5', 'c6', 'c7', 'c8', 'c9'],
    ],
    ['avg of amount ≥ 2000', did({ aggregate: { fn: 'avg', property: 'amount', op: 'gte', value: 2000 } }), ['c0', 'c1', 'c4']],
    ['max of amount < 100 (no purchase: unset)', did({ aggregate: { fn: 'max', property: 'amount', op: 'lt', value: 100 } }), ['c2']],
    ['count = 3', did({ aggregate: { fn: 'count', op: 'eq', value: 3 } }), ['c1']],
    ['where channel eq app', did({ where: [{ property: 'channel', op: 'eq', value: 'app' }] }), ['c1']],
    ['where channel neq app', did({ where: [{ property: 'channel', op: 'neq', value: 'app' }] }), ['c0', 'c2', 'c4']],
    ['where amount gt 1000', did({ where: [{ property: 'amount', op: 'gt', value: 1000 }] }), ['c0', 'c1', 'c4']],
    ['where amount lte 100', did({ where: [{ property: 'amount', op: 'lte', value: 100 }] }), ['c0', 'c2']],
    ['where channel in', did({ where: [{ property: 'channel', op: 'in', value: ['web', 'branch'] }] }), ['c0', 'c2', 'c4']],
    ['where channel contains', did({ where: [{ property: 'channel', op: 'contains', value: 'pp' }] }), ['c1']],
    ['where coupon exists', did({ where: [{ property: 'coupon', op: 'exists' }] }), ['c2']],
    ['where coupon does not exist', did({ where: [{ property: 'coupon', op: 'not_exists' }] }), ['c0', 'c1', 'c4']],
    ['where coupon neq (missing matches)', did({ where: [{ property: 'coupon', op: 'neq', value: 'SPRING' }] }), ['c0', 'c1', 'c4']],
    [
      'filters, window and count together',
      did({ where: [{ property: 'channel', op: 'eq', value: 'web' }], within: { days: 60 }, times: { atLeast: 2 } }),
      ['c0'],
    ],
  ])('%s', async (_, rule, expected) => {
    expect(await members(rule)).toEqual(expected);
  });

  it('reads calendar dates in the configured time zone', async () => {
    const january = { event: { name: 'visit', within: { from: '2026-01-01', to: '2026-01-31' } } };
    expect(await members(january)).toEqual(['c6']);
    events.timeZone = 'Asia/Shanghai';
    try {
      expect(await members(january)).toEqual(['c5']);
    } finally {
      events.timeZone = 'UTC';
    }
  });

  it('combines with profile rules under all, any and not', async () => {
    const gold = { attr: 'tier', op: 'eq', value: 'gold' };
    expect(await members({ all: [gold, did({})] })).toEqual(['c0', 'c2', 'c4']);
    expect(await members({ any: [gold, did({ times: { atLeast: 2 } })] })).toEqual(['c0', 'c1', 'c2', 'c4', 'c6', 'c8']);
    expect(await members({ not: did({}) })).toEqual(['c3', 'c5', 'c6', 'c7', 'c8', 'c9']);
    expect(await members({ all: [{ not: { event: { name: 'login' } } }, { attr: 'tier', op: 'eq', value: 'basic' }] })).toEqual(['c1', 'c5', 'c7', 'c9']);
    expect(await members({ not: { all: [gold, did({ did: false })] } })).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c7', 'c9']);
  });
});

describe('segments with behaviour conditions', () => {
  it('materialise on save, refresh with new events, and are served fresh', async () => {
    const s = await fx.insight.createSegment(
      {
        name: 'big-spenders',
        dataset: 'customers',
        rule: { all: [{ attr: 'tier', op: 'eq', value: 'gold' }, did({ aggregate: { fn: 'sum', property: 'amount', op: 'gte', value: 5000 } })] },
      },
      op,
    );
    expect(s.latest).toMatchObject({ size: 2, trigger: 'save', population: 10 });
    const rowsOf = async () => {
      const m = await fx.insight.segmentMembers('big-spenders');
      const t = await fx.insight.readAttributes('customers', ['n'], m.rows);
      return { trigger: m.materialisation.trigger, ids: Array.from(t.columns[0].type === 'number' ? t.columns[0].values : [], (n) => `c${n}`) };
    };
    expect(await rowsOf()).toEqual({ trigger: 'save', ids: ['c0', 'c4'] });

    await addEvents([['c2', 'purchase', '2026-03-01T11:00:00Z', { amount: 4950, channel: 'web' }]]);
    const start = fx.clock.now;
    try {
      // Fresh enough: the stored members are served as they are.
      fx.clock.now = new Date(start.getTime() + 10 * 60_000);
      expect(await rowsOf()).toEqual({ trigger: 'save', ids: ['c0', 'c4'] });
      // Older than the freshness bound: re-materialised first, with the new event.
      fx.clock.now = new Date(start.getTime() + 16 * 60_000);
      expect(await rowsOf()).toEqual({ trigger: 'stale', ids: ['c0', 'c2', 'c4'] });
      const refreshed = await fx.insight.refreshSegment('big-spenders', op);
      expect(refreshed.size).toBe(3);
    } finally {
      fx.clock.now = start;
      await store.connection.run(`DELETE FROM ${EVENTS_TABLE} WHERE customer_id = 'c2' AND time >= '2026-03-01'::TIMESTAMP`);
    }
  });

  it('a segment referring to a behaviour segment carries its condition', async () => {
    await fx.insight.createSegment({ name: 'repeat-buyers', dataset: 'customers', rule: did({ times: { atLeast: 2 } }) }, op);
    expect(await members({ all: [{ segment: 'repeat-buyers' }, { attr: 'tier', op: 'eq', value: 'basic' }] })).toEqual(['c1']);
    const s = await fx.insight.updateSegment('repeat-buyers', { rule: did({ times: { atLeast: 3 } }) }, op);
    expect(s.latest).toMatchObject({ size: 1, version: 2 });
  });

  it('are snapshotted in flows and refreshed on their schedule like other segments', async () => {
    fx.insight.createFlow({ name: 'buyers', dataset: 'customers', source: { segments: ['repeat-buyers'] } }, op);
    const snapshot = await fx.insight.takeSnapshot('buyers', '2026-03', op);
    expect(snapshot).toMatchObject({ labels: ['none of these', 'repeat-buyers'], sizes: [9, 1] });

    await fx.insight.updateSegment('repeat-buyers', { refreshEveryMinutes: 60 }, op);
    await addEvents([['c0', 'purchase', '2026-03-01T11:30:00Z', { amount: 10, channel: 'web' }]]);
    const start = fx.clock.now;
    try {
      fx.clock.now = new Date(start.getTime() + 61 * 60_000);
      expect((await fx.insight.tick()).segments).toBe(1);
      expect(fx.insight.getSegment('repeat-buyers').latest).toMatchObject({ trigger: 'schedule', size: 2 });
    } finally {
      fx.clock.now = start;
      await store.connection.run(`DELETE FROM ${EVENTS_TABLE} WHERE customer_id = 'c0' AND time >= '2026-03-01'::TIMESTAMP`);
      await fx.insight.updateSegment('repeat-buyers', { refreshEveryMinutes: null }, op);
      await fx.insight.refreshSegment('repeat-buyers', op);
    }
  });

  it('are not published in shared sets, directly or through a reference (receivers evaluate without the event store)', async () => {
    fx.insight.addUnit({ id: 'hq', name: 'hq', parent: null }, { id: 'admin' });
    await fx.insight.createSegment(
      { name: 'gold-repeat', dataset: 'customers', rule: { all: [{ segment: 'repeat-buyers' }, { attr: 'tier', op: 'eq', value: 'gold' }] } },
      op,
    );
    for (const segment of ['repeat-buyers', 'gold-repeat']) {
      expect(() => fx.insight.sharedSets.publish({ publisher: 'hq', name: 'vip', segments: [segment], to: 'all' }, op)).toThrow(
        expect.objectContaining({
          code: 'INSIGHT_INVALID',
          message: `segments[0]: segment ${segment} has behaviour conditions; shared sets take profile rules only`,
        }),
      );
    }
  });

  it('refuses invalid behaviour conditions with the rule path', async () => {
    const invalid: [unknown, string][] = [
      [{ all: [{ attr: 'tier', op: 'eq', value: 'gold' }, did({ within: { days: 0 } })] }, 'rule.all[1].event.within.days: must be 1..3650'],
      [did({ within: { days: 3651 } }), 'rule.event.within.days: must be 1..3650'],
      [did({ colour: 'red' }), 'rule.event.colour: unknown field'],
      [{ event: { name: '' } }, 'rule.event.name: must be an event name'],
      [{ any: [did({ where: [{ property: 'amount', op: 'like', value: 1 }] })] }, 'rule.any[0].event.where[0].op: must be one of eq, neq'],
      [did({ where: [{ property: 'a-b', op: 'exists' }] }), 'rule.event.where[0].property: must be a property name'],
      [did({ where: [{ property: 'channel', op: 'in', value: ['web', true] }] }), 'rule.event.where[0].value[1]: must be a string or a number'],
      [did({ where: [{ property: 'coupon', op: 'exists', value: 1 }] }), 'rule.event.where[0].value: exists takes no value'],
      [did({ times: { atLeast: 3, atMost: 2 } }), 'rule.event.times.atMost: must be at least atLeast'],
      [did({ times: {} }), 'rule.event.times: must give atLeast, atMost or both'],
      [did({ within: { from: '2026-02-30', to: '2026-03-01' } }), 'rule.event.within.from: must be a date YYYY-MM-DD'],
      [did({ within: { from: '2026-03-01', to: '2026-02-01' } }), 'rule.event.within: from must not be after to'],
      [did({ aggregate: { fn: 'sum', op: 'gte', value: 1 } }), 'rule.event.aggregate.property: is required for sum'],
      [did({ aggregate: { fn: 'median', property: 'amount', op: 'gte', value: 1 } }), 'rule.event.aggregate.fn: must be one of sum'],
      [did({ aggregate: { fn: 'sum', property: 'amount', op: 'gte', value: '5000' } }), 'rule.event.aggregate.value: must be a finite number'],
      [{ not: { event: { name: 'purchase' }, attr: 'tier' } }, 'rule.not: { event } takes no other field'],
    ];
    for (const [rule, message] of invalid) {
      const err = await fx.insight.preview('customers', rule).catch((e: unknown) => e);
      expect(err, message).toMatchObject({ code: 'RULE_INVALID' });
      expect((err as Error).message.startsWith(message), `${(err as Error).message} / ${message}`).toBe(true);
      await expect(fx.insight.createSegment({ name: 'bad', dataset: 'customers', rule }, op)).rejects.toMatchObject({ code: 'RULE_INVALID' });
    }
    expect(() => fx.insight.getSegment('bad')).toThrow(/no segment/);
  });
});

describe('layering by a behaviour metric', () => {
  const labels = (cell: LayerCell) => cell.children.map((c) => [c.label, c.size]);

  it('bands customers by the count of an event, zero included, and a cell saves as a segment', async () => {
    const spec = { root: { split: { metric: { name: 'purchase', fn: 'count' as const }, by: 'bands' as const, edges: [1, 2] } } };
    const result = await fx.insight.computeLayering('customers', spec);
    expect(labels(result.root)).toEqual([
      ['< 1', 6],
      ['[1, 2)', 2],
      ['≥ 2', 2],
    ]);
    expect(result.root.size).toBe(10);
    await fx.insight.saveLayering({ name: 'purchases', dataset: 'customers', spec }, op);
    const s = await fx.insight.saveCell('purchases', ['[1, 2)'], { name: 'one-purchase' }, op);
    expect(s.latest?.size).toBe(2);
    expect(await members(s.rule)).toEqual(['c2', 'c4']);
  });

  it('splits by the sum of a property in a window under a profile split', async () => {
    const spec = {
      root: {
        split: { attr: 'tier', by: 'values' as const, values: ['gold', 'basic'] },
        each: {
          split: { metric: { name: 'purchase', fn: 'sum' as const, property: 'amount', within: { days: 90 } }, by: 'bands' as const, edges: [100, 5000] },
        },
      },
    };
    const result = await fx.insight.computeLayering('customers', spec);
    // gold: c0 6100, c2 50, c4 5000, c6 0, c8 0; basic: c1 6000, c3 0, c5 0, c7 0, c9 0.
    expect(result.root.children.map((c) => [c.label, labels(c)])).toEqual([
      [
        'gold',
        [
          ['< 100', 3],
          ['[100, 5000)', 0],
          ['≥ 5000', 2],
        ],
      ],
      [
        'basic',
        [
          ['< 100', 4],
          ['[100, 5000)', 0],
          ['≥ 5000', 1],
        ],
      ],
    ]);
  });

  it('names the field of a bad metric', async () => {
    const bad = (metric: Record<string, unknown>, edges = [1]) =>
      fx.insight.computeLayering('customers', { root: { split: { metric, by: 'bands', edges } } } as never).catch((e: unknown) => e);
    expect(await bad({ name: 'purchase', fn: 'avg', property: 'amount' })).toMatchObject({
      code: 'INSIGHT_INVALID',
      message: 'root.split.metric.fn: must be count or sum',
    });
    expect(await bad({ name: 'purchase', fn: 'sum' })).toMatchObject({ code: 'INSIGHT_INVALID', message: 'root.split.metric.property: is required for sum' });
    expect(await bad({ name: 'purchase', fn: 'count' }, [2, 1])).toMatchObject({
      code: 'INSIGHT_INVALID',
      message: 'root.split.edges: expected finite numbers in ascending order',
    });
  });
});

describe('the identifier kinds of events and datasets', () => {
  it('refuses a behaviour condition on a dataset keyed by another kind, naming both', async () => {
    events.identifierKind = 'phone';
    try {
      const err = await fx.insight.preview('customers', did({})).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'EVENTS_ID_KIND_MISMATCH', details: { dataset: 'customers', datasetIdKind: 'raw', eventsIdKind: 'phone' } });
      // Profile rules do not touch the event store.
      expect((await fx.insight.preview('customers', { attr: 'tier', op: 'eq', value: 'gold' })).size).toBe(5);
    } finally {
      events.identifierKind = 'raw';
    }
  });

  it('refuses behaviour conditions where no event store is wired', async () => {
    const bare = await insightFixture();
    try {
      await bare.importRows('customers', [{ id: 'c0', tier: 'gold' }]);
      await expect(bare.insight.preview('customers', did({}))).rejects.toMatchObject({ code: 'EVENT_STORE_UNAVAILABLE' });
    } finally {
      bare.close();
    }
  });
});
