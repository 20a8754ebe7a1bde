import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGroup } from '../../../protocols/group/index.js';
import { AuditLog } from '../../audit/log.js';
import { importDataset } from '../../datasets/import.js';
import { MofangError } from '../../errors.js';
import { createIdentity } from '../../identity/create-identity.js';
import { openDatabase, type Db } from '../../store/db.js';
import { treeService, type TreeService } from './service.js';

/** A real node store: SQLite file, identity, audit log, and an imported dataset with a known cause of churn. */
let dir: string;
let db: Db;
let audit: AuditLog;
let trees: TreeService;
const actor = { id: 'token:ops-1' };
const ROWS = 3000;

/** churned = age < 30 and tier = basic (no noise); income unset for every 7th customer. */
function customer(i: number) {
  const age = 18 + ((i * 37) % 60);
  const tier = ['basic', 'silver', 'gold'][Math.floor(i / 7) % 3];
  const income = i % 7 === 0 ? '' : String(1000 + ((i * 53) % 9000));
  const joined = `2024-${String(1 + (i % 12)).padStart(2, '0')}-15`;
  return { phone: `+86138${String(100_000_000 + i).slice(1)}`, age, tier, income, joined, churned: age < 30 && tier === 'basic' };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mofang-tree-'));
  db = openDatabase(join(dir, 'node.db'));
  audit = new AuditLog(db, await createIdentity(join(dir, 'identity'), 'bank'), { headFile: join(dir, 'audit-head.json') });
  const lines = ['phone,age,tier,income,joined,churned', ...Array.from({ length: ROWS }, (_, i) => Object.values(customer(i)).join(','))];
  const file = join(dir, 'customers.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  await importDataset(db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup(), readInWorker: false });
  trees = treeService({ db, audit });
});

afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const auditActions = () => (db.prepare('SELECT action FROM audit_log ORDER BY seq').pluck().all() as string[]).filter((a) => a.startsWith('insight.tree.'));

describe('treeService on a real dataset', () => {
  let id: string;

  it('trains on profile attributes, stores the model and audits it', async () => {
    const tree = await trees.train(
      { dataset: 'customers', target: 'churned', attributes: ['age', 'tier', 'income', 'joined'], options: { maxDepth: 3, minLeaf: 20, minImpurityDecrease: 0.001 } },
      actor,
    );
    id = tree.id;
    expect(tree.model.metrics.validation?.accuracy).toBe(1);
    const risky = tree.leaves.filter((l) => l.positiveRate > 0.5);
    expect(risky).toHaveLength(1);
    expect(new Set(risky[0].rule!.all.map((c) => JSON.stringify(c)))).toEqual(
      new Set([JSON.stringify({ attr: 'tier', op: 'in', values: ['basic'] }), JSON.stringify({ attr: 'age', op: 'lte', value: 29 })]),
    );
    expect(trees.get(id)).toEqual(tree);
    expect(trees.list({ dataset: 'customers' })).toMatchObject([{ id, target: 'churned', leafCount: tree.leaves.length, validationAuc: 1 }]);
    expect(auditActions()).toEqual(['insight.tree.trained']);
  });

  it('scores every profile into a score attribute', async () => {
    const report = await trees.score(id, { attribute: 'churn_risk' }, actor);
    expect(report).toMatchObject({ dataset: 'customers', attribute: 'churn_risk', modelId: id, rowCount: ROWS, min: 0, max: 1 });
    const scores = db.prepare("SELECT row, score FROM insight_tree_scores WHERE dataset = 'customers' AND attribute = 'churn_risk' ORDER BY row").all() as { row: number; score: number }[];
    expect(scores).toHaveLength(ROWS);
    // Rows are the CSV lines (the header is line 1): customer i is on line i + 2.
    for (const { row, score } of scores) expect(score).toBe(customer(row - 2).churned ? 1 : 0);
    expect(trees.scoreAttributes('customers')).toMatchObject([{ attribute: 'churn_risk', modelId: id, rowCount: ROWS }]);
    expect(auditActions()).toEqual(['insight.tree.trained', 'insight.tree.scored']);
  });

  it('refuses a score attribute that would shadow a dataset column, or a bad name', async () => {
    await expect(trees.score(id, { attribute: 'age' }, actor)).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'attribute' } });
    await expect(trees.score(id, { attribute: 'risk score' }, actor)).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'attribute' } });
  });

  it('saves a leaf as a segment whose size is the leaf population', async () => {
    const tree = trees.get(id);
    const risky = tree.leaves.find((l) => l.positiveRate > 0.5)!;
    const segment = await trees.saveLeaf(id, risky.leaf, { name: 'young-basic' }, actor);
    expect(segment.rule).toEqual(risky.rule);
    const expected = Array.from({ length: ROWS }, (_, i) => customer(i)).filter((c) => c.churned).length;
    expect(segment.latest?.size).toBe(expected);
    expect(segment.description).toMatch(/^Leaf \d+ of decision tree/);
    expect(auditActions()).toEqual(['insight.tree.trained', 'insight.tree.scored', 'insight.tree.leaf_saved']);
    await expect(trees.saveLeaf(id, 999, { name: 'nope' }, actor)).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'leaf' } });
    await expect(trees.saveLeaf(id, risky.leaf, { name: 'young-basic' }, actor)).rejects.toMatchObject({ code: 'INSIGHT_EXISTS' });
  });

  it('refuses bad training requests, naming the field, and audits nothing', async () => {
    const train = (over: object) => trees.train({ dataset: 'customers', target: 'churned', attributes: ['age'], ...over }, actor);
    await expect(train({ target: 'tier' })).rejects.toMatchObject({ code: 'TREE_INPUT_INVALID', details: { field: 'target' } });
    await expect(train({ attributes: ['age', 'nope'] })).rejects.toMatchObject({ code: 'TREE_INPUT_INVALID', details: { field: 'attributes[1]' } });
    await expect(train({ attributes: ['age', 'churned'] })).rejects.toMatchObject({ code: 'TREE_INPUT_INVALID', details: { attribute: 'churned' } });
    await expect(train({ attributes: [] })).rejects.toMatchObject({ code: 'TREE_INPUT_INVALID', details: { field: 'attributes' } });
    await expect(train({ options: { maxDepth: 99 } })).rejects.toMatchObject({ code: 'TREE_INPUT_INVALID', details: { option: 'maxDepth' } });
    await expect(train({ dataset: 'nope' })).rejects.toBeInstanceOf(MofangError);
    expect(() => trees.get('missing')).toThrow(expect.objectContaining({ code: 'TREE_NOT_FOUND' }));
    expect(auditActions()).toEqual(['insight.tree.trained', 'insight.tree.scored', 'insight.tree.leaf_saved']);
  });
});
