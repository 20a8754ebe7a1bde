/** Small fixed event tables for the analysis models' tests, in a real in-memory DuckDB store. */
import { EVENTS_TABLE } from '../../node/events/schema.js';
import { EventStore } from '../../node/events/store.js';

/** One event as a test writes it: customer, name, ISO time (UTC unless it says otherwise), properties. */
export interface TestEvent {
  customer: string;
  name: string;
  time: string;
  properties?: Record<string, unknown>;
  /** Defaults to the event's position in the list, zero-padded (so ids sort like the list). */
  id?: string;
}

/** @example const store = await storeWith([{ customer: 'c1', name: 'login', time: '2026-01-01T00:00:00Z' }]); */
export async function storeWith(events: readonly TestEvent[]): Promise<EventStore> {
  const store = await EventStore.open(':memory:');
  const appender = await store.connection.createAppender(EVENTS_TABLE);
  events.forEach((e, i) => {
    appender.appendVarchar(e.id ?? `e${String(i).padStart(6, '0')}`);
    appender.appendVarchar(e.customer);
    appender.appendVarchar(e.name);
    appender.appendVarchar(new Date(e.time).toISOString().replace('T', ' ').replace('Z', ''));
    appender.appendVarchar('2026-01-01 00:00:00');
    appender.appendVarchar(JSON.stringify(e.properties ?? {}));
    appender.endRow();
  });
  appender.closeSync();
  return store;
}
