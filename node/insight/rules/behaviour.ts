/**
 * The behaviour leaf of the rule tree: what a customer did in the event stream.
 *
 * ```
 * { event: {
 *     name,                                   // the event's name
 *     did?: boolean,                          // false: "did not" — the negation of the rest
 *     where?: PropertyFilter[],               // analytics' filters (analytics/filters.ts), all must hold
 *     times?: { atLeast?, atMost? },          // how many matching events (atLeast defaults to 1)
 *     within?: { days } | { from, to },       // last N days up to now, or calendar dates (inclusive)
 *     aggregate?: { fn, property?, op, value } // sum/avg/min/max/count of a property vs a number
 * } }
 * ```
 * Without `times` and `aggregate` the leaf means "did it at least once". With an `aggregate` and no
 * `times`, the aggregate alone decides, over zero events too: the sum and the count of no events
 * are 0 (so "sum of amount < 100" includes customers who never did it), while avg, min and max of
 * no values are unset and every comparison with them is false — as for unset attributes.
 *
 * This module only checks the leaf (naming the rule path) and states its semantics; evaluation
 * runs over the event store (../behaviour/).
 */
import { Type, type Static } from '@sinclair/typebox';
import { EventName, FiltersSchema, PropertyName } from '../../analytics/filters.js';

/** Longest look-back of `within.days` (ten years). */
const MAX_WITHIN_DAYS = 3650;
/** Most property filters on one leaf. */
const MAX_FILTERS = FiltersSchema.maxItems ?? 20;
/** Most values in one `in` filter. */
const MAX_FILTER_VALUES = 100;
/** Largest `times` bound. */
const MAX_TIMES = 1_000_000;
/** Property names are identifiers, so they can be checked here and passed to SQL as JSON paths. */
const PROPERTY_NAME = new RegExp(PropertyName.pattern ?? '^$');

/** The analysis models' filter operators: one filter language for models and segments. */
const FILTER_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'not_exists'] as const;
const AGGREGATE_FNS = ['sum', 'avg', 'min', 'max', 'count'] as const;
const AGGREGATE_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'] as const;

const Enum = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });
const IsoDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
type PropertyFilter = Static<typeof FiltersSchema>[number];

