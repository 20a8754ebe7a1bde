/**
 * Path analysis: what customers do right after (or right before) an anchor event, as a Sankey.
 *
 * One path per customer, from the customer's first anchor event in scope: the anchor is step 0,
 * the events that follow it are steps 1…depth (or, before it, steps −1…−depth), ordered by time
 * and then event id. With a session gap the path ends at the first pause longer than the gap, so
 * it does not run across days. At each step the `top` event names with the most customers keep
 * their name; the rest of that step is one node named "other" (id `<step>:*`, which no event name
 * can be). Nodes count customers; links count customers moving from one step to the next.
 *
 * The steps come from window functions (`row_number`, `lag`, `lead`) over each customer's events,
 * never from joining the event table to itself. With a session gap, only events within
 * depth × gap of the anchor can be on a path, which bounds the rows the window has to sort.
 */
import type { EventReader } from '../events/store.js';
import { Binder, invalidParam, type Scope } from './draft-scope.js';

export const PATH_DIRECTIONS = ['after', 'before'] as const;
export type PathDirection = (typeof PATH_DIRECTIONS)[number];

export interface PathParams {
  /** The event the paths start from (or lead to). */
  anchor: string;
  direction?: PathDirection;
  /** Steps away from the anchor: 1 to 5 (default 3). */
  depth?: number;
  /** Event names kept per step; the rest is "other" (default 5). */
  top?: number;
  /** A pause longer than this ends the path (default 1800 s); null follows the path across pauses. */
  sessionGapSeconds?: number | null;
}

export interface PathNode {
  id: string;
  step: number;
  name: string;
  customers: number;
}

export interface PathLink {
  source: string;
  target: string;
  customers: number;
}

export interface PathResult {
  nodes: PathNode[];
  links: PathLink[];
}

export const PATH_LIMITS = Object.freeze({ depth: 5, top: 20, sessionGapSeconds: 7 * 86_400 });
export const PATH_DEFAULTS = Object.freeze({ direction: 'after' as PathDirection, depth: 3, top: 5, sessionGapSeconds: 1_800 });

/** The name of the node that groups a step's less frequent events. */
export const OTHER = 'other';

/** @example await path(reader, scope, { anchor: 'login', depth: 3, top: 5 }) */
export async function path(reader: EventReader, scope: Scope, params: PathParams): Promise<PathResult> {
  const { anchor, direction, depth, top, sessionGapSeconds } = checkPathParams(params);
  const after = direction === 'after';
  const q = new Binder();
  const a = q.bind(anchor);
  // Fixed SQL per direction: the side of the anchor and the walking order (no user text).
  const onSide = after ? '(s.time > a.t0 OR (s.time = a.t0 AND s.event_id >= a.e0))' : '(s.time < a.t0 OR (s.time = a.t0 AND s.event_id <= a.e0))';
  const order = after ? 'time, event_id' : 'time DESC, event_id DESC';
  const gap = sessionGapSeconds === null ? null : q.bind(sessionGapSeconds);
  const horizon = gap === null ? '' : after ? `AND s.time <= a.t0 + to_seconds(${gap} * ${depth})` : `AND s.time >= a.t0 - to_seconds(${gap} * ${depth})`;
  const pause = gap === null ? '0' : `CASE WHEN abs(epoch(time - lag(time) OVER w)) > ${gap} THEN 1 ELSE 0 END`;
  const sql = `
    WITH src AS (SELECT customer_id, name, time, event_id FROM ${scope.events}),
    firsts AS (SELECT customer_id, min(time) AS t0 FROM src WHERE name = ${a} GROUP BY customer_id),
    anchors AS (
      SELECT s.customer_id, f.t0, min(s.event_id) AS e0
      FROM src s JOIN firsts f ON s.customer_id = f.customer_id AND s.time = f.t0
      WHERE s.name = ${a} GROUP BY s.customer_id, f.t0
    ),
    near AS (
      SELECT s.customer_id, s.name, s.time, s.event_id
      FROM src s JOIN anchors a ON s.customer_id = a.customer_id
      WHERE ${onSide} ${horizon}
    ),
    stepped AS (
      SELECT customer_id, name, row_number() OVER w - 1 AS step, ${pause} AS pause
      FROM near WINDOW w AS (PARTITION BY customer_id ORDER BY ${order})
    ),
    sessions AS (
      SELECT customer_id, name, step, sum(pause) OVER (PARTITION BY customer_id ORDER BY step ROWS UNBOUNDED PRECEDING) AS session
      FROM stepped WHERE step <= ${q.bind(depth)}
    ),
    steps AS (SELECT customer_id, name, step FROM sessions WHERE session = 0),
    ranked AS (
      SELECT step, name, row_number() OVER (PARTITION BY step ORDER BY count(*) DESC, name) AS rank
      FROM steps GROUP BY step, name
    ),
    labelled AS (
      SELECT s.customer_id, s.step, CASE WHEN r.rank <= ${q.bind(top)} THEN s.name END AS label
      FROM steps s JOIN ranked r ON s.step = r.step AND s.name = r.name
    ),
    linked AS (
      SELECT step, label, lead(step) OVER c AS next_step, lead(label) OVER c AS next_label
      FROM labelled WINDOW c AS (PARTITION BY customer_id ORDER BY step)
    )
    SELECT step, label, next_step, next_label, count(*) AS customers FROM linked GROUP BY ALL`;
  const rows = await reader.all(sql, q.params);
  return sankey(rows, after ? 1 : -1);
}

/** Folds (step, label) → (next step, next label) counts into nodes and links; `sign` orients the steps. */
function sankey(rows: readonly Record<string, unknown>[], sign: 1 | -1): PathResult {
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

function checkPathParams(params: PathParams): Required<PathParams> {
  const resolved = { ...PATH_DEFAULTS, ...params };
  const { direction, depth, top, sessionGapSeconds } = resolved;
  if (!PATH_DIRECTIONS.includes(direction)) throw invalidParam('direction', `must be one of ${PATH_DIRECTIONS.join(', ')}`);
  if (!Number.isInteger(depth) || depth < 1 || depth > PATH_LIMITS.depth) throw invalidParam('depth', `must be an integer from 1 to ${PATH_LIMITS.depth}`);
  if (!Number.isInteger(top) || top < 1 || top > PATH_LIMITS.top) throw invalidParam('top', `must be an integer from 1 to ${PATH_LIMITS.top}`);
  if (sessionGapSeconds !== null && !(Number.isFinite(sessionGapSeconds) && sessionGapSeconds > 0 && sessionGapSeconds <= PATH_LIMITS.sessionGapSeconds)) {
    throw invalidParam('sessionGapSeconds', `must be seconds from 1 to ${PATH_LIMITS.sessionGapSeconds}, or null for no session split`);
  }
  return resolved;
}
