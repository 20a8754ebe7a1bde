/**
 * Test support: an in-memory event store holding given events, and the analytics service over it
 * (no segments unless given). Used by the analytics model and API tests.
 */
import { analyticsService, type AnalyticsApi, type AnalyticsPorts } from '../../node/analytics/service.js';
import { EVENTS_TABLE } from '../../node/events/schema.js';
import { EventStore } from '../../node/events/store.js';

export interface TestEvent {
  customer: string;
  name: string;
  /** ISO date-time, UTC. */
  time: string;
  properties?: Record<string, unknown>;
  id?: string;
}

/** @example const store = await eventStoreWith([{ customer: 'c1', name: 'login', time: '2026-03-01T10:00:00Z' }]); */
export async function eventStoreWith(events: readonly TestEvent[], file = ':memory:'): Promise<EventStore> {
  const store = await EventStore.open(file);
  for (const [i, e] of events.entries()) {
    await store.connection.run(
      `INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, $3, $4::TIMESTAMPTZ AT TIME ZONE 'UTC', $4::TIMESTAMPTZ AT TIME ZONE 'UTC', $5::JSON)`,
      [e.id ?? `e${i}`, e.customer, e.name, e.time, JSON.stringify(e.properties ?? {})],
    );
  }
  return store;
}

/** The analytics service over `store`, UTC and generous limits unless overridden. */
export function analyticsOver(store: EventStore, ports: Partial<AnalyticsPorts> = {}): AnalyticsApi {
  return analyticsService({
    reader: () => store.reader(),
    segmentCustomers: async () => {
      throw new Error('no segments in this test');
    },
    timeZone: 'UTC',
    maxRangeDays: 400,
    timeoutMs: 0,
    now: () => new Date('2026-06-01T00:00:00Z'),
    logger: { info: () => {} },
    ...ports,
  });
}

export const ACTOR = { id: 'token:ops-1', role: 'operator' as const };
