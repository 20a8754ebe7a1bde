/**
 * Validates a rule tree against a dataset's attribute catalogue and compiles it to a parameterised
 * SQL condition over the profile table (alias `p`). One walk does both, so every error names the
 * rule path (`rule.all[1].not`), the attribute, the operator and what was expected.
 *
 * Safety: values only ever travel as bound parameters; attribute names are looked up in the
 * catalogue, which maps them to generated column names (`"a3"`) or to a bound joint or score
 * attribute name — no text of the rule is ever spliced into SQL.
 *
 * Semantics (also those of `evaluate` in the tests): a comparison with an unset attribute is
 * false, whatever the operator (`ne` and `notIn` included); `not` negates that two-valued result;
 * `withinLast n` is "set and at or after now − n days" (future dates included), `notWithinLast n`
 * "set and before now − n days". `{ segment }` is the other segment's *current* rule, inlined.
 *
 * Scope: on a unit-scoped catalogue the compiled condition is ANDed with the unit-scope condition
 * (units/scope.ts), so whatever runs a compiled rule sees only that unit's customers.
 */
import { jointAttributeRows } from '../../datasets/joint-attributes.js';
import { MofangError } from '../../errors.js';
import { checkedColumn } from '../profiles/build.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import { DAY_MS, isoToEpochMs } from '../profiles/dates.js';
import { jointValueSql } from '../profiles/joint-policy.js';
import type { ProfileAttribute, ProfileType } from '../profiles/types.js';
import type { BehaviourLookup } from '../behaviour/sets.js';
import { withScope } from '../units/scope.js';
import { checkBehaviour } from './behaviour.js';
import { COMPARISON_OPS, LIST_OPS, MAX_IN_VALUES, MAX_RULE_DEPTH, MAX_RULE_NODES, PRESENCE_OPS, RELATIVE_DATE_OPS, type Rule } from './rule.js';

export interface CompileContext {
  catalogue: ProfileCatalogue;
  /** "Now" for relative dates. */
  now: Date;
  /** The current rule of another segment, for `{ segment }` rules. */
  segmentRule?: (name: string) => { dataset: string; rule: Rule } | undefined;
  /** Name of the segment being compiled, so a rule naming it is caught as a cycle. */
  self?: string;
  /** Behaviour leaves' conditions (behaviour/sets.ts); without it a behaviour leaf is refused. */
  behaviour?: BehaviourLookup;
}

export interface CompiledRule {
  /** A condition on alias `p` (the profile table); true/false for every row. */
  sql: string;
  params: unknown[];
  /** The rule, checked (its type is now trustworthy). */
  rule: Rule;
  /** Segments it refers to, directly or through others. */
  segments: string[];
  /** Attributes it reads. */
  attributes: string[];
  /** Event names its behaviour leaves read (its members change with the events). */
  events: string[];
}

const ALL_OPS = [...COMPARISON_OPS, 'between', ...LIST_OPS, ...PRESENCE_OPS, ...RELATIVE_DATE_OPS] as const;
const ATTR_KEYS: Record<string, readonly string[]> = {
  ...Object.fromEntries(COMPARISON_OPS.map((op) => [op, ['attr', 'op', 'value']])),
  between: ['attr', 'op', 'min', 'max'],
  ...Object.fromEntries(LIST_OPS.map((op) => [op, ['attr', 'op', 'values']])),
  ...Object.fromEntries(PRESENCE_OPS.map((op) => [op, ['attr', 'op']])),
  ...Object.fromEntries(RELATIVE_DATE_OPS.map((op) => [op, ['attr', 'op', 'days']])),
};
const SQL_OP = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
/** Operators each type supports. */
const OPS_BY_TYPE: Record<ProfileType, readonly string[]> = {
  number: [...COMPARISON_OPS, 'between', ...LIST_OPS, ...PRESENCE_OPS],
  string: [...COMPARISON_OPS, 'between', ...LIST_OPS, ...PRESENCE_OPS],
  // An enum is a string column with few values (its values are listed for layering).
  enum: [...COMPARISON_OPS, 'between', ...LIST_OPS, ...PRESENCE_OPS],
  boolean: ['eq', 'ne', ...PRESENCE_OPS],
  date: [...COMPARISON_OPS, 'between', ...LIST_OPS, ...PRESENCE_OPS, ...RELATIVE_DATE_OPS],
};
const EXPECTED: Record<ProfileType, string> = {
  number: 'a finite number',
  string: 'a string',
  enum: 'a string',
  boolean: 'true or false',
  date: 'an ISO-8601 date (YYYY-MM-DD, optionally with a time)',
};

/**
 * @example
 * const { sql, params } = compileRule({ all: [{ attr: 'age', op: 'gte', value: 30 }] }, { catalogue, now: new Date() });
 * db.prepare(`SELECT count(*) FROM ${catalogue.table} p WHERE ${sql}`).get(...params);
 */
