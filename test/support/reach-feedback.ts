/**
 * Test support: a `ReachFeedback` that records what it is told, one ledger row per (key, outcome)
 * as the real ledger keeps them, so tests see both the outcomes and the repeats.
 */
import type { ReachFeedback, ReachOutcome } from '../../node/reach/feedback.js';

export interface RecordingFeedback extends ReachFeedback {
  /** Every outcome reported, in order, repeats included. */
  readonly reported: ReachOutcome[];
  /** `key outcome[:detail]` of each distinct (key, outcome), in first-report order. */
  ledger(): string[];
}

export function recordingFeedback(): RecordingFeedback {
  const reported: ReachOutcome[] = [];
  const rows = new Map<string, ReachOutcome>();
  return {
    reported,
    async record(outcomes) {
      let recorded = 0;
      let repeated = 0;
      for (const o of outcomes) {
        reported.push(o);
        const id = `${o.key} ${o.outcome}`;
        if (rows.has(id)) repeated++;
        else {
          rows.set(id, o);
          recorded++;
        }
      }
      return { recorded, repeated, unknown: 0 };
    },
    ledger: () => [...rows.values()].map((o) => `${o.key} ${o.outcome}${o.detail ? `:${o.detail}` : ''}`),
  };
}
