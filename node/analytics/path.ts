/**
 * Path analysis: what customers do right after (or right before) an anchor event, as a Sankey.
 *
 * One path per customer, from the customer's first anchor event in the date range (the events on
 * the path may lie outside it): the anchor is step 0, the events that follow it are steps
 * 1…depth (or, before it, steps −1…−depth), ordered by time and then event id. With a session gap the path ends at the first pause longer than the gap, so
 * it does not run across days. At each step the `top` event names with the most customers keep
 * their name; the rest of that step is one node named "other" (id `<step>:*`, which no event name
 * can be). Nodes count customers; links count customers moving from one step to the next.
 *
 * The steps come from one sort of each customer's events (`row_number`, `lag`, `lead` over one
 * window), not from one self-join per step: the only join is with the one anchor row per customer,
 * found by one aggregate (the least (time, event id) of the customer's anchor events). The
 * customers' moves are then counted per step, name and next name — a few hundred rows — and the
 * top names and links are worked out on those. With a session gap, only events within
 * depth × gap of the anchor can be on a path, which bounds the rows the window has to sort.
 */
import { Type, type Static } from '@sinclair/typebox';
import { EVENTS_TABLE } from '../events/schema.js';
import type { EventReader, EventRow } from '../events/store.js';
import { EventSelectorSchema, selectorSql } from './filters.js';
import { CommonParams, defineModel } from './model.js';
import { DateOnly, dateRange, ZonedSql } from './period.js';
import { QueryParams } from './query.js';
import { scopeSql, type ModelScope } from './scope.js';

const PATH_DIRECTIONS = ['after', 'before'] as const;
const PATH_LIMITS = Object.freeze({ depth: 5, top: 20, sessionGapSeconds: 7 * 86_400 });
/** The schema fills these in; `run` falls back to the same ones. */
const DEFAULTS = Object.freeze({ depth: 3, top: 5, sessionGapSeconds: 1_800 });

/** The name of the node that groups a step's less frequent events. */
const OTHER = 'other';

const PathParams = Type.Object(
  {
    anchor: { ...EventSelectorSchema, description: 'The event paths start from (or lead to); its filters pick the anchor events.' },
    from: DateOnly("First day (inclusive) of the anchor events, in the configured time zone; a customer's first anchor in the range is used."),
    to: DateOnly('Last day (inclusive) of the anchor events.'),
    direction: Type.Optional(
      Type.Union(
        PATH_DIRECTIONS.map((d) => Type.Literal(d)),
        { default: 'after', description: 'after: what customers do next; before: what led them to the anchor.' },
      ),
    ),
    depth: Type.Optional(Type.Integer({ minimum: 1, maximum: PATH_LIMITS.depth, default: DEFAULTS.depth, description: 'Steps away from the anchor.' })),
    top: Type.Optional(
      Type.Integer({ minimum: 1, maximum: PATH_LIMITS.top, default: DEFAULTS.top, description: 'Event names kept per step; the rest is "other".' }),
    ),
    sessionGapSeconds: Type.Optional(
      Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: PATH_LIMITS.sessionGapSeconds }), Type.Null()], {
        default: DEFAULTS.sessionGapSeconds,
        description: 'A pause longer than this ends a path; null follows it across pauses.',
      }),
    ),
    ...CommonParams,
  },
  { additionalProperties: false },
);
type PathParams = Static<typeof PathParams>;

const PathResult = Type.Object({
  nodes: Type.Array(
    Type.Object({
      id: Type.String({ description: '`<step>:<event name>`, or `<step>:*` for other.' }),
      step: Type.Integer({ description: '0 for the anchor; 1… after it, −1… before it.' }),
      name: Type.String(),
      customers: Type.Number(),
    }),
  ),
  links: Type.Array(Type.Object({ source: Type.String(), target: Type.String(), customers: Type.Number() })),
});
export type PathResult = Static<typeof PathResult>;
type PathNode = PathResult['nodes'][number];
type PathLink = PathResult['links'][number];

