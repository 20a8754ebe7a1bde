/**
 * The querier's differencing guard. Two releases over record sets S and S ∪ {x} (or S ∖ {x}) let
 * the difference of their numbers isolate x, noise aside. So before a run, every group of the query
 * is compared with every group whose numbers were released under the same agreement in the same
 * budget period, and with the other groups of the query: a pair whose record sets differ by at
 * least one but fewer than `minGroupSize` records is refused (QUERY_TOO_SIMILAR). Identical sets
 * are allowed — repeating a query only averages noise, which the budget already prices.
 *
 * What this does not cover is written in docs/privacy.md ("Differencing").
 */
import { aggregateTermsOf } from '../agreements/aggregate-policy.js';
import type { StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { budgetPeriod } from './ledger.js';
import { decodeSet, encodeSet, symmetricDifference } from './set-codec.js';

export interface GuardedGroup {
  label: string;
  /** Sorted distinct fingerprints of the group's records (set-codec.ts). */
  members: Float64Array;
}

/**
 * Throws QUERY_TOO_SIMILAR naming the group and what it is too close to (an earlier run's group,
 * or another group of this query) — by label and run id, never by record.
 *
 * @example checkDifferencing(db, agreement, groups, new Date())
 */
export function checkDifferencing(db: Db, agreement: StoredAgreement, groups: readonly GuardedGroup[], now: Date): void {
  const { minGroupSize } = aggregateTermsOf(agreement);
  const period = budgetPeriod(agreement, now).index;
  const tooClose = (a: Float64Array, b: Float64Array) => {
    const d = symmetricDifference(a, b, minGroupSize);
    return d > 0 && d < minGroupSize;
  };
  const refuse = (g: number, other: string) =>
    new MofangError(
      'QUERY_TOO_SIMILAR',
      `group ${g + 1} ('${groups[g].label}') differs from ${other} by fewer than the agreement's minGroupSize of ${minGroupSize} records; the difference of the two results could single out those records`,
      { group: g, minimum: minGroupSize },
    );
  groups.forEach((group, g) => {
    for (let h = 0; h < g; h++) if (tooClose(group.members, groups[h].members)) throw refuse(g, `group ${h + 1} ('${groups[h].label}') of the same query`);
  });
  const earlier = db
    .prepare('SELECT run_id, label, members FROM released_groups WHERE agreement_id = ? AND period = ?')
    .iterate(agreement.id, period) as IterableIterator<{ run_id: string; label: string; members: Buffer }>;
  for (const row of earlier) {
    const released = decodeSet(row.members);
    groups.forEach((group, g) => {
      if (tooClose(group.members, released)) throw refuse(g, `group '${row.label}' released by run ${row.run_id} in budget period ${period}`);
    });
  }
}

/** Remembers the groups whose numbers a run released, for later checks in the same period. */
export function recordReleasedGroups(
  db: Db,
  agreement: StoredAgreement,
  runId: string,
  groups: readonly (GuardedGroup & { index: number })[],
  now: Date,
): void {
  const period = budgetPeriod(agreement, now).index;
  const insert = db.prepare(
    'INSERT OR REPLACE INTO released_groups (agreement_id, period, run_id, group_index, label, size, members, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const g of groups) insert.run(agreement.id, period, runId, g.index, g.label, g.members.length, encodeSet(g.members), now.toISOString());
  })();
}
