/**
 * The channels the node keeps itself: an in-app inbox message, a call on a call list, a task for
 * branch staff is a row in the node's own database (inbox/, calls/, tasks/), so delivering one is a
 * write in the dispatcher's transaction rather than a request to a provider.
 */

/** The channels the node keeps itself: the message or task is a row in the node's own database. */
export type LocalChannelName = 'inbox' | 'call' | 'branch_task';

export interface LocalDelivery {
  /** The outbox idempotency key. */
  key: string;
  channel: LocalChannelName;
  customer: { dataset: string; customerId: string };
  journey: { id: number; version: number; node: string };
  /** Rendered. */
  subject?: string;
  text: string;
  /** The reach node's channel parameters (e.g. due days, priority), as the journey holds them. */
  params: Record<string, unknown>;
  at: Date;
}

export interface LocalChannel {
  channel: LocalChannelName;
  /** Synchronous, inside the caller's SQLite transaction; idempotent by key (a second call returns the first result). */
  deliver(d: LocalDelivery): { status: 'sent'; providerId: string } | { status: 'permanent'; reason: string };
}
