/**
 * The tracking plan's rows: one row per plan version (the whole plan, so any version reads back
 * without replaying changes) and the paused state and drop counter per event name. The only file
 * that names these tables in SQL; the retention job and ingestion use the functions below.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { EMPTY_PLAN, type TrackingPlan } from './model.js';

/** What a version changed compared with the one before it: event names, never property values. */
export interface PlanChange {
  added: string[];
  modified: string[];
  removed: string[];
  /** Set when the plan-wide undeclared policy changed. */
  undeclared?: { from: string; to: string };
}

export interface PlanVersion {
  /** 0 is the empty plan every node starts with. */
  version: number;
  plan: TrackingPlan;
  change: PlanChange;
  actor: string;
  createdAt: string | null;
}

export interface PausedCount {
  event: string;
  paused: boolean;
  pausedAt: string | null;
  pausedBy: string | null;
  /** Events of this name dropped while it was paused, ever. */
  dropped: number;
}

/** Retention the node applies to an event name the plan gives no `retentionDays`. */
export const DEFAULT_RETENTION_DAYS = 400;

interface VersionRow {
  version: number;
  plan: string;
  change: string;
  actor: string;
  created_at: string;
}

const NO_CHANGE: PlanChange = Object.freeze({ added: [], modified: [], removed: [] }) as PlanChange;
const VERSION_ZERO: PlanVersion = Object.freeze({ version: 0, plan: EMPTY_PLAN, change: NO_CHANGE, actor: 'system', createdAt: null });

function versionOf(row: VersionRow): PlanVersion {
  return { version: row.version, plan: JSON.parse(row.plan), change: JSON.parse(row.change), actor: row.actor, createdAt: row.created_at };
}

/** The newest version (version 0, the empty plan, before any change). */
export function latestVersion(db: Db): PlanVersion {
  const row = db.prepare('SELECT * FROM tracking_plan_versions ORDER BY version DESC LIMIT 1').get() as VersionRow | undefined;
  return row ? versionOf(row) : VERSION_ZERO;
}

/** The newest version's number, without reading its plan (0 before any change). */
export function latestVersionNumber(db: Db): number {
  return (db.prepare('SELECT coalesce(max(version), 0) AS v FROM tracking_plan_versions').get() as { v: number }).v;
}

/** One version; throws TRACKING_PLAN_VERSION_UNKNOWN when there is none with that number. */
export function planVersion(db: Db, version: number): PlanVersion {
  if (version === 0) return VERSION_ZERO;
  const row = db.prepare('SELECT * FROM tracking_plan_versions WHERE version = ?').get(version) as VersionRow | undefined;
  if (!row) throw new MofangError('TRACKING_PLAN_VERSION_UNKNOWN', `the tracking plan has no version ${version}`, { version });
  return versionOf(row);
}

/** Every version, newest first, without the plans themselves. */
export function planHistory(db: Db): Omit<PlanVersion, 'plan'>[] {
  const rows = db.prepare('SELECT version, change, actor, created_at FROM tracking_plan_versions ORDER BY version DESC').all() as VersionRow[];
  return rows.map((r) => ({ version: r.version, change: JSON.parse(r.change), actor: r.actor, createdAt: r.created_at }));
}

/** Stores `plan` (checked, canonical JSON) as the next version; the caller holds the write transaction. */
export function insertVersion(db: Db, version: number, planJson: string, change: PlanChange, actor: string, at: string): void {
  db.prepare('INSERT INTO tracking_plan_versions (version, plan, change, actor, created_at) VALUES (?, ?, ?, ?, ?)').run(
    version,
    planJson,
    JSON.stringify(change),
    actor,
    at,
  );
}

/** The names of the paused events, sorted. */
export function pausedEvents(db: Db): string[] {
  return (db.prepare('SELECT name FROM tracking_plan_events WHERE paused = 1 ORDER BY name').all() as { name: string }[]).map((r) => r.name);
}

/** Sets the paused flag of `event`; false when it already had that value. */
export function setPaused(db: Db, event: string, paused: boolean, actor: string, at: string): boolean {
  const statement = paused
    ? `INSERT INTO tracking_plan_events (name, paused, paused_at, paused_by) VALUES (@event, 1, @at, @actor)
       ON CONFLICT (name) DO UPDATE SET paused = 1, paused_at = @at, paused_by = @actor WHERE paused = 0`
    : 'UPDATE tracking_plan_events SET paused = 0, paused_at = NULL, paused_by = NULL WHERE name = @event AND paused = 1';
  return db.prepare(statement).run(paused ? { event, at, actor } : { event }).changes > 0;
}

/**
 * Adds the paused events ingestion dropped, per event name, to their durable counters. Runs in
 * the caller's transaction when there is one, so a batch's counts commit with the batch.
 *
 * @example addPausedDrops(db, new Map([['promo.viewed', 3]]));
 */
export function addPausedDrops(db: Db, counts: ReadonlyMap<string, number>): void {
  const add = db.prepare(
    'INSERT INTO tracking_plan_events (name, dropped) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET dropped = dropped + excluded.dropped',
  );
  db.transaction(() => {
    for (const [event, n] of counts) if (n > 0) add.run(event, n);
  })();
}

/** Every event that was ever paused or dropped while paused, by name. */
export function pausedCounts(db: Db): PausedCount[] {
  const rows = db.prepare('SELECT name, paused, paused_at, paused_by, dropped FROM tracking_plan_events ORDER BY name').all() as {
    name: string;
    paused: number;
    paused_at: string | null;
    paused_by: string | null;
    dropped: number;
  }[];
  return rows.map((r) => ({ event: r.name, paused: r.paused === 1, pausedAt: r.paused_at, pausedBy: r.paused_by, dropped: r.dropped }));
}

/**
 * Days to keep the events of each name the current plan declares (its `retentionDays`, else
 * `defaultDays`). Names the plan does not declare get no entry: the caller applies its default.
 *
 * @example for (const [name, days] of retentionByEvent(db, config.events.retentionDays)) deleteOlder(name, days);
 */
export function retentionByEvent(db: Db, defaultDays = DEFAULT_RETENTION_DAYS): Map<string, number> {
  const { plan } = latestVersion(db);
  return new Map(Object.entries(plan.events).map(([name, event]) => [name, event.retentionDays ?? defaultDays]));
}
