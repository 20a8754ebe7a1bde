/**
 * Attribution: which touches (campaign clicks, pushes, visits…) get the credit for a goal event.
 *
 * Each goal event is credited, independently of the customer's other goals, to the customer's
 * touch events in the window before it: from `windowSeconds` before the goal up to the goal's own
 * instant, both ends included. Touches are ordered by time, then event id. The credit of one goal
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
import type { EventReader } from '../events/store.js';
import { Binder, invalidParam, type Scope } from './draft-scope.js';

export const ATTRIBUTION_MODELS = ['first', 'last', 'linear', 'time_decay', 'position'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

export interface AttributionParams {
  goal: string;
  /** A number property of the goal whose value is credited along with the conversion. */
  valueProperty?: string;
  /** The touch events (1 to 20, none of them the goal). */
  touches: string[];
  model: AttributionModel;
  /** How far before a goal a touch still counts (default 30 days). */
  windowSeconds?: number;
  /** For `time_decay`: the age at which a touch weighs half as much (default 7 days). */
  halfLifeSeconds?: number;
  /** Credit each value of this touch property (e.g. `campaign`) instead of each touch event name. */
  byProperty?: string;
}

export interface AttributionCredit {
  /** The touch event name, or the touch property's value (null when the touch has none). */
  key: string | null;
  /** Conversions credited (a sum of fractions of goals). */
  conversions: number;
  /** Goal value credited. */
  value: number;
}

export interface AttributionResult {
  model: AttributionModel;
  goals: number;
  value: number;
  direct: { goals: number; share: number | null; value: number };
  credits: AttributionCredit[];
}

export const ATTRIBUTION_LIMITS = Object.freeze({ touches: 20, windowSeconds: 366 * 86_400 });
export const ATTRIBUTION_DEFAULTS = Object.freeze({ windowSeconds: 30 * 86_400, halfLifeSeconds: 7 * 86_400 });

const PROPERTY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Each model's share of a goal for the touch at `pos` (1-based) of its `n` touches. */
const CREDIT: Record<AttributionModel, string> = {
  first: 'CASE WHEN pos = 1 THEN 1.0 ELSE 0.0 END',
  last: 'CASE WHEN pos = n THEN 1.0 ELSE 0.0 END',
  linear: '1.0 / n',
  time_decay: 'weight / sum(weight) OVER g',
  position: 'CASE WHEN n = 1 THEN 1.0 WHEN n = 2 THEN 0.5 WHEN pos = 1 OR pos = n THEN 0.4 ELSE 0.2 / (n - 2) END',
};

/** @example await attribution(reader, scope, { goal: 'purchase', valueProperty: 'amount', touches: ['ad_click'], model: 'linear' }) */
export async function attribution(reader: EventReader, scope: Scope, params: AttributionParams): Promise<AttributionResult> {
  checkAttributionParams(params);
  const q = new Binder();
  const goal = q.bind(params.goal);
  const value = params.valueProperty === undefined ? '0.0' : `coalesce(TRY_CAST(properties ->> ${q.bind(`$.${params.valueProperty}`)} AS DOUBLE), 0.0)`;
  const touchNames = params.touches.map((t) => q.bind(t)).join(', ');
  const key = params.byProperty === undefined ? 'name' : `properties ->> ${q.bind(`$.${params.byProperty}`)}`;
  const window = q.bind(params.windowSeconds ?? ATTRIBUTION_DEFAULTS.windowSeconds);
  // Ages count from the goal's latest touch, which weighs 1: a long window with a short half-life
  // makes tiny weights, never a sum of zeros.
  const weight =
    params.model === 'time_decay' ? `pow(0.5, (age - min(age) OVER g) / ${q.bind(params.halfLifeSeconds ?? ATTRIBUTION_DEFAULTS.halfLifeSeconds)})` : '1.0';
  const sql = `
    WITH goals AS (
      SELECT customer_id, event_id AS goal_id, time AS goal_time, ${value} AS value FROM ${scope.events} WHERE name = ${goal}
    ),
    touches AS (
      SELECT customer_id, event_id AS touch_id, time AS touch_time, ${key} AS key FROM ${scope.events} WHERE name IN (${touchNames})
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
      SELECT customer_id, goal_id, value, key, ${CREDIT[params.model]} AS credit
      FROM weighted WINDOW g AS (PARTITION BY customer_id, goal_id)
    ),
    touched AS (SELECT DISTINCT customer_id, goal_id FROM pairs)
    SELECT FALSE AS total, key, sum(credit) AS conversions, sum(credit * value) AS value, NULL AS direct_goals, NULL AS direct_value
    FROM credited WHERE credit > 0 GROUP BY key
    UNION ALL
    SELECT TRUE, NULL, count(*), coalesce(sum(g.value), 0.0), count(*) FILTER (WHERE t.goal_id IS NULL), coalesce(sum(g.value) FILTER (WHERE t.goal_id IS NULL), 0.0)
    FROM goals g LEFT JOIN touched t ON t.customer_id = g.customer_id AND t.goal_id = g.goal_id`;
  const rows = await reader.all(sql, q.params);
  const total = rows.find((r) => r.total === true)!;
  const goals = Number(total.conversions);
  const directGoals = Number(total.direct_goals);
  return {
    model: params.model,
    goals,
    value: Number(total.value),
    direct: { goals: directGoals, share: goals === 0 ? null : directGoals / goals, value: Number(total.direct_value) },
    credits: rows
      .filter((r) => r.total === false)
      .map((r) => ({ key: r.key as string | null, conversions: Number(r.conversions), value: Number(r.value) }))
      .sort((x, y) => y.conversions - x.conversions || String(x.key).localeCompare(String(y.key))),
  };
}

function checkAttributionParams(params: AttributionParams): void {
  if (!ATTRIBUTION_MODELS.includes(params.model)) throw invalidParam('model', `must be one of ${ATTRIBUTION_MODELS.join(', ')}`);
  if (!Array.isArray(params.touches) || params.touches.length === 0 || params.touches.length > ATTRIBUTION_LIMITS.touches) {
    throw invalidParam('touches', `must list 1 to ${ATTRIBUTION_LIMITS.touches} touch events`);
  }
  const goalAt = params.touches.indexOf(params.goal);
  if (goalAt >= 0) throw invalidParam(`touches[${goalAt}]`, 'the goal event cannot also be a touch');
  for (const field of ['valueProperty', 'byProperty'] as const) {
    const name = params[field];
    if (name !== undefined && !PROPERTY.test(name)) throw invalidParam(field, 'must be a property name (letters, digits, underscores; up to 64)');
  }
  const { windowSeconds, halfLifeSeconds } = params;
  if (windowSeconds !== undefined && !(Number.isFinite(windowSeconds) && windowSeconds > 0 && windowSeconds <= ATTRIBUTION_LIMITS.windowSeconds)) {
    throw invalidParam('windowSeconds', `must be seconds from 1 to ${ATTRIBUTION_LIMITS.windowSeconds}`);
  }
  if (halfLifeSeconds !== undefined && !(Number.isFinite(halfLifeSeconds) && halfLifeSeconds > 0)) {
    throw invalidParam('halfLifeSeconds', 'must be a positive number of seconds');
  }
}
