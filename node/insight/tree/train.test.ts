import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MofangError } from '../../errors.js';
import { columnsFromRows, type CategoricalColumn, type FeatureColumn } from './columns.js';
import { candidateSegments, type LeafCondition } from './leaf-rules.js';
import { isLeaf, parseModel, type TreeModel } from './model.js';
import { leafOfRows, scoreRows } from './route.js';
import { syntheticChurn } from '../../../test/support/synthetic-churn.js';
import { matches } from '../../../test/support/tree-fixture.js';
import { trainTree } from './train.js';

/** Conditions of a leaf rule, flattened and as comparable strings. */
const conditionSet = (rule: { all: LeafCondition[] } | null) => new Set((rule?.all ?? []).map((c) => JSON.stringify(c)));

function depths(model: TreeModel): number[] {
  const out: number[] = [];
  const walk = (id: number, d: number) => {
    const n = model.nodes[id];
    if (isLeaf(n)) out.push(d);
    else {
      walk(n.left, d + 1);
      walk(n.right, d + 1);
    }
  };
  walk(0, 0);
  return out;
}

const expectError = (f: () => unknown, code: string, detail: Record<string, unknown>) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MofangError);
    expect((e as MofangError).code).toBe(code);
    expect((e as MofangError).details).toMatchObject(detail);
    return;
  }
  throw new Error('expected an error');
};

describe('trainTree on data from a known rule', () => {
  // churn = age < 30 AND tier = basic, 2 % of labels flipped.
  const noise = 0.02;
  const data = syntheticChurn({ rows: 40_000, seed: 3, noise, missing: 0.1 });
  const model = trainTree(data, { maxDepth: 4, minLeaf: 100, minImpurityDecrease: 0.001, validationFraction: 0.25, seed: 9 });

  it('recovers the rule as the one high-risk leaf', () => {
    const segments = candidateSegments(model);
    const risky = segments.filter((s) => s.positiveRate > 0.5);
    expect(risky).toHaveLength(1);
    expect(conditionSet(risky[0].rule)).toEqual(
      conditionSet({
        all: [
          { attr: 'tier', op: 'in', values: ['basic'] },
          { attr: 'age', op: 'lte', value: 29 },
        ],
      }),
    );
    expect(risky[0].positiveRate).toBeGreaterThan(1 - 2 * noise);
    for (const s of segments.filter((x) => x !== risky[0])) expect(s.positiveRate).toBeLessThan(2 * noise);
    expect(risky[0].lift).toBeCloseTo(risky[0].positiveRate / model.baseRate, 12);
  });

  it('reports validation accuracy of about 1 minus the label noise, and a matching AUC', () => {
    const v = model.metrics.validation!;
    expect(Math.abs(v.rows - 10_000)).toBeLessThanOrEqual(1); // a quarter of each class, rounded
    expect(v.accuracy).toBeGreaterThan(1 - noise - 0.01);
    expect(v.accuracy).toBeLessThanOrEqual(1);
    // Flipped labels are indistinguishable from the rest: the AUC is bounded away from 1.
    expect(v.auc).toBeGreaterThan(0.8);
    expect(v.auc).toBeLessThan(0.95);
  });

  it('gives the importance to the two attributes of the rule, and none to noise', () => {
    const top = model.importance.slice(0, 2).map((i) => i.attr);
    expect(new Set(top)).toEqual(new Set(['age', 'tier']));
    expect(model.importance.reduce((s, i) => s + i.importance, 0)).toBeCloseTo(1, 12);
    expect(model.importance.find((i) => i.attr === 'balance')!.importance).toBe(0);
  });

  it('holds out a stratified sample: both parts at the same positive rate', () => {
    const rate = (rows: number[]) => rows.filter((r) => data.target.codes[r] === 1).length / rows.length;
    const leaves = model.nodes.filter(isLeaf);
    const heldPositives = leaves.reduce((s, l) => s + l.validation!.positives, 0);
    const all = rate(Array.from({ length: data.target.codes.length }, (_, i) => i));
    expect(heldPositives / model.rows.validation).toBeCloseTo(all, 3);
    expect(model.baseRate).toBeCloseTo(all, 3);
  });

  it('is deterministic for a seed, and the seed changes the validation split', () => {
    const again = trainTree(data, model.options);
    expect(again).toEqual(model);
    const other = trainTree(data, { ...model.options, seed: 10 });
    expect(other.metrics.validation).not.toEqual(model.metrics.validation);
  });
});

