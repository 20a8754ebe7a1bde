/**
 * The SQL value of one catalogue attribute for the profile row of alias `alias`, as its type (see
 * the catalogue types): a generated column, or a keyed subquery for joint and score attributes.
 * Only generated identifiers enter the text; the dataset and attribute names are bound.
 */
import { jointAttributeRows } from '../../datasets/joint-attributes.js';
import { checkedColumn } from './build.js';
import type { ProfileCatalogue } from './catalogue.js';
import { jointValueSql } from './joint-policy.js';
import type { ProfileAttribute } from './types.js';

export function attributeValueSql(c: ProfileCatalogue, a: ProfileAttribute, alias = 'p'): { sql: string; params: unknown[] } {
  switch (a.source) {
    case 'dataset':
      return { sql: `${alias}.${checkedColumn(a.column!)}`, params: [] };
    case 'joint': {
      const j = jointAttributeRows({ dataset: c.dataset, name: a.name, alias: 'j' });
      return {
        sql: `(SELECT ${jointValueSql(j.columns.value, a.type)} FROM ${j.from} WHERE ${j.where} AND ${j.columns.idNorm} = ${alias}.id_norm)`,
        params: j.params,
      };
    }
    case 'score':
      return {
        sql: `(SELECT s.score FROM insight_tree_scores s WHERE s.dataset = ? AND s.attribute = ? AND s.row = ${alias}.row)`,
        params: [c.dataset, a.name],
      };
  }
}
