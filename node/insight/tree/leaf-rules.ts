/**
 * A tree's leaves as candidate segments: each leaf's path as one segment rule, with its size,
 * positive rate and lift over the base rate.
 *
 * The conditions on one attribute along a path are merged: a row with a value must satisfy every
 * edge (so numeric bounds narrow to one interval, level lists intersect), and a row without one
 * reaches the leaf only if every edge sent missing values its way. A comparison is false for an
 * unset attribute (the rule contract, rules/rule.ts), so "or unset" is spelt out with `isNotSet`.
 */
import type { Rule } from '../rules/rule.js';
import { isoOfMillis } from './columns.js';
import { isLeaf, type TreeModel } from './model.js';

/** The part of the segment rule language (rules/rule.ts) a leaf uses. */
export type LeafCondition =
  | { attr: string; op: 'lte' | 'gt' | 'eq'; value: number | string | boolean }
  | { attr: string; op: 'in' | 'notIn'; values: string[] }
  | { attr: string; op: 'isSet' | 'isNotSet' }
  | { all: LeafCondition[] }
  | { any: LeafCondition[] };
type LeafRule = { all: LeafCondition[] };

export interface CandidateSegment {
  leaf: number;
  /** The leaf's path; null for a tree that is a single leaf (the whole population). */
  rule: LeafRule | null;
  /** Training rows in the leaf. */
  size: number;
  positives: number;
  positiveRate: number;
  /** positiveRate over the training base rate. */
  lift: number;
  /** Held-out rows that fall in the leaf, when the model has a validation part. */
  validation?: { size: number; positives: number; positiveRate: number | null };
}

/** What a path says about one attribute. */
interface Constraint {
  attr: string;
  type: string;
  above?: number; // value > above
  atMost?: number; // value ≤ atMost
  only?: Set<string | boolean>; // value ∈ only
  except: Set<string | boolean>; // value ∉ except
  missingAllowed: boolean;
}

/**
 * Leaves in tree order (leaf number), each with its rule.
 *
 * @example
 * candidateSegments(model).sort((a, b) => b.lift - a.lift)[0].rule;
 * // { all: [{ attr: 'age', op: 'lte', value: 29 }, { attr: 'tier', op: 'in', values: ['basic'] }] }
 */
export function candidateSegments(model: TreeModel): CandidateSegment[] {
  const types = new Map(model.features.map((f) => [f.attr, f.type]));
  const out: CandidateSegment[] = [];
  const walk = (id: number, path: Constraint[]) => {
    const node = model.nodes[id];
    if (isLeaf(node)) {
      const conditions = path.flatMap(render);
      const positiveRate = node.size === 0 ? 0 : node.positives / node.size;
      const v = node.validation;
      out.push({
        leaf: node.leaf,
        rule: conditions.length === 0 ? null : { all: conditions },
        size: node.size,
        positives: node.positives,
        positiveRate,
        lift: model.baseRate === 0 ? 0 : positiveRate / model.baseRate,
        ...(v ? { validation: { ...v, positiveRate: v.size === 0 ? null : v.positives / v.size } } : {}),
      });
      return;
    }
    const { split } = node;
    for (const side of ['left', 'right'] as const) {
      const next: Constraint[] = path.map((x) => ({ ...x, except: new Set(x.except), only: x.only && new Set(x.only) }));
      let c = next.find((x) => x.attr === split.attr);
      if (!c) {
        c = { attr: split.attr, type: types.get(split.attr)!, except: new Set(), missingAllowed: true };
        next.push(c);
      }
      const only = c.only;
      c.missingAllowed &&= split.missing === side;
      if ('lte' in split) {
        if (side === 'left') c.atMost = Math.min(c.atMost ?? Infinity, split.lte);
        else c.above = Math.max(c.above ?? -Infinity, split.lte);
      } else if (side === 'left') {
        c.only = new Set(split.in.filter((v) => !only || only.has(v)));
      } else {
        for (const v of split.in) c.except.add(v);
      }
      walk(side === 'left' ? node.left : node.right, next);
    }
  };
  walk(0, []);
  return out.sort((a, b) => a.leaf - b.leaf);
}

function render(c: Constraint): LeafCondition[] {
  const value = (x: number) => (c.type === 'date' ? isoOfMillis(x) : x);
  // What a present value must satisfy: conditions, none (any value), or impossible.
  let present: LeafCondition[] | 'impossible' = [];
  if (c.above !== undefined) present.push({ attr: c.attr, op: 'gt', value: value(c.above) });
  if (c.atMost !== undefined) present.push({ attr: c.attr, op: 'lte', value: value(c.atMost) });
  const allowed = c.only && [...c.only].filter((v) => !c.except.has(v));
  if (c.type === 'boolean') {
    const left = [false, true].filter((v) => (!allowed || allowed.includes(v)) && !c.except.has(v));
    if (left.length === 0) present = 'impossible';
    else if (left.length === 1) present.push({ attr: c.attr, op: 'eq', value: left[0] });
  } else if (allowed) {
    if (allowed.length === 0) present = 'impossible';
    else present.push({ attr: c.attr, op: 'in', values: allowed.map(String).sort() });
  } else if (c.except.size > 0) {
    present.push({ attr: c.attr, op: 'notIn', values: [...c.except].map(String).sort() });
  }
  const isNotSet: LeafCondition = { attr: c.attr, op: 'isNotSet' };
  if (present === 'impossible') return c.missingAllowed ? [isNotSet] : [{ attr: c.attr, op: 'isSet' }, isNotSet];
  if (present.length === 0) return c.missingAllowed ? [] : [{ attr: c.attr, op: 'isSet' }];
  if (!c.missingAllowed) return present;
  return [{ any: [present.length === 1 ? present[0] : { all: present }, isNotSet] }];
}

// Every leaf rule is a segment rule (rules/rule.ts), checked at compile time.
type Fits = LeafRule extends Rule ? true : false;
const fits: Fits = true;
void fits;
