/**
 * Behaviour sets on the SQLite side. The rule compiler is synchronous and works on the profile
 * table; behaviour leaves are evaluated before it, asynchronously, in the event store. So a rule is
 * compiled twice: a planning pass collects its leaves (`collectLeaves`, after which every other
 * part of the rule is already checked), the leaves are evaluated (evaluate.ts), their ids are
 * loaded into a per-connection temporary table, and the real pass turns each leaf into a
 * membership test that maps the normalised ids to profile (= record) rows through the profile
 * table's id index. `release` empties the temporary rows again.
 */
import { canonicalJson } from '../../encoding/canonical-json.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { BehaviourCondition } from '../rules/behaviour.js';
import type { BehaviourSet } from './evaluate.js';

/** How the compiler turns a checked behaviour leaf into a condition on alias `p` of `table`. */
export interface BehaviourLookup {
  condition(leaf: BehaviourCondition, table: string): { sql: string; params: unknown[] };
}

/** Keys of loaded sets are unique in the process, so concurrent operations never share rows. */
let nextKey = 1;

const leafKey = (leaf: BehaviourCondition) => canonicalJson(leaf);

/** The planning pass: records each distinct leaf and selects nobody. */
export function collectLeaves(): BehaviourLookup & { leaves: Map<string, BehaviourCondition> } {
  const leaves = new Map<string, BehaviourCondition>();
  return {
    leaves,
    condition(leaf) {
      leaves.set(leafKey(leaf), leaf);
      return { sql: '(0)', params: [] };
    },
  };
}

/**
 * Loads evaluated sets into `temp.insight_behaviour_ids` (synchronously: call it in the same
 * synchronous stretch as the queries that use it) and returns the lookup for the real pass.
 */
export function loadBehaviourSets(db: Db, sets: ReadonlyMap<string, BehaviourSet>): BehaviourLookup & { release(): void } {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS insight_behaviour_ids (leaf INTEGER NOT NULL, id TEXT NOT NULL, PRIMARY KEY (leaf, id)) WITHOUT ROWID');
  const insert = db.prepare('INSERT OR IGNORE INTO temp.insight_behaviour_ids (leaf, id) SELECT ?, value FROM json_each(?)');
  const keys = new Map<string, { key: number; complement: boolean }>();
  for (const [leaf, set] of sets) {
    const key = nextKey++;
    keys.set(leaf, { key, complement: set.complement });
    insert.run(key, set.idsJson);
  }
  return {
    condition(leaf, table) {
      const loaded = keys.get(leafKey(leaf));
      // Only when a segment the rule refers to changed between the two passes.
      if (!loaded) throw new MofangError('INSIGHT_INVALID', 'a segment this rule refers to changed while it was evaluated; try again');
      // A member set drives the query through the rows it maps to (an AND with it reads only
      // those rows); a complement is probed per row, on the temporary table's key.
      const sql = loaded.complement
        ? `(p.id_norm NOT IN (SELECT b.id FROM temp.insight_behaviour_ids b WHERE b.leaf = ?))`
        : `(p.row IN (SELECT q.row FROM temp.insight_behaviour_ids b JOIN ${table} q ON q.id_norm = b.id WHERE b.leaf = ?))`;
      return { sql, params: [loaded.key] };
    },
    release() {
      const drop = db.prepare('DELETE FROM temp.insight_behaviour_ids WHERE leaf = ?');
      for (const { key } of keys.values()) drop.run(key);
    },
  };
}
