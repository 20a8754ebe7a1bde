/** SQL over the journeys tables (schema.ts); the service (service.ts) holds the rules and the transactions. */
import type { Db } from '../store/db.js';
import type { JourneyGraph } from './graph.js';

export const JOURNEY_STATUSES = ['draft', 'published', 'paused', 'stopped'] as const;
export type JourneyStatus = (typeof JOURNEY_STATUSES)[number];

export interface JourneyView {
  id: number;
  name: string;
  description: string;
  unit: string | null;
  status: JourneyStatus;
  latestVersion: number;
  /** The version published (running or paused); null before the first publish. */
  liveVersion: number | null;
  createdBy: string;
  createdAt: string;
  updatedBy: string;
  updatedAt: string;
}

export interface VersionView {
  version: number;
  graphSha256: string;
  createdBy: string;
  createdAt: string;
  publishedAt: string | null;
  /** Published: the live one; draft: newer than the live one (or none is live); superseded: an older live one. */
  state: 'live' | 'draft' | 'superseded';
  nodes: number;
}

export interface VersionDetail extends VersionView {
  graph: JourneyGraph;
}

interface JourneyRow {
  id: number;
  name: string;
  description: string;
  unit: string | null;
  status: JourneyStatus;
  latest_version: number;
  live_version: number | null;
  created_by: string;
  created_at: string;
  updated_by: string;
  updated_at: string;
}

interface VersionRow {
  version: number;
  graph: string;
  graph_sha256: string;
  created_by: string;
  created_at: string;
  published_at: string | null;
}

const journeyView = (r: JourneyRow): JourneyView => ({
  id: r.id,
  name: r.name,
  description: r.description,
  unit: r.unit,
  status: r.status,
  latestVersion: r.latest_version,
  liveVersion: r.live_version,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedBy: r.updated_by,
  updatedAt: r.updated_at,
});

function versionDetail(r: VersionRow, live: number | null): VersionDetail {
  const graph = JSON.parse(r.graph) as JourneyGraph;
  const state = live === null || r.version > live ? 'draft' : r.version === live ? 'live' : 'superseded';
  return {
    version: r.version,
    graphSha256: r.graph_sha256,
    createdBy: r.created_by,
    createdAt: r.created_at,
    publishedAt: r.published_at,
    state,
    nodes: graph.nodes.length,
    graph,
  };
}

export function findJourney(db: Db, id: number): JourneyView | undefined {
  const r = db.prepare('SELECT * FROM journeys WHERE id = ?').get(id) as JourneyRow | undefined;
  return r && journeyView(r);
}

export function findJourneyByName(db: Db, name: string): JourneyView | undefined {
  const r = db.prepare('SELECT * FROM journeys WHERE name = ?').get(name) as JourneyRow | undefined;
  return r && journeyView(r);
}

export function listJourneys(db: Db): JourneyView[] {
  return (db.prepare('SELECT * FROM journeys ORDER BY id').all() as JourneyRow[]).map(journeyView);
}

export function insertJourney(db: Db, j: { name: string; description: string; unit: string | null }, actor: string, at: string): number {
  return Number(
    db
      .prepare(
        `INSERT INTO journeys (name, description, unit, status, latest_version, live_version, created_by, created_at, updated_by, updated_at)
         VALUES (?, ?, ?, 'draft', 0, NULL, ?, ?, ?, ?)`,
      )
      .run(j.name, j.description, j.unit, actor, at, actor, at).lastInsertRowid,
  );
}

/** Adds the next version of the journey; returns its number. */
export function insertVersion(db: Db, journey: number, graph: { json: string; sha256: string }, actor: string, at: string): number {
  const version = (db.prepare('SELECT latest_version FROM journeys WHERE id = ?').get(journey) as { latest_version: number }).latest_version + 1;
  db.prepare('INSERT INTO journey_versions (journey, version, graph, graph_sha256, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    journey,
    version,
    graph.json,
    graph.sha256,
    actor,
    at,
  );
  db.prepare('UPDATE journeys SET latest_version = ?, updated_by = ?, updated_at = ? WHERE id = ?').run(version, actor, at, journey);
  return version;
}

export function setStatus(db: Db, journey: number, change: { status: JourneyStatus; liveVersion: number | null }, actor: string, at: string): void {
  db.prepare('UPDATE journeys SET status = ?, live_version = ?, updated_by = ?, updated_at = ? WHERE id = ?').run(
    change.status,
    change.liveVersion,
    actor,
    at,
    journey,
  );
  if (change.liveVersion !== null)
    db.prepare('UPDATE journey_versions SET published_at = ? WHERE journey = ? AND version = ? AND published_at IS NULL').run(at, journey, change.liveVersion);
}

export function getVersion(db: Db, journey: JourneyView, version: number): VersionDetail | undefined {
  const r = db.prepare('SELECT * FROM journey_versions WHERE journey = ? AND version = ?').get(journey.id, version) as VersionRow | undefined;
  return r && versionDetail(r, journey.liveVersion);
}

export function listVersions(db: Db, journey: JourneyView): VersionView[] {
  const rows = db.prepare('SELECT * FROM journey_versions WHERE journey = ? ORDER BY version DESC').all(journey.id) as VersionRow[];
  return rows.map((r) => {
    const { graph: _graph, ...view } = versionDetail(r, journey.liveVersion);
    return view;
  });
}
