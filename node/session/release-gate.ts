/**
 * The entry of every run's release phase: the querier hands over what the run matched before
 * anything is spent, sent as a result or written. This is the one place where a check on matched
 * sets goes (a privacy guard from node/privacy/ included): every run kind calls `releaseVerdict`
 * here, with whatever this node learnt about which records matched.
 *
 * A refusal of an overlap or enrich run withholds the result (the run finishes with the partner,
 * failed); one of an aggregate run aborts it before the value holder's ciphertexts are sent.
 */
import { checkResultReleasable } from '../agreements/policy.js';
import type { StoredAgreement } from '../agreements/store.js';
import { idNormsForRows } from '../datasets/store.js';
import { asMofangError, type MofangError } from '../errors.js';
import { checkDifferencing, type GuardedGroup } from '../privacy/differencing.js';
import { fingerprints } from '../privacy/set-codec.js';
import type { SessionEnv } from './env.js';
import type { NewRun } from './runs.js';

interface MatchedGroup {
  label: string;
  /** Records of ours the group put into the run. */
  inputSize: number;
  /** How many of them matched. */
  count: number;
  /** Enrich: which of them matched, as indices into the run's own set. Null where the run hides it (overlap). */
  ownIndices: ArrayLike<number> | null;
  /**
   * Aggregate: the partner's matched records, one byte per record in the order of its sorted
   * digests (1 = matched); the same record has the same position in every run of one key epoch.
   */
  partnerMask: Uint8Array | null;
}

export interface Matched {
  agreement: StoredAgreement;
  runId: string;
  operation: NewRun['operation'];
  dataset: string;
  /** One group for overlap and enrich; the queried groups of an aggregate run, in order. */
  groups: MatchedGroup[];
}

/** Why the matched result must not be released, or null to go on. */
export function releaseVerdict(matched: Matched): MofangError | null {
  try {
    // Overlap and enrich release one count: it must reach the agreement's minimum. Aggregate
    // groups below minGroupSize are suppressed one by one after noise (aggregate-release.ts).
    if (matched.operation !== 'aggregate') checkResultReleasable(matched.agreement, matched.groups[0].count);
    return null;
  } catch (err) {
    return asMofangError(err);
  }
}

/**
 * The keyed fingerprints of some of our dataset's records (never the identifiers): what the
 * differencing guard stores and compares.
 *
 * @example const input = guardFingerprints(env, dataset, group.rows);
 */
export function guardFingerprints(env: SessionEnv, dataset: string, rows: ArrayLike<number>): Float64Array {
  return fingerprints(env.guardKey(), idNormsForRows(env.db, dataset, rows));
}

/**
 * The differencing guard on every count-releasing run (overlap, enrich, aggregate), after the PSI
 * step and before anything is released or spent: each group's matched set (its fingerprints where
 * this node learnt which records matched, else its input set and exact count) against what the
 * data pair released before. Groups below minIntersection are withheld anyway and not compared.
 * Returns what was checked, for `recordReleasedGroups` once the run released it; throws
 * QUERY_TOO_SIMILAR.
 *
 * @example const guarded = guardMatchedSets(env, { dataset, ownRows: own.rows, inputs, now }, matched);
 */
export function guardMatchedSets(
  env: SessionEnv,
  o: { dataset: string; ownRows: ArrayLike<number>; inputs: readonly Float64Array[]; now: Date },
  matched: Matched,
): GuardedGroup[] {
  const guarded = matched.groups.map((g, i) => ({
    label: g.label,
    input: o.inputs[i],
    matched: g.ownIndices
      ? guardFingerprints(
          env,
          o.dataset,
          Array.from(g.ownIndices, (p) => o.ownRows[p]),
        )
      : null,
    count: g.count,
  }));
  checkDifferencing(
    env.db,
    matched.agreement,
    guarded.filter((g) => g.count >= matched.agreement.terms.minIntersection),
    o.now,
  );
  return guarded;
}
