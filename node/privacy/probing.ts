/**
 * Probing, as a responder can see it. A querier who wants one record's membership runs the same
 * query over sets that differ by that record: tiny sets (so the difference shows), re-imported
 * between runs (so each run carries a new set) with nearly the same size. The responder never sees
 * the querier's records — only, per run, the set size, the agreement's minimum and whether the
 * querier's dataset generation changed. This module looks for the patterns in those facts; it is
 * pure: the session feeds it the pair's runs of the window (whether one already raised the alert
 * included, so there is one alert per pair and window), and audits and counts what it finds.
 *
 * Thresholds are deliberately above steady use: a querier re-importing once a day and running a
 * few queries of ordinary size never trips them (the property tests pin that).
 */

/** One run on a data pair in which we answered, as the responder saw it. */
export interface RunObservation {
  /** The querier's set size (its announced receiver set). */
  querierSize: number;
  /** The querier's dataset generation differed from the one it announced before on the pair. */
  reimport: boolean;
  /** This run raised the pair's probing alert. */
  alerted: boolean;
}

export interface ProbingThresholds {
  /** A querier set of at most `tinyFactor` × minIntersection is tiny. */
  tinyFactor: number;
  /** Tiny runs in one window that raise suspicion. */
  tinyRuns: number;
  /** Two sizes are near-identical when they differ by at most this many records… */
  nearSizeRecords: number;
  /** …or by at most this fraction of the larger one. */
  nearSizeFraction: number;
  /** Re-imports followed by a near-identical size in one window that raise suspicion. */
  nearIdenticalReimports: number;
  /** Re-imports in one window that raise suspicion by themselves. */
  reimports: number;
}

const DEFAULT_PROBING_THRESHOLDS: Readonly<ProbingThresholds> = Object.freeze({
  tinyFactor: 2,
  tinyRuns: 3,
  nearSizeRecords: 2,
  nearSizeFraction: 0.001,
  nearIdenticalReimports: 2,
  reimports: 3,
});

type ProbingReason = 'tiny-sets' | 'near-identical-after-reimport' | 'frequent-reimports';

/** Counts only: what the audit entry carries. */
export interface ProbingVerdict {
  suspected: boolean;
  /** Suspected, and no run of the window raised the alert yet: one alert per pair and window. */
  raise: boolean;
  reasons: ProbingReason[];
  runs: number;
  tinyRuns: number;
  reimports: number;
  nearIdenticalReimports: number;
}

function nearIdentical(a: number, b: number, t: ProbingThresholds): boolean {
  const delta = Math.abs(a - b);
  return delta <= t.nearSizeRecords || delta <= t.nearSizeFraction * Math.max(a, b);
}

/**
 * @param runs the pair's responder runs in the window, oldest first (the current one last)
 * @example detectProbing([{ querierSize: 20, reimport: false }, …], 10).suspected
 */
export function detectProbing(runs: readonly RunObservation[], minIntersection: number, t: ProbingThresholds = DEFAULT_PROBING_THRESHOLDS): ProbingVerdict {
  const tinyRuns = runs.filter((r) => r.querierSize <= t.tinyFactor * minIntersection).length;
  const reimports = runs.filter((r) => r.reimport).length;
  let nearIdenticalReimports = 0;
  for (let i = 1; i < runs.length; i++) {
    if (runs[i].reimport && nearIdentical(runs[i].querierSize, runs[i - 1].querierSize, t)) nearIdenticalReimports++;
  }
  const reasons: ProbingReason[] = [
    ...(tinyRuns >= t.tinyRuns ? (['tiny-sets'] as const) : []),
    ...(nearIdenticalReimports >= t.nearIdenticalReimports ? (['near-identical-after-reimport'] as const) : []),
    ...(reimports >= t.reimports ? (['frequent-reimports'] as const) : []),
  ];
  const suspected = reasons.length > 0;
  return { suspected, raise: suspected && !runs.some((r) => r.alerted), reasons, runs: runs.length, tinyRuns, reimports, nearIdenticalReimports };
}
