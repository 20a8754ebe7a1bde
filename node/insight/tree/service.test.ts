import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MofangError } from '../../errors.js';
import { treeService, type TreeService } from './service.js';
import { churnStore, customer } from '../../../test/support/tree-fixture.js';

const ROWS = 3000;
const actor = { id: 'token:ops-1' };
let store: Awaited<ReturnType<typeof churnStore>>;
let db: typeof store.db;
let trees: TreeService;

beforeAll(async () => {
  store = await churnStore(ROWS);
  db = store.db;
  trees = treeService({ db, audit: store.audit, insight: store.insight });
});

afterAll(() => store.close());

const auditActions = () => store.treeActions();

describe('treeService on a real dataset', () => {
  let id: string;

  it('trains on profile attributes, stores the model and audits it', async () => {
    const tree = await trees.train(
      {
        dataset: 'customers',
        target: 'churned',
        attributes: ['age', 'tier', 'income', 'joined'],
        options: { maxDepth: 3, minLeaf: 20, minImpurityDecrease: 0.001 },
      },
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
    const scores = db.prepare("SELECT row, score FROM insight_tree_scores WHERE dataset = 'customers' AND attribute = 'churn_risk' ORDER BY row").all() as {
      row: number;
      score: number;
    }[];
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
    // Saved through the segments' own path, which audits the segment itself.
    expect(db.prepare("SELECT count(*) FROM audit_log WHERE action = 'segment.created' AND subject = 'young-basic'").pluck().get()).toBe(1);
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
