/**
 * The querier's differencing guard. Two releases over matched record sets S and S ∪ {x} (or S ∖ {x})
 * let the difference of their numbers isolate x, noise aside. So after the PSI step — when the node
 * knows each group's matched records or at least their exact number — and before anything is
 * released, every group of the query is compared with every group released on the same data pair
 * (pair.ts, by any agreement over it) in the current budget period, and with the query's other
 * groups; a group whose matched set is, or may be, fewer than `minGroupSize` records away from one
 * of them, or from a union of several of them (a chain), is refused with QUERY_TOO_SIMILAR.
 *
 * What "matched set" means depends on what the node may know:
 * - membership mode (the agreement grants the querier enrich output): the matched records
 *   themselves, as keyed fingerprints; a difference of 1 to minGroupSize − 1 is refused, and equal
 *   matched sets pass (repeating a query only averages noise, which the budget prices);
 * - shuffled mode: only the input sets and the exact matched counts. The matched difference is
 *   then bounded from below by |c_a − c_b| and by c_a + c_b − 2·|I_a ∩ I_b|; a pair whose bound is
 *   below minGroupSize is refused — including a bound of 0 for different inputs, because allowing
 *   "0 apart" but refusing "1 apart" would tell whether the differing records matched.
 * Identical input sets always pass, and disjoint ones are never compared (their difference is
 * everything). Rows written before matched sets were stored are compared by their input sets.
 *
 * What this does not cover is written in docs/privacy.md ("Differencing guard").
 */
import { DEFAULT_POLICY } from '../agreements/floors.js';
import type { StoredAgreement } from '../agreements/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { guardPeriod } from './ledger.js';
import { PAIR_WHERE, dataPair, pairParams } from './pair.js';
import { decodeSet, differenceSize, encodeSet, intersectionSize, symmetricDifference, unionOf } from './set-codec.js';

export interface GuardedGroup {
  label: string;
  /** Sorted distinct fingerprints of the group's input records (set-codec.ts). */
  input: Float64Array;
  /** Fingerprints of its matched records where the node may know them (membership mode), else null. */
  matched: Float64Array | null;
  /** The exact number of matched records. */
  count: number;
}

/** A group the guard compares with: released earlier, of this query, or a union of such. */
interface Known {
  name: string;
  input: Float64Array;
  matched: Float64Array | null;
  /** Null for rows stored before matched counts were. */
  count: number | null;
}

const sameSet = (a: Float64Array, b: Float64Array) => a.length === b.length && symmetricDifference(a, b, 1) === 0;

/**
 * The smallest difference of the two matched sets this node can rule out reaching below: exact in
 * membership mode, a lower bound from the counts otherwise, the input difference for old rows.
 */
function matchedDistance(a: Known, b: Known, limit: number): number {
  if (a.matched && b.matched) return symmetricDifference(a.matched, b.matched, limit);
  if (a.count === null || b.count === null) return symmetricDifference(a.input, b.input, limit);
  const common = intersectionSize(a.input, b.input);
  return a.count + b.count - 2 * Math.min(a.count, b.count, common);
}

/** Whether releasing both could single out fewer than `k` records (see the header). */
function tooClose(a: Known, b: Known, k: number): boolean {
  if (sameSet(a.input, b.input) || intersectionSize(a.input, b.input) === 0) return false;
  const d = matchedDistance(a, b, k);
  const exact = (a.matched !== null && b.matched !== null) || a.count === null || b.count === null;
  return exact ? d > 0 && d < k : d < k;
}

/** Whether `part` lies within `whole` up to fewer than `k` records (a chain candidate). */
function nearlyInside(part: Known, whole: Known, k: number): boolean {
  if (part.count === null || sameSet(part.input, whole.input)) return false;
  if (part.matched && whole.matched) return differenceSize(part.matched, whole.matched, k) < k && intersectionSize(part.matched, whole.matched) > 0;
  return differenceSize(part.input, whole.input, k) < k && intersectionSize(part.input, whole.input) > 0;
}

/** The union of two groups; without matched sets their counts only add up over disjoint inputs (the caller ensures it). */
function merge(a: Known, b: Known): Known {
  const matched = a.matched && b.matched ? unionOf(a.matched, b.matched) : null;
  return { name: `${a.name} + ${b.name}`, input: unionOf(a.input, b.input), matched, count: matched ? matched.length : (a.count ?? 0) + (b.count ?? 0) };
}

/**
 * A greedy chain check: from the groups of `pool` lying nearly inside `target` (most overlap
 * first, `forced` first of all), adds each that brings the union closer to the target. Without
 * matched sets only groups with disjoint inputs are combined, so the union's count is exact.
 * Returns the union when it combines at least two groups (one is the pairwise check).
 */
