/**
 * Flow schedules: a flow may be snapshotted once per day, ISO week or month (UTC). The node's
 * minute scheduler snapshots every scheduled flow that has no snapshot for the current period
 * yet; the period label is the snapshot's `period`, so the UNIQUE (flow, period) of the snapshot
 * table makes it exactly one per flow and period — across ticks, racing ticks and restarts —
 * and a manual snapshot under the same label counts as that period's.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';

export const FLOW_EVERY = ['day', 'week', 'month'] as const;
export type FlowEvery = (typeof FLOW_EVERY)[number];

/** Migration 8: the schedule of each flow (null: snapshots by hand only). */
export const FLOW_SCHEDULE_SCHEMA_V8 = `
ALTER TABLE insight_flows ADD COLUMN every TEXT CHECK (every IN ('day', 'week', 'month'));
`;

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The label of the period holding `at` (UTC): 2026-11-25, 2026-W48 (ISO 8601 week) or 2026-11. */
export function periodLabel(every: FlowEvery, at: Date): string {
  const day = at.toISOString().slice(0, 10);
  if (every === 'day') return day;
  if (every === 'month') return day.slice(0, 7);
  // ISO week: Monday first; week 1 holds the year's first Thursday, so a week belongs to the
  // year of its Thursday (2026-12-31 and 2027-01-01 are both in 2026-W53).
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7;
  const thursday = new Date(midnight + (3 - weekday) * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS));
  return `${pad(year, 4)}-W${pad(week)}`;
}

/** Checks a schedule from a request or the CLI; `field` names it in the error. */
export function checkEvery(value: unknown, field: string): FlowEvery | null {
  if (value === null) return null;
  if (typeof value === 'string' && (FLOW_EVERY as readonly string[]).includes(value)) return value as FlowEvery;
  throw new MofangError('INSIGHT_INVALID', `${field}: must be one of ${FLOW_EVERY.join(', ')} or none`, { field });
}

/** Scheduled flows without a snapshot for the period holding `now`, with that period's label. */
export function dueFlows(db: Db, now: Date): { flow: string; every: FlowEvery; period: string }[] {
  const has = db.prepare('SELECT 1 FROM insight_snapshots WHERE flow = ? AND period = ?').pluck();
  return (db.prepare('SELECT name, every FROM insight_flows WHERE every IS NOT NULL ORDER BY name').all() as { name: string; every: FlowEvery }[])
    .map((f) => ({ flow: f.name, every: f.every, period: periodLabel(f.every, now) }))
    .filter((f) => !has.get(f.flow, f.period));
}

export function setFlowEvery(db: Db, flow: string, every: FlowEvery | null): void {
  db.prepare('UPDATE insight_flows SET every = ? WHERE name = ?').run(every, flow);
}