async function runPath(reader: EventReader, p: PathParams, scope: ModelScope): Promise<PathResult> {
  const range = dateRange(p.from, p.to, scope.maxRangeDays);
  const after = (p.direction ?? 'after') === 'after';
  const depth = p.depth ?? DEFAULTS.depth;
  const sessionGap = p.sessionGapSeconds === undefined ? DEFAULTS.sessionGapSeconds : p.sessionGapSeconds;
  const q = new QueryParams();
  const zone = new ZonedSql(q, scope.timeZone);
  const customers = scopeSql(q, scope);
  // Fixed SQL per direction: the side of the anchor and the walking order (no user text).
  const onSide = after ? '(s.time > a.t0 OR (s.time = a.t0 AND s.event_id >= a.e0))' : '(s.time < a.t0 OR (s.time = a.t0 AND s.event_id <= a.e0))';
  const order = after ? 'time, event_id' : 'time DESC, event_id DESC';
  const gap = sessionGap === null ? null : q.add(sessionGap);
  const reach = gap === null ? '' : after ? `AND s.time <= a.t0 + to_seconds(${gap} * ${depth})` : `AND s.time >= a.t0 - to_seconds(${gap} * ${depth})`;
  // The same bounds around the whole range, constant, so the scan can skip row groups before the join.
  const rangeStart = () => zone.dayStart(q.add(range.from));
  const rangeEnd = () => zone.dayStart(q.add(range.to), 1);
  const bounds = after
    ? `s.time >= ${rangeStart()}${gap === null ? '' : ` AND s.time <= ${rangeEnd()} + to_seconds(${gap} * ${depth})`}`
    : `s.time < ${rangeEnd()}${gap === null ? '' : ` AND s.time >= ${rangeStart()} - to_seconds(${gap} * ${depth})`}`;
  // A path ends at the first pause longer than the gap. Within `depth` steps, a row is on its path
  // when none of the `depth` gaps before it is a pause: lags of one sort, no running sum.
  const within = (later: string, earlier: string) => `abs(epoch(${later} - ${earlier})) <= ${gap}`;
  const lagTime = (k: number) => (k === 0 ? 'time' : `lag(time, ${k}) OVER w`);
  const onPath =
    gap === null ? 'TRUE' : Array.from({ length: depth }, (_, i) => `(${lagTime(i + 1)} IS NULL OR ${within(lagTime(i), lagTime(i + 1))})`).join(' AND ');
  const nextOnPath = gap === null ? 'TRUE' : `${within('lead(time) OVER w', 'time')}`;
  const depthParam = q.add(depth);
  const top = q.add(p.top ?? DEFAULTS.top);
  const sql = `
    WITH firsts AS (
      SELECT customer_id, min({'t': time, 'e': event_id}) AS first FROM ${EVENTS_TABLE}
      WHERE ${selectorSql(q, p.anchor, 'anchor')} AND ${zone.within(q, range)} AND ${customers}
      GROUP BY customer_id
    ),
    anchors AS (SELECT customer_id, first.t AS t0, first.e AS e0 FROM firsts),
    near AS (
      SELECT s.customer_id, s.name, s.time, s.event_id
      FROM ${EVENTS_TABLE} s JOIN anchors a ON s.customer_id = a.customer_id
      WHERE ${bounds} AND ${onSide} ${reach}
    ),
    stepped AS (
      SELECT row_number() OVER w - 1 AS step, name, lead(name) OVER w AS next_name, ${onPath} AS on_path, ${nextOnPath} AS next_on_path
      FROM near WINDOW w AS (PARTITION BY customer_id ORDER BY ${order})
    ),
    -- Customers per step, name and the next step's name (NULL: the path ends): a few hundred rows.
    moves AS (
      SELECT step, name, CASE WHEN step < ${depthParam} AND next_on_path THEN next_name END AS next_name, count(*) AS customers
      FROM stepped WHERE step <= ${depthParam} AND on_path GROUP BY ALL
    ),
    ranked AS (
      SELECT step, name, row_number() OVER (PARTITION BY step ORDER BY sum(customers) DESC, name) AS rank
      FROM moves GROUP BY step, name
    )
    SELECT m.step, CASE WHEN r.rank <= ${top} THEN m.name END AS label,
      CASE WHEN m.next_name IS NOT NULL THEN m.step + 1 END AS next_step, CASE WHEN n.rank <= ${top} THEN m.next_name END AS next_label,
      sum(m.customers) AS customers
    FROM moves m JOIN ranked r ON r.step = m.step AND r.name = m.name
      LEFT JOIN ranked n ON n.step = m.step + 1 AND n.name = m.next_name
    GROUP BY ALL`;
  return sankey(await reader.all(sql, q.values), after ? 1 : -1);
}

export const pathModel = defineModel({
  name: 'path',
  summary: 'The most frequent event sequences after or before an anchor event, as Sankey nodes and links',
  params: PathParams,
  result: PathResult,
  run: runPath,
  scalars: (r) => ({ customers: r.nodes.find((n) => n.step === 0)?.customers ?? 0 }),
});

/** Folds (step, label) → (next step, next label) counts into nodes and links; `sign` orients the steps. */
function sankey(rows: readonly EventRow[], sign: 1 | -1): PathResult {
  const id = (step: number, label: unknown) => `${step}:${label === null ? '*' : label}`;
  // `+ 0` turns the anchor's −0 into 0.
  const oriented = (step: unknown) => sign * Number(step) + 0;
  const nodes = new Map<string, PathNode>();
  const links: PathLink[] = [];
  for (const row of rows) {
    const step = oriented(row.step);
    const label = row.label as string | null;
    const customers = Number(row.customers);
    const key = id(step, label);
    const node = nodes.get(key) ?? { id: key, step, name: label ?? OTHER, customers: 0 };
    node.customers += customers;
    nodes.set(key, node);
    if (row.next_step === null) continue;
    const next = id(oriented(row.next_step), row.next_label);
    // Before the anchor, customers flow from the earlier step into the later one.
    links.push(sign === 1 ? { source: key, target: next, customers } : { source: next, target: key, customers });
  }
  const byStepThenSize = (x: { step: number; customers: number; id: string }, y: typeof x) =>
    x.step - y.step || y.customers - x.customers || x.id.localeCompare(y.id);
  const stepOf = (nodeId: string) => nodes.get(nodeId)!;
  return {
    nodes: [...nodes.values()].sort(byStepThenSize),
    links: links.sort((x, y) => byStepThenSize(stepOf(x.source), stepOf(y.source)) || y.customers - x.customers || x.target.localeCompare(y.target)),
  };
}
