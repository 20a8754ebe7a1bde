/**
 * The feedback port the node-kept channels report outcomes through, declared here with the shape
 * its owner (node/reach/feedback.ts) exports, so this code compiles on its own; the two are
 * interchangeable and one replaces the other when both exist.
 */

/** @public (the shared feedback contract) */
export type ReachOutcomeName =
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
  /** The outbox idempotency key — never a customer id. */
  key: string;
  outcome: ReachOutcomeName;
  at: Date;
  /** A short code, /^[a-z0-9_.:-]{1,64}$/. Never an identifier or provider text. */
  detail?: string;
  /** A money value (a task outcome's deal), finite, ≥ 0. */
  value?: number;
}

export interface ReachFeedback {
  /** Durable when resolved; one ledger row per (key, outcome); an unknown key is refused and counted. */
  record(outcomes: readonly ReachOutcome[]): Promise<{ recorded: number; repeated: number; unknown: number }>;
}
