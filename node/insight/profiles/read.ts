/**
 * Profile attributes as typed arrays, for model training and scoring (decision trees) and any
 * other whole-population computation: one array per attribute, aligned with `rows`.
 * - number, date (epoch ms), boolean (1/0): `Float64Array`, NaN where unset;
 * - string, enum: `Int32Array` codes into `dictionary` (sorted), -1 where unset.
 */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { ProfileCatalogue } from './catalogue.js';
import { scopeCondition } from '../units/scope.js';
import { attributeValueSql } from './value-sql.js';
import type { ProfileType } from './types.js';

export type TypedColumn =
  | { name: string; type: 'number' | 'date' | 'boolean'; values: Float64Array }
  | { name: string; type: 'string' | 'enum'; codes: Int32Array; dictionary: string[] };

export interface TypedProfiles {
  dataset: string;
  generation: number;
  /** Rows (record line numbers of the generation), ascending. */
  rows: Uint32Array;
  columns: TypedColumn[];
}

const READ_CHUNK = 1 << 16;

/**
 * @example
 * const { rows, columns } = readProfileColumns(db, catalogue, ['age', 'churned']);
 * const age = columns[0].type === 'number' ? columns[0].values : undefined; // Float64Array, NaN = unset
 */
export function readProfileColumns(db: Db, catalogue: ProfileCatalogue, names: readonly string[], only?: Uint32Array): TypedProfiles {
  const params: unknown[] = [];
  const exprs = names.map((name, i) => {
    const a = catalogue.attributes.get(name);
    if (!a) {
      const withheld = catalogue.withheld.find((w) => w.name === name);
      const why = withheld
        ? `attribute ${name} is withheld: ${withheld.reason}`
        : `dataset ${catalogue.dataset} has no usable attribute ${JSON.stringify(name)}`;
      throw new MofangError('RULE_INVALID', `attributes[${i}]: ${why}`, { field: `attributes[${i}]`, attr: name });
    }
    const value = attributeValueSql(catalogue, a);
    params.push(...value.params);
    return value.sql;
  });
  const types = names.map((n) => catalogue.attributes.get(n)!.type);
  const rows: number[] = [];
  const raw: unknown[][] = names.map(() => []);
  const take = (r: unknown[]) => {
    rows.push(r[0] as number);
    for (let c = 0; c < names.length; c++) raw[c].push(r[c + 1]);
  };
  db.transaction(() => {
    const select = `SELECT p.row${exprs.map((e) => `, ${e}`).join('')} FROM ${catalogue.table} p`;
    const scope = scopeCondition(catalogue);
    const within = scope ? `${scope.sql} AND ` : '';
    const scopeParams = scope?.params ?? [];
    if (only) {
      const one = db.prepare(`${select} WHERE ${within}p.row = ?`).raw();
      for (const row of only) {
        const r = one.get(...params, ...scopeParams, row) as unknown[] | undefined;
        if (r) take(r);
      }
      return;
    }
    const chunk = db.prepare(`${select} WHERE ${within}p.row > ? ORDER BY p.row LIMIT ${READ_CHUNK}`).raw();
    for (let after = -1; ; ) {
      const part = chunk.all(...params, ...scopeParams, after) as unknown[][];
      if (part.length === 0) break;
      part.forEach(take);
      after = part[part.length - 1][0] as number;
    }
  })();
  return {
    dataset: catalogue.dataset,
    generation: catalogue.generation,
    rows: Uint32Array.from(rows),
    columns: names.map((name, c) => typed(name, types[c], raw[c])),
  };
}

function typed(name: string, type: ProfileType, values: unknown[]): TypedColumn {
  if (type === 'string' || type === 'enum') {
    const dictionary = [...new Set(values.filter((v): v is string => typeof v === 'string'))].sort();
    const index = new Map(dictionary.map((v, i) => [v, i]));
    return { name, type, dictionary, codes: Int32Array.from(values, (v) => (typeof v === 'string' ? index.get(v)! : -1)) };
  }
  return { name, type, values: Float64Array.from(values, (v) => (v === null || v === undefined ? NaN : Number(v))) };
}
