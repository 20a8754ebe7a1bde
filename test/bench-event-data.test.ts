/**
 * The analytics benchmark's data generator (bench/event-data.ts): its numbers mean nothing unless
 * the store it writes has the shape the options ask for.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_END, eventNames, generateEvents, insertEvents, period, type EventDataOptions } from '../bench/event-data.js';
import { EVENTS_TABLE } from '../node/events/schema.js';
import { EventStore } from '../node/events/store.js';

const opened: EventStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

async function generated(o: EventDataOptions): Promise<EventStore> {
  const store = await EventStore.open(':memory:');
  opened.push(store);
  await generateEvents(store, o);
  return store;
}

const OPTIONS: EventDataOptions = { events: 10_000, customers: 1_000, days: 90, names: 50, end: DEFAULT_END };

describe('the analytics benchmark data generator', () => {
  it('writes the asked number of events, for at most the asked customers, within the period, over the asked names', async () => {
    const store = await generated(OPTIONS);
    const { from, to } = period(OPTIONS);
    expect(from).toBe('2026-01-01T00:00:00.000Z');
    const [shape] = await store.all(
      `SELECT count(*) AS events, count(DISTINCT event_id) AS ids, count(DISTINCT customer_id) AS customers, count(DISTINCT name) AS names,
              count(*) FILTER (WHERE time < $1::TIMESTAMP OR time >= $2::TIMESTAMP) AS outside,
              count(*) FILTER (WHERE received_at < time) AS received_before,
              count(*) FILTER (WHERE (properties->>'channel') IS NULL OR (properties->>'product_id') IS NULL) AS without_properties
       FROM ${EVENTS_TABLE}`,
      [from.slice(0, -1), to.slice(0, -1)],
    );
    expect(shape.events).toBe(10_000);
    expect(shape.ids).toBe(10_000);
    expect(shape.customers).toBeGreaterThan(500);
    expect(shape.customers).toBeLessThanOrEqual(1_000);
    expect(shape.names).toBe(50);
    expect(shape.outside).toBe(0);
    expect(shape.received_before).toBe(0);
    expect(shape.without_properties).toBe(0);
    const names = await store.all(`SELECT DISTINCT name FROM ${EVENTS_TABLE} ORDER BY name`);
    expect(names.map((r) => r.name)).toEqual([...eventNames(50)].sort());
  });

  it('spreads the events over the whole period in arrival order', async () => {
    const store = await generated(OPTIONS);
    const perMonth = await store.all(`SELECT month(time) AS m, count(*) AS n FROM ${EVENTS_TABLE} GROUP BY 1 ORDER BY 1`);
    // January and March have 31 days, February 28: 90 days in all.
    expect(perMonth.map((r) => r.m)).toEqual([1, 2, 3]);
    for (const { m, n } of perMonth) expect(Math.abs((n as number) - (10_000 * (m === 2 ? 28 : 31)) / 90)).toBeLessThan(50);
  });

  it('skews names and customers: a few names take most events, the most active customers far above the median', async () => {
    const store = await generated(OPTIONS);
    const byName = (await store.all(`SELECT name, count(*) AS n FROM ${EVENTS_TABLE} GROUP BY 1 ORDER BY 2 DESC`)).map((r) => r.n as number);
    expect(byName[0]).toBeGreaterThan(0.2 * 10_000);
    expect(byName.slice(0, 5).reduce((a, b) => a + b, 0)).toBeGreaterThan(0.4 * 10_000);
    expect(byName.at(-1)!).toBeLessThan(byName[0] / 20);
    const [perCustomer] = await store.all(`SELECT max(n) AS top, median(n) AS mid FROM (SELECT customer_id, count(*) AS n FROM ${EVENTS_TABLE} GROUP BY 1)`);
    expect(perCustomer.top as number).toBeGreaterThan(4 * (perCustomer.mid as number));
  });

  it('puts an amount only on the events that carry a value, and all values are numbers', async () => {
    const store = await generated(OPTIONS);
    const rows = await store.all(
      `SELECT name, count(*) FILTER (WHERE TRY_CAST(properties->>'amount' AS DOUBLE) > 0) AS with_amount, count(*) AS n FROM ${EVENTS_TABLE}
       WHERE name IN ('purchase', 'transfer', 'page_view') GROUP BY 1 ORDER BY 1`,
    );
    expect(rows).toEqual([
      { name: 'page_view', with_amount: 0, n: expect.any(Number) },
      { name: 'purchase', with_amount: rows[1].n, n: expect.any(Number) },
      { name: 'transfer', with_amount: rows[2].n, n: expect.any(Number) },
    ]);
    expect(rows[1].n as number).toBeGreaterThan(0);
  });

  it('draws by row number: two chunks equal one insert, so a larger run extends a smaller one', async () => {
    const whole = await generated(OPTIONS);
    const parts = await EventStore.open(':memory:');
    opened.push(parts);
    await insertEvents(parts, OPTIONS, 0, 4_000);
    await insertEvents(parts, OPTIONS, 4_000, 10_000);
    const rows = async (s: EventStore) => JSON.stringify(await s.all(`SELECT * FROM ${EVENTS_TABLE} ORDER BY event_id`));
    const [a, b] = [await rows(parts), await rows(whole)];
    expect(a.length).toBeGreaterThan(10_000 * 100);
    expect(a === b).toBe(true);
  });
});
