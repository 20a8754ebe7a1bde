/**
 * The two interfaces the dispatcher shares with other parts of reach, declared here in the same
 * shape as their owners' files (the feedback ledger in feedback.ts, the node's own channels in
 * local-channel.ts), so the dispatcher builds and is tested without them; the composition root
 * hands it the real ones.
 */
import type { Channel } from '../journeys/components.js';

type ReachOutcomeName =
  | 'sent'
  | 'suppressed'
  | 'failed'
  | 'dead'
  | 'delivered'
  | 'bounced'
  | 'opened'
  | 'clicked'
  | 'replied'
  | 'unsubscribed'
  | 'task_outcome';

export interface ReachOutcome {
  /** The outbox idempotency key: never a customer id. */
  key: string;
  outcome: ReachOutcomeName;
  at: Date;
  /** A short code, /^[a-z0-9_.:-]{1,64}$/ (a suppression reason, a failure class): never an identifier or provider text. */
  detail?: string;
  value?: number;
}

export interface ReachFeedback {
  /** Durable when resolved; one ledger row per (key, outcome), so a repeat is harmless. */
  record(outcomes: readonly ReachOutcome[]): Promise<{ recorded: number; repeated: number; unknown: number }>;
}

/** The channels the node keeps itself: the message or task is a row in the node's own database. */
type LocalChannelName = Extract<Channel, 'inbox' | 'call' | 'branch_task'>;

export interface LocalDelivery {
  key: string;
  channel: LocalChannelName;
  customer: { dataset: string; customerId: string };
  journey: { id: number; version: number; node: string };
  subject?: string;
  text: string;
  params: Record<string, unknown>;
  at: Date;
}

export interface LocalChannel {
  channel: LocalChannelName;
  /** Synchronous, inside the caller's SQLite transaction; idempotent by key. */
  deliver(d: LocalDelivery): { status: 'sent'; providerId: string } | { status: 'permanent'; reason: string };
}

/** What the dispatcher reports to Prometheus (node/metrics/metrics.ts implements it). */
export interface DispatchMetrics {
  reachSent(channel: Channel, status: 'sent' | 'failed' | 'suppressed' | 'dead'): void;
  reachRetried(channel: Channel): void;
}
