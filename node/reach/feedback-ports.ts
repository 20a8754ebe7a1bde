/**
 * The reach feedback port this module records outcomes through, declared here with the shape the
 * reports module's `node/reach/feedback.ts` exports, so that this branch compiles on its own; the
 * merge points the imports at that file and deletes this one.
 */
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
  /** The outbox idempotency key (j<journey>.v<version>.n<node>.e<entry>): never a customer id. */
  key: string;
  outcome: ReachOutcomeName;
  at: Date;
  /** A short code, /^[a-z0-9_.:-]{1,64}$/; never an identifier or provider text. */
  detail?: string;
  /** A money value, finite, ≥ 0. */
  value?: number;
}

export interface ReachFeedback {
  /** Durable when resolved; one ledger row per (key, outcome); an unknown key is refused and counted. */
  record(outcomes: readonly ReachOutcome[]): Promise<{ recorded: number; repeated: number; unknown: number }>;
}
