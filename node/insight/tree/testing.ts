/**
 * Test support: a plain evaluation of a leaf rule on one row of columns, with the rule contract's
 * semantics (a comparison, `in` or `notIn` on an unset value is false). Written independently of
 * route.ts so the two can be checked against each other.
 */
import { dateMillis, isNumeric, type FeatureColumn } from './columns.js';
import type { LeafCondition } from './leaf-rules.js';

export function matches(rule: LeafCondition, columns: readonly FeatureColumn[], row: number): boolean {
  if ('all' in rule) return rule.all.every((r) => matches(r, columns, row));
  if ('any' in rule) return rule.any.some((r) => matches(r, columns, row));
  const c = columns.find((x) => x.name === rule.attr);
  if (!c) throw new Error(`no column ${rule.attr}`);
  if (rule.op === 'isNotSet') return c.missing[row] === 1;
  if (rule.op === 'isSet') return c.missing[row] === 0;
  if (c.missing[row]) return false;
  if (isNumeric(c)) {
    if (rule.op === 'in' || rule.op === 'notIn') throw new Error('list op on a number');
    const v = c.values[row];
    const t = typeof rule.value === 'string' ? dateMillis(rule.value) : Number(rule.value);
    if (rule.op === 'lte') return v <= t;
    if (rule.op === 'gt') return v > t;
    return v === t;
  }
  const level = c.levels[c.codes[row]];
  if (rule.op === 'in') return rule.values.includes(String(level));
  if (rule.op === 'notIn') return !rule.values.includes(String(level));
  if (rule.op === 'eq') return level === rule.value;
  throw new Error(`${rule.op} on a category`);
}
