import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customer } from './support/tree-fixture.js';
import { packageRoot } from '../node/paths.js';
import { mofang, mofangJson } from './support/node-processes.js';

// `mofang tree …` as an operator runs it, against the built dist/ and a real node directory.
describe('mofang tree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-tree-cli-'));
  const cfg = join(dir, 'bank', 'mofang.yaml');
  const rows = 1500;

  beforeAll(() => {
    const init = mofang(
      null,
      'init',
      '--name',
      'bank',
      '--dir',
      join(dir, 'bank'),
      '--template',
      join(packageRoot(), 'config', 'bank.yaml'),
      '--grpc',
      '127.0.0.1:0',
      '--http',
      '127.0.0.1:0',
    );
    expect(init.code, init.err).toBe(0);
    const file = join(dir, 'customers.csv');
    writeFileSync(
      file,
      `${['phone,age,tier,income,joined,churned', ...Array.from({ length: rows }, (_, i) => Object.values(customer(i)).join(','))].join('\n')}\n`,
    );
    const imported = mofang(cfg, 'import', file, '--dataset', 'customers', '--id', 'phone:phone');
    expect(imported.code, imported.err).toBe(0);
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('trains, shows, scores and saves a leaf, each change in the audit log', () => {
    const tree = mofangJson(
      cfg,
      'tree',
      'train',
      '--dataset',
      'customers',
      '--target',
      'churned',
      '--attributes',
      'age,tier,income,joined',
      '--max-depth',
      '3',
      '--min-leaf',
      '10',
      '--min-impurity-decrease',
      '0.001',
    );
    expect(tree.model.metrics.validation.accuracy).toBe(1);
    const shown = mofang(cfg, 'tree', 'show', tree.id);
    expect(shown.code, shown.err).toBe(0);
    expect(shown.out).toContain(`Tree ${tree.id} on customers`);
    expect(shown.out).toMatch(/validation: accuracy 1\.0000, AUC 1\.0000/);
    expect(mofangJson(cfg, 'tree', 'list')).toMatchObject([{ id: tree.id }]);

    const score = mofangJson(cfg, 'tree', 'score', tree.id, '--attribute', 'churn_risk');
    expect(score).toMatchObject({ attribute: 'churn_risk', rowCount: rows });

    const leaf = tree.leaves.find((l: { positiveRate: number }) => l.positiveRate === 1);
    const saved = mofangJson(cfg, 'tree', 'save-leaf', tree.id, String(leaf.leaf), '--name', 'young-basic');
    expect(saved).toMatchObject({ name: 'young-basic', rule: leaf.rule });

    const actions = mofangJson<{ action: string }[]>(cfg, 'audit', 'list', '--limit', '1000').map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('insight.tree.'))).toEqual(['insight.tree.trained', 'insight.tree.scored', 'insight.tree.leaf_saved']);
  });

  it('names the option or attribute at fault', () => {
    const notNumber = mofang(cfg, 'tree', 'train', '--dataset', 'customers', '--target', 'churned', '--attributes', 'age', '--max-depth', 'deep');
    expect(notNumber.code).toBe(1);
    expect(notNumber.err).toContain('REQUEST_INVALID: --max-depth');
    const range = mofang(cfg, 'tree', 'train', '--dataset', 'customers', '--target', 'churned', '--attributes', 'age', '--max-depth', '40');
    expect(range.err).toContain('TREE_INPUT_INVALID: option maxDepth');
    const attr = mofang(cfg, 'tree', 'train', '--dataset', 'customers', '--target', 'churned', '--attributes', 'age,shoe_size');
    expect(attr.err).toMatch(/TREE_INPUT_INVALID: attributes\[1\]: .*shoe_size/);
    expect(mofang(cfg, 'tree', 'show', 'nope').err).toContain('TREE_NOT_FOUND');
  });
});
