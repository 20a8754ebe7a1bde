/**
 * Turning a `track` call into the event that will be sent, or into the reason it cannot be sent.
 * The properties are copied through JSON here, so what is sent is what the app passed at the
 * time of the call (later mutation of its object changes nothing), and a value JSON cannot carry
 * (a BigInt, a cycle) is found now rather than when a whole batch fails to serialise.
 */
import type { QueuedEvent } from './queue.js';

export interface TrackOptions {
  /** The customer this event is about; defaults to the one last passed to `identify`. */
  customerId?: string;
  /** When it happened; defaults to now. A Date, an ISO 8601 string or epoch milliseconds. */
  time?: Date | string | number;
  /** Defaults to a new random UUID. Pass your own to make a re-tracked event idempotent across app restarts. */
  eventId?: string;
}

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * A random UUID v4. `crypto.randomUUID` exists only in secure contexts (https pages); on an http
 * page the same 122 random bits come from `crypto.getRandomValues`, which every browser has.
 */
function newEventId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The event to queue, or a message naming the argument that makes it unsendable. */
export function newEvent(name: unknown, properties: unknown, options: TrackOptions | undefined, identified: string | undefined): QueuedEvent | string {
  if (!nonEmpty(name)) return 'track: name must be a non-empty string';
  // The node refuses these too; dropping here says why without a round trip.
  if (name.startsWith('mofang.')) return `track(${JSON.stringify(name.slice(0, 100))}): names starting "mofang." are reserved for the node's own events`;
  if (properties !== undefined && (properties === null || typeof properties !== 'object' || Array.isArray(properties))) {
    return `track(${JSON.stringify(name.slice(0, 100))}): properties must be an object`;
  }
  const customerId = options?.customerId ?? identified;
  if (customerId !== undefined && !nonEmpty(customerId)) return `track(${JSON.stringify(name.slice(0, 100))}): customerId must be a non-empty string`;
  if (options?.eventId !== undefined && !nonEmpty(options.eventId)) return `track(${JSON.stringify(name.slice(0, 100))}): eventId must be a non-empty string`;
  const time = options?.time === undefined ? new Date() : new Date(options.time);
  if (Number.isNaN(time.getTime())) return `track(${JSON.stringify(name.slice(0, 100))}): time is not a valid date`;
  let copy: Record<string, unknown>;
  try {
    copy = properties === undefined ? {} : JSON.parse(JSON.stringify(properties));
  } catch (error) {
    return `track(${JSON.stringify(name.slice(0, 100))}): properties cannot be sent as JSON (${error instanceof Error ? error.message.slice(0, 100) : 'not serialisable'})`;
  }
  return {
    eventId: options?.eventId ?? newEventId(),
    ...(customerId !== undefined ? { customerId } : {}),
    name,
    time: time.toISOString(),
    properties: copy,
  };
}
