/**
 * Computes a layering in one scan of the profile table: every row gets the number of its leaf
 * cell from one SQL expression (uniform subtrees by arithmetic, `branches` by nested CASE), then
 * one GROUP BY aggregates each leaf; parents are sums of their children, so cells always add up
 * to their parent.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { BehaviourLookup } from '../behaviour/sets.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import { attributeValueSql } from '../profiles/value-sql.js';
import type { Rule } from '../rules/rule.js';
import { compileForDataset } from '../segments/store.js';
import { withScope } from '../units/scope.js';
import { MAX_LAYER_DEPTH, MAX_LEAVES, splitCells, type LayerNode, type LayeringSpec, type Metric } from './spec.js';

export interface LayerCell {
  label: string;
  /** Labels from the root to this cell. */
  path: string[];
  /** Selects exactly this cell's customers (base rule and every split on the path). */
  rule: Rule;
  size: number;
  /** size / parent's size (0 when the parent is empty); the root's is 1. */
  shareOfParent: number;
  /** By metric name (`count`, `mean(assets)`…); null where no value is set. */
  metrics: Record<string, number | null>;
  children: LayerCell[];
}

export interface LayeringResult {
  dataset: string;
  generation: number;
  at: string;
  root: LayerCell;
  leaves: number;
  durationMs: number;
}

interface Agg {
  size: number;
  sums: number[];
  counts: number[];
  mins: (number | null)[];
  maxs: (number | null)[];
}

interface Shape {
  cells: { label: string; rule: Rule; optional: boolean; child?: Shape; offset: number }[];
  width: number;
  uniform: boolean;
  /** Leaf index expression; params in order. */
  sql: string;
  params: unknown[];
}

const metricName = (m: Metric) => (m.fn === 'count' ? 'count' : `${m.fn}(${m.attr})`);

