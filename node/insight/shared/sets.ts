/**
 * Shared segment sets: storage. A set is named by its publisher unit and a name; each publication
 * whose content (dataset, segment rules, strategy text, audience) differs from the latest is a new
 * version. Imports record, per receiving unit, the version taken and which of its own segments
 * came from which set segment. No auditing here; service.ts wires it.
 */
import type { Audience } from '../../audience/audience.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { Rule } from '../rules/rule.js';

export interface SharedSegment {
  /** The publisher's segment name. */
  name: string;
  description: string;
  /** Its rule as published, references to other segments inlined. */
  rule: Rule;
}

export interface SharedSetVersionView {
  version: number;
  segments: SharedSegment[];
  strategy: string;
  audience: Audience;
  contentSha256: string;
  publishedBy: string;
  publishedAt: string;
}

export interface SharedSetView {
  id: number;
  name: string;
  publisher: string;
  dataset: string;
  /** The latest version. */
  version: number;
  createdBy: string;
  createdAt: string;
  latest: SharedSetVersionView;
}

export interface SetImportView {
  unit: string;
  version: number;
  /** Set segment → the importing unit's own segment. */
  segments: { source: string; segment: string }[];
  importedBy: string;
  importedAt: string;
}

interface SetRow {
  id: number;
  name: string;
  publisher: string;
  dataset: string;
  version: number;
  created_by: string;
  created_at: string;
}
interface VersionRow {
  version: number;
  segments: string;
  strategy: string;
  audience: string;
  content_sha256: string;
  published_by: string;
  published_at: string;
}
interface ImportRow {
  unit: string;
  version: number;
  segments: string;
  imported_by: string;
  imported_at: string;
}

const toVersion = (r: VersionRow): SharedSetVersionView => ({
  version: r.version,
  segments: JSON.parse(r.segments) as SharedSegment[],
  strategy: r.strategy,
  audience: JSON.parse(r.audience) as Audience,
  contentSha256: r.content_sha256,
  publishedBy: r.published_by,
  publishedAt: r.published_at,
});

const toImport = (r: ImportRow): SetImportView => ({
  unit: r.unit,
  version: r.version,
  segments: JSON.parse(r.segments) as SetImportView['segments'],
  importedBy: r.imported_by,
  importedAt: r.imported_at,
});

export function setVersion(db: Db, id: number, version: number): SharedSetVersionView {
  const r = db.prepare('SELECT * FROM shared_set_versions WHERE set_id = ? AND version = ?').get(id, version) as VersionRow | undefined;
  if (!r) throw new MofangError('INSIGHT_NOT_FOUND', `shared set ${id} has no version ${version}`, { set: id, version });
  return toVersion(r);
}

const toSet = (db: Db, r: SetRow): SharedSetView => ({
  id: r.id,
  name: r.name,
  publisher: r.publisher,
  dataset: r.dataset,
  version: r.version,
  createdBy: r.created_by,
  createdAt: r.created_at,
  latest: setVersion(db, r.id, r.version),
});

/** @throws INSIGHT_NOT_FOUND */
export function getSet(db: Db, id: number): SharedSetView {
  const r = db.prepare('SELECT * FROM shared_sets WHERE id = ?').get(id) as SetRow | undefined;
  if (!r) throw new MofangError('INSIGHT_NOT_FOUND', `no shared set ${id}`, { set: id });
  return toSet(db, r);
}

export function findSet(db: Db, publisher: string, name: string): SharedSetView | undefined {
  const r = db.prepare('SELECT * FROM shared_sets WHERE publisher = ? AND name = ?').get(publisher, name) as SetRow | undefined;
  return r && toSet(db, r);
}

export function listSets(db: Db): SharedSetView[] {
  return (db.prepare('SELECT * FROM shared_sets ORDER BY id').all() as SetRow[]).map((r) => toSet(db, r));
}

export function setVersions(db: Db, id: number): SharedSetVersionView[] {
  return (db.prepare('SELECT * FROM shared_set_versions WHERE set_id = ? ORDER BY version DESC').all(id) as VersionRow[]).map(toVersion);
}

/** Stores a new version (creating the set at version 1); returns the set. */
export function storeVersion(
  db: Db,
  input: { publisher: string; name: string; dataset: string; segments: SharedSegment[]; strategy: string; audience: Audience; contentSha256: string },
  by: string,
  now: Date,
): SharedSetView {
  const at = now.toISOString();
  const existing = findSet(db, input.publisher, input.name);
  let id: number;
  let version: number;
  if (existing) {
    id = existing.id;
    version = existing.version + 1;
    db.prepare('UPDATE shared_sets SET version = ?, dataset = ? WHERE id = ?').run(version, input.dataset, id);
  } else {
    version = 1;
    id = Number(
      db
        .prepare('INSERT INTO shared_sets (publisher, name, dataset, version, created_by, created_at) VALUES (?, ?, ?, 1, ?, ?)')
        .run(input.publisher, input.name, input.dataset, by, at).lastInsertRowid,
    );
  }
  db.prepare(
    'INSERT INTO shared_set_versions (set_id, version, segments, strategy, audience, content_sha256, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(id, version, JSON.stringify(input.segments), input.strategy, JSON.stringify(input.audience), input.contentSha256, by, at);
  return getSet(db, id);
}

export function getImport(db: Db, id: number, unit: string): SetImportView | undefined {
  const r = db.prepare('SELECT * FROM shared_set_imports WHERE set_id = ? AND unit = ?').get(id, unit) as ImportRow | undefined;
  return r && toImport(r);
}

export function listImports(db: Db, id: number): SetImportView[] {
  return (db.prepare('SELECT * FROM shared_set_imports WHERE set_id = ? ORDER BY unit').all(id) as ImportRow[]).map(toImport);
}

export function storeImport(db: Db, id: number, v: Omit<SetImportView, 'importedAt' | 'importedBy'>, by: string, now: Date): SetImportView {
  db.prepare(
    `INSERT INTO shared_set_imports (set_id, unit, version, segments, imported_by, imported_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (set_id, unit) DO UPDATE SET version = excluded.version, segments = excluded.segments, imported_by = excluded.imported_by, imported_at = excluded.imported_at`,
  ).run(id, v.unit, v.version, JSON.stringify(v.segments), by, now.toISOString());
  return getImport(db, id, v.unit)!;
}
