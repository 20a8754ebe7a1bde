/**
 * Attribution: which touches (campaign clicks, pushes, visits…) get the credit for a goal event.
 *
 * Each goal event of the date range is credited, independently of the customer's other goals, to
 * the customer's touch events in the window before it: from `windowSeconds` before the goal (which
 * may be before the range) up to the goal's own instant, both ends included. Touches are ordered by time, then event id. The credit of one goal
 * is 1 in every model, split across its n touches:
 * - `first` / `last`: all of it to the earliest / latest touch;
 * - `linear`: 1/n each;
 * - `time_decay`: in proportion to 2^(−age / halfLife), age = goal time − touch time;
 * - `position`: 40 % to the first, 40 % to the last, the 20 % left split evenly between the middle
 *   ones; with two touches 50 % each, with one touch 100 %.
 * A goal with no touch in its window is "direct". Credit goes to the touch's event name, or to the
 * value of one of its properties (a touch without it is credited to null). The goal's value, when a
 * value property is named, is that number (0 when absent) and is credited in the same shares.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader } from '../events/store.js';
import { EventSelectorSchema, PropertyName, propertyNumber, propertyText, selectorSql } from './filters.js';
import { invalidParam } from './invalid.js';
import { CommonParams, defineModel } from './model.js';
import { DateOnly, dateRange, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

export const ATTRIBUTION_MODELS = ['first', 'last', 'linear', 'time_decay', 'position'] as const;
type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

const ATTRIBUTION_LIMITS = Object.freeze({ touches: 20, windowSeconds: 366 * 86_400 });
/** The schema fills these in; `run` falls back to the same ones. */
const DEFAULTS = Object.freeze({ windowSeconds: 30 * 86_400, halfLifeSeconds: 7 * 86_400 });

const AttributionParams = Type.Object(
  {
    goal: { ...EventSelectorSchema, description: 'The goal (conversion) event; its filters pick the goals.' },
    valueProperty: Type.Optional({ ...PropertyName, description: 'A number property of the goal whose value is credited too (0 when absent).' }),
    touches: Type.Array(EventSelectorSchema, {
      minItems: 1,
      maxItems: ATTRIBUTION_LIMITS.touches,
      description: 'The touch events (with their filters); none may be the goal event.',
    }),
    model: Type.Union(
      ATTRIBUTION_MODELS.map((m) => Type.Literal(m)),
      { description: 'first, last, linear, time_decay or position (40/20/40).' },
    ),
    from: DateOnly('First day (inclusive) of the goals, in the configured time zone.'),
    to: DateOnly('Last day (inclusive) of the goals; their touches may come before the range.'),
    windowSeconds: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: ATTRIBUTION_LIMITS.windowSeconds,
        default: DEFAULTS.windowSeconds,
        description: 'How long before a goal a touch still counts.',
      }),
    ),
    halfLifeSeconds: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, default: DEFAULTS.halfLifeSeconds, description: 'time_decay: the age at which a touch weighs half as much.' }),
    ),
    byProperty: Type.Optional({ ...PropertyName, description: 'Credit the values of this touch property (e.g. campaign) instead of the touch event names.' }),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type AttributionParams = Static<typeof AttributionParams>;

const AttributionResult = Type.Object({
  model: Type.String(),
  goals: Type.Number(),
  value: Type.Number({ description: "The goals' value in all." }),
  direct: Type.Object(
    {
      goals: Type.Number(),
      share: Type.Union([Type.Number(), Type.Null()], { description: 'Direct goals over all goals; null without goals.' }),
      value: Type.Number(),
    },
    { description: 'Goals with no touch in their window.' },
  ),
  credits: Type.Array(
    Type.Object({
      key: Type.Union([Type.String(), Type.Null()], { description: "The touch event name, or the touch property's value (null when the touch has none)." }),
      conversions: Type.Number({ description: 'Conversions credited: a sum of fractions of goals.' }),
      value: Type.Number({ description: 'Goal value credited.' }),
    }),
  ),
});
export type AttributionResult = Static<typeof AttributionResult>;

/** Each model's share of a goal for the touch at `pos` (1-based) of its `n` touches. */
const CREDIT: Record<AttributionModel, string> = {
  first: 'CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END',
  last: 'CASE WHEN pos = n THEN 1.0 ELSE 0.0 END',
  linear: '1.0 / n',
  time_decay: 'weight / sum(weight) OVER g',
  position: 'CASE WHEN n = 1 THEN 1.0 WHEN n = 2 THEN 0.5 WHEN pos = 1 OR pos = n THEN 0.4 ELSE 0.2 / (n - 2) END',
};

