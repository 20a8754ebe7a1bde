/**
 * The attributes of a dataset's profiles: its own columns (typed profile table) and the joint
 * attributes its agreements allow. Rules, layering and lookups resolve attribute names only
 * through this catalogue, so a name never reaches SQL text.
 */
import type { Db } from '../../store/db.js';
import type { CatalogueScope } from '../units/scope.js';
import { ensureProfileTable, type ProfileTableInfo } from './build.js';
import { jointAttributePolicy } from './joint-policy.js';
import type { ProfileAttribute, WithheldAttribute } from './types.js';

export interface ProfileCatalogue {
  dataset: string;
  generation: number;
  /** The typed profile table (validated identifier). */
  table: string;
  rowCount: number;
  attributes: Map<string, ProfileAttribute>;
  /** Joint attributes present in the data but not usable under their agreements. */
  withheld: WithheldAttribute[];
  profiles: ProfileTableInfo;
  /** Set when the catalogue sees one unit's customers only (units/scope.ts); `rowCount` is then theirs. */
  scope?: CatalogueScope;
}

/** Builds the profile table first if the dataset was re-imported. */
export async function profileCatalogue(db: Db, dataset: string, now: Date): Promise<ProfileCatalogue> {
  const profiles = await ensureProfileTable(db, dataset);
  return catalogueOf(db, profiles, now);
}

export function catalogueOf(db: Db, profiles: ProfileTableInfo, now: Date): ProfileCatalogue {
  const attributes = new Map<string, ProfileAttribute>();
  for (const c of profiles.columns) {
    attributes.set(c.name, { name: c.name, type: c.type, source: 'dataset', column: c.column, ...(c.values ? { values: c.values } : {}) });
  }
  const withheld: WithheldAttribute[] = [];
  const joint = db
    .prepare(
      `SELECT name, agreement_id, run_id, max(created_at) AS at, count(*) AS count FROM joint_attributes
       WHERE dataset = ? GROUP BY name, agreement_id, run_id ORDER BY name`,
    )
    .all(profiles.dataset) as { name: string; agreement_id: string; run_id: string; at: string; count: number }[];
  for (const j of joint) {
    // A dataset column of the same name keeps its meaning; the joint one is reachable by no rule.
    if (attributes.has(j.name)) {
      withheld.push({ name: j.name, agreementIds: j.agreement_id.split(','), reason: 'a dataset column has the same name' });
      continue;
    }
    const agreementIds = j.agreement_id.split(',');
    const policy = jointAttributePolicy(db, j.name, agreementIds, now);
    if (!policy.allowed) {
      withheld.push({ name: j.name, agreementIds, reason: policy.reason });
      continue;
    }
    attributes.set(j.name, { name: j.name, type: policy.type, source: 'joint', joint: { agreementIds, runId: j.run_id, at: j.at, count: j.count } });
  }
  return { dataset: profiles.dataset, generation: profiles.generation, table: profiles.table, rowCount: profiles.rowCount, attributes, withheld, profiles };
}
