/**
 * Segments: a named rule over one dataset's profiles, versioned (editing the rule adds a version;
 * old versions and the sizes they had stay), materialised (size, time and member rows), refreshed
 * by hand or every `refreshEveryMinutes`. Functions here take a profile catalogue and do no
 * auditing; `Insight` (../insight.ts) wires both.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { BehaviourLookup } from '../behaviour/sets.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import { compileRule, type CompiledRule } from '../rules/compile.js';
import type { Rule } from '../rules/rule.js';
import { isWithin } from '../units/units.js';

export const SEGMENT_NAME = /^[a-z][a-z0-9_-]{0,63}$/;
/** Most minutes between scheduled refreshes (a year). */
export const MAX_REFRESH_MINUTES = 525_600;

export type MaterialiseTrigger = 'save' | 'manual' | 'schedule' | 'stale';

export interface MaterialisationView {
  id: number;
  version: number;
  generation: number;
  size: number;
  population: number;
  at: string;
  trigger: MaterialiseTrigger;
  durationMs: number;
}

export interface SegmentView {
  name: string;
  dataset: string;
  version: number;
  rule: Rule;
  description: string;
  /** The unit it belongs to (materialised in that unit's scope); null: the whole organisation. */
  unit: string | null;
  refreshEveryMinutes: number | null;
  nextRefreshAt: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** The latest materialisation, if any. */
  latest: MaterialisationView | null;
}

export interface SegmentVersionView {
  version: number;
  rule: Rule;
  createdBy: string;
  createdAt: string;
  /** Every materialisation of this version, oldest first: its history of sizes. */
  sizes: MaterialisationView[];
}

interface SegmentRow {
  name: string;
  dataset: string;
  version: number;
  description: string;
  unit: string | null;
  refresh_every_minutes: number | null;
  next_refresh_at: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  rule: string;
}

interface MaterialisationRow {
  id: number;
  version: number;
  generation: number;
  size: number;
  population: number;
  at: string;
  trigger: MaterialiseTrigger;
  duration_ms: number;
}

const toMaterialisation = (r: MaterialisationRow): MaterialisationView => ({
  id: r.id,
  version: r.version,
  generation: r.generation,
  size: r.size,
  population: r.population,
  at: r.at,
  trigger: r.trigger,
  durationMs: r.duration_ms,
});

export function checkSegmentName(name: string, field = 'name'): void {
  if (!SEGMENT_NAME.test(name)) throw new MofangError('REQUEST_INVALID', `${field}: a segment name must match ${SEGMENT_NAME}`, { field });
}

function checkRefresh(minutes: number | null | undefined): void {
  if (minutes === null || minutes === undefined) return;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_REFRESH_MINUTES) {
    throw new MofangError('REQUEST_INVALID', `refreshEveryMinutes: expected an integer from 1 to ${MAX_REFRESH_MINUTES}, or null`, {
      field: 'refreshEveryMinutes',
    });
  }
}

const SELECT_SEGMENT = `SELECT s.*, v.rule FROM insight_segments s JOIN insight_segment_versions v ON v.segment = s.name AND v.version = s.version`;

function latestOf(db: Db, name: string): MaterialisationView | null {
  const r = db.prepare('SELECT * FROM insight_materialisations WHERE segment = ? ORDER BY id DESC LIMIT 1').get(name) as MaterialisationRow | undefined;
  return r ? toMaterialisation(r) : null;
}

const toView = (db: Db, r: SegmentRow): SegmentView => ({
  name: r.name,
  dataset: r.dataset,
  version: r.version,
  rule: JSON.parse(r.rule) as Rule,
  description: r.description,
  unit: r.unit,
  refreshEveryMinutes: r.refresh_every_minutes,
  nextRefreshAt: r.next_refresh_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  latest: latestOf(db, r.name),
});

/** @throws INSIGHT_NOT_FOUND */
export function getSegment(db: Db, name: string): SegmentView {
  const r = db.prepare(`${SELECT_SEGMENT} WHERE s.name = ?`).get(name) as SegmentRow | undefined;
  if (!r) throw new MofangError('INSIGHT_NOT_FOUND', `no segment named ${JSON.stringify(name)}`, { segment: name });
  return toView(db, r);
}

export function listSegments(db: Db, filter: { dataset?: string } = {}): SegmentView[] {
  const rows = (
    filter.dataset === undefined
      ? db.prepare(`${SELECT_SEGMENT} ORDER BY s.name`).all()
      : db.prepare(`${SELECT_SEGMENT} WHERE s.dataset = ? ORDER BY s.name`).all(filter.dataset)
  ) as SegmentRow[];
  return rows.map((r) => toView(db, r));
}