/** `behaviour`: the conditions of the behaviour leaves in `layeringRules(spec)` (behaviour/sets.ts). */
export function computeLayering(db: Db, spec: LayeringSpec, catalogue: ProfileCatalogue, now: Date, behaviour?: BehaviourLookup): LayeringResult {
  const started = performance.now();
  const compile = (rule: Rule) => compileForDataset(db, rule, catalogue, now, undefined, behaviour);
  const metrics = spec.metrics ?? [{ fn: 'count' }];
  const metricCols = metrics.map((m, i) => {
    if (m.fn === 'count') return null;
    const a = catalogue.attributes.get(m.attr);
    if (m.attr === undefined)
      throw new MofangError('INSIGHT_INVALID', `metrics[${i}].attr: is required: ${m.fn} needs a number attribute of the dataset or a score attribute`, {
        field: `metrics[${i}].attr`,
      });
    if (!a || a.source === 'joint' || a.type !== 'number') {
      throw new MofangError(
        'INSIGHT_INVALID',
        `metrics[${i}].attr: ${m.fn} needs a number attribute of the dataset or a score attribute; ${JSON.stringify(m.attr)} is not one`,
        { field: `metrics[${i}].attr` },
      );
    }
    return attributeValueSql(catalogue, a);
  });

  const shape = (node: LayerNode, path: string, depth: number): Shape => {
    if (depth > MAX_LAYER_DEPTH)
      throw new MofangError('INSIGHT_INVALID', `${path}: layerings are at most ${MAX_LAYER_DEPTH} levels deep`, { field: path, limit: MAX_LAYER_DEPTH });
    const split = splitCells(node.split, catalogue, `${path}.split`);
    for (const label of Object.keys(node.branches ?? {})) {
      if (!split.some((c) => c.label === label))
        throw new MofangError(
          'INSIGHT_INVALID',
          `${path}.branches: no cell labelled ${JSON.stringify(label)}; cells: ${split.map((c) => c.label).join(', ')}`,
          { field: `${path}.branches` },
        );
    }
    const conds = split.map((c) => compile(c.rule));
    const uniform = !node.branches || Object.keys(node.branches).length === 0;
    const each = node.each ? shape(node.each, `${path}.each`, depth + 1) : undefined;
    const cells: Shape['cells'] = [];
    let offset = 0;
    for (const c of split) {
      const child = uniform ? each : node.branches?.[c.label] ? shape(node.branches[c.label], `${path}.branches[${JSON.stringify(c.label)}]`, depth + 1) : each;
      cells.push({ ...c, child, offset });
      offset += child?.width ?? 1;
      if (offset > MAX_LEAVES) throw new MofangError('INSIGHT_INVALID', `${path}: more than ${MAX_LEAVES} cells`, { field: path, limit: MAX_LEAVES });
    }
    const params: unknown[] = [];
    let sql: string;
    if (uniform) {
      conds.forEach((c) => params.push(...c.params));
      const index = `CASE ${conds.map((c, i) => `WHEN ${c.sql} THEN ${i}`).join(' ')} END`;
      if (each) params.push(...each.params);
      sql = each ? `(${index}) * ${each.width} + (${each.sql})` : index;
    } else {
      sql = `CASE ${cells
        .map((c, i) => {
          params.push(...conds[i].params, ...(c.child?.params ?? []));
          return `WHEN ${conds[i].sql} THEN ${c.offset}${c.child ? ` + (${c.child.sql})` : ''}`;
        })
        .join(' ')} END`;
    }
    return { cells, width: offset, uniform, sql, params };
  };

  const top = shape(spec.root, 'root', 1);
  // The base rule carries the caller's scope (compiler); without one, the scope alone filters.
  const base = spec.base ? compile(spec.base) : (withScope(catalogue) ?? undefined);
  // Each metric's value is computed once per row in the inner select (m0, m1, …), then aggregated.
  const values = metricCols.flatMap((v) => (v ? [v] : []));
  const selects = values.flatMap((_, k) => [`total(m${k})`, `count(m${k})`, `min(m${k})`, `max(m${k})`]);
  const rows = db
    .prepare(
      `SELECT leaf, count(*)${selects.map((s) => `, ${s}`).join('')} FROM (SELECT ${top.sql} AS leaf${values.map((v, k) => `, ${v.sql} AS m${k}`).join('')} FROM ${catalogue.table} p${base ? ` WHERE ${base.sql}` : ''}) GROUP BY leaf`,
    )
    .raw()
    .all(...top.params, ...values.flatMap((v) => v.params), ...(base?.params ?? [])) as (number | null)[][];
  const leaves = new Map<number, Agg>();
  for (const r of rows) {
    if (r[0] === null) throw new MofangError('INTERNAL', 'a profile fell in no layering cell');
    const numeric = metricCols.filter(Boolean).length;
    const agg: Agg = { size: r[1] as number, sums: [], counts: [], mins: [], maxs: [] };
    for (let m = 0; m < numeric; m++) {
      agg.sums.push(r[2 + 4 * m] as number);
      agg.counts.push(r[3 + 4 * m] as number);
      agg.mins.push(r[4 + 4 * m]);
      agg.maxs.push(r[5 + 4 * m]);
    }
    leaves.set(r[0] as number, agg);
  }

  const numericCount = metricCols.filter(Boolean).length;
  const empty = (): Agg => ({
    size: 0,
    sums: Array(numericCount).fill(0),
    counts: Array(numericCount).fill(0),
    mins: Array(numericCount).fill(null),
    maxs: Array(numericCount).fill(null),
  });
  const add = (into: Agg, a: Agg) => {
    into.size += a.size;
    for (let m = 0; m < numericCount; m++) {
      into.sums[m] += a.sums[m];
      into.counts[m] += a.counts[m];
      if (a.mins[m] !== null && (into.mins[m] === null || a.mins[m]! < into.mins[m]!)) into.mins[m] = a.mins[m];
      if (a.maxs[m] !== null && (into.maxs[m] === null || a.maxs[m]! > into.maxs[m]!)) into.maxs[m] = a.maxs[m];
    }
  };
  const metricValues = (a: Agg): Record<string, number | null> => {
    let k = 0;
    return Object.fromEntries(
      metrics.map((m) => {
        if (m.fn === 'count') return [metricName(m), a.size];
        const i = k++;
        const value = { sum: a.counts[i] ? a.sums[i] : null, mean: a.counts[i] ? a.sums[i] / a.counts[i] : null, min: a.mins[i], max: a.maxs[i] }[m.fn];
        return [metricName(m), value];
      }),
    );
  };
  const baseRules: Rule[] = spec.base ? [spec.base] : [];
  const build = (s: Shape, first: number, path: string[], rules: Rule[]): { cells: LayerCell[]; agg: Agg } => {
    const total = empty();
    const cells: LayerCell[] = [];
    s.cells.forEach((c) => {
      const start = first + c.offset;
      const cellRules = [...rules, c.rule];
      let agg: Agg;
      let children: LayerCell[] = [];
      if (c.child) {
        const sub = build(c.child, start, [...path, c.label], cellRules);
        agg = sub.agg;
        children = sub.cells;
      } else {
        agg = leaves.get(start) ?? empty();
      }
      add(total, agg);
      if (c.optional && agg.size === 0) return;
      cells.push({
        label: c.label,
        path: [...path, c.label],
        rule: cellRules.length === 1 ? cellRules[0] : { all: cellRules },
        size: agg.size,
        shareOfParent: 0,
        metrics: metricValues(agg),
        children,
      });
    });
    return { cells, agg: total };
  };
  const { cells, agg } = build(top, 0, [], baseRules);
  const setShares = (parent: LayerCell) => {
    for (const c of parent.children) {
      c.shareOfParent = parent.size === 0 ? 0 : c.size / parent.size;
      setShares(c);
    }
  };
  const split = spec.root.split;
  const first = top.cells[0].rule;
  const everyone: Rule =
    'attr' in split
      ? {
          any: [
            { attr: split.attr, op: 'isSet' },
            { attr: split.attr, op: 'isNotSet' },
          ],
        }
      : { any: [first, { not: first }] };
  const root: LayerCell = {
    label: 'all',
    path: [],
    rule: spec.base ?? everyone,
    size: agg.size,
    shareOfParent: 1,
    metrics: metricValues(agg),
    children: cells,
  };
  setShares(root);
  return {
    dataset: catalogue.dataset,
    generation: catalogue.generation,
    at: now.toISOString(),
    root,
    leaves: top.width,
    durationMs: Math.round(performance.now() - started),
  };
}

/** The cell at `path` (labels from the root), or INSIGHT_NOT_FOUND. */
export function cellAt(result: LayeringResult, path: string[]): LayerCell {
  let cell = result.root;
  for (const [i, label] of path.entries()) {
    const next = cell.children.find((c) => c.label === label);
    if (!next)
      throw new MofangError('INSIGHT_NOT_FOUND', `path[${i}]: no cell ${JSON.stringify(label)} under ${cell.path.join(' / ') || 'the root'}`, {
        field: `path[${i}]`,
      });
    cell = next;
  }
  return cell;
}