describe('trainTree limits', () => {
  // Random small data sets: numbers with repeats, categories, booleans, dates, missing values anywhere.
  const arbData = fc.integer({ min: 10, max: 200 }).chain((n) =>
    fc.record({
      rows: fc.array(
        fc.record({
          x: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null, freq: 6 }),
          c: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { nil: null, freq: 6 }),
          b: fc.option(fc.boolean(), { nil: null, freq: 6 }),
          d: fc.option(fc.constantFrom('2024-01-01', '2024-03-15', '2024-06-30T12:00:00Z'), { nil: null, freq: 6 }),
          y: fc.boolean(),
        }),
        { minLength: n, maxLength: n },
      ),
      maxDepth: fc.integer({ min: 1, max: 5 }),
      minLeaf: fc.integer({ min: 1, max: 20 }),
      validationFraction: fc.constantFrom(0, 0.2, 0.5),
      // 2 and 3 force quantile bins (x has up to 21 distinct values); 256 splits exactly.
      maxBins: fc.constantFrom(2, 3, 256),
    }),
  );
  const build = (rows: Record<string, unknown>[]) => {
    const [x, c, b, d, y] = columnsFromRows(
      [
        { name: 'x', type: 'number' },
        { name: 'c', type: 'string' },
        { name: 'b', type: 'boolean' },
        { name: 'd', type: 'date' },
        { name: 'y', type: 'boolean' },
      ],
      rows as Record<string, null>[],
    );
    return { target: y as CategoricalColumn, features: [x, c, b, d] as FeatureColumn[] };
  };

  it('respects depth and minimum leaf size; children partition their parent', () => {
    fc.assert(
      fc.property(arbData, ({ rows, maxDepth, minLeaf, validationFraction, maxBins }) => {
        const model = trainTree(build(rows), { maxDepth, minLeaf, validationFraction, maxBins });
        for (const d of depths(model)) expect(d).toBeLessThanOrEqual(maxDepth);
        const leaves = model.nodes.filter(isLeaf);
        if (leaves.length > 1) for (const l of leaves) expect(l.size).toBeGreaterThanOrEqual(minLeaf);
        for (const n of model.nodes) {
          if (isLeaf(n)) continue;
          const [l, r] = [model.nodes[n.left], model.nodes[n.right]];
          expect(l.size + r.size).toBe(n.size);
          expect(l.positives + r.positives).toBe(n.positives);
        }
        expect(model.nodes[0].size).toBe(model.rows.train);
        expect(model.rows.train + model.rows.validation).toBe(rows.length);
      }),
      { numRuns: 150 },
    );
  });

  it('scores every row as its leaf rule says: exactly one leaf rule matches each row', () => {
    fc.assert(
      fc.property(arbData, ({ rows, maxDepth, minLeaf, validationFraction, maxBins }) => {
        const data = build(rows);
        const model = trainTree(data, { maxDepth, minLeaf, validationFraction, maxBins });
        const segments = candidateSegments(model);
        const leafOf = leafOfRows(model, data.features);
        const scores = scoreRows(model, data.features);
        for (let r = 0; r < rows.length; r++) {
          const hit = segments.filter((s) => s.rule === null || matches(s.rule, data.features, r));
          expect(hit.map((s) => s.leaf)).toEqual([leafOf[r]]);
          expect(scores[r]).toBe(hit[0].positiveRate);
        }
        // The leaves' training counts are what the rules select among the training rows.
        const trainedIn = segments.reduce((s, x) => s + x.size, 0);
        expect(trainedIn).toBe(model.rows.train);
      }),
      { numRuns: 150 },
    );
  });

  it('stops at minImpurityDecrease', () => {
    const data = syntheticChurn({ rows: 5_000, seed: 5, noise: 0.05 });
    const loose = trainTree(data, { maxDepth: 6, minLeaf: 20, minImpurityDecrease: 0 });
    const strict = trainTree(data, { maxDepth: 6, minLeaf: 20, minImpurityDecrease: 0.01 });
    expect(strict.nodes.length).toBeLessThan(loose.nodes.length);
    expect(strict.nodes.filter(isLeaf).length).toBe(3); // tier, then age within basic
    const never = trainTree(data, { maxDepth: 6, minLeaf: 20, minImpurityDecrease: 1 });
    expect(never.nodes).toHaveLength(1);
    expect(candidateSegments(never)[0].rule).toBeNull();
  });
});

