/**
 * Checks one batch of incoming events — from `POST /v1/events` or a file import, the same code —
 * and sorts each into what the store keeps, what the tracking plan quarantines, what it pauses,
 * and what is rejected with its index, field and reason.
 *
 * Reasons name the field and the rule, never the value: a customer id or a property value is
 * customer data, and reasons go back to the sender, into logs and into the quarantine table.
 */
import { tryNormaliseIdentifier, type IdKind } from '../../datasets/normalise.js';
import { type PlanValidator, utcMillis } from '../plan/compile.js';

/** One event as the store writes it: normalised id, UTC epoch milliseconds, plan-checked properties as JSON. */
export interface EventRecord {
  eventId: string;
  customerId: string;
  name: string;
  timeMs: number;
  properties: string;
}

export interface Rejection {
  /** Position in the batch (the HTTP array index; the import maps it to a line). */
  index: number;
  /** `eventId`, `customerId`, `name`, `time`, `properties.<name>` or `event`. */
  field: string;
  reason: string;
}

export interface CheckedBatch {
  keep: EventRecord[];
  quarantine: (EventRecord & { field: string; reason: string })[];
  /** Event names of the paused events, one entry per event. */
  paused: string[];
  rejected: Rejection[];
}

export interface CheckLimits {
  identifierKind: IdKind;
  /** How far ahead of `now` an event's time may be. */
  futureToleranceSeconds: number;
  /** How far before `now` an event's time may be. */
  maxAgeDays: number;
}

/** Event ids are the sender's idempotency key: short, printable ASCII (UUIDs, ULIDs, `order-42:paid`). */
const EVENT_ID = /^[\x20-\x7e]{1,128}$/;
const DAY_MS = 86_400_000;

/**
 * @example
 * const checked = checkBatch(body.events, { plan, limits, now: new Date() });
 * await writer.write(checked.keep);
 */
export function checkBatch(events: readonly unknown[], context: { plan: PlanValidator; limits: CheckLimits; now: Date }): CheckedBatch {
  const { plan, limits } = context;
  const now = context.now.getTime();
  const latest = now + limits.futureToleranceSeconds * 1000;
  const earliest = now - limits.maxAgeDays * DAY_MS;
  const firstIndexOf = new Map<string, number>();
  const out: CheckedBatch = { keep: [], quarantine: [], paused: [], rejected: [] };
  // A plain loop and one function per batch, not a closure per event: this runs for every event.
  const check = (event: unknown, index: number): Rejection | undefined => {
    if (event === null || typeof event !== 'object' || Array.isArray(event)) return { index, field: 'event', reason: 'each event must be a JSON object' };
    const { eventId, customerId, name, time, properties } = event as Record<string, unknown>;
    if (typeof eventId !== 'string' || !EVENT_ID.test(eventId))
      return { index, field: 'eventId', reason: 'eventId must be 1 to 128 printable ASCII characters' };
    const first = firstIndexOf.get(eventId);
    if (first !== undefined) return { index, field: 'eventId', reason: `eventId repeats the event at index ${first} of this batch` };
    firstIndexOf.set(eventId, index);
    if (typeof customerId !== 'string') return { index, field: 'customerId', reason: 'customerId must be a string' };
    const customer = tryNormaliseIdentifier(limits.identifierKind, customerId);
    if ('reason' in customer)
      return { index, field: 'customerId', reason: `customerId is not a valid ${limits.identifierKind} identifier: ${customer.reason}` };
    const timeMs = eventTime(time);
    if (timeMs === null) return { index, field: 'time', reason: 'time must be an ISO 8601 date-time with a zone (2026-01-31T09:30:00Z) or epoch milliseconds' };
    if (timeMs > latest) return { index, field: 'time', reason: `time is more than ${limits.futureToleranceSeconds} s ahead of this node's clock` };
    if (timeMs < earliest) return { index, field: 'time', reason: `time is more than ${limits.maxAgeDays} days in the past` };
    const verdict = plan(name, properties);
    if (verdict.kind === 'paused') {
      out.paused.push(name as string);
      return undefined;
    }
    if (verdict.kind === 'reject') return { index, field: verdict.field, reason: verdict.reason };
    if (verdict.kind === 'accept') {
      out.keep.push({ eventId, customerId: customer.value, name: name as string, timeMs, properties: JSON.stringify(verdict.properties) });
      return undefined;
    }
    // Kept as sent (it is not plan-checked), for an operator to inspect and replay.
    const record = { eventId, customerId: customer.value, name: name as string, timeMs, properties: quarantineJson(properties ?? {}) };
    out.quarantine.push({ ...record, field: verdict.field, reason: verdict.reason });
    return undefined;
  };
  for (let index = 0; index < events.length; index++) {
    const rejection = check(events[index], index);
    if (rejection !== undefined) out.rejected.push(rejection);
  }
  return out;
}

/** Epoch milliseconds of an ISO 8601 date-time with a zone, or of an integer epoch-ms number; null otherwise. */
function eventTime(time: unknown): number | null {
  if (typeof time === 'number') return Number.isSafeInteger(time) ? time : null;
  return typeof time === 'string' ? utcMillis(time) : null;
}

/**
 * Quarantined properties as JSON text, as sent except that a lone UTF-16 surrogate becomes U+FFFD:
 * JSON.stringify writes one as a `\udXXX` escape, which the store's JSON reader refuses (it would
 * fail the whole batch). Pairs are written as characters, so every such escape is a lone one;
 * escaped backslashes are skipped so `\\ud800` (a backslash, then text) is left alone.
 */
function quarantineJson(properties: unknown): string {
  const text = JSON.stringify(properties);
  return text.includes('\\ud') ? text.replace(/\\(\\|ud[89a-f][0-9a-f]{2})/g, (m, what: string) => (what === '\\' ? m : '\\ufffd')) : text;
}
