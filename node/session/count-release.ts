/**
 * How an overlap run releases its count (docs/privacy.md, "Counts"): with discrete-Laplace noise of
 * scale 1/ε (sensitivity 1) charged to the data pair's budget — the default — or exactly, where
 * the signed terms say `exactCounts: true` and this node's current policy still allows it. The
 * querier's node knows the exact count inside the protocol; only the released count leaves it.
 *
 * The noise scale and the 95 % interval follow from the terms and the released value, so the run
 * view derives them (`countView`) instead of storing them; both nodes show the same numbers.
 */
import { calibrate, confidenceHalfWidth, noiseScale, rationalFromDecimal, release, type NoiseParams, type NoiseScale } from '../../protocols/dp/index.js';
import type { StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import { spendTerms } from '../privacy/ledger.js';
import type { NoiseSource } from './aggregate-release.js';

/** How a run of an agreement releases its overlap count. */
export type CountMode = { exact: true } | { exact: false; epsilon: number; noise: NoiseParams };

/** What a released overlap count carries in run views and audit entries. */
export interface CountView {
  value: number;
  exact: boolean;
  /** Noisy counts only: ε of the query, the noise, and an interval holding the exact count with probability ≥ 95 %. */
  epsilon?: number;
  noiseScale?: NoiseScale;
  /** Half the width of the 95 % interval before clamping: the "±" of "noisy count N (±x at 95 %)". */
  margin95?: number;
  ci95?: { low: number; high: number };
}

/** The noise of one overlap count at ε per query: sensitivity 1. */
function countNoise(epsilon: number): NoiseParams {
  return calibrate('discrete-laplace', 1n, rationalFromDecimal(epsilon, 'countNoise.epsilonPerQuery'));
}

/**
 * The count mode of an overlap run, checked on each node at admission: exact counts need the
 * terms' flag, this node's `policy.allowExactCounts` now (it may have changed since accepting)
 * and the agreement's rate limit; noisy ones need the terms' countNoise section.
 *
 * @example const mode = countMode(agreement, env.policy); // { exact: false, epsilon: 1, noise }
 */
export function countMode(agreement: StoredAgreement, policy: { allowExactCounts: boolean }): CountMode {
  const { terms } = agreement;
  if (terms.exactCounts === true) {
    if (!policy.allowExactCounts) {
      throw new MofangError(
        'AGREEMENT_BELOW_POLICY',
        `agreement ${agreement.id}: its terms release exact overlap counts, which this node's policy.allowExactCounts false no longer allows; the run is refused`,
        { issues: ["exactCounts true is not allowed by this node's policy.allowExactCounts false"] },
      );
    }
    if (terms.maxQueriesPerDay === undefined) {
      throw new MofangError(
        'AGREEMENT_BELOW_POLICY',
        `agreement ${agreement.id}: exact overlap counts need the agreement's rate limit (maxQueriesPerDay); the terms have none`,
        {
          issues: ['maxQueriesPerDay none (no rate limit) with exactCounts true'],
        },
      );
    }
    return { exact: true };
  }
  const epsilon = spendTerms(agreement, 'overlap').epsilonPerQuery;
  return { exact: false, epsilon, noise: countNoise(epsilon) };
}

/**
 * The count the querier releases: the exact one, or the exact one plus one noise sample, kept
 * within [0, bound] (bound = the smaller set size, which both sides know: post-processing).
 *
 * @example releaseCount(120, mode, 150, secureNoise).value // e.g. 122
 */
export function releaseCount(exact: number, mode: CountMode, bound: number, noise: NoiseSource): CountView {
  if (mode.exact) return { value: exact, exact: true };
  return countView(Number(BigInt(exact) + noise(mode.noise)), mode, bound);
}

/** A released count with what it carries; the value is clamped to [0, bound], the interval too. */
export function countView(noisy: number, mode: CountMode, bound: number): CountView {
  if (mode.exact) return { value: noisy, exact: true };
  const value = Math.min(Math.max(noisy, 0), bound);
  const r = release({ noisy: BigInt(value) }, mode.noise);
  return {
    value,
    exact: false,
    epsilon: mode.epsilon,
    noiseScale: r.noiseScale,
    margin95: Number(confidenceHalfWidth(mode.noise, 0.95)),
    ci95: { low: Math.max(r.ci95.low, 0), high: Math.min(r.ci95.high, bound) },
  };
}

/**
 * The view of an overlap count stored on a run, from the agreement's terms: counts of terms
 * without countNoise (exact counts, or runs from before noise) are exact.
 */
export function storedCountView(value: number, terms: { exactCounts?: boolean; countNoise?: { epsilonPerQuery: number } } | null, bound: number): CountView {
  const epsilon = terms?.exactCounts === true ? undefined : terms?.countNoise?.epsilonPerQuery;
  return epsilon === undefined ? { value, exact: true } : countView(value, { exact: false, epsilon, noise: countNoise(epsilon) }, bound);
}

/** The noise scale of a count mode, for the audit entry of `run.started`. */
export function describeCountMode(mode: CountMode): Record<string, unknown> {
  return mode.exact ? { counts: 'exact' } : { counts: 'noisy', epsilon: mode.epsilon, noiseScale: noiseScale(mode.noise) };
}
