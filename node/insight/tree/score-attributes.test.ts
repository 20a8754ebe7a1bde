/**
 * Score attributes as profile attributes: a tree scores `churn_risk`, which rules, layering,
 * lookups and typed reads then use like a number column — within a unit's scope for a scoped
 * caller — until a re-import makes it stale (withheld, never silently applied to new rows).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultGroup } from '../../../protocols/group/index.js';
import { fakeServices } from '../../../test/support/fake-services.js';
import { testApp } from '../../../test/support/test-app.js';
import { importDataset } from '../../datasets/import.js';
import { featureColumn } from './profile-columns.js';
import { scoreRows } from './route.js';
import { treeService, type TreeService } from './service.js';
import type { StoredTree } from './store.js';
import { churnStore, customer } from '../../../test/support/tree-fixture.js';

const ROWS = 2000;
const ops = { id: 'token:ops-1' };
const branch = { id: 'token:basic-1', unit: 'basic' };
let store: Awaited<ReturnType<typeof churnStore>>;
let trees: TreeService;
let tree: StoredTree;
/** The scores computed in memory, by record row. */
let expected: Map<number, number>;
let threshold: number;

beforeAll(async () => {
  store = await churnStore(ROWS);
  trees = treeService({ db: store.db, audit: store.audit, insight: store.insight });
  // A shallow tree, so leaves have rates strictly between 0 and 1.
  tree = await trees.train({ dataset: 'customers', target: 'churned', attributes: ['age', 'income'], options: { maxDepth: 2, minLeaf: 20 } }, ops);
  await trees.score(tree.id, { attribute: 'churn_risk' }, ops);
  const typed = await store.insight.readAttributes(
    'customers',
    tree.model.features.map((f) => f.attr),
  );
  const scores = scoreRows(tree.model, typed.columns.map(featureColumn));
  expected = new Map(Array.from(typed.rows, (row, i) => [row, scores[i]]));
  const distinct = [...new Set(scores)].sort((a, b) => a - b);
  expect(distinct.length).toBeGreaterThan(2);
  threshold = distinct[Math.floor(distinct.length / 2)];
});

afterAll(() => store.close());

const countAtLeast = (x: number, rows?: (row: number) => boolean) => [...expected].filter(([row, s]) => s >= x && (!rows || rows(row))).length;

