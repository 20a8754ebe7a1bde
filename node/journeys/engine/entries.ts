/** SQL over the engine's tables (schema.ts) but the outbox (outbox-store.ts); the engine (engine.ts) holds the rules. */
import { prepared, type Db } from '../../store/db.js';
import type { ProfileScalar } from './ports.js';
import type { EntryState, EntryStatus } from './state.js';
import type { Visit } from './walk.js';

interface EntryRow {
  id: number;
  journey: number;
  version: number;
  dataset: string;
  customer_id: string;
  trigger_key: string;
  entered_at: string;
  status: EntryStatus;
  node: string;
  since: string;
  wake_at: string | null;
  waiting_for: string | null;
  priority: number;
  variant: string | null;
  context: string;
  exit_reason: string | null;
  steps: number;
  resume: string | null;
}

const date = (s: string | null) => (s === null ? null : new Date(s));
const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const entryOf = (r: EntryRow): EntryState => ({
  id: r.id,
  journeyId: r.journey,
  version: r.version,
  dataset: r.dataset,
  customerId: r.customer_id,
  triggerKey: r.trigger_key,
  enteredAt: new Date(r.entered_at),
  status: r.status,
  node: r.node,
  since: new Date(r.since),
  wakeAt: date(r.wake_at),
  waitingFor: r.waiting_for,
  priority: r.priority,
  variant: r.variant,
  context: JSON.parse(r.context) as Record<string, unknown>,
  exitReason: r.exit_reason,
  steps: r.steps,
  resume: r.resume,
});

