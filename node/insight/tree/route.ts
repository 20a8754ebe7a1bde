/**
 * Sending rows down a trained tree on their raw values: the leaf of each row, and its score (the
 * leaf's training positive rate). Used for the validation rows, for scoring every profile, and
 * equal by construction to evaluating the leaves' rules (leaf-rules.ts), which a test checks.
 */
import { MofangError } from '../../errors.js';
import { isNumeric, type FeatureColumn } from './columns.js';
import { isLeaf, type TreeModel } from './model.js';

interface CompiledNode {
  leaf: number; // -1 for a split
  left: number;
  right: number;
  missingLeft: boolean;
  missing: Uint8Array;
  values?: Float64Array;
  lte: number;
  codes?: Int32Array;
  /** Per code of the column: 1 if the level is listed by the split. */
  listed?: Uint8Array;
}

function compile(model: TreeModel, columns: readonly FeatureColumn[]): CompiledNode[] {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const length = columns[0]?.missing.length ?? 0;
  for (const f of model.features) {
    const c = byName.get(f.attr);
    if (!c) continue; // Only attributes the tree splits on are needed.
    if (c.type !== f.type) {
      throw new MofangError('TREE_INPUT_INVALID', `attribute ${f.attr} is ${c.type} here but ${f.type} in the model`, { attribute: f.attr });
    }
    if (c.missing.length !== length) throw new MofangError('TREE_INPUT_INVALID', `columns differ in length (${c.name})`, { attribute: c.name });
  }
  return model.nodes.map((node) => {
    if (isLeaf(node)) return { leaf: node.leaf, left: 0, right: 0, missingLeft: false, missing: new Uint8Array(0), lte: 0 };
    const { split } = node;
    const c = byName.get(split.attr);
    if (!c) throw new MofangError('TREE_INPUT_INVALID', `the model splits on ${split.attr}, which is not among the columns given`, { attribute: split.attr });
    const base = { leaf: -1, left: node.left, right: node.right, missingLeft: split.missing === 'left', missing: c.missing, lte: 0 };
    // The types were checked against the model's, and parseModel matched each split to its type.
    if (isNumeric(c)) return { ...base, values: c.values, lte: 'lte' in split ? split.lte : NaN };
    const wanted = new Set<string | boolean>('in' in split ? split.in : []);
    return { ...base, codes: c.codes, listed: Uint8Array.from(c.levels, (level) => (wanted.has(level) ? 1 : 0)) };
  });
}

/**
 * The leaf number of each row (all rows, or those listed in `rows`, in that order).
 *
 * @throws TREE_INPUT_INVALID if a split's attribute is missing from `columns` or of another type
 * @example const leaves = leafOfRows(model, columns); // leaves[r] is the leaf of row r
 */
export function leafOfRows(model: TreeModel, columns: readonly FeatureColumn[], rows?: ArrayLike<number>): Int32Array {
  const nodes = compile(model, columns);
  const count = rows ? rows.length : (columns[0]?.missing.length ?? 0);
  const out = new Int32Array(count);
  for (let k = 0; k < count; k++) {
    const r = rows ? rows[k] : k;
    let n = nodes[0];
    while (n.leaf < 0) {
      let left: boolean;
      if (n.missing[r]) left = n.missingLeft;
      else if (n.values) left = n.values[r] <= n.lte;
      else left = n.listed![n.codes![r]] === 1;
      n = nodes[left ? n.left : n.right];
    }
    out[k] = n.leaf;
  }
  return out;
}

/** Training positive rate of each leaf, by leaf number. */
function leafRates(model: TreeModel): Float64Array {
  const rates = new Float64Array(model.nodes.length);
  let leaves = 0;
  for (const node of model.nodes) {
    if (!isLeaf(node)) continue;
    rates[node.leaf] = node.size === 0 ? model.baseRate : node.positives / node.size;
    leaves++;
  }
  return rates.slice(0, leaves);
}

/**
 * The model's probability of the target for every row: its leaf's training positive rate.
 *
 * @example const churnRisk = scoreRows(model, columns); // Float64Array, one per row
 */
export function scoreRows(model: TreeModel, columns: readonly FeatureColumn[]): Float64Array {
  const rates = leafRates(model);
  const leaves = leafOfRows(model, columns);
  const out = new Float64Array(leaves.length);
  for (let r = 0; r < leaves.length; r++) out[r] = rates[leaves[r]];
  return out;
}
