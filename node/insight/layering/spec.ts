/**
 * A layering: a tree of splits, like a mind map. The root splits the population by one dimension;
 * each cell can be split again (`each` for every cell, `branches` by cell label to differ).
 *
 * Every split yields exhaustive, disjoint cells, each with the rule that selects it, so a cell's
 * path is a rule (the conjunction of its cells' rules) that can be saved as a segment and selects
 * exactly the customers counted in it:
 * - `values`: one cell per value, then `other` (set, none of these) and `not set`;
 * - `bands` (numbers): `< e0`, `[e0, e1)`, …, `≥ e_last`, `not set`;
 * - `dateBands` (dates, ages in days): `within d0 days`, `d0–d1 days`, …, `older than d_last days`, `not set`;
 * - `metric` with `bands`: a per-customer behaviour metric (the count of an event, or the sum of one
 *   of its properties, optionally filtered and in a window) in `< e0`, `[e0, e1)`, …, `≥ e_last`.
 *   A customer without such events has 0, so there is no `not set` cell; each cell's rule is
 *   made of behaviour leaves (rules/behaviour.ts) with an aggregate bound.
 */
import { Type, type Static } from '@sinclair/typebox';
import { MofangError } from '../../errors.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import { BehaviourSchema, checkBehaviour, type BehaviourCondition } from '../rules/behaviour.js';
import { RuleSchema, type Rule } from '../rules/rule.js';

export const MAX_LAYER_DEPTH = 4;
const MAX_SPLIT_CELLS = 50;
export const MAX_LEAVES = 5000;

const Attr = Type.String({ minLength: 1, maxLength: 200 });
const Edges = Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_SPLIT_CELLS });
const BehaviourMetricSchema = Type.Object(
  {
    name: BehaviourSchema.properties.name,
    where: BehaviourSchema.properties.where,
    within: BehaviourSchema.properties.within,
    fn: Type.Unsafe<'count' | 'sum'>({ type: 'string', enum: ['count', 'sum'] }),
    property: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
type BehaviourMetric = Static<typeof BehaviourMetricSchema>;
const SplitSchema = Type.Union([
  Type.Object(
    {
      attr: Attr,
      by: Type.Literal('values'),
      values: Type.Optional(Type.Array(Type.Union([Type.String({ maxLength: 4096 }), Type.Number()]), { minItems: 1, maxItems: MAX_SPLIT_CELLS })),
    },
    { additionalProperties: false },
  ),
  Type.Object({ attr: Attr, by: Type.Literal('bands'), edges: Edges }, { additionalProperties: false }),
  Type.Object({ metric: BehaviourMetricSchema, by: Type.Literal('bands'), edges: Edges }, { additionalProperties: false }),
  Type.Object(
    { attr: Attr, by: Type.Literal('dateBands'), days: Type.Array(Type.Number({ minimum: 0, maximum: 36_600 }), { minItems: 1, maxItems: MAX_SPLIT_CELLS }) },
    { additionalProperties: false },
  ),
]);
export type Split = Static<typeof SplitSchema>;

export interface LayerNode {
  split: Split;
  each?: LayerNode;
  branches?: Record<string, LayerNode>;
}
const LayerNodeSchema = Type.Recursive(
  (Self) =>
    Type.Object(
      { split: SplitSchema, each: Type.Optional(Self), branches: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Self)) },
      { additionalProperties: false },
    ),
  { $id: 'LayerNode' },
);

const MetricSchema = Type.Union([
  Type.Object({ fn: Type.Literal('count') }, { additionalProperties: false }),
  Type.Object(
    { fn: Type.Unsafe<'mean' | 'sum' | 'min' | 'max'>({ type: 'string', enum: ['mean', 'sum', 'min', 'max'] }), attr: Attr },
    { additionalProperties: false },
  ),
]);
export type Metric = Static<typeof MetricSchema>;

export const LayeringSpecSchema = Type.Object(
  {
    root: LayerNodeSchema,
    metrics: Type.Optional(Type.Array(MetricSchema, { maxItems: 20 })),
    /** Only customers matching this rule (e.g. `{ segment: 'active' }`) are layered. */
    base: Type.Optional(RuleSchema),
  },
  { additionalProperties: false },
);
export interface LayeringSpec {
  root: LayerNode;
  metrics?: Metric[];
  base?: Rule;
}

export interface SplitCell {
  label: string;
  rule: Rule;
  /** `other` and `not set` cells are left out of results when empty. */
  optional: boolean;
}

const ascending = (xs: number[]) => xs.every((x, i) => Number.isFinite(x) && (i === 0 || x > xs[i - 1]));