async function runAttribution(reader: EventReader, p: AttributionParams, scope: ModelScope): Promise<AttributionResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const goalAt = p.touches.findIndex((t) => t.event === p.goal.event);
  if (goalAt >= 0) throw invalidParam(`touches[${goalAt}].event`, 'the goal event cannot also be a touch');
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const customers = scopeSql(q, scope);
  const value = p.valueProperty === undefined ? '0.0' : `coalesce(${propertyNumber(q, p.valueProperty, 'valueProperty')}, 0.0)`;
  const touch = p.touches.map((t, i) => selectorSql(q, t, `touches[${i}]`)).join(' OR ');
  const key = p.byProperty === undefined ? 'name' : propertyText(q, p.byProperty, 'byProperty');
  const window = q.add(p.windowSeconds ?? DEFAULTS.windowSeconds);
  // Ages count from the goal's latest touch, which weighs 1: a long window with a short half-life
  // makes tiny weights, never a sum of zeros.
  const weight = p.model === 'time_decay' ? `pow(0.5, (age - min(age) OVER g) / ${q.add(p.halfLifeSeconds ?? DEFAULTS.halfLifeSeconds)})` : '1.0';
  const sql = `
    WITH goals AS (
      SELECT customer_id, event_id AS goal_id, time AS goal_time, ${value} AS value FROM ${EVENTS_TABLE}
      WHERE ${selectorSql(q, p.goal, 'goal')} AND ${zone.within(q, range)} AND ${customers}
    ),
    touches AS (
      SELECT customer_id, event_id AS touch_id, time AS touch_time, ${key} AS key FROM ${EVENTS_TABLE}
      WHERE (${touch}) AND time >= ${zone.dayStart(q.add(range.from))} - to_seconds(${window}) AND time < ${zone.dayStart(q.add(range.to), 1)} AND ${customers}
    ),
    pairs AS (
      SELECT g.customer_id, g.goal_id, g.value, t.touch_id, t.key,
        row_number() OVER g AS pos, count(*) OVER (PARTITION BY g.customer_id, g.goal_id) AS n,
        epoch(g.goal_time - t.touch_time) AS age
      FROM goals g JOIN touches t ON t.customer_id = g.customer_id
        AND t.touch_time <= g.goal_time AND t.touch_time >= g.goal_time - to_seconds(${window})
      WINDOW g AS (PARTITION BY g.customer_id, g.goal_id ORDER BY t.touch_time, t.touch_id)
    ),
    weighted AS (
      SELECT *, ${weight} AS weight FROM pairs WINDOW g AS (PARTITION BY customer_id, goal_id)
    ),
    credited AS (
      SELECT customer_id, goal_id, value, key, ${CREDIT[p.model]} AS credit
      FROM weighted WINDOW g AS (PARTITION BY customer_id, goal_id)
    ),
    touched AS (SELECT DISTINCT customer_id, goal_id FROM pairs)
    SELECT FALSE AS total, key, sum(credit) AS conversions, sum(credit * value) AS value, NULL AS direct_goals, NULL AS direct_value
    FROM credited WHERE credit > 0 GROUP BY key
    UNION ALL
    SELECT TRUE, NULL, count(*), coalesce(sum(g.value), 0.0), count(*) FILTER (WHERE t.goal_id IS NULL), coalesce(sum(g.value) FILTER (WHERE t.goal_id IS NULL), 0.0)
    FROM goals g LEFT JOIN touched t ON t.customer_id = g.customer_id AND t.goal_id = g.goal_id`;
  const rows = await reader.all(sql, q.values);
  const total = rows.find((r) => r.total === true)!;
  const goals = Number(total.conversions);
  const directGoals = Number(total.direct_goals);
  return {
    model: p.model,
    goals,
    value: Number(total.value),
    direct: { goals: directGoals, share: goals === 0 ? null : directGoals / goals, value: Number(total.direct_value) },
    credits: rows
      .filter((r) => r.total === false)
      .map((r) => ({ key: r.key as string | null, conversions: Number(r.conversions), value: Number(r.value) }))
      .sort((x, y) => y.conversions - x.conversions || String(x.key).localeCompare(String(y.key))),
  };
}

export const attributionModel = defineModel({
  name: 'attribution',
  summary: 'Credit for goal events split across the touches before them: first, last, linear, time decay or position-based',
  params: AttributionParams,
  result: AttributionResult,
  run: runAttribution,
  scalars: (r) => {
    const out: Record<string, number> = { goals: r.goals, value: r.value, direct: r.direct.goals };
    if (r.direct.share !== null) out.directShare = r.direct.share;
    return out;
  },
});
