/**
 * The bounded in-memory queue of events waiting to be sent. Pushing never blocks and never grows
 * past the bound: when full, the oldest event goes. Oldest rather than newest because the newest
 * describe what the customer does now, and the oldest are the first the node would refuse anyway
 * once they fall outside its time tolerance.
 */
import type { WireEvent } from './wire.js';

/** An event as queued: the customer id may still be missing until `identify`. */
export type QueuedEvent = Omit<WireEvent, 'customerId'> & { customerId?: string };

export interface EventQueue {
  /** Adds the event; returns the event dropped to make room, if any. */
  push(event: QueuedEvent): QueuedEvent | undefined;
  /** Removes and returns up to `limit` events that have a customer id, oldest first. */
  take(limit: number): WireEvent[];
  /** Gives every event without a customer id this one (`identify`). */
  assign(customerId: string): void;
  /** Removes and returns everything. */
  clear(): QueuedEvent[];
  /** Events that can be sent now (they have a customer id). */
  readonly sendable: number;
  readonly size: number;
}

const hasCustomer = (event: QueuedEvent): event is WireEvent => event.customerId !== undefined;

export function createQueue(capacity: number): EventQueue {
  let events: QueuedEvent[] = [];
  let anonymous = 0;
  return {
    push(event) {
      let dropped: QueuedEvent | undefined;
      if (events.length >= capacity) {
        dropped = events.shift()!;
        if (!hasCustomer(dropped)) anonymous--;
      }
      events.push(event);
      if (!hasCustomer(event)) anonymous++;
      return dropped;
    },
    take(limit) {
      if (anonymous === 0) return events.splice(0, limit) as WireEvent[];
      const taken: WireEvent[] = [];
      const kept: QueuedEvent[] = [];
      for (const event of events) {
        if (taken.length < limit && hasCustomer(event)) taken.push(event);
        else kept.push(event);
      }
      events = kept;
      return taken;
    },
    assign(customerId) {
      if (anonymous === 0) return;
      for (const event of events) event.customerId ??= customerId;
      anonymous = 0;
    },
    clear() {
      const all = events;
      events = [];
      anonymous = 0;
      return all;
    },
    get sendable() {
      return events.length - anonymous;
    },
    get size() {
      return events.length;
    },
  };
}