/** A new entry, due at once; null when this trigger already let the customer in. */
export function insertEntry(
  db: Db,
  e: Pick<EntryState, 'journeyId' | 'version' | 'dataset' | 'customerId' | 'triggerKey' | 'node' | 'context'> & {
    at: Date;
    wakeAt: Date;
    waitingFor: string | null;
    resume: string | null;
  },
): number | null {
  const r = prepared(
    db,
    `INSERT OR IGNORE INTO journey_entries (journey, version, dataset, customer_id, trigger_key, entered_at, status, node, since, wake_at, waiting_for, context, resume)
       VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.journeyId,
    e.version,
    e.dataset,
    e.customerId,
    e.triggerKey,
    e.at.toISOString(),
    e.node,
    e.at.toISOString(),
    e.wakeAt.toISOString(),
    e.waitingFor,
    JSON.stringify(e.context),
    e.resume,
  );
  return r.changes === 1 ? Number(r.lastInsertRowid) : null;
}

/** These entries (those that exist), in one read. */
export function loadEntries(db: Db, ids: readonly number[]): Map<number, EntryState> {
  const rows = prepared(db, 'SELECT * FROM journey_entries WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as EntryRow[];
  return new Map(rows.map((r) => [r.id, entryOf(r)]));
}

export function loadEntry(db: Db, id: number): EntryState | undefined {
  const r = prepared(db, 'SELECT * FROM journey_entries WHERE id = ?').get(id) as EntryRow | undefined;
  return r && entryOf(r);
}

/** Writes the entry's new state unless another advance committed since `basedOn` (then false). */
export function saveEntry(db: Db, e: EntryState, basedOn: number, at: Date): boolean {
  const ended = e.status !== 'active';
  return (
    prepared(
      db,
      `UPDATE journey_entries SET version = ?, status = ?, node = ?, since = ?, wake_at = ?, waiting_for = ?, priority = ?, variant = ?, exit_reason = ?,
           steps = ?, resume = ?, ended_at = ? WHERE id = ? AND steps = ?`,
    ).run(
      e.version,
      e.status,
      e.node,
      e.since.toISOString(),
      ended ? null : iso(e.wakeAt),
      ended ? null : e.waitingFor,
      e.priority,
      e.variant,
      e.exitReason,
      basedOn + 1,
      ended ? null : e.resume,
      ended ? at.toISOString() : null,
      e.id,
      basedOn,
    ).changes === 1
  );
}

/** Most steps kept per entry: enough to read a path, small enough for millions of entries. */
const STEPS_KEPT = 100;

/** Adds the visits to the per-node counts and to the entry's path. */
export function recordVisits(db: Db, e: Pick<EntryState, 'id' | 'journeyId' | 'version'>, visits: readonly Visit[], at: Date): void {
  const tally = visitTally();
  recordPaths(db, [{ id: e.id, visits }], at);
  tally.add(e, visits);
  tally.write(db);
}

/**
 * Adds each entry's visits to its path (not to the per-node counts: see `visitTally`) in two
 * statements for any number of entries; `fresh`: a new entry, which has no step yet.
 */
export function recordPaths(db: Db, paths: readonly { id: number; visits: readonly Visit[]; fresh?: boolean }[], at: Date): void {
  const old = paths.filter((p) => !p.fresh && p.visits.length > 0).map((p) => p.id);
  const last =
    old.length === 0
      ? new Map<number, number>()
      : new Map(
          prepared(db, 'SELECT entry, max(seq) FROM journey_entry_steps WHERE entry IN (SELECT value FROM json_each(?)) GROUP BY entry')
            .raw()
            .all(JSON.stringify(old)) as [number, number][],
        );
  const rows: [number, number, string, string][] = [];
  for (const p of paths) {
    const seq = (last.get(p.id) ?? 0) + 1;
    p.visits.forEach((v, i) => {
      if (seq + i <= STEPS_KEPT) rows.push([p.id, seq + i, v.node, v.outcome]);
    });
  }
  if (rows.length === 0) return;
  prepared(
    db,
    `INSERT INTO journey_entry_steps (entry, seq, node, outcome, at)
       SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, ? FROM json_each(?)`,
  ).run(at.toISOString(), JSON.stringify(rows));
}

/** Per-node counts summed in memory and written once: a batch of entries adds one row update per node and outcome, not one per visit. */
export function visitTally() {
  const counts = new Map<string, { journey: number; version: number; node: string; outcome: string; n: number }>();
  return {
    add(e: Pick<EntryState, 'journeyId' | 'version'>, visits: readonly Visit[], times = 1) {
      for (const v of visits) {
        const key = `${e.journeyId}\u0000${e.version}\u0000${v.node}\u0000${v.outcome}`;
        const c = counts.get(key);
        if (c) c.n += times;
        else counts.set(key, { journey: e.journeyId, version: e.version, node: v.node, outcome: v.outcome, n: times });
      }
    },
    write(db: Db) {
      const count = prepared(
        db,
        `INSERT INTO journey_node_counts (journey, version, node, outcome, count) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (journey, version, node, outcome) DO UPDATE SET count = count + excluded.count`,
      );
      for (const c of counts.values()) count.run(c.journey, c.version, c.node, c.outcome, c.n);
      counts.clear();
    },
  };
}

/** The committed advances of these entries, by id (what an advance planned on an older count is stale against). */
export function stepsOf(db: Db, ids: readonly number[]): Map<number, number> {
  return new Map(
    prepared(db, 'SELECT id, steps FROM journey_entries WHERE id IN (SELECT value FROM json_each(?))').raw().all(JSON.stringify(ids)) as [number, number][],
  );
}

/** Active entries due at `now` of running (published) journeys, highest priority first. */
export function dueEntries(db: Db, now: Date, limit: number): number[] {
  return prepared(
    db,
    `SELECT e.id FROM journey_entries e JOIN journeys j ON j.id = e.journey
        WHERE e.status = 'active' AND e.wake_at IS NOT NULL AND e.wake_at <= ? AND j.status = 'published'
        ORDER BY e.priority DESC, e.wake_at, e.id LIMIT ?`,
  )
    .pluck()
    .all(now.toISOString(), limit) as number[];
}

/** Active entries of running journeys of this customer waiting for `event`. */
export function waitingFor(db: Db, customerId: string, event: string): number[] {
  return prepared(
    db,
    `SELECT e.id FROM journey_entries e JOIN journeys j ON j.id = e.journey
        WHERE e.customer_id = ? AND e.waiting_for = ? AND e.status = 'active' AND j.status = 'published' ORDER BY e.id`,
  )
    .pluck()
    .all(customerId, event) as number[];
}

/** The customer's latest entry into the journey. */
export function latestEntry(db: Db, journey: number, customerId: string): { id: number; status: EntryStatus; enteredAt: Date } | undefined {
  const r = prepared(db, 'SELECT id, status, entered_at FROM journey_entries WHERE journey = ? AND customer_id = ? ORDER BY id DESC LIMIT 1').get(
    journey,
    customerId,
  ) as { id: number; status: EntryStatus; entered_at: string } | undefined;
  return r && { id: r.id, status: r.status, enteredAt: new Date(r.entered_at) };
}

/** The latest entry into the journey of each of these customers (those with one), by customer: one read for a chunk of a segment. */
export function latestEntries(db: Db, journey: number, customerIds: readonly string[]): Map<string, { status: EntryStatus; enteredAt: Date }> {
  const rows = prepared(
    db,
    'SELECT customer_id, status, entered_at FROM journey_entries WHERE journey = ? AND customer_id IN (SELECT value FROM json_each(?)) ORDER BY id',
  )
    .raw()
    .all(journey, JSON.stringify(customerIds)) as [string, EntryStatus, string][];
  // Ordered by id, so each customer's latest entry is the one written last.
  return new Map(rows.map(([id, status, at]) => [id, { status, enteredAt: new Date(at) }]));
}

/** Entries of the customer a goal may convert: active ones, and the control group (its conversions count too). */
export function goalCandidates(db: Db, journey: number, customerId: string): EntryState[] {
  return (
    prepared(
      db,
      `SELECT * FROM journey_entries WHERE journey = ? AND customer_id = ?
          AND (status = 'active' OR (status = 'exited' AND variant = 'control' AND exit_reason = 'control'))`,
    ).all(journey, customerId) as EntryRow[]
  ).map(entryOf);
}

/** Ends every active entry of the journey; returns how many. */
export function endAll(db: Db, journey: number, reason: string, at: Date): number {
  return prepared(
    db,
    `UPDATE journey_entries SET status = 'exited', exit_reason = ?, wake_at = NULL, waiting_for = NULL, resume = NULL, ended_at = ?, steps = steps + 1
        WHERE journey = ? AND status = 'active'`,
  ).run(reason, at.toISOString(), journey).changes;
}

/** The nodes active entries of older versions stand at, with how many. */
export function occupiedNodes(db: Db, journey: number, version: number): { version: number; node: string; count: number }[] {
  return prepared(
    db,
    `SELECT version, node, count(*) AS count FROM journey_entries WHERE journey = ? AND version < ? AND status = 'active' GROUP BY version, node ORDER BY version, node`,
  ).all(journey, version) as { version: number; node: string; count: number }[];
}

/** Moves the active entries at `from` of older versions to `to` of `version`; they arrive there at once. */
export function migrateEntries(db: Db, journey: number, version: number, from: string, to: string, at: Date): number {
  return prepared(
    db,
    `UPDATE journey_entries SET version = ?, node = ?, since = ?, wake_at = ?, waiting_for = NULL, resume = 'arrive', steps = steps + 1
        WHERE journey = ? AND version < ? AND node = ? AND status = 'active'`,
  ).run(version, to, at.toISOString(), at.toISOString(), journey, version, from).changes;
}

export interface NodeCount {
  version: number;
  node: string;
  outcome: string;
  count: number;
}

export const nodeCounts = (db: Db, journey: number): NodeCount[] =>
  prepared(db, 'SELECT version, node, outcome, count FROM journey_node_counts WHERE journey = ? ORDER BY version, node, outcome').all(journey) as NodeCount[];

export const statusCounts = (db: Db, journey: number): { status: EntryStatus; count: number }[] =>
  prepared(db, 'SELECT status, count(*) AS count FROM journey_entries WHERE journey = ? GROUP BY status ORDER BY status').all(journey) as {
    status: EntryStatus;
    count: number;
  }[];

export const entrySteps = (db: Db, entry: number): { seq: number; node: string; outcome: string; at: string }[] =>
  prepared(db, 'SELECT seq, node, outcome, at FROM journey_entry_steps WHERE entry = ? ORDER BY seq').all(entry) as {
    seq: number;
    node: string;
    outcome: string;
    at: string;
  }[];

// ---- the journeys' own profile updates ----

export function writeProfileUpdate(db: Db, dataset: string, customerId: string, name: string, value: ProfileScalar, journey: number, at: Date): void {
  prepared(
    db,
    `INSERT INTO journey_profile_updates (dataset, customer_id, name, value, journey, at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (dataset, customer_id, name) DO UPDATE SET value = excluded.value, journey = excluded.journey, at = excluded.at`,
  ).run(dataset, customerId, name, JSON.stringify(value), journey, at.toISOString());
}

/** `attr:<name>` → the attribute's name; tags keep their `tag:` prefix (match.ts reads them so). */
export function profileUpdates(db: Db, dataset: string, customerId: string): Map<string, ProfileScalar> {
  const rows = prepared(db, 'SELECT name, value FROM journey_profile_updates WHERE dataset = ? AND customer_id = ?').all(dataset, customerId) as {
    name: string;
    value: string;
  }[];
  return new Map(rows.map((r) => [r.name.startsWith('attr:') ? r.name.slice(5) : r.name, JSON.parse(r.value) as ProfileScalar]));
}

// ---- segment entry runs and the event cursor ----

export interface SegmentRun {
  journey: number;
  version: number;
  node: string;
  runKey: string;
  nextRunAt: Date;
}

export function scheduleRun(db: Db, r: SegmentRun): void {
  prepared(
    db,
    `INSERT INTO journey_segment_runs (journey, version, node, next_run_at, run_key) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (journey, version, node) DO UPDATE SET next_run_at = excluded.next_run_at, run_key = excluded.run_key`,
  ).run(r.journey, r.version, r.node, r.nextRunAt.toISOString(), r.runKey);
}

export function finishRun(db: Db, r: Pick<SegmentRun, 'journey' | 'version' | 'node'>, next: { at: Date; runKey: string } | null): void {
  prepared(db, 'UPDATE journey_segment_runs SET next_run_at = ?, run_key = coalesce(?, run_key) WHERE journey = ? AND version = ? AND node = ?').run(
    next ? next.at.toISOString() : null,
    next?.runKey ?? null,
    r.journey,
    r.version,
    r.node,
  );
}

/** Segment entry runs due at `now` of published journeys' live versions. */
export function dueRuns(db: Db, now: Date): SegmentRun[] {
  return (
    prepared(
      db,
      `SELECT r.journey, r.version, r.node, r.run_key, r.next_run_at FROM journey_segment_runs r JOIN journeys j ON j.id = r.journey AND j.live_version = r.version
          WHERE j.status = 'published' AND r.next_run_at IS NOT NULL AND r.next_run_at <= ? ORDER BY r.next_run_at`,
    ).all(now.toISOString()) as { journey: number; version: number; node: string; run_key: string; next_run_at: string }[]
  ).map((r) => ({ journey: r.journey, version: r.version, node: r.node, runKey: r.run_key, nextRunAt: new Date(r.next_run_at) }));
}

/** The members a segment change entry saw last. */
export const lastMembers = (db: Db, journey: number, node: string): Set<string> =>
  new Set(prepared(db, 'SELECT customer_id FROM journey_segment_members WHERE journey = ? AND node = ?').pluck().all(journey, node) as string[]);

export function replaceMembers(db: Db, journey: number, node: string, members: Iterable<string>): void {
  prepared(db, 'DELETE FROM journey_segment_members WHERE journey = ? AND node = ?').run(journey, node);
  const insert = prepared(db, 'INSERT INTO journey_segment_members (journey, node, customer_id) VALUES (?, ?, ?)');
  for (const m of members) insert.run(journey, node, m);
}

export const eventCursor = (db: Db): Date | null =>
  date((prepared(db, 'SELECT received_at FROM journey_event_cursor WHERE id = 1').pluck().get() as string | undefined) ?? null);

export function setEventCursor(db: Db, at: Date): void {
  prepared(
    db,
    'INSERT INTO journey_event_cursor (id, received_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET received_at = max(received_at, excluded.received_at)',
  ).run(at.toISOString());
}

/** Journeys running now (published) with their live version. */
export const runningJourneys = (db: Db): { id: number; version: number }[] =>
  prepared(db, "SELECT id, live_version AS version FROM journeys WHERE status = 'published' AND live_version IS NOT NULL ORDER BY id").all() as {
    id: number;
    version: number;
  }[];
