/**
 * Funnel: how many customers go through 2–10 ordered steps within a conversion window, where
 * they drop off, and how long each step takes.
 *
 * Semantics (docs/analytics.md, Funnel), per customer:
 * - Events are ordered by time, then event id (ties are broken the same way every run). Only
 *   "funnel events" — events matching at least one step — take part.
 * - Entry: the customer's first step-1 event within the range (with `sameProperty`, the first
 *   one that has the property). One entry per customer.
 * - Loose order: step k is the earliest step-k event after the step-(k−1) event and no later
 *   than entry + window. Taking the earliest at each step is optimal: it leaves the most room.
 * - Strict order: step k must be the very next funnel event after the step-(k−1) event (any
 *   other step's event in between ends the customer's progress), within the window.
 * - `sameProperty`: every later step's event must have the entry event's value of the property.
 * - Later steps may fall after `to`, as long as they are within the window.
 * Computed as chained per-customer joins over the funnel events: each join is one row per
 * customer, so nothing multiplies (no self-join of events). Loose order compares (time, event id)
 * directly; strict order numbers each customer's funnel events with a window to find the next one.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader } from '../events/store.js';
import { anySelectorSql, EventSelectorSchema, PropertyName, propertyText, selectorSql } from './filters.js';
import { CommonParams, defineModel } from './model.js';
import { DateOnly, dateRange, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

const MAX_WINDOW_SECONDS = 90 * 86_400;

const FunnelParams = Type.Object(
  {
    steps: Type.Array(EventSelectorSchema, { minItems: 2, maxItems: 10, description: 'The ordered steps: an event name with filters each.' }),
    from: DateOnly('First day customers may enter (step 1), in the configured time zone.'),
    to: DateOnly('Last day customers may enter (inclusive).'),
    windowSeconds: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_WINDOW_SECONDS, default: 86_400, description: 'Every step must happen within this many seconds of entry.' }),
    ),
    order: Type.Optional(
      Type.Union([Type.Literal('loose'), Type.Literal('strict')], {
        default: 'loose',
        description: 'loose: other events may come between steps; strict: the next funnel event must be the next step.',
      }),
    ),
    sameProperty: Type.Optional({ ...PropertyName, description: "A property every step's event must share with the entry event (e.g. product_id)." }),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type FunnelParams = Static<typeof FunnelParams>;

const Num = Type.Union([Type.Number(), Type.Null()]);
const FunnelStep = Type.Object({
  step: Type.Integer(),
  event: Type.String(),
  customers: Type.Number(),
  conversionFromPrevious: Type.Union([Type.Number(), Type.Null()], {
    description: 'customers / the previous step’s; null for step 1 or when the previous had none.',
  }),
  conversionFromFirst: Num,
  dropOff: Type.Number({ description: 'Customers who reached the previous step but not this one (0 for step 1).' }),
  medianSecondsFromPrevious: Num,
  medianSecondsFromFirst: Num,
});
const FunnelResult = Type.Object({
  range: Type.Object({ from: Type.String(), to: Type.String() }),
  timeZone: Type.String(),
  windowSeconds: Type.Number(),
  order: Type.String(),
  sameProperty: Type.Union([Type.String(), Type.Null()]),
  steps: Type.Array(FunnelStep),
  conversion: Type.Union([Type.Number(), Type.Null()], { description: 'Last step / first step; null when nobody entered.' }),
});
export type FunnelResult = Static<typeof FunnelResult>;

async function runFunnel(reader: EventReader, p: FunnelParams, scope: ModelScope): Promise<FunnelResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const windowSeconds = p.windowSeconds ?? 86_400;
  const strict = (p.order ?? 'loose') === 'strict';
  const n = p.steps.length;
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const window = `to_seconds(CAST(${q.add(windowSeconds)} AS BIGINT))`;
  const start = zone.dayStart(q.add(range.from));
  const end = zone.dayStart(q.add(range.to), 1);
  const matches = p.steps.map((s, i) => selectorSql(q, s, `steps[${i}]`));
  const prop = p.sameProperty ? propertyText(q, p.sameProperty, 'sameProperty') : 'NULL::VARCHAR';
  const same = p.sameProperty ? ' AND f.p = prev.p' : '';
  const entries = `FROM fe WHERE m1 AND t < ${end}${p.sameProperty ? ' AND p IS NOT NULL' : ''} GROUP BY c`;
  // Each step's CTE has one row per customer who reached it: the step's event (its order key `k`),
  // the entry time `t1`, the previous step's time `tp` and the entry's property `p`.
  const carried = 'prev.t1, prev.p, prev.k.t AS tp';
  // The same, grouped: one previous row per customer, so any value is the value.
  const carriedOnce = 'any_value(prev.t1) AS t1, any_value(prev.p) AS p, any_value(prev.k.t) AS tp';
  const chain = strict
    ? [
        `s1 AS (SELECT c, min(seq) AS seq, arg_min({'t': t}, seq) AS k, arg_min(t, seq) AS t1, arg_min(p, seq) AS p ${entries})`,
        ...p.steps.slice(1).map((_, j) => {
          const k = j + 2;
          // The very next funnel event after the previous step's.
          return `s${k} AS (SELECT f.c, f.seq, {'t': f.t} AS k, ${carried} FROM fe f JOIN s${k - 1} prev ON f.c = prev.c AND f.seq = prev.seq + 1
            WHERE f.m${k} AND f.t <= prev.t1 + ${window}${same})`;
        }),
      ]
    : [
        `s1 AS (SELECT c, min({'t': t, 'e': e}) AS k, min(t) AS t1, arg_min(p, {'t': t, 'e': e}) AS p ${entries})`,
        ...p.steps.slice(1).map((_, j) => {
          const k = j + 2;
          // The earliest step-k event after the previous step's, in (time, event id) order.
          return `s${k} AS (SELECT f.c, min({'t': f.t, 'e': f.e}) AS k, ${carriedOnce}
            FROM fe f JOIN s${k - 1} prev ON f.c = prev.c
            WHERE f.m${k} AND {'t': f.t, 'e': f.e} > prev.k AND f.t <= prev.t1 + ${window}${same} GROUP BY f.c)`;
        }),
      ];
  const stats = p.steps.map((_, i) =>
    i === 0
      ? 'SELECT 1 AS step, count(*) AS customers, NULL::DOUBLE AS from_previous, NULL::DOUBLE AS from_first FROM s1'
      : `SELECT ${i + 1}, count(*), quantile_cont(epoch(k.t - tp), 0.5), quantile_cont(epoch(k.t - t1), 0.5) FROM s${i + 1}`,
  );
  // Loose order compares (time, event id) directly; only strict order needs each event's position.
  const seq = strict ? ', row_number() OVER (PARTITION BY customer_id ORDER BY time, event_id) AS seq' : ', event_id AS e';
  const sql = `
    WITH fe AS MATERIALIZED (
      SELECT customer_id AS c, time AS t${seq}, ${prop} AS p
        ${matches.map((m, i) => `, ${m} AS m${i + 1}`).join('')}
      FROM ${EVENTS_TABLE}
      WHERE time >= ${start} AND time < ${end} + ${window} AND ${anySelectorSql(q, p.steps, matches)} AND ${scopeSql(q, scope)}
    ),
    ${chain.join(',\n')}
    ${stats.join('\nUNION ALL\n')}`;
  const rows = await reader.all(sql, q.values);
  const byStep = new Map(rows.map((r) => [r.step as number, r]));
  const reached = p.steps.map((_, i) => (byStep.get(i + 1)?.customers as number | undefined) ?? 0);
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  const steps = p.steps.map((s, i) => ({
    step: i + 1,
    event: s.event,
    customers: reached[i],
    conversionFromPrevious: i === 0 ? null : ratio(reached[i], reached[i - 1]),
    conversionFromFirst: ratio(reached[i], reached[0]),
    dropOff: i === 0 ? 0 : reached[i - 1] - reached[i],
    medianSecondsFromPrevious: (byStep.get(i + 1)?.from_previous as number | null | undefined) ?? null,
    medianSecondsFromFirst: (byStep.get(i + 1)?.from_first as number | null | undefined) ?? null,
  }));
  return {
    range: { from: range.from, to: range.to },
    timeZone: scope.timeZone,
    windowSeconds,
    order: strict ? 'strict' : 'loose',
    sameProperty: p.sameProperty ?? null,
    steps,
    conversion: ratio(reached[n - 1], reached[0]),
  };
}

export const funnelModel = defineModel({
  name: 'funnel',
  summary: 'Customers through 2–10 ordered steps within a window: conversion, drop-off and median time per step',
  params: FunnelParams,
  result: FunnelResult,
  run: runFunnel,
  scalars: (r) => {
    const out: Record<string, number> = { entered: r.steps[0].customers, converted: r.steps[r.steps.length - 1].customers };
    if (r.conversion !== null) out.conversion = r.conversion;
    for (const s of r.steps) out[`step${s.step}`] = s.customers;
    return out;
  },
});
