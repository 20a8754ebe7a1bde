/** Saved layerings: a name, a dataset and a spec (spec.ts); computed on demand. */
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { checkSegmentName } from '../segments/store.js';
import type { LayeringSpec } from './spec.js';

export interface LayeringView {
  name: string;
  dataset: string;
  spec: LayeringSpec;
  /** The unit it belongs to (computed in that unit's scope); null: the whole organisation. */
  unit: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  name: string;
  dataset: string;
  spec: string;
  unit: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
}

const toView = (r: Row): LayeringView => ({
  name: r.name,
  dataset: r.dataset,
  spec: JSON.parse(r.spec) as LayeringSpec,
  unit: r.unit,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function getLayering(db: Db, name: string): LayeringView {
  const r = db.prepare('SELECT * FROM insight_layerings WHERE name = ?').get(name) as Row | undefined;
  if (!r) throw new MofangError('INSIGHT_NOT_FOUND', `no layering named ${JSON.stringify(name)}`, { layering: name });
  return toView(r);
}

export function listLayerings(db: Db): LayeringView[] {
  return (db.prepare('SELECT * FROM insight_layerings ORDER BY name').all() as Row[]).map(toView);
}

/** Creates or replaces (`replace`) a layering; the spec is checked by the caller (computeLayering). */
export function saveLayering(
  db: Db,
  input: { name: string; dataset: string; spec: LayeringSpec; unit?: string | null },
  by: string,
  now: Date,
  replace: boolean,
): LayeringView {
  checkSegmentName(input.name);
  const at = now.toISOString();
  const existing = db.prepare('SELECT 1 FROM insight_layerings WHERE name = ?').get(input.name);
  if (existing && !replace) throw new MofangError('INSIGHT_EXISTS', `a layering named ${input.name} already exists`, { layering: input.name });
  if (!existing && replace) throw new MofangError('INSIGHT_NOT_FOUND', `no layering named ${input.name}`, { layering: input.name });
  if (existing)
    db.prepare('UPDATE insight_layerings SET dataset = ?, spec = ?, updated_at = ? WHERE name = ?').run(
      input.dataset,
      JSON.stringify(input.spec),
      at,
      input.name,
    );
  else
    db.prepare('INSERT INTO insight_layerings (name, dataset, spec, unit, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      input.name,
      input.dataset,
      JSON.stringify(input.spec),
      input.unit ?? null,
      by,
      at,
      at,
    );
  return getLayering(db, input.name);
}

export function deleteLayering(db: Db, name: string): void {
  getLayering(db, name);
  const flows = db.prepare("SELECT name FROM insight_flows WHERE json_extract(source, '$.layering') = ?").pluck().all(name) as string[];
  if (flows.length > 0) throw new MofangError('INSIGHT_INVALID', `layering ${name} is used by flow ${flows[0]}`, { layering: name, usedBy: flows });
  db.prepare('DELETE FROM insight_layerings WHERE name = ?').run(name);
}