function chainUnion(target: Known, pool: readonly Known[], k: number, forced?: Known): Known | null {
  const candidates = pool
    .filter((p) => p !== forced && nearlyInside(p, target, k))
    .map((p) => ({ p, overlap: intersectionSize(p.input, target.input) }))
    .sort((x, y) => y.overlap - x.overlap)
    .map(({ p }) => p);
  let union: Known | null = null;
  let parts = 0;
  for (const c of forced ? [forced, ...candidates] : candidates) {
    if (union && (!union.matched || !c.matched) && intersectionSize(union.input, c.input) > 0) continue;
    const next: Known = union ? merge(union, c) : c;
    if (union && c !== forced && matchedDistance(next, target, Infinity) >= matchedDistance(union, target, Infinity)) continue;
    union = next;
    parts++;
  }
  return parts >= 2 ? union : null;
}

/**
 * How far apart (in matched records) two releases on the pair must be: the aggregate section's
 * minGroupSize; for terms without one (overlap, enrich) the policy floors' default minGroupSize.
 */
function guardDistance(agreement: StoredAgreement): number {
  return agreement.terms.aggregate?.minGroupSize ?? DEFAULT_POLICY.minGroupSize;
}

/**
 * Throws QUERY_TOO_SIMILAR naming the group and what it is too close to (an earlier run's group,
 * another group of this query, or a union of such) — by label and run id, never by record.
 *
 * @example checkDifferencing(db, agreement, groups, new Date())
 */
export function checkDifferencing(db: Db, agreement: StoredAgreement, groups: readonly GuardedGroup[], now: Date): void {
  const k = guardDistance(agreement);
  const refuse = (g: number, other: string) =>
    new MofangError(
      'QUERY_TOO_SIMILAR',
      `group ${g + 1} ('${groups[g].label}') differs from ${other} by fewer than ${k} matched records (the agreement's minGroupSize, or the default), or may; the difference of the results could single out those records`,
      { group: g, minimum: k },
    );
  const pool: Known[] = releasedOnPair(db, agreement, now);
  groups.forEach((group, g) => {
    const current: Known = { name: `group ${g + 1} ('${group.label}') of the same query`, ...group };
    for (const other of pool) if (tooClose(current, other, k)) throw refuse(g, other.name);
    const union = chainUnion(current, pool, k);
    if (union && tooClose(union, current, k)) throw refuse(g, `the union of ${union.name}`);
    for (const whole of pool) {
      if (!nearlyInside(current, whole, k)) continue;
      const parts = chainUnion(
        whole,
        pool.filter((p) => p !== whole),
        k,
        current,
      );
      if (parts && tooClose(parts, whole, k)) throw refuse(g, `what ${whole.name} leaves after taking away ${parts.name.replace(/^[^+]*\+ /, '')}`);
    }
    pool.push(current);
  });
}

function releasedOnPair(db: Db, agreement: StoredAgreement, now: Date): Known[] {
  const period = guardPeriod(agreement, now);
  const rows = db
    .prepare(
      `SELECT run_id, agreement_id, label, members, matched, matched_count FROM released_groups
       WHERE ${PAIR_WHERE} AND created_at >= ? AND created_at < ? ORDER BY created_at, run_id, group_index`,
    )
    .all(...pairParams(dataPair(agreement)), period.start, period.end) as {
    run_id: string;
    agreement_id: string;
    label: string;
    members: Buffer;
    matched: Buffer | null;
    matched_count: number | null;
  }[];
  return rows.map((r) => ({
    name: `group '${r.label}' released by run ${r.run_id}${r.agreement_id === agreement.id ? '' : ` under agreement ${r.agreement_id}`} on this data pair since ${period.start}`,
    input: decodeSet(r.members),
    matched: r.matched ? decodeSet(r.matched) : null,
    count: r.matched_count,
  }));
}

/** Remembers the groups whose numbers a run released, for later checks on the pair in the period. */
export function recordReleasedGroups(
  db: Db,
  agreement: StoredAgreement,
  runId: string,
  groups: readonly (GuardedGroup & { index: number })[],
  now: Date,
): void {
  const period = guardPeriod(agreement, now).index;
  const insert = db.prepare(
    `INSERT OR REPLACE INTO released_groups (agreement_id, period, run_id, group_index, label, size, members, matched, matched_count, created_at,
       peer_node_id, local_dataset, peer_dataset) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const pair = pairParams(dataPair(agreement));
  db.transaction(() => {
    for (const g of groups)
      insert.run(
        agreement.id,
        period,
        runId,
        g.index,
        g.label,
        g.input.length,
        encodeSet(g.input),
        g.matched ? encodeSet(g.matched) : null,
        g.count,
        now.toISOString(),
        ...pair,
      );
  })();
}
