import { describe, expect, it } from 'vitest';
import type { MofangError } from '../../errors.js';
import { parseModel, type TreeModel } from './model.js';
import { syntheticChurn } from '../../../test/support/synthetic-churn.js';
import { trainTree } from './train.js';

const model = trainTree(syntheticChurn({ rows: 2000, seed: 4, noise: 0.02 }), { maxDepth: 3, minLeaf: 20 });
const json = () => JSON.parse(JSON.stringify(model)) as TreeModel & Record<string, unknown>;

function rejects(mutate: (m: ReturnType<typeof json>) => unknown, message: RegExp) {
  const m = json();
  mutate(m);
  try {
    parseModel(m);
  } catch (e) {
    expect((e as MofangError).code).toBe('TREE_MODEL_INVALID');
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected TREE_MODEL_INVALID');
}

const firstSplit = (m: TreeModel) => m.nodes.findIndex((n) => 'split' in n);

describe('parseModel', () => {
  it('accepts what training produced, unchanged', () => {
    expect(parseModel(json())).toEqual(model);
  });

  it('names an unsupported version', () => {
    rejects((m) => (m.version = 2 as 1), /version 2 is not supported/);
  });

  it('rejects a malformed shape, naming the field', () => {
    rejects((m) => (m.format = 'other' as never), /format/);
    rejects((m) => (m.nodes = []), /nodes/);
    rejects((m) => ((m.nodes[0] as Record<string, unknown>).extra = 1), /additional/);
    rejects((m) => (m.options.maxDepth = 99), /maxDepth/);
  });

  it('rejects nodes that do not form one tree', () => {
    const i = firstSplit(model);
    rejects((m) => ((m.nodes[i] as { left: number }).left = i), /invalid child/); // a cycle
    rejects((m) => ((m.nodes[i] as { right: number }).right = 10_000), /invalid child/);
    rejects((m) => {
      const n = m.nodes[i] as { left: number; right: number };
      n.right = n.left; // the same child twice
    }, /invalid child/);
  });

  it('rejects splits that do not fit their attribute', () => {
    const i = firstSplit(model);
    rejects((m) => ((m.nodes[i] as { split: { attr: string } }).split.attr = 'nope'), /not a feature/);
    rejects((m) => {
      const f = m.features.find((x) => x.attr === (m.nodes[i] as { split: { attr: string } }).split.attr)!;
      f.type = f.type === 'number' ? 'string' : 'number';
    }, /wrong way/);
    rejects((m) => m.features.push({ ...m.features[0] }), /listed twice/);
  });

  it('rejects impossible counts and leaf numbers', () => {
    rejects((m) => (m.nodes[0].positives = m.nodes[0].size + 1), /more positives than rows/);
    rejects((m) => {
      const leaves = m.nodes.filter((n) => 'leaf' in n) as { leaf: number }[];
      leaves[0].leaf = leaves[1].leaf;
    }, /used twice/);
  });
});
