/**
 * What an alert rule decides, as pure functions: whether its condition holds for a value (and the
 * previous period's value), and what that means given the rule's state and cool-down.
 *
 * - threshold `above x` holds when value > x; `below x` when value < x.
 * - change `above x` holds when the value rose by more than x % over the previous period's;
 *   `below x` when it fell by more than x %; `either x` when it moved more than x % either way.
 *   From a previous value of 0 any non-zero value is an unbounded change (it holds for the
 *   direction it went), and 0 → 0 is no change.
 *
 * A rule fires when its condition holds and it has not fired within its cool-down, so a condition
 * that stays true repeats once per cool-down, not once per evaluation; a firing rule whose
 * condition no longer holds resolves. A rule that resolved and holds again within the cool-down
 * stays quiet until the cool-down has passed (a flapping value does not page every tick).
 */
import { MofangError } from '../errors.js';

const RULE_KINDS = ['threshold', 'change'] as const;
const DIRECTIONS = ['above', 'below', 'either'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export type Direction = (typeof DIRECTIONS)[number];

export interface Condition {
  kind: RuleKind;
  direction: Direction;
  /** The threshold, or the change in percent. */
  value: number;
}

/** Largest threshold magnitude, change percent, schedule and cool-down a rule may have. */
export const RULE_LIMITS = { value: 1e15, everyMinutes: 7 * 24 * 60, cooldownMinutes: 30 * 24 * 60 } as const;

/** Checks a condition from a request or the CLI; the error names the field and the rule it breaks. */
export function checkCondition(c: Condition): Condition {
  const bad = (field: string, message: string) => new MofangError('ALERT_RULE_INVALID', `${field}: ${message}`, { field });
  if (!(RULE_KINDS as readonly string[]).includes(c.kind)) throw bad('kind', `must be one of ${RULE_KINDS.join(', ')}`);
  if (!(DIRECTIONS as readonly string[]).includes(c.direction)) throw bad('direction', `must be one of ${DIRECTIONS.join(', ')}`);
  if (c.kind === 'threshold' && c.direction === 'either') throw bad('direction', 'a threshold is crossed above or below, not either');
  if (typeof c.value !== 'number' || !Number.isFinite(c.value) || Math.abs(c.value) > RULE_LIMITS.value) {
    throw bad('value', `must be a finite number of magnitude at most ${RULE_LIMITS.value}`);
  }
  if (c.kind === 'change' && c.value < 0) throw bad('value', 'a change is given in percent, 0 or more (direction says which way)');
  return c;
}

/** Relative change from `previous` to `value` in percent (±Infinity from 0, 0 for 0 → 0). */
export function changePercent(value: number, previous: number): number {
  if (previous === 0) return value === 0 ? 0 : value > 0 ? Infinity : -Infinity;
  return ((value - previous) / Math.abs(previous)) * 100;
}

/** Whether the condition holds; a change rule needs the previous period's value. */
export function holds(c: Condition, value: number, previous: number | null): boolean {
  if (c.kind === 'threshold') return c.direction === 'above' ? value > c.value : value < c.value;
  if (previous === null) return false;
  const change = changePercent(value, previous);
  if (c.direction === 'above') return change > c.value;
  if (c.direction === 'below') return change < -c.value;
  return Math.abs(change) > c.value;
}

export type RuleState = 'ok' | 'firing';

/** What an evaluation does to a rule: record a firing, record a resolution, or nothing. */
export type Transition = 'fire' | 'resolve' | 'none';

/** @example transition({ state: 'ok', lastFiredAt: null, cooldownMinutes: 60 }, true, now) // 'fire' */
export function transition(rule: { state: RuleState; lastFiredAt: string | null; cooldownMinutes: number }, conditionHolds: boolean, now: Date): Transition {
  if (!conditionHolds) return rule.state === 'firing' ? 'resolve' : 'none';
  const quietUntil = rule.lastFiredAt === null ? -Infinity : Date.parse(rule.lastFiredAt) + rule.cooldownMinutes * 60_000;
  return now.getTime() >= quietUntil ? 'fire' : 'none';
}