/** The cells of one split, in order; checks the split against the attribute's type. */
export function splitCells(split: Split, catalogue: ProfileCatalogue, path: string): SplitCell[] {
  if ('metric' in split) return metricCells(split.metric, split.edges, path);
  const a = catalogue.attributes.get(split.attr);
  const bad = (message: string): never => {
    throw new MofangError('INSIGHT_INVALID', `${path}: ${message}`, { field: path, attr: split.attr });
  };
  if (!a) return bad(`dataset ${catalogue.dataset} has no usable attribute ${JSON.stringify(split.attr)}`);
  const attr = split.attr;
  const notSet: SplitCell = { label: 'not set', rule: { attr, op: 'isNotSet' }, optional: true };
  switch (split.by) {
    case 'values': {
      if (a.type === 'boolean')
        return [
          { label: 'true', rule: { attr, op: 'eq', value: true }, optional: false },
          { label: 'false', rule: { attr, op: 'eq', value: false }, optional: false },
          notSet,
        ];
      const values = split.values ?? a.values ?? bad(`attribute ${attr} (${a.type}) has no known list of values: give split.values`);
      if (new Set(values).size !== values.length) bad('split.values: values repeat');
      const kind = a.type === 'number' ? 'number' : 'string';
      if (a.type === 'date' || values.some((v) => typeof v !== kind)) bad(`split.values: ${a.type} attribute ${attr} takes ${kind} values`);
      if (values.length + 2 > MAX_SPLIT_CELLS) bad(`split.values: at most ${MAX_SPLIT_CELLS - 2} values`);
      return [
        ...values.map((value) => ({ label: String(value), rule: { attr, op: 'eq', value } as Rule, optional: false })),
        { label: 'other', rule: { attr, op: 'notIn', values }, optional: true },
        notSet,
      ];
    }
    case 'bands': {
      if (a.type !== 'number') bad(`bands split numbers; ${attr} is ${a.type} (use dateBands for dates, values otherwise)`);
      const e = split.edges;
      if (!ascending(e)) bad('split.edges: expected finite numbers in ascending order');
      return [
        { label: `< ${e[0]}`, rule: { attr, op: 'lt', value: e[0] }, optional: false },
        ...e.slice(1).map((hi, i) => ({
          label: `[${e[i]}, ${hi})`,
          rule: {
            all: [
              { attr, op: 'gte', value: e[i] },
              { attr, op: 'lt', value: hi },
            ],
          } as Rule,
          optional: false,
        })),
        { label: `≥ ${e[e.length - 1]}`, rule: { attr, op: 'gte', value: e[e.length - 1] }, optional: false },
        notSet,
      ];
    }
    case 'dateBands': {
      if (a.type !== 'date') bad(`dateBands split dates; ${attr} is ${a.type}`);
      const d = split.days;
      if (!ascending(d)) bad('split.days: expected day counts in ascending order');
      return [
        { label: `within ${d[0]} days`, rule: { attr, op: 'withinLast', days: d[0] }, optional: false },
        ...d.slice(1).map((hi, i) => ({
          label: `${d[i]}–${hi} days`,
          rule: {
            all: [
              { attr, op: 'withinLast', days: hi },
              { attr, op: 'notWithinLast', days: d[i] },
            ],
          } as Rule,
          optional: false,
        })),
        { label: `older than ${d[d.length - 1]} days`, rule: { attr, op: 'notWithinLast', days: d[d.length - 1] }, optional: false },
        notSet,
      ];
    }
  }
}

/** Band cells of a behaviour metric; the metric is checked as the behaviour leaf it becomes. */
function metricCells(metric: BehaviourMetric, edges: number[], path: string): SplitCell[] {
  const bad = (field: string, message: string): never => {
    throw new MofangError('INSIGHT_INVALID', `${field}: ${message}`, { field });
  };
  const m = metric as Record<string, unknown>;
  if (m.fn !== 'count' && m.fn !== 'sum') bad(`${path}.metric.fn`, 'must be count or sum');
  if (!ascending(edges)) bad(`${path}.edges`, 'expected finite numbers in ascending order');
  const { fn, property, ...rest } = metric;
  // The leaf's aggregate fields sit directly on the metric, so its error paths drop `.aggregate`.
  const leaf = (op: 'lt' | 'gte', value: number): Rule => ({
    event: checkBehaviour({ ...rest, aggregate: { fn, ...(property !== undefined ? { property } : {}), op, value } }, `${path}.metric`, (field, message) =>
      bad(field.replace('.aggregate', ''), message),
    ) as BehaviourCondition,
  });
  return [
    { label: `< ${edges[0]}`, rule: leaf('lt', edges[0]), optional: false },
    ...edges.slice(1).map((hi, i) => ({ label: `[${edges[i]}, ${hi})`, rule: { all: [leaf('gte', edges[i]), leaf('lt', hi)] }, optional: false })),
    { label: `≥ ${edges[edges.length - 1]}`, rule: leaf('gte', edges[edges.length - 1]), optional: false },
  ];
}

/** Every rule a layering compiles (base and each split's cells), for evaluating behaviour leaves first. */
export function layeringRules(spec: LayeringSpec, catalogue: ProfileCatalogue): Rule[] {
  const rules: Rule[] = spec.base ? [spec.base] : [];
  const walk = (node: LayerNode, path: string, depth: number) => {
    if (depth > MAX_LAYER_DEPTH) return;
    rules.push(...splitCells(node.split, catalogue, `${path}.split`).map((c) => c.rule));
    if (node.each) walk(node.each, `${path}.each`, depth + 1);
    for (const [label, child] of Object.entries(node.branches ?? {})) walk(child, `${path}.branches[${JSON.stringify(label)}]`, depth + 1);
  };
  walk(spec.root, 'root', 1);
  return rules;
}