/** JSON Schema of the behaviour leaf's `event` object. */
export const BehaviourSchema = Type.Object(
  {
    name: EventName,
    did: Type.Optional(Type.Boolean()),
    where: Type.Optional(FiltersSchema),
    times: Type.Optional(
      Type.Object(
        { atLeast: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TIMES })), atMost: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TIMES })) },
        { additionalProperties: false },
      ),
    ),
    within: Type.Optional(
      Type.Union([
        Type.Object({ days: Type.Integer({ minimum: 1, maximum: MAX_WITHIN_DAYS }) }, { additionalProperties: false }),
        Type.Object({ from: IsoDate, to: IsoDate }, { additionalProperties: false }),
      ]),
    ),
    aggregate: Type.Optional(
      Type.Object(
        { fn: Enum(AGGREGATE_FNS), property: Type.Optional(PropertyName), op: Enum(AGGREGATE_OPS), value: Type.Number() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type BehaviourCondition = Static<typeof BehaviourSchema>;
export type BehaviourAggregate = NonNullable<BehaviourCondition['aggregate']>;

type Fail = (path: string, message: string, details?: Record<string, unknown>) => never;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, lo: number, hi: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function onlyKeys(n: Record<string, unknown>, allowed: readonly string[], path: string, fail: Fail): void {
  const extra = Object.keys(n).find((k) => !allowed.includes(k));
  if (extra !== undefined) fail(`${path}.${extra}`, `unknown field; expected ${allowed.join(', ')}`);
}

function checkProperty(v: unknown, path: string, fail: Fail): string {
  if (typeof v !== 'string' || !PROPERTY_NAME.test(v)) fail(path, `must be a property name matching ${PROPERTY_NAME}`);
  return v as string;
}

/** A calendar date (YYYY-MM-DD) that exists. */
function checkDate(v: unknown, path: string, fail: Fail): string {
  const ok = typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
  if (!ok) fail(path, 'must be a date YYYY-MM-DD');
  return v as string;
}

/** Checked here so errors name the rule path; analytics/filters.ts compiles it (same rules). */
function checkFilter(f: unknown, path: string, fail: Fail): PropertyFilter {
  if (!isObject(f)) return fail(path, 'must be an object { property, op, value? }');
  onlyKeys(f, ['property', 'op', 'value'], path, fail);
  const property = checkProperty(f.property, `${path}.property`, fail);
  const op = f.op;
  if (typeof op !== 'string' || !(FILTER_OPS as readonly string[]).includes(op)) return fail(`${path}.op`, `must be one of ${FILTER_OPS.join(', ')}`);
  const v = f.value;
  const text = (x: unknown): x is string => typeof x === 'string' && x.length <= 1000;
  switch (op) {
    case 'exists':
    case 'not_exists':
      if (v !== undefined) fail(`${path}.value`, `${op} takes no value`);
      return { property, op };
    case 'in': {
      if (!Array.isArray(v) || v.length === 0 || v.length > MAX_FILTER_VALUES)
        fail(`${path}.value`, `must be a list of 1..${MAX_FILTER_VALUES} strings or numbers`);
      (v as unknown[]).forEach((x, i) => {
        if (!finite(x) && !text(x)) fail(`${path}.value[${i}]`, 'must be a string or a number');
      });
      return { property, op, value: v as (string | number)[] };
    }
    case 'contains':
      if (!text(v) || v === '') fail(`${path}.value`, 'must be a non-empty string');
      return { property, op, value: v as string };
    case 'eq':
    case 'neq':
      if (!finite(v) && !text(v) && typeof v !== 'boolean') fail(`${path}.value`, 'must be a string, a number or a boolean');
      return { property, op, value: v as string | number | boolean };
    default:
      if (!finite(v) && !text(v)) fail(`${path}.value`, 'must be a number (or a string, compared as text)');
      return { property, op: op as 'gt', value: v as string | number };
  }
}

/**
 * Checks a behaviour leaf's `event` object; errors name the path below `path` (`rule.all[1].event`).
 * Returns the leaf with only the fields it may have, in a fixed order (its identity for caching).
 */
export function checkBehaviour(node: unknown, path: string, fail: Fail): BehaviourCondition {
  if (!isObject(node)) return fail(path, 'must be an object { name, did?, where?, times?, within?, aggregate? }');
  onlyKeys(node, ['name', 'did', 'where', 'times', 'within', 'aggregate'], path, fail);
  const { name, did, where, times, within, aggregate } = node;
  if (typeof name !== 'string' || name === '' || name.length > 128) fail(`${path}.name`, 'must be an event name (1..128 characters)');
  const out: BehaviourCondition = { name: name as string };
  if (did !== undefined) {
    if (typeof did !== 'boolean') fail(`${path}.did`, 'must be true or false');
    if (did === false) out.did = false;
  }
  if (where !== undefined) {
    if (!Array.isArray(where) || where.length > MAX_FILTERS) fail(`${path}.where`, `must be an array of at most ${MAX_FILTERS} filters`);
    const filters = (where as unknown[]).map((f, i) => checkFilter(f, `${path}.where[${i}]`, fail));
    if (filters.length > 0) out.where = filters;
  }
  if (times !== undefined) {
    if (!isObject(times)) fail(`${path}.times`, 'must be an object { atLeast?, atMost? }');
    const t = times as Record<string, unknown>;
    onlyKeys(t, ['atLeast', 'atMost'], `${path}.times`, fail);
    if (t.atLeast === undefined && t.atMost === undefined) fail(`${path}.times`, 'must give atLeast, atMost or both');
    for (const k of ['atLeast', 'atMost'] as const) {
      if (t[k] !== undefined && !isInt(t[k], 0, MAX_TIMES)) fail(`${path}.times.${k}`, `must be an integer 0..${MAX_TIMES}`);
    }
    const atLeast = t.atLeast as number | undefined;
    const atMost = t.atMost as number | undefined;
    if (atMost !== undefined && atMost < (atLeast ?? 1)) fail(`${path}.times.atMost`, `must be at least atLeast (${atLeast ?? '1 unless given'})`);
    out.times = { ...(atLeast !== undefined ? { atLeast } : {}), ...(atMost !== undefined ? { atMost } : {}) };
  }
  if (within !== undefined) {
    if (!isObject(within)) fail(`${path}.within`, 'must be { days } or { from, to }');
    const w = within as Record<string, unknown>;
    if ('days' in w) {
      onlyKeys(w, ['days'], `${path}.within`, fail);
      if (!isInt(w.days, 1, MAX_WITHIN_DAYS)) fail(`${path}.within.days`, `must be 1..${MAX_WITHIN_DAYS}`);
      out.within = { days: w.days as number };
    } else {
      onlyKeys(w, ['from', 'to'], `${path}.within`, fail);
      const from = checkDate(w.from, `${path}.within.from`, fail);
      const to = checkDate(w.to, `${path}.within.to`, fail);
      if (from > to) fail(`${path}.within`, 'from must not be after to');
      out.within = { from, to };
    }
  }
  if (aggregate !== undefined) {
    if (!isObject(aggregate)) fail(`${path}.aggregate`, 'must be an object { fn, property?, op, value }');
    const a = aggregate as Record<string, unknown>;
    onlyKeys(a, ['fn', 'property', 'op', 'value'], `${path}.aggregate`, fail);
    if (typeof a.fn !== 'string' || !(AGGREGATE_FNS as readonly string[]).includes(a.fn))
      fail(`${path}.aggregate.fn`, `must be one of ${AGGREGATE_FNS.join(', ')}`);
    const fn = a.fn as BehaviourAggregate['fn'];
    if (fn !== 'count' && a.property === undefined) fail(`${path}.aggregate.property`, `is required for ${fn}`);
    const property = a.property === undefined ? undefined : checkProperty(a.property, `${path}.aggregate.property`, fail);
    if (typeof a.op !== 'string' || !(AGGREGATE_OPS as readonly string[]).includes(a.op))
      fail(`${path}.aggregate.op`, `must be one of ${AGGREGATE_OPS.join(', ')}`);
    if (!finite(a.value)) fail(`${path}.aggregate.value`, 'must be a finite number');
    out.aggregate = { fn, ...(property !== undefined ? { property } : {}), op: a.op as BehaviourAggregate['op'], value: a.value as number };
  }
  return out;
}

const COMPARE: Record<BehaviourAggregate['op'], (x: number, y: number) => boolean> = {
  eq: (x, y) => x === y,
  neq: (x, y) => x !== y,
  gt: (x, y) => x > y,
  gte: (x, y) => x >= y,
  lt: (x, y) => x < y,
  lte: (x, y) => x <= y,
};

/** The lower bound on the count of matching events: 1 ("did it") unless `times` or an aggregate says otherwise. */
export function atLeastOf(c: BehaviourCondition): number {
  return c.times?.atLeast ?? (c.aggregate && !c.times ? 0 : 1);
}

/**
 * Whether the positive condition (ignoring `did`) holds for a customer with no matching event.
 * Evaluation selects the customers who have events in the store, so a condition that holds at zero
 * is evaluated as the complement of those for whom it fails.
 */
export function holdsWithoutEvents(c: BehaviourCondition): boolean {
  if (atLeastOf(c) > 0) return false;
  const a = c.aggregate;
  if (!a) return true;
  // Sum and count of nothing are 0; avg, min and max of nothing are unset, so false.
  return (a.fn === 'sum' || a.fn === 'count') && COMPARE[a.op](0, a.value);
}
