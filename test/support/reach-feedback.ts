/**
 * Test support: a `ReachFeedback` that records what it is told, one ledger row per (key, outcome)
 * as the real ledger keeps them, so tests see both the outcomes and the repeats; keys that `known`
 * refuses are counted as unknown, as the ledger counts keys the outbox does not hold.
 */
import type { ReachFeedback, ReachOutcome } from '../../node/reach/feedback.js';

export interface RecordingFeedback extends ReachFeedback {
  /** Every outcome reported, in order, repeats and unknown keys included. */
  readonly reported: ReachOutcome[];
  /** Each distinct (key, outcome) of a known key, in first-report order. */
  readonly recorded: ReachOutcome[];
  /** How many record() calls there were. */
  readonly calls: number;
  /** The next this-many record() calls fail (a busy ledger), recording nothing. */
  failNext: number;
  /** `key outcome[:detail]` of each distinct (key, outcome), in first-report order. */
  ledger(): string[];
}

/** @example const feedback = recordingFeedback((key) => outbox.byKey(key) !== null); */
export function recordingFeedback(known: (key: string) => boolean = () => true): RecordingFeedback {
  const reported: ReachOutcome[] = [];
  const recorded: ReachOutcome[] = [];
  const rows = new Set<string>();
  let calls = 0;
  const double: RecordingFeedback = {
    reported,
    recorded,
    get calls() {
      return calls;
    },
    failNext: 0,
    async record(outcomes) {
      calls++;
      if (double.failNext > 0) {
        double.failNext--;
        throw new Error('the ledger is busy');
      }
      const counts = { recorded: 0, repeated: 0, unknown: 0 };
      for (const o of outcomes) {
        reported.push(o);
        const id = `${o.key} ${o.outcome}`;
        if (!known(o.key)) counts.unknown++;
        else if (rows.has(id)) counts.repeated++;
        else {
          rows.add(id);
          recorded.push(o);
          counts.recorded++;
        }
      }
      return counts;
    },
    ledger: () => recorded.map((o) => `${o.key} ${o.outcome}${o.detail ? `:${o.detail}` : ''}`),
  };
  return double;
}