/** The lookup compileRule uses for `{ segment }` rules: each segment's current rule. */
function segmentRuleLookup(db: Db, viewer?: string | null): (name: string) => { dataset: string; rule: Rule } | undefined {
  const select = db.prepare(
    `SELECT s.dataset, s.unit, v.rule FROM insight_segments s JOIN insight_segment_versions v ON v.segment = s.name AND v.version = s.version WHERE s.name = ?`,
  );
  return (name) => {
    const r = select.get(name) as { dataset: string; unit: string | null; rule: string } | undefined;
    // A scoped caller resolves only segments within its scope (others do not exist for it).
    return r && isWithin(db, r.unit, viewer) ? { dataset: r.dataset, rule: JSON.parse(r.rule) as Rule } : undefined;
  };
}

/**
 * Compiles a rule for `catalogue`'s dataset, resolving segment references; `self` catches cycles;
 * `behaviour` supplies the behaviour leaves' conditions (behaviour/sets.ts).
 */
export function compileForDataset(db: Db, rule: unknown, catalogue: ProfileCatalogue, now: Date, self?: string, behaviour?: BehaviourLookup): CompiledRule {
  return compileRule(rule, { catalogue, now, segmentRule: segmentRuleLookup(db, catalogue.scope?.unit), self, behaviour });
}

export interface SegmentInput {
  name: string;
  rule: unknown;
  description?: string;
  refreshEveryMinutes?: number | null;
}

/**
 * Creates version 1 (the rule is checked first), belonging to the catalogue's unit scope (none:
 * the whole organisation). Call `materialise` after, in the same transaction.
 */