describe('a score attribute of the live generation', () => {
  it('is a number attribute in the catalogue, its source the model and the time it scored', async () => {
    const c = await store.insight.attributes('customers');
    const a = c.attributes.find((x) => x.name === 'churn_risk');
    expect(a).toEqual({
      name: 'churn_risk',
      type: 'number',
      source: 'score',
      score: { modelId: tree.id, generation: c.generation, scoredAt: expect.any(String) },
    });
    expect(c.withheld).toEqual([]);
  });

  it('selects in a segment exactly the customers whose in-memory score matches', async () => {
    const segment = await store.insight.createSegment(
      { dataset: 'customers', name: 'at-risk', rule: { attr: 'churn_risk', op: 'gte', value: threshold } },
      ops,
    );
    expect(segment.latest?.size).toBe(countAtLeast(threshold));
    expect(segment.latest?.size).toBeGreaterThan(0);
    const members = await store.insight.segmentMembers('at-risk');
    expect([...members.rows]).toEqual([...expected].filter(([, s]) => s >= threshold).map(([row]) => row));
    // Combined with dataset columns, negated, and the presence operators (every row is scored).
    const preview = (rule: object) => store.insight.preview('customers', rule, 3);
    const young = (row: number) => customer(row - 2).age < 40;
    expect(
      (
        await preview({
          all: [
            { attr: 'churn_risk', op: 'gte', value: threshold },
            { attr: 'age', op: 'lt', value: 40 },
          ],
        })
      ).size,
    ).toBe(countAtLeast(threshold, young));
    expect((await preview({ not: { attr: 'churn_risk', op: 'gte', value: threshold } })).size).toBe(ROWS - countAtLeast(threshold));
    expect((await preview({ attr: 'churn_risk', op: 'isNotSet' })).size).toBe(0);
    const sample = await preview({ attr: 'churn_risk', op: 'between', min: threshold, max: 1 });
    expect(sample.sample[0].values.churn_risk).toBeGreaterThanOrEqual(threshold);
  });

  it('refuses a value of the wrong type, naming the rule path', async () => {
    await expect(store.insight.preview('customers', { attr: 'churn_risk', op: 'gte', value: 'high' })).rejects.toMatchObject({
      code: 'RULE_INVALID',
      details: { path: 'rule.value', attr: 'churn_risk' },
    });
  });

  it('splits and measures a layering', async () => {
    const r = await store.insight.computeLayering('customers', {
      root: { split: { attr: 'churn_risk', by: 'bands', edges: [threshold] } },
      metrics: [{ fn: 'count' }, { fn: 'mean', attr: 'churn_risk' }, { fn: 'max', attr: 'age' }],
    });
    const high = r.root.children.find((c) => c.label === `≥ ${threshold}`)!;
    expect(high.size).toBe(countAtLeast(threshold));
    expect(r.root.children.reduce((n, c) => n + c.size, 0)).toBe(ROWS);
    const highScores = [...expected.values()].filter((s) => s >= threshold);
    expect(high.metrics['mean(churn_risk)']).toBeCloseTo(highScores.reduce((a, b) => a + b, 0) / highScores.length, 12);
    expect(r.root.metrics['max(age)']).toBe(Math.max(...Array.from({ length: ROWS }, (_, i) => customer(i).age)));
  });

  it('is read by readAttributes and shown by a lookup with its source', async () => {
    const typed = await store.insight.readAttributes('customers', ['churn_risk', 'age']);
    expect(typed.columns[0]).toMatchObject({ name: 'churn_risk', type: 'number' });
    const values = (typed.columns[0] as { values: Float64Array }).values;
    typed.rows.forEach((row, i) => expect(values[i]).toBe(expected.get(row)));
    const view = await store.insight.showProfile('customers', customer(5).phone, ops);
    expect(view.attributes.find((a) => a.name === 'churn_risk')).toEqual({
      name: 'churn_risk',
      type: 'number',
      value: expected.get(view.row),
      source: { kind: 'score', modelId: tree.id, generation: view.generation, scoredAt: expect.any(String) },
    });
  });

  it('is listed and shown with its source over HTTP', async () => {
    const t = await testApp({ services: { ...fakeServices(), insight: store.insight } });
    try {
      const c = await t.app.inject({ method: 'GET', url: '/v1/insight/datasets/customers/attributes', headers: t.as('compliance') });
      expect(c.json().attributes).toContainEqual({
        name: 'churn_risk',
        type: 'number',
        source: 'score',
        score: { modelId: tree.id, generation: 1, scoredAt: expect.any(String) },
      });
      const p = await t.app.inject({
        method: 'POST',
        url: '/v1/insight/datasets/customers/profiles/lookup',
        headers: t.as('operator'),
        payload: { id: customer(5).phone },
      });
      expect(p.json().attributes).toContainEqual({
        name: 'churn_risk',
        type: 'number',
        value: expected.get(7),
        source: { kind: 'score', modelId: tree.id, generation: 1, scoredAt: expect.any(String) },
      });
    } finally {
      await t.close();
    }
  });

  it('keeps the unit scope: a branch counts only its own customers', async () => {
    store.insight.addUnit({ id: 'hq', name: 'Head office' }, ops);
    store.insight.addUnit({ id: 'basic', name: 'Basic branch', parent: 'hq' }, ops);
    await store.insight.setUnitAttribute('customers', 'tier', ops);
    const inBasic = (row: number) => customer(row - 2).tier === 'basic';
    const p = await store.insight.preview('customers', { attr: 'churn_risk', op: 'gte', value: threshold }, 0, branch);
    expect(p.size).toBe(countAtLeast(threshold, inBasic));
    expect(p.size).toBeLessThan(countAtLeast(threshold));
    expect((await store.insight.readAttributes('customers', ['churn_risk'], undefined, branch)).rows.every(inBasic)).toBe(true);
    // A score covers the whole dataset: a unit-bound caller may not write one.
    await expect(trees.score(tree.id, { attribute: 'branch_risk' }, branch)).rejects.toMatchObject({ code: 'SCOPE_FORBIDDEN' });
  });

  it('refuses at score time a name of a dataset column or of a joint attribute, usable or withheld', async () => {
    await expect(trees.score(tree.id, { attribute: 'income' }, ops)).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('income is a column of dataset customers'),
    });
    store.db
      .prepare(
        "INSERT INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES ('customers', 'x', 'partner:a:active', 'true', 'nope', 'r1', '2025-01-01T00:00:00Z')",
      )
      .run();
    await expect(trees.score(tree.id, { attribute: 'partner:a:active' }, ops)).rejects.toMatchObject({
      code: 'REQUEST_INVALID',
      message: expect.stringContaining('is a joint attribute of dataset customers'),
    });
    // Scoring an existing score attribute again replaces it.
    await expect(trees.score(tree.id, { attribute: 'churn_risk' }, ops)).resolves.toMatchObject({ attribute: 'churn_risk', rowCount: ROWS });
  });
});

