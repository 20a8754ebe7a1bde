/**
 * One customer's events as the journey engine reads them (through the port node/pipeline.ts
 * fills): how often they did an event in a window, the hour they are usually active, and the
 * events received since a moment (the engine's catch-up after a restart).
 */
import type { EventReader, StoredEvent } from '../events/store.js';
import { EVENTS_TABLE } from '../events/schema.js';
import { selectorSql } from './filters.js';
import { QueryParams } from './query.js';

const ts = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');
/** Most event times read to learn an active hour: a usual hour shows long before this. */
const ACTIVE_HOUR_SAMPLE = 5000;

type Selector = Parameters<typeof selectorSql>[1];

/** Events of `customerId` the selector picks with `from ≤ time < to`. */
export async function countCustomerEvents(reader: EventReader, customerId: string, selector: Selector, from: Date, to: Date): Promise<number> {
  const q = new QueryParams();
  const sql = `SELECT count(*) AS n FROM ${EVENTS_TABLE} WHERE customer_id = ${q.add(customerId)} AND time >= ${q.add(ts(from))}::TIMESTAMP AND time < ${q.add(ts(to))}::TIMESTAMP AND ${selectorSql(q, selector, '')}`;
  const rows = await reader.all(sql, q.values);
  return Number(rows[0]?.n ?? 0);
}

/** The most frequent local hour (0–23, in `timeZone`) of the customer's events in the `days` before `now`; null without any. */
export async function usualHour(reader: EventReader, customerId: string, days: number, timeZone: string, now: Date): Promise<number | null> {
  const q = new QueryParams();
  const from = new Date(now.getTime() - days * 86_400_000);
  const rows = await reader.all(
    `SELECT strftime(time, '%Y-%m-%dT%H:%M:%S.000Z') AS t FROM ${EVENTS_TABLE} WHERE customer_id = ${q.add(customerId)} AND time >= ${q.add(ts(from))}::TIMESTAMP AND time < ${q.add(ts(now))}::TIMESTAMP ORDER BY time DESC LIMIT ${ACTIVE_HOUR_SAMPLE}`,
    q.values,
  );
  if (rows.length === 0) return null;
  const hourOf = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
  const counts = new Array<number>(24).fill(0);
  for (const r of rows) counts[Number(hourOf.format(new Date(r.t as string)))]++;
  // Ties go to the earlier hour, so the answer does not depend on the row order.
  return counts.indexOf(Math.max(...counts));
}

/** Events received after `after` (arrival time, then event id: a page boundary inside one instant holds), oldest first, at most `limit`. */
export async function eventsReceivedAfter(reader: EventReader, after: { at: Date; eventId: string }, limit: number): Promise<StoredEvent[]> {
  const q = new QueryParams();
  const at = q.add(ts(after.at));
  const rows = await reader.all(
    `SELECT event_id, customer_id, name, strftime(time, '%Y-%m-%dT%H:%M:%S.%gZ') AS t, strftime(received_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS r, properties::VARCHAR AS p
       FROM ${EVENTS_TABLE} WHERE received_at > ${at}::TIMESTAMP OR (received_at = ${at}::TIMESTAMP AND event_id > ${q.add(after.eventId)})
      ORDER BY received_at, event_id LIMIT ${Math.trunc(limit)}`,
    q.values,
  );
  return rows.map((r) => ({
    eventId: r.event_id as string,
    customerId: r.customer_id as string,
    name: r.name as string,
    time: new Date(r.t as string),
    receivedAt: new Date(r.r as string),
    properties: JSON.parse(r.p as string) as Record<string, unknown>,
  }));
}
