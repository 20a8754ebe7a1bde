/**
 * Organisation units: one tree, head office at the root, provinces and branches below. A unit's
 * scope is itself and all its descendants; an insight caller bound to a unit sees only customers
 * whose unit attribute names a unit in that scope (scope.ts). Functions here do no auditing;
 * `Insight` wires both.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';

/** Lower-case; starts with a letter so `<unit>-<segment>` is a valid segment name. */
const UNIT_ID = /^[a-z][a-z0-9-]{0,23}$/;

export interface UnitView {
  id: string;
  name: string;
  /** null for the head office. */
  parent: string | null;
  createdBy: string;
  createdAt: string;
}

interface UnitRow {
  id: string;
  name: string;
  parent: string | null;
  created_by: string;
  created_at: string;
}
const toUnit = (r: UnitRow): UnitView => ({ id: r.id, name: r.name, parent: r.parent, createdBy: r.created_by, createdAt: r.created_at });

/** SQL (one bound parameter: the unit id) selecting the ids of a unit's scope: itself and all below. */
export const SCOPE_IDS_SQL = 'WITH RECURSIVE scope(id) AS (SELECT ? UNION SELECT u.id FROM org_units u JOIN scope s ON u.parent = s.id) SELECT id FROM scope';

function checkUnitId(id: unknown, field: string): string {
  if (typeof id !== 'string' || !UNIT_ID.test(id)) throw new MofangError('REQUEST_INVALID', `${field}: a unit id must match ${UNIT_ID}`, { field });
  return id;
}

/** @throws UNIT_NOT_FOUND naming the field */
export function getUnit(db: Db, id: string, field = 'unit'): UnitView {
  const r = db.prepare('SELECT * FROM org_units WHERE id = ?').get(id) as UnitRow | undefined;
  if (!r) throw new MofangError('UNIT_NOT_FOUND', `${field}: no organisation unit ${JSON.stringify(id)}`, { field, unit: id });
  return toUnit(r);
}

/** Every unit, parents before children (breadth first), then by id. */
export function listUnits(db: Db): UnitView[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE t(id, depth) AS (SELECT id, 0 FROM org_units WHERE parent IS NULL UNION ALL SELECT u.id, t.depth + 1 FROM org_units u JOIN t ON u.parent = t.id)
     SELECT o.* FROM org_units o JOIN t ON t.id = o.id ORDER BY t.depth, o.id`,
    )
    .all() as UnitRow[];
  return rows.map(toUnit);
}

/**
 * Adds a unit. The first unit is the head office (no parent); every later one names an existing
 * parent, so the units always form one tree (a unit's parent exists before it: no cycles).
 */
export function addUnit(db: Db, input: { id: string; name: string; parent?: string | null }, by: string, now: Date): UnitView {
  checkUnitId(input.id, 'id');
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > 200) {
    throw new MofangError('REQUEST_INVALID', 'name: 1 to 200 characters', { field: 'name' });
  }
  if (db.prepare('SELECT 1 FROM org_units WHERE id = ?').get(input.id))
    throw new MofangError('UNIT_INVALID', `id: unit ${input.id} already exists`, { field: 'id', unit: input.id });
  const root = db.prepare('SELECT id FROM org_units WHERE parent IS NULL').pluck().get() as string | undefined;
  const parent = input.parent ?? null;
  if (parent === null && root) throw new MofangError('UNIT_INVALID', `parent: required; the head office is ${root}`, { field: 'parent' });
  if (parent !== null) getUnit(db, parent, 'parent');
  db.prepare('INSERT INTO org_units (id, name, parent, created_by, created_at) VALUES (?, ?, ?, ?, ?)').run(
    input.id,
    input.name.trim(),
    parent,
    by,
    now.toISOString(),
  );
  return getUnit(db, input.id);
}

/** The ids of a unit's scope (itself and every unit below it). */
export function scopeOf(db: Db, unit: string): Set<string> {
  return new Set(db.prepare(SCOPE_IDS_SQL).pluck().all(unit) as string[]);
}

/**
 * Whether something belonging to `owner` (null: the whole organisation) is within the scope of
 * `viewer` (null: the whole organisation, which sees everything).
 */
export function isWithin(db: Db, owner: string | null, viewer: string | null | undefined): boolean {
  if (!viewer) return true;
  if (owner === null) return false;
  return scopeOf(db, viewer).has(owner);
}

// ---- which attribute carries a customer's unit, per dataset ----------------------------------

export interface UnitAttributeView {
  dataset: string;
  attribute: string;
  setBy: string;
  setAt: string;
}

export function getUnitAttribute(db: Db, dataset: string): UnitAttributeView | undefined {
  const r = db.prepare('SELECT * FROM insight_unit_attributes WHERE dataset = ?').get(dataset) as
    | { dataset: string; attribute: string; set_by: string; set_at: string }
    | undefined;
  return r && { dataset: r.dataset, attribute: r.attribute, setBy: r.set_by, setAt: r.set_at };
}

/** Records the attribute; the caller checks it is a string column of the dataset. */
export function setUnitAttribute(db: Db, dataset: string, attribute: string, by: string, now: Date): UnitAttributeView {
  db.prepare(
    `INSERT INTO insight_unit_attributes (dataset, attribute, set_by, set_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (dataset) DO UPDATE SET attribute = excluded.attribute, set_by = excluded.set_by, set_at = excluded.set_at`,
  ).run(dataset, attribute, by, now.toISOString());
  return getUnitAttribute(db, dataset)!;
}