export function createSegment(db: Db, input: SegmentInput, catalogue: ProfileCatalogue, by: string, now: Date, behaviour?: BehaviourLookup): CompiledRule {
  checkSegmentName(input.name);
  checkRefresh(input.refreshEveryMinutes);
  if (db.prepare('SELECT 1 FROM insight_segments WHERE name = ?').get(input.name)) {
    throw new MofangError('INSIGHT_EXISTS', `a segment named ${input.name} already exists; edit it to add a version`, { segment: input.name });
  }
  const compiled = compileForDataset(db, input.rule, catalogue, now, input.name, behaviour);
  const at = now.toISOString();
  const minutes = input.refreshEveryMinutes ?? null;
  db.prepare(
    `INSERT INTO insight_segments (name, dataset, version, description, unit, refresh_every_minutes, next_refresh_at, created_by, created_at, updated_at)
     VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(input.name, catalogue.dataset, input.description ?? '', catalogue.scope?.unit ?? null, minutes, nextRefresh(now, minutes), by, at, at);
  db.prepare('INSERT INTO insight_segment_versions (segment, version, rule, created_by, created_at) VALUES (?, 1, ?, ?, ?)').run(
    input.name,
    JSON.stringify(compiled.rule),
    by,
    at,
  );
  return compiled;
}

export interface SegmentChange {
  rule?: unknown;
  description?: string;
  refreshEveryMinutes?: number | null;
}

/** Applies an edit; a new rule becomes a new version. Returns whether the rule changed. */
export function updateSegment(
  db: Db,
  name: string,
  change: SegmentChange,
  catalogue: ProfileCatalogue,
  by: string,
  now: Date,
  behaviour?: BehaviourLookup,
): { ruleChanged: boolean; version: number } {
  const current = getSegment(db, name);
  checkRefresh(change.refreshEveryMinutes);
  const at = now.toISOString();
  let version = current.version;
  let ruleChanged = false;
  if (change.rule !== undefined) {
    const compiled = compileForDataset(db, change.rule, catalogue, now, name, behaviour);
    ruleChanged = JSON.stringify(compiled.rule) !== JSON.stringify(current.rule);
    if (ruleChanged) {
      version += 1;
      db.prepare('INSERT INTO insight_segment_versions (segment, version, rule, created_by, created_at) VALUES (?, ?, ?, ?, ?)').run(
        name,
        version,
        JSON.stringify(compiled.rule),
        by,
        at,
      );
    }
  }
  const minutes = change.refreshEveryMinutes === undefined ? current.refreshEveryMinutes : change.refreshEveryMinutes;
  db.prepare('UPDATE insight_segments SET version = ?, description = ?, refresh_every_minutes = ?, next_refresh_at = ?, updated_at = ? WHERE name = ?').run(
    version,
    change.description ?? current.description,
    minutes,
    nextRefresh(now, minutes),
    at,
    name,
  );
  return { ruleChanged, version };
}

/** Deletes a segment no other segment refers to, with its versions, sizes and members. */
export function deleteSegment(db: Db, name: string): void {
  getSegment(db, name);
  const users = listSegments(db).filter((s) => s.name !== name && JSON.stringify(s.rule).includes(`"segment":${JSON.stringify(name)}`));
  if (users.length > 0) {
    throw new MofangError('INSIGHT_INVALID', `segment ${name} is used by segment ${users[0].name}; change that rule first`, {
      segment: name,
      usedBy: users.map((u) => u.name),
    });
  }
  db.prepare('DELETE FROM insight_segment_members WHERE materialisation IN (SELECT id FROM insight_materialisations WHERE segment = ?)').run(name);
  db.prepare('DELETE FROM insight_materialisations WHERE segment = ?').run(name);
  db.prepare('DELETE FROM insight_segment_versions WHERE segment = ?').run(name);
  db.prepare('DELETE FROM insight_segments WHERE name = ?').run(name);
}

/**
 * Evaluates the segment's current rule over the profiles and stores size and members; the
 * previous materialisation keeps its size (history) but loses its member rows. Run it inside a
 * write transaction (the caller's), so members, size and audit entry commit together.
 */
export function materialise(
  db: Db,
  name: string,
  catalogue: ProfileCatalogue,
  trigger: MaterialiseTrigger,
  now: Date,
  behaviour?: BehaviourLookup,
): MaterialisationView {
  const started = performance.now();
  const segment = getSegment(db, name);
  if (segment.dataset !== catalogue.dataset) throw new MofangError('INTERNAL', `segment ${name} is on dataset ${segment.dataset}, not ${catalogue.dataset}`);
  if ((catalogue.scope?.unit ?? null) !== segment.unit) throw new MofangError('INTERNAL', `segment ${name} must be materialised in the scope of its unit`);
  const { sql, params } = compileForDataset(db, segment.rule, catalogue, now, name, behaviour);
  const at = now.toISOString();
  const id = Number(
    db
      .prepare(
        `INSERT INTO insight_materialisations (segment, version, dataset, generation, size, population, at, trigger, duration_ms) VALUES (?, ?, ?, ?, 0, ?, ?, ?, 0)`,
      )
      .run(name, segment.version, catalogue.dataset, catalogue.generation, catalogue.rowCount, at, trigger).lastInsertRowid,
  );
  const size = db
    .prepare(`INSERT INTO insight_segment_members (materialisation, row) SELECT ?, p.row FROM ${catalogue.table} p WHERE ${sql} ORDER BY p.row`)
    .run(id, ...params).changes;
  db.prepare('DELETE FROM insight_segment_members WHERE materialisation IN (SELECT id FROM insight_materialisations WHERE segment = ? AND id < ?)').run(
    name,
    id,
  );
  const durationMs = Math.round(performance.now() - started);
  db.prepare('UPDATE insight_materialisations SET size = ?, duration_ms = ? WHERE id = ?').run(size, durationMs, id);
  db.prepare('UPDATE insight_segments SET next_refresh_at = ? WHERE name = ?').run(nextRefresh(now, segment.refreshEveryMinutes), name);
  return { id, version: segment.version, generation: catalogue.generation, size, population: catalogue.rowCount, at, trigger, durationMs };
}

/** Versions, newest first, each with the sizes it had. */
export function segmentVersions(db: Db, name: string): SegmentVersionView[] {
  getSegment(db, name);
  const versions = db.prepare('SELECT * FROM insight_segment_versions WHERE segment = ? ORDER BY version DESC').all(name) as {
    version: number;
    rule: string;
    created_by: string;
    created_at: string;
  }[];
  const sizes = (db.prepare('SELECT * FROM insight_materialisations WHERE segment = ? ORDER BY id').all(name) as MaterialisationRow[]).map(toMaterialisation);
  return versions.map((v) => ({
    version: v.version,
    rule: JSON.parse(v.rule) as Rule,
    createdBy: v.created_by,
    createdAt: v.created_at,
    sizes: sizes.filter((s) => s.version === v.version),
  }));
}

/** Member rows (ascending) of the latest materialisation, and which generation they index. */
export function storedMembers(db: Db, name: string): { materialisation: MaterialisationView; rows: Uint32Array } {
  const latest = getSegment(db, name).latest;
  if (!latest) throw new MofangError('INSIGHT_NOT_FOUND', `segment ${name} has not been materialised`, { segment: name });
  const rows = db.prepare('SELECT row FROM insight_segment_members WHERE materialisation = ? ORDER BY row').pluck().all(latest.id) as number[];
  return { materialisation: latest, rows: Uint32Array.from(rows) };
}

/** Whether the segment's current rule, or a segment it refers to, has a behaviour condition. */
export function readsEvents(db: Db, name: string): boolean {
  const lookup = segmentRuleLookup(db);
  const seen = new Set<string>();
  const walk = (node: unknown): boolean => {
    if (typeof node !== 'object' || node === null) return false;
    if (Array.isArray(node)) return node.some(walk);
    const n = node as Record<string, unknown>;
    if ('event' in n) return true;
    if (typeof n.segment === 'string' && !seen.has(n.segment)) {
      seen.add(n.segment);
      return walk(lookup(n.segment)?.rule);
    }
    return walk(n.all) || walk(n.any) || walk(n.not);
  };
  seen.add(name);
  return walk(lookup(name)?.rule);
}

/** Segments whose scheduled refresh is due. */
export function dueSegments(db: Db, now: Date): string[] {
  return db
    .prepare('SELECT name FROM insight_segments WHERE next_refresh_at IS NOT NULL AND next_refresh_at <= ? ORDER BY next_refresh_at')
    .pluck()
    .all(now.toISOString()) as string[];
}

function nextRefresh(now: Date, minutes: number | null): string | null {
  return minutes === null ? null : new Date(now.getTime() + minutes * 60_000).toISOString();
}
