/**
 * The judgments that read one customer's data in memory: an event against a selector's property
 * filters (as node/analytics/filters.ts does in SQL: numbers compare as numbers, the rest as
 * text), profile conditions of an attribute split, and score bands.
 */
import type { ComponentParams, Condition } from '../components.js';
import type { EngineEvent, EventSelectorLike, ProfileScalar, ProfileValues } from './ports.js';

type Filter = NonNullable<EventSelectorLike['filters']>[number];

const text = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v));
const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
};

function equals(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'number') return num(actual) === expected;
  return text(actual) === String(expected);
}

function compare(actual: unknown, op: string, value: unknown): boolean {
  let a: number | string | null;
  let b: number | string;
  if (typeof value === 'number') {
    a = num(actual);
    b = value;
  } else {
    a = text(actual);
    b = String(value);
  }
  if (a === null) return false;
  return op === 'gt' ? a > b : op === 'gte' ? a >= b : op === 'lt' ? a < b : a <= b;
}

function filterHolds(props: Record<string, unknown>, f: Filter): boolean {
  const actual = props[f.property];
  switch (f.op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'not_exists':
      return actual === undefined || actual === null;
    case 'eq':
      return equals(actual, f.value);
    case 'neq':
      return !equals(actual, f.value);
    case 'in':
      return Array.isArray(f.value) && f.value.some((v) => equals(actual, v));
    case 'contains':
      return typeof actual === 'string' && typeof f.value === 'string' && actual.includes(f.value);
    default:
      return compare(actual, f.op, f.value);
  }
}

/** Whether the event is of the selector's name and passes all its filters. */
export function eventMatches(selector: EventSelectorLike, event: Pick<EngineEvent, 'name' | 'properties'>): boolean {
  return selector.event === event.name && (selector.filters ?? []).every((f) => filterHolds(event.properties, f));
}

/** A journey tag is held when a journey added it, or when the profile has a true boolean attribute of that name. */
export const TAG_PREFIX = 'tag:';

function conditionHolds(profile: ProfileValues, c: Condition): boolean {
  if ('tag' in c) {
    const has = profile.get(`${TAG_PREFIX}${c.tag}`) === true || profile.get(c.tag) === true;
    return c.op === 'has' ? has : !has;
  }
  const v = profile.get(c.attribute) ?? null;
  const value = c.value;
  switch (c.op) {
    case 'isSet':
      return v !== null;
    case 'isNotSet':
      return v === null;
    case 'eq':
      return v !== null && v === value;
    case 'ne':
      return v === null || v !== value;
    case 'in':
      return v !== null && Array.isArray(value) && (value as ProfileScalar[]).includes(v);
    case 'notIn':
      return v === null || !Array.isArray(value) || !(value as ProfileScalar[]).includes(v);
    default:
      if (v === null || value === undefined || Array.isArray(value) || value === null) return false;
      return c.op === 'lt' ? v < value : c.op === 'lte' ? v <= value : c.op === 'gt' ? v > value : v >= value;
  }
}

/** The key of the first branch whose conditions hold (all, or any), else `else`. */
export function attributeBranch(p: ComponentParams['attribute_split'], profile: ProfileValues): string {
  for (const b of p.branches) {
    const holds = b.match === 'any' ? b.conditions.some((c) => conditionHolds(profile, c)) : b.conditions.every((c) => conditionHolds(profile, c));
    if (holds) return b.key;
  }
  return 'else';
}

/** The key of the first band holding the score (from ≤ score < to), else `else` (also without a score). */
export function scoreBand(p: ComponentParams['score_split'], profile: ProfileValues): string {
  const score = profile.get(p.attribute);
  if (typeof score !== 'number') return 'else';
  return p.bands.find((b) => (b.from === undefined || score >= b.from) && (b.to === undefined || score < b.to))?.key ?? 'else';
}