export function compileRule(rule: unknown, ctx: CompileContext): CompiledRule {
  const params: unknown[] = [];
  const segments = new Set<string>();
  const attributes = new Set<string>();
  const events = new Set<string>();
  let nodes = 0;

  const fail = (path: string, message: string, details: Record<string, unknown> = {}): never => {
    throw new MofangError('RULE_INVALID', `${path}: ${message}`, { path, ...details });
  };

  const walk = (node: unknown, path: string, depth: number, stack: string[]): string => {
    if (++nodes > MAX_RULE_NODES) fail(path, `the rule has more than ${MAX_RULE_NODES} nodes (including the segments it refers to)`, { limit: MAX_RULE_NODES });
    if (depth > MAX_RULE_DEPTH) fail(path, `the rule is nested deeper than ${MAX_RULE_DEPTH} levels`, { limit: MAX_RULE_DEPTH });
    if (typeof node !== 'object' || node === null || Array.isArray(node))
      fail(path, 'expected an object: { all }, { any }, { not }, { attr, op, … }, { segment } or { event }');
    const n = node as Record<string, unknown>;
    const keys = Object.keys(n);
    if ('all' in n || 'any' in n) {
      const key = 'all' in n ? 'all' : 'any';
      if (keys.length !== 1) fail(path, `{ ${key} } takes no other field (found ${keys.filter((k) => k !== key).join(', ')})`);
      const list = n[key];
      if (!Array.isArray(list) || list.length === 0) fail(`${path}.${key}`, 'expected a non-empty array of rules');
      const parts = (list as unknown[]).map((child, i) => walk(child, `${path}.${key}[${i}]`, depth + 1, stack));
      return parts.length === 1 ? parts[0] : `(${parts.join(key === 'all' ? ' AND ' : ' OR ')})`;
    }
    if ('not' in n) {
      if (keys.length !== 1) fail(path, '{ not } takes no other field');
      // Unset attributes make SQL conditions NULL; coalesce keeps the logic two-valued under NOT.
      return `(NOT coalesce(${walk(n.not, `${path}.not`, depth + 1, stack)}, 0))`;
    }
    if ('segment' in n) {
      if (keys.length !== 1) fail(path, '{ segment } takes no other field');
      const name = n.segment;
      if (typeof name !== 'string' || name === '') fail(`${path}.segment`, 'expected a segment name');
      const segment = name as string;
      if (stack.includes(segment)) {
        const cycle = [...stack.slice(stack.indexOf(segment)), segment];
        throw new MofangError('SEGMENT_CYCLE', `${path}: segment ${segment} refers to itself (${cycle.join(' → ')})`, { path, cycle });
      }
      const target = ctx.segmentRule?.(segment);
      if (!target) throw new MofangError('INSIGHT_NOT_FOUND', `${path}.segment: no segment named ${JSON.stringify(segment)}`, { path, segment });
      if (target.dataset !== ctx.catalogue.dataset)
        fail(`${path}.segment`, `segment ${segment} is defined on dataset ${target.dataset}, not ${ctx.catalogue.dataset}`, { segment });
      segments.add(segment);
      return walk(target.rule, `${path}<${segment}>`, depth + 1, [...stack, segment]);
    }
    if ('event' in n) {
      if (keys.length !== 1) fail(path, '{ event } takes no other field');
      const condition = checkBehaviour(n.event, `${path}.event`, fail);
      if (!ctx.behaviour) fail(`${path}.event`, 'behaviour conditions are not available here');
      events.add(condition.name);
      const c = ctx.behaviour!.condition(condition, ctx.catalogue.table);
      params.push(...c.params);
      return c.sql;
    }
    if ('attr' in n) return leaf(n, path);
    return fail(path, `unknown rule (fields: ${keys.join(', ') || 'none'}); expected all, any, not, attr, segment or event`);
  };

  const leaf = (n: Record<string, unknown>, path: string): string => {
    const { attr, op } = n;
    if (typeof attr !== 'string' || attr === '') fail(`${path}.attr`, 'expected an attribute name');
    const name = attr as string;
    if (typeof op !== 'string' || !(ALL_OPS as readonly string[]).includes(op)) {
      fail(`${path}.op`, `unknown operator ${JSON.stringify(op)}; one of ${ALL_OPS.join(', ')}`, { attr: name, op: typeof op === 'string' ? op : null });
    }
    const o = op as (typeof ALL_OPS)[number];
    const extra = Object.keys(n).filter((k) => !ATTR_KEYS[o].includes(k));
    if (extra.length > 0) fail(path, `operator ${o} takes ${ATTR_KEYS[o].join(', ')}; unknown field ${extra[0]}`, { attr: name, op: o });
    const a = ctx.catalogue.attributes.get(name);
    if (!a) {
      const withheld = ctx.catalogue.withheld.find((w) => w.name === name);
      if (withheld) fail(`${path}.attr`, `attribute ${name} is withheld: ${withheld.reason}`, { attr: name, op: o });
      fail(`${path}.attr`, `dataset ${ctx.catalogue.dataset} has no attribute ${JSON.stringify(name)}`, { attr: name, op: o });
    }
    const at = a as ProfileAttribute;
    attributes.add(name);
    if (!OPS_BY_TYPE[at.type].includes(o)) {
      fail(`${path}.op`, `operator ${o} does not apply to ${at.type} attribute ${name}; use one of ${OPS_BY_TYPE[at.type].join(', ')}`, {
        attr: name,
        op: o,
        type: at.type,
      });
    }
    const bind = (field: string, v: unknown, type: ProfileType = at.type): string => {
      params.push(
        sqlValue(v, type, () =>
          fail(`${path}.${field}`, `${o} on ${at.type} attribute ${name} expects ${EXPECTED[type]}`, { attr: name, op: o, expected: EXPECTED[type] }),
        ),
      );
      return '?';
    };
    let cond: (x: string) => string;
    switch (o) {
      case 'isSet':
      case 'isNotSet':
        cond = (x) => `${x} IS NOT NULL`;
        break;
      case 'between': {
        const lo = bind('min', n.min);
        const hi = bind('max', n.max);
        const [min, max] = params.slice(-2) as (number | string)[];
        if (min > max) fail(path, `between on ${name}: min is greater than max`, { attr: name, op: o });
        cond = (x) => `${x} BETWEEN ${lo} AND ${hi}`;
        break;
      }
      case 'in':
      case 'notIn': {
        const values = n.values;
        if (!Array.isArray(values) || values.length === 0 || values.length > MAX_IN_VALUES) {
          fail(`${path}.values`, `expected an array of 1 to ${MAX_IN_VALUES} values`, { attr: name, op: o, limit: MAX_IN_VALUES });
        }
        const marks = (values as unknown[]).map((v, i) => bind(`values[${i}]`, v)).join(', ');
        cond = (x) => `${x} ${o === 'in' ? 'IN' : 'NOT IN'} (${marks})`;
        break;
      }
      case 'withinLast':
      case 'notWithinLast': {
        const days = n.days;
        if (typeof days !== 'number' || !Number.isFinite(days) || days < 0 || days > 36_600) {
          fail(`${path}.days`, `${o} expects a number of days from 0 to 36600`, { attr: name, op: o, expected: 'days' });
        }
        params.push(ctx.now.getTime() - (days as number) * DAY_MS);
        cond = (x) => `${x} ${o === 'withinLast' ? '>=' : '<'} ?`;
        break;
      }
      default: {
        const mark = bind('value', n.value);
        cond = (x) => `${x} ${SQL_OP[o]} ${mark}`;
      }
    }
    if (at.source === 'dataset') {
      const col = `p.${checkedColumn(at.column!)}`;
      // isNotSet is the only leaf true for unset values.
      return o === 'isNotSet' ? `(${col} IS NULL)` : `(${cond(col)})`;
    }
    // Joint and score attributes: the rows whose customer carries a matching value (one set, built once).
    const leafParams = params.splice(params.length - countMarks(cond('x')));
    let set: string;
    if (at.source === 'joint') {
      const j = jointAttributeRows({ dataset: ctx.catalogue.dataset, name, alias: 'j' });
      params.push(...j.params, ...leafParams);
      set = `SELECT q.row FROM ${j.from} JOIN ${ctx.catalogue.table} q ON q.id_norm = ${j.columns.idNorm}
      WHERE ${j.where} AND ${cond(`(${jointValueSql(j.columns.value, at.type)})`)}`;
    } else {
      params.push(ctx.catalogue.dataset, name, ...leafParams);
      set = `SELECT s.row FROM insight_tree_scores s WHERE s.dataset = ? AND s.attribute = ? AND ${cond('s.score')}`;
    }
    return `(p.row ${o === 'isNotSet' ? 'NOT IN' : 'IN'} (${set}))`;
  };

  const body = walk(rule, 'rule', 0, ctx.self ? [ctx.self] : []);
  // A scoped catalogue: every compiled rule selects only customers of the caller's unit scope.
  const scoped = withScope(ctx.catalogue, { sql: body, params })!;
  return { sql: scoped.sql, params: scoped.params, rule: rule as Rule, segments: [...segments], attributes: [...attributes], events: [...events] };
}

function countMarks(sql: string): number {
  return sql.split('?').length - 1;
}

/** The bound value for a column of `type`, or `bad()` when the rule's value does not fit. */
function sqlValue(v: unknown, type: ProfileType, bad: () => never): number | string {
  switch (type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) ? v : bad();
    case 'boolean':
      return typeof v === 'boolean' ? (v ? 1 : 0) : bad();
    case 'date': {
      const ms = typeof v === 'string' ? isoToEpochMs(v) : null;
      return ms ?? bad();
    }
    default:
      return typeof v === 'string' && v.length <= 4096 ? v : bad();
  }
}
