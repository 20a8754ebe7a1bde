/**
 * Scoped access: a caller bound to an organisation unit sees only customers whose unit attribute
 * (set per dataset, units.ts) names a unit in its scope. The scope travels on the profile
 * catalogue; the rule compiler ANDs `scopeCondition` onto every rule it compiles, and the queries
 * that read the population without a rule (layering without a base, snapshots, lookups, typed
 * reads, population counts) add it to their WHERE — so no route filters rows after the fact.
 *
 * The condition is parameterised (the unit id is bound) and reads the unit tree in the same
 * statement, so it sees the tree as of that statement. Customers whose unit attribute is unset or
 * names no unit are in no unit's scope: only whole-organisation callers see them.
 */
import { jointAttributeRows } from '../../datasets/joint-attributes.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { checkedColumn } from '../profiles/build.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import type { ProfileAttribute } from '../profiles/types.js';
import { getUnit, getUnitAttribute, SCOPE_IDS_SQL } from './units.js';

/** Who acts on insight data, and the unit that bounds what they see. */
export interface InsightActor {
  id: string;
  /** The unit whose customers the actor may see; absent or null: the whole organisation. */
  unit?: string | null;
}

export interface CatalogueScope {
  /** The unit whose scope the catalogue sees. */
  unit: string;
  /** The profile column (`a<i>`) holding each customer's unit. */
  column: string;
}

/** The condition on alias `alias` limiting rows to the catalogue's scope; null when unscoped. */
export function scopeCondition(c: ProfileCatalogue, alias = 'p'): { sql: string; params: unknown[] } | null {
  if (!c.scope) return null;
  return { sql: `${alias}.${checkedColumn(c.scope.column)} IN (${SCOPE_IDS_SQL})`, params: [c.scope.unit] };
}

/** `WHERE`/`AND` helper: the scope condition joined to `rest` (params in order: scope, rest). */
export function withScope(c: ProfileCatalogue, rest?: { sql: string; params: unknown[] }): { sql: string; params: unknown[] } | null {
  const scope = scopeCondition(c);
  if (!scope) return rest ?? null;
  if (!rest) return scope;
  return { sql: `(${scope.sql} AND ${rest.sql})`, params: [...scope.params, ...rest.params] };
}

/** Checks that `attribute` can carry units on this catalogue: a string (or enum) column of the dataset. */
export function unitColumn(c: ProfileCatalogue, attribute: string, field = 'attribute'): ProfileAttribute {
  const a = c.attributes.get(attribute);
  if (a?.source !== 'dataset' || (a.type !== 'string' && a.type !== 'enum')) {
    throw new MofangError('UNIT_INVALID', `${field}: dataset ${c.dataset} has no string column ${JSON.stringify(attribute)} to hold unit ids`, {
      field,
      dataset: c.dataset,
    });
  }
  return a;
}

/**
 * The catalogue as seen from `unit`: rows limited to its scope, the population (`rowCount`) and
 * joint-attribute counts counted in it.
 * @throws SCOPE_FORBIDDEN when the dataset names no unit attribute (a scoped caller sees nothing)
 */
export function scopedCatalogue(db: Db, c: ProfileCatalogue, unit: string): ProfileCatalogue {
  getUnit(db, unit);
  const setting = getUnitAttribute(db, c.dataset);
  if (!setting) {
    throw new MofangError(
      'SCOPE_FORBIDDEN',
      `dataset ${c.dataset} names no unit attribute, so a caller scoped to unit ${unit} sees none of its customers; an admin sets one (mofang units attribute)`,
      { dataset: c.dataset, unit },
    );
  }
  const column = unitColumn(c, setting.attribute, 'unit attribute').column!;
  const scoped: ProfileCatalogue = { ...c, scope: { unit, column } };
  const where = scopeCondition(scoped)!;
  const rowCount = db
    .prepare(`SELECT count(*) FROM ${c.table} p WHERE ${where.sql}`)
    .pluck()
    .get(...where.params) as number;
  const j = jointAttributeRows({ dataset: c.dataset, alias: 'j' });
  const counts = new Map(
    db
      .prepare(
        `SELECT ${j.columns.name}, count(*) FROM ${j.from} JOIN ${c.table} p ON p.id_norm = ${j.columns.idNorm} WHERE ${j.where} AND ${where.sql} GROUP BY ${j.columns.name}`,
      )
      .raw()
      .all(...j.params, ...where.params) as [string, number][],
  );
  const attributes = new Map([...c.attributes].map(([name, a]) => [name, a.joint ? { ...a, joint: { ...a.joint, count: counts.get(name) ?? 0 } } : a]));
  return { ...scoped, rowCount, attributes };
}
