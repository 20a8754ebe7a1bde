/**
 * What a joint attribute may be used for, decided by the agreement(s) that produced it. A
 * partner-provided attribute is usable (in rules, layering, metrics, lookups) only while every
 * agreement behind it is accepted and unexpired, names this node as an enrich receiver, and names
 * the attribute as one of its outputs: the membership flag (`enrichAttribute`, or the combined
 * audience of an intersect job over several agreements) or an agreed label column. Anything else
 * is withheld — e.g. after a revocation, or a label the current terms no longer list.
 */
import { labelAttribute } from '../../agreements/model.js';
import { getAgreement, type StoredAgreement } from '../../agreements/store.js';
import type { Db } from '../../store/db.js';
import type { ProfileType } from './types.js';

export type JointPolicy = { allowed: true; type: ProfileType } | { allowed: false; reason: string };

const LABEL_TYPES = { boolean: 'boolean', number: 'number', category: 'string' } as const;

export function jointAttributePolicy(db: Db, name: string, agreementIds: readonly string[], now: Date): JointPolicy {
  const agreements: StoredAgreement[] = [];
  for (const id of agreementIds) {
    try {
      agreements.push(getAgreement(db, id));
    } catch {
      return { allowed: false, reason: `agreement ${id} is not known to this node` };
    }
  }
  if (agreements.length === 0) return { allowed: false, reason: 'no agreement recorded' };
  for (const a of agreements) {
    if (a.status !== 'accepted') return { allowed: false, reason: `agreement ${a.id} is ${a.status}` };
    if (Date.parse(a.terms.expiresAt) <= now.getTime()) return { allowed: false, reason: `agreement ${a.id} expired at ${a.terms.expiresAt}` };
    if (!a.terms.outputs.enrich.includes(a.localParty)) return { allowed: false, reason: `agreement ${a.id} does not give enrich results to this node` };
  }
  // Several agreements: the combined audience an intersect job marks (a flag).
  if (agreements.length > 1) return { allowed: true, type: 'boolean' };
  const terms = agreements[0].terms;
  if (name === terms.enrichAttribute) return { allowed: true, type: 'boolean' };
  const label = (terms.labels ?? []).find((l) => labelAttribute(terms, l.column) === name);
  if (label) return { allowed: true, type: LABEL_TYPES[label.type] };
  return { allowed: false, reason: `agreement ${agreements[0].id} names no output ${name}` };
}

/**
 * The SQL expression for a stored joint value `v` (text; `jointAttributeRows(…).columns.value`) as
 * its type: flags are 'true' or 'false', labels JSON (true/false, a number, a JSON string for categories).
 */
export function jointValueSql(v: string, type: ProfileType): string {
  switch (type) {
    case 'boolean':
      return `CASE ${v} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END`;
    case 'number':
      return `CASE WHEN json_valid(${v}) AND json_type(${v}) IN ('integer', 'real') THEN ${v} ->> '$' END`;
    default:
      return `CASE WHEN json_valid(${v}) AND json_type(${v}) = 'text' THEN ${v} ->> '$' ELSE ${v} END`;
  }
}
