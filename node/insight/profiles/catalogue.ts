/**
 * The attributes of a dataset's profiles: its own columns (typed profile table), the joint
 * attributes its agreements allow and the score attributes of the live generation. Rules, layering and lookups resolve attribute names only
 * through this catalogue, so a name never reaches SQL text.
 */
import { jointAttributeSummaries } from '../../datasets/joint-attributes.js';
import type { Db } from '../../store/db.js';
import type { CatalogueScope } from '../units/scope.js';
import { ensureProfileTable, type ProfileTableInfo } from './build.js';
import { jointAttributePolicy } from './joint-policy.js';
import { scoreAttributes, staleScoreReason } from './score-attributes.js';
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

function catalogueOf(db: Db, profiles: ProfileTableInfo, now: Date): ProfileCatalogue {
  const attributes = new Map<string, ProfileAttribute>();
  for (const c of profiles.columns) {
    attributes.set(c.name, { name: c.name, type: c.type, source: 'dataset', column: c.column, ...(c.values ? { values: c.values } : {}) });
  }
  const withheld: WithheldAttribute[] = [];
  for (const { name, agreementIds, runId, at, count } of jointAttributeSummaries(db, profiles.dataset)) {
    // A dataset column of the same name keeps its meaning; the joint one is reachable by no rule.
    if (attributes.has(name)) {
      withheld.push({ name, agreementIds, reason: 'a dataset column has the same name' });
      continue;
    }
    const policy = jointAttributePolicy(db, name, agreementIds, now);
    if (!policy.allowed) {
      withheld.push({ name, agreementIds, reason: policy.reason });
      continue;
    }
    attributes.set(name, { name, type: policy.type, source: 'joint', joint: { agreementIds, runId, at, count } });
  }
  for (const s of scoreAttributes(db, profiles.dataset)) {
    const withheldScore = (reason: string) => withheld.push({ name: s.attribute, agreementIds: [], reason, modelId: s.modelId });
    // Refused at score time; a joint attribute written later under the name keeps its meaning.
    if (attributes.has(s.attribute) || withheld.some((w) => w.name === s.attribute)) {
      withheldScore('a dataset column or joint attribute has the same name');
      continue;
    }
    const stale = staleScoreReason(s, profiles.generation);
    if (stale) {
      withheldScore(stale);
      continue;
    }
    attributes.set(s.attribute, {
      name: s.attribute,
      type: 'number',
      source: 'score',
      score: { modelId: s.modelId, generation: s.generation, scoredAt: s.scoredAt },
    });
  }
  return { dataset: profiles.dataset, generation: profiles.generation, table: profiles.table, rowCount: profiles.rowCount, attributes, withheld, profiles };
}