describe('after a re-import', () => {
  it('withholds the stale score everywhere until the model scores the new generation', async () => {
    // The same customers in reverse order: every record row now belongs to another customer.
    const file = join(tmpdir(), `mofang-score-reimport-${process.pid}.csv`);
    const lines = Array.from({ length: ROWS }, (_, i) => Object.values(customer(ROWS - 1 - i)).join(','));
    writeFileSync(file, `${['phone,age,tier,income,joined,churned', ...lines].join('\n')}\n`);
    await importDataset(store.db, { file, dataset: 'customers', idColumn: 'phone', idKind: 'phone', group: defaultGroup(), readInWorker: false });

    const c = await store.insight.attributes('customers');
    expect(c.attributes.some((a) => a.name === 'churn_risk')).toBe(false);
    const w = c.withheld.find((x) => x.name === 'churn_risk');
    expect(w).toMatchObject({ modelId: tree.id, agreementIds: [] });
    expect(w!.reason).toMatch(/scored generation \d+ .* re-imported since \(generation \d+\): score again/);

    const rule = { attr: 'churn_risk', op: 'gte', value: threshold };
    await expect(store.insight.preview('customers', rule)).rejects.toMatchObject({
      code: 'RULE_INVALID',
      message: expect.stringContaining('churn_risk is withheld'),
    });
    // The segment saved on the old generation fails its refresh loudly rather than reading old rows.
    await expect(store.insight.segmentMembers('at-risk')).rejects.toMatchObject({ code: 'RULE_INVALID' });
    await expect(store.insight.readAttributes('customers', ['churn_risk'])).rejects.toMatchObject({
      code: 'RULE_INVALID',
      message: expect.stringContaining('withheld'),
    });
    await expect(
      store.insight.computeLayering('customers', { root: { split: { attr: 'age', by: 'bands', edges: [30] } }, metrics: [{ fn: 'mean', attr: 'churn_risk' }] }),
    ).rejects.toMatchObject({ code: 'INSIGHT_INVALID' });
    const view = await store.insight.showProfile('customers', customer(5).phone, ops);
    expect(view.attributes.some((a) => a.name === 'churn_risk')).toBe(false);
    expect(view.withheld).toContainEqual(expect.objectContaining({ name: 'churn_risk', modelId: tree.id }));

    // Scoring again makes it usable on the new generation, with the new rows.
    await trees.score(tree.id, { attribute: 'churn_risk' }, ops);
    const again = await store.insight.segmentMembers('at-risk');
    expect(again.rows.length).toBe(countAtLeast(threshold));
    // Customer 5 is now on line ROWS − 6 + 2; its score (same features) is the one it had on line 7.
    const after = await store.insight.showProfile('customers', customer(5).phone, ops);
    expect(after.row).toBe(ROWS - 6 + 2);
    expect(after.attributes.find((a) => a.name === 'churn_risk')?.value).toBe(expected.get(5 + 2));
  });
});
