/**
 * How reach tells the node what became of a message: the dispatcher's outcomes (sent, suppressed,
 * failed, dead), the channels' receipts and the customer's responses, and the outcome staff give a
 * call or branch task. feedback-ledger.ts implements it over the `reach_outcomes` table; the
 * campaign reports (report/) read that table, and the events it writes close the loop into
 * journeys (a journey may wait for `mofang.reach.clicked`) and analytics.
 */
export type ReachOutcomeName =
  | 'sent'
  | 'suppressed'
  | 'failed'
  | 'dead' // the dispatcher's
  | 'delivered'
  | 'bounced'
  | 'opened'
  | 'clicked'
  | 'replied'
  | 'unsubscribed' // receipts and responses
  | 'task_outcome'; // a call or branch task closed by staff

export interface ReachOutcome {
  /** The outbox idempotency key (j<journey>.v<version>.n<node>.e<entry>) — never a customer id. */
  key: string;
  outcome: ReachOutcomeName;
  at: Date;
  /** A short code, /^[a-z0-9_.:-]{1,64}$/: suppression reason ('no_contact', 'cap' …), failure class, task outcome ('interested', 'no_answer' …). Never an identifier or provider text. */
  detail?: string;
  /** A money value (a task outcome's deal), finite, ≥ 0. */
  value?: number;
}

export interface ReachFeedback {
  /** Durable when resolved. One ledger row per (key, outcome): a repeat is counted as repeated, not recorded twice.
   *  Each new row becomes an event `mofang.reach.<outcome>` in the event store for the outbox row's customer
   *  (properties journey, version, node, channel, key, detail?, value?), exactly once even across a crash;
   *  delivered/opened/clicked also advance the outbox row's furthest receipt. An unknown key is refused and counted. */
  record(outcomes: readonly ReachOutcome[]): Promise<{ recorded: number; repeated: number; unknown: number }>;
}