describe('trainTree with missing values', () => {
  // Churn when income is unset or below 1000: the missing rows must go with the low incomes.
  const rows = Array.from({ length: 3000 }, (_, i) => {
    const income = i % 5 === 0 ? null : ((i * 7919) % 50) * 100;
    return { income, churned: income === null || income < 1000 };
  });
  const [income, churned] = columnsFromRows(
    [
      { name: 'income', type: 'number' },
      { name: 'churned', type: 'boolean' },
    ],
    rows,
  );

  it('routes them to the child chosen in training, and the leaf rule says so', () => {
    const model = trainTree({ target: churned, features: [income] }, { maxDepth: 2, minLeaf: 10 });
    const risky = candidateSegments(model).filter((s) => s.positiveRate === 1);
    expect(risky).toHaveLength(1);
    const incomes = rows.map((r) => r.income).filter((x): x is number => x !== null);
    const below = Math.max(...incomes.filter((x) => x < 1000));
    expect(risky[0].rule).toEqual({
      all: [
        {
          any: [
            { attr: 'income', op: 'lte', value: below },
            { attr: 'income', op: 'isNotSet' },
          ],
        },
      ],
    });
    expect(model.metrics.validation!.accuracy).toBe(1);
    expect(model.metrics.validation!.auc).toBe(1);
  });

  it('sends a missing value to the larger child when training saw none', () => {
    const full = rows.filter((r) => r.income !== null);
    const [x, y] = columnsFromRows(
      [
        { name: 'income', type: 'number' },
        { name: 'churned', type: 'boolean' },
      ],
      full,
    );
    const model = trainTree({ target: y, features: [x] }, { maxDepth: 1, minLeaf: 10, validationFraction: 0 });
    const root = model.nodes[0];
    if (isLeaf(root)) throw new Error('expected a split');
    const larger = model.nodes[root.left].size >= model.nodes[root.right].size ? 'left' : 'right';
    expect(root.split.missing).toBe(larger);
    const [unset] = columnsFromRows([{ name: 'income', type: 'number' }], [{ income: null }]);
    const leaf = model.nodes[larger === 'left' ? root.left : root.right];
    expect(scoreRows(model, [unset])[0]).toBe(leaf.positives / leaf.size);
  });
});

describe('trainTree refuses bad input, naming the field', () => {
  const data = syntheticChurn({ rows: 200, seed: 1, noise: 0 });
  it('a target that is not boolean', () => {
    expectError(() => trainTree({ target: data.features[0], features: data.features.slice(1) }), 'TREE_INPUT_INVALID', { attribute: 'age' });
  });
  it('an attribute given twice, or the target among the attributes', () => {
    expectError(() => trainTree({ target: data.target, features: [data.features[0], data.features[0]] }), 'TREE_INPUT_INVALID', { attribute: 'age' });
    expectError(() => trainTree({ target: data.target, features: [data.target] }), 'TREE_INPUT_INVALID', { attribute: 'churned' });
  });
  it('columns of different lengths', () => {
    const short = { ...data.features[1], values: new Float64Array(10), missing: new Uint8Array(10) } as FeatureColumn;
    expectError(() => trainTree({ target: data.target, features: [short] }), 'TREE_INPUT_INVALID', { attribute: 'balance' });
  });
  it('options out of range', () => {
    expectError(() => trainTree(data, { maxDepth: 0 }), 'TREE_INPUT_INVALID', { option: 'maxDepth' });
    expectError(() => trainTree(data, { maxDepth: 17 }), 'TREE_INPUT_INVALID', { option: 'maxDepth' });
    expectError(() => trainTree(data, { minLeaf: 0.5 }), 'TREE_INPUT_INVALID', { option: 'minLeaf' });
    expectError(() => trainTree(data, { validationFraction: 0.95 }), 'TREE_INPUT_INVALID', { option: 'validationFraction' });
    expectError(() => trainTree(data, { bogus: 1 } as object), 'TREE_INPUT_INVALID', { option: 'bogus' });
  });
  it('a target unset everywhere', () => {
    const unset = { ...data.target, missing: new Uint8Array(200).fill(1) };
    expectError(() => trainTree({ target: unset, features: data.features }), 'TREE_INPUT_INVALID', { attribute: 'churned' });
  });
  it('a category with more levels than a rule may list', () => {
    const rows = Array.from({ length: 1200 }, (_, i) => ({ code: `c${i}`, y: i % 2 === 0 }));
    const [code, y] = columnsFromRows(
      [
        { name: 'code', type: 'string' },
        { name: 'y', type: 'boolean' },
      ],
      rows,
    );
    expectError(() => trainTree({ target: y, features: [code] }), 'TREE_INPUT_INVALID', { attribute: 'code', limit: 1000 });
  });
});

describe('the trained model as JSON', () => {
  it('survives a round trip and scores the same', () => {
    const data = syntheticChurn({ rows: 3000, seed: 2, noise: 0.05, missing: 0.2 });
    const model = trainTree(data, { maxDepth: 4, minLeaf: 20 });
    const back = parseModel(JSON.parse(JSON.stringify(model)));
    expect(back).toEqual(model);
    expect(scoreRows(back, data.features)).toEqual(scoreRows(model, data.features));
  });
});
