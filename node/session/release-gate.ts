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
import { asMofangError, type MofangError } from '../errors.js';
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
