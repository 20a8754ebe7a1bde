/**
 * One customer's profile: looked up by identifier (normalised as the dataset's identifiers were),
 * every attribute with its source. Joint attributes their agreement does not allow, and score
 * attributes of an older generation, are listed as withheld — by name and reason, never with their value.
 */
import { customerJointAttributes } from '../../datasets/joint-attributes.js';
import { getDataset } from '../../datasets/store.js';
import { normaliseIdentifier } from '../../datasets/normalise.js';
import { MofangError } from '../../errors.js';
import { prepared, type Db } from '../../store/db.js';
import { checkedColumn } from './build.js';
import type { ProfileCatalogue } from './catalogue.js';
import { withScope } from '../units/scope.js';
import type { ProfileType, WithheldAttribute } from './types.js';

export type AttributeSource =
  | { kind: 'dataset'; dataset: string; generation: number; importedAt: string; sourceSha256: string }
  | { kind: 'joint'; agreementIds: string[]; runId: string; at: string }
  | { kind: 'score'; modelId: string; generation: number; scoredAt: string };

export interface ProfileValue {
  name: string;
  type: ProfileType;
  /** Dates as ISO-8601 (UTC); null when unset. */
  value: number | string | boolean | null;
  source: AttributeSource;
}

export interface ProfileView {
  dataset: string;
  generation: number;
  /** The identifier with all but its last 4 characters masked. */
  idMasked: string;
  row: number;
  attributes: ProfileValue[];
  withheld: WithheldAttribute[];
}

export function maskIdentifier(id: string): string {
  const keep = Math.min(4, Math.floor(id.length / 3));
  return '•'.repeat(id.length - keep) + id.slice(id.length - keep);
}

/** @throws IDENTIFIER_INVALID, INSIGHT_NOT_FOUND (naming neither the identifier nor its hash) */
export function lookupProfile(db: Db, catalogue: ProfileCatalogue, rawId: string): ProfileView {
  return profileLookup(db, catalogue)(rawId);
}

/**
 * Lookups over one catalogue: the dataset and the statements are read once, so a caller looking up
 * many customers (the journey engine's batch) pays for them once. The catalogue is as of its build:
 * an agreement withdrawn later still shows until the caller builds a new one.
 */
export function profileLookup(db: Db, catalogue: ProfileCatalogue): (rawId: string) => ProfileView {
  const info = getDataset(db, catalogue.dataset);
  const dataset = catalogue.profiles.columns;
  const source: AttributeSource = {
    kind: 'dataset',
    dataset: info.name,
    generation: catalogue.generation,
    importedAt: info.importedAt,
    sourceSha256: info.sourceSha256,
  };
  // Outside the caller's unit scope, a customer is reported as absent.
  const where = withScope(catalogue, { sql: 'p.id_norm = ?', params: [] })!;
  const select = prepared(
    db,
    `SELECT p.row${dataset.map((c) => `, p.${checkedColumn(c.column)}`).join('')} FROM ${catalogue.table} p WHERE ${where.sql}`,
  ).raw();
  const score = prepared(db, 'SELECT score FROM insight_tree_scores WHERE dataset = ? AND attribute = ? AND row = ?').pluck();
  const scores = [...catalogue.attributes.values()].filter((a) => a.source === 'score');
  return (rawId) => {
    const id = normaliseIdentifier(info.idKind, rawId, info.idOptions);
    const record = select.get(...where.params, id) as unknown[] | undefined;
    if (!record)
      throw new MofangError('INSIGHT_NOT_FOUND', `dataset ${catalogue.dataset} has no customer with this identifier`, { dataset: catalogue.dataset });
    const attributes: ProfileValue[] = dataset.map((c, i) => ({ name: c.name, type: c.type, value: displayValue(c.type, record[i + 1]), source }));
    const withheld: WithheldAttribute[] = [];
    for (const j of customerJointAttributes(db, catalogue.dataset, id)) {
      const a = catalogue.attributes.get(j.name);
      if (a?.source !== 'joint') {
        const reason = catalogue.withheld.find((w) => w.name === j.name)?.reason ?? 'not allowed by its agreement';
        withheld.push({ name: j.name, agreementIds: j.agreementIds, reason });
        continue;
      }
      attributes.push({
        name: j.name,
        type: a.type,
        value: jointValue(a.type, j.value),
        source: { kind: 'joint', agreementIds: j.agreementIds, runId: j.runId, at: j.createdAt },
      });
    }
    // Score attributes of the live generation, keyed by this customer's row; stale ones are withheld.
    for (const a of scores) {
      const value = (score.get(catalogue.dataset, a.name, record[0]) as number | undefined) ?? null;
      attributes.push({ name: a.name, type: a.type, value, source: { kind: 'score', ...a.score! } });
    }
    withheld.push(...catalogue.withheld.filter((w) => w.modelId !== undefined));
    return { dataset: catalogue.dataset, generation: catalogue.generation, idMasked: maskIdentifier(id), row: record[0] as number, attributes, withheld };
  };
}

/** A profile-table value as shown to users: booleans, ISO dates, numbers, strings, null. */
export function displayValue(type: ProfileType, v: unknown): ProfileValue['value'] {
  if (v === null || v === undefined) return null;
  if (type === 'boolean') return v === 1;
  if (type === 'date') return new Date(v as number).toISOString();
  return v as number | string;
}

function jointValue(type: ProfileType, stored: string): ProfileValue['value'] {
  if (type === 'boolean') return stored === 'true' ? true : stored === 'false' ? false : null;
  try {
    const v = JSON.parse(stored) as unknown;
    if (type === 'number') return typeof v === 'number' ? v : null;
    return typeof v === 'string' ? v : stored;
  } catch {
    return type === 'number' ? null : stored;
  }
}
