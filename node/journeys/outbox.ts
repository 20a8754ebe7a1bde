/**
 * The outbox: the contract between the journey engine, which decides that a customer gets a
 * message, and the reach module, which sends it. The engine writes one row per message; reach
 * claims due rows, sends them and reports what happened. Neither calls the other, so a send that
 * fails or a node that restarts never loses or doubles a decision. docs/journeys.md (The outbox
 * contract) describes it; engine/outbox-store.ts implements it over the `journey_outbox` table.
 *
 * Idempotency: one message per customer × node × journey version × entry. The key is built from
 * the engine's entry id (one customer's one entry into one journey), never from the customer's
 * identifier, so it may be handed to a channel provider as its idempotency key.
 */
import type { Channel } from './components.js';

/** One message the engine decided to send. */
export interface OutboxMessage {
  /** `idempotencyKey(…)` of the four fields below; unique in the outbox. */
  idempotencyKey: string;
  journeyId: number;
  journeyVersion: number;
  /** The reach node that sends it. */
  nodeId: string;
  /** The engine's id of this customer's entry into the journey (a re-entry is a new one). */
  entryId: number;
  /** Whom to reach: the dataset and the customer's identifier as it normalises it. Stays on the node; never logged or audited. */
  customer: { dataset: string; customerId: string };
  channel: Channel;
  /** As the reach node's parameters hold it. */
  template: { name?: string; subject?: string; body: string };
  /** Every variable of the template, rendered to text when the row is written (`profile.first_name` → `Li`). */
  variables: Record<string, string>;
  /** Not to be sent before this moment (ISO 8601, UTC): after delays, quiet hours and frequency control. */
  scheduledAt: string;
  /** 0–9; when messages compete for a customer's slot, the higher goes first. */
  priority: number;
  /** Exempt from frequency caps and quiet hours: only when the reach node says so. */
  transactional: boolean;
  createdAt: string;
}

/**
 * How a claimed message ended.
 * @public (the contract reach implements)
 */
export type OutboxOutcome =
  | { status: 'sent'; providerId?: string }
  | { status: 'failed'; reason: string; retryAt: string }
  | { status: 'suppressed'; reason: 'cap' | 'quiet_hours' | 'holiday' | 'no_consent' | 'opted_out' | 'no_contact' | WithheldReason }
  | { status: 'dead'; reason: string };

/** Why a queued message of a journey that is no longer running is never sent. */
export type WithheldReason = 'journey_stopped' | 'expired';

/**
 * The engine's side.
 * @public
 */
export interface OutboxWriter {
  /** Adds the messages in the caller's transaction; a key already present is kept as it is (false). */
  write(message: OutboxMessage): boolean;
}

/**
 * The reach module's side.
 * @public
 */
export interface OutboxReader {
  /** Up to `limit` messages due at `now`, highest priority then oldest first, leased to this sender until `leaseUntil`; only on `channels` when given (a channel that cannot send leaves its rows queued). A paused or stopped journey's messages are not claimed. */
  claim(limit: number, now: Date, leaseUntil: Date, channels?: readonly Channel[]): OutboxMessage[];
  /**
   * Up to `limit` queued messages (pending, waiting for a retry, or claimed with the lease run out) that must never be sent, in
   * the caller's transaction: every one of a stopped journey (`journey_stopped`), and those of a paused journey due before
   * `expiredBefore` (`expired`). The caller ends them with `complete`.
   */
  withheld(limit: number, now: Date, expiredBefore: Date): { message: OutboxMessage; reason: WithheldReason }[];
  /** Records how a claimed message ended; `failed` returns it to the queue at `retryAt`. */
  complete(idempotencyKey: string, outcome: OutboxOutcome): void;
  /** Gives claimed messages back to the queue at once (a sender that stops before sending them). */
  release(idempotencyKeys: readonly string[]): void;
  /** Per channel: messages not yet ended (pending, claimed or waiting for a retry) and dead ones. */
  queueDepth(): { channel: Channel; queued: number; dead: number }[];
  /** Dead messages, newest first: never the customer. */
  deadLetters(filter: DeadLetterFilter, page: { limit: number; offset: number }): { total: number; items: DeadLetter[] };
  /** Moves the dead messages the filter selects back to pending, due at `now`; returns their keys. */
  redrive(filter: DeadLetterFilter & { idempotencyKey?: string }, now: Date): string[];
}

/** Which dead messages: all when empty. */
export interface DeadLetterFilter {
  channel?: Channel;
  journeyId?: number;
}

/** A dead message as listed: what it was and why it died, without the customer. */
export interface DeadLetter {
  idempotencyKey: string;
  journeyId: number;
  journeyVersion: number;
  nodeId: string;
  channel: Channel;
  reason: string;
  diedAt: string;
}

/**
 * @example idempotencyKey({ journeyId: 7, journeyVersion: 2, nodeId: 'offer', entryId: 4711 }) // → 'j7.v2.noffer.e4711'
 */
export function idempotencyKey(m: Pick<OutboxMessage, 'journeyId' | 'journeyVersion' | 'nodeId' | 'entryId'>): string {
  return `j${m.journeyId}.v${m.journeyVersion}.n${m.nodeId}.e${m.entryId}`;
}
