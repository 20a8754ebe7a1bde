/** SQL over the campaign template tables (schema.ts); the service (service.ts) holds the rules and the transactions. */
import type { Audience } from '../../audience/audience.js';
import type { Db } from '../../store/db.js';
import type { JourneyGraph } from '../graph.js';
import type { ParamDecl } from './params.js';

export interface TemplateView {
  id: number;
  name: string;
  description: string;
  unit: string | null;
  latestVersion: number;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

export interface TemplateVersionView {
  version: number;
  contentSha256: string;
  createdBy: string;
  createdAt: string;
  nodes: number;
  /** The declared parameters (names, types, labels, ranges, defaults). */
  parameters: ParamDecl[];
}

export interface TemplateVersionDetail extends TemplateVersionView {
  /** The journey graph with the parameters in place. */
  graph: JourneyGraph;
}

export interface PublicationView {
  seq: number;
  version: number;
  publisher: string;
  audience: Audience;
  publishedBy: string;
  publishedAt: string;
}

export interface InstanceLink {
  journey: number;
  template: number;
  templateVersion: number;
  /** When customers may start entering (ISO 8601 UTC); null: when the journey is published. */
  startsAt: string | null;
  /** When the journey stops taking customers in (ISO 8601 UTC); null: until it is stopped. */
  endsAt: string | null;
  valuesSha256: string;
  createdBy: string;
  createdAt: string;
}

interface TemplateRow {
  id: number;
  name: string;
  description: string;
  unit: string | null;
  latest_version: number;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

const templateView = (r: TemplateRow): TemplateView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  unit: r.unit,
  latestVersion: r.latest_version,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

interface VersionRow {
  version: number;
  graph: string;
  parameters: string;
  content_sha256: string;
  created_by: string;
  created_at: string;
}

function versionDetail(r: VersionRow): TemplateVersionDetail {
  const graph = JSON.parse(r.graph) as JourneyGraph;
  return {
    version: r.version,
    contentSha256: r.content_sha256,
    createdBy: r.created_by,
    createdAt: r.created_at,
    nodes: graph.nodes.length,
    parameters: JSON.parse(r.parameters) as ParamDecl[],
    graph,
  };
}

export function findTemplate(db: Db, id: number): TemplateView | undefined {
  const r = db.prepare('SELECT * FROM journey_templates WHERE id = ?').get(id) as TemplateRow | undefined;
  return r && templateView(r);
}

export function findTemplateByName(db: Db, name: string): TemplateView | undefined {
  const r = db.prepare('SELECT * FROM journey_templates WHERE name = ?').get(name) as TemplateRow | undefined;
  return r && templateView(r);
}

export function listTemplates(db: Db): TemplateView[] {
  return (db.prepare('SELECT * FROM journey_templates ORDER BY id').all() as TemplateRow[]).map(templateView);
}

export function insertTemplate(db: Db, t: { name: string; description: string; unit: string | null }, actor: string, at: string): number {
  return Number(
    db
      .prepare(
        `INSERT INTO journey_templates (name, description, unit, latest_version, created_by, created_at, updated_by, updated_at)
         VALUES (?, ?, ?, 0, ?, ?, ?, ?)`,
      )
      .run(t.name, t.description, t.unit, actor, at, actor, at).lastInsertRowid,
  );
}

/** Adds the next version; returns its number. */
export function insertVersion(db: Db, template: number, content: { graph: string; parameters: string; sha256: string }, actor: string, at: string): number {
  const version = (db.prepare('SELECT latest_version FROM journey_templates WHERE id = ?').get(template) as { latest_version: number }).latest_version + 1;
  db.prepare(
    'INSERT INTO journey_template_versions (template, version, graph, parameters, content_sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(template, version, content.graph, content.parameters, content.sha256, actor, at);
  db.prepare('UPDATE journey_templates SET latest_version = ?, updated_by = ?, updated_at = ? WHERE id = ?').run(version, actor, at, template);
  return version;
}

export function getVersion(db: Db, template: number, version: number): TemplateVersionDetail | undefined {
  const r = db.prepare('SELECT * FROM journey_template_versions WHERE template = ? AND version = ?').get(template, version) as VersionRow | undefined;
  return r && versionDetail(r);
}

/** Newest first, without graphs. */
export function listVersions(db: Db, template: number): TemplateVersionView[] {
  const rows = db.prepare('SELECT * FROM journey_template_versions WHERE template = ? ORDER BY version DESC').all(template) as VersionRow[];
  return rows.map((r) => {
    const { graph: _graph, ...view } = versionDetail(r);
    return view;
  });
}

interface PublicationRow {
  seq: number;
  version: number;
  publisher: string;
  audience: string;
  published_by: string;
  published_at: string;
}

/** The latest publication of the template: what the units see. */
export function latestPublication(db: Db, template: number): PublicationView | undefined {
  const r = db.prepare('SELECT * FROM journey_template_publications WHERE template = ? ORDER BY seq DESC LIMIT 1').get(template) as PublicationRow | undefined;
  return (
    r && {
      seq: r.seq,
      version: r.version,
      publisher: r.publisher,
      audience: JSON.parse(r.audience) as Audience,
      publishedBy: r.published_by,
      publishedAt: r.published_at,
    }
  );
}

export function insertPublication(
  db: Db,
  template: number,
  p: { version: number; publisher: string; audience: Audience },
  actor: string,
  at: string,
): PublicationView {
  const seq = (latestPublication(db, template)?.seq ?? 0) + 1;
  db.prepare(
    'INSERT INTO journey_template_publications (template, seq, version, publisher, audience, published_by, published_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  ).run(template, seq, p.version, p.publisher, JSON.stringify(p.audience), actor, at);
  return latestPublication(db, template)!;
}

interface InstanceRow {
  journey: number;
  template: number;
  template_version: number;
  starts_at: string | null;
  ends_at: string | null;
  values_sha256: string;
  created_by: string;
  created_at: string;
}

const instanceLink = (r: InstanceRow): InstanceLink => ({
  journey: r.journey,
  template: r.template,
  templateVersion: r.template_version,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  valuesSha256: r.values_sha256,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function insertInstance(db: Db, link: Omit<InstanceLink, 'createdBy' | 'createdAt'>, actor: string, at: string): void {
  db.prepare(
    `INSERT INTO journey_template_instances (journey, template, template_version, starts_at, ends_at, values_sha256, created_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(link.journey, link.template, link.templateVersion, link.startsAt, link.endsAt, link.valuesSha256, actor, at);
}

/** The template's instances, oldest first. */
export function listInstances(db: Db, template: number): InstanceLink[] {
  return (db.prepare('SELECT * FROM journey_template_instances WHERE template = ? ORDER BY journey').all(template) as InstanceRow[]).map(instanceLink);
}

/** The template link of a journey, if it was instantiated from one. */
export function instanceOf(db: Db, journey: number): InstanceLink | undefined {
  const r = db.prepare('SELECT * FROM journey_template_instances WHERE journey = ?').get(journey) as InstanceRow | undefined;
  return r && instanceLink(r);
}
