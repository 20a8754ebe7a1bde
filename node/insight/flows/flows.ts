/**
 * Flows: how customers move between categories — an ordered list of segments (a customer counts
 * in the first one it belongs to) or the leaf cells of a layering — from one snapshot to the next.
 *
 * A snapshot evaluates the categories over every profile in one scan and stores the sorted
 * (customer key, category) entries (keys.ts). The transition matrix of two snapshots is a merge of
 * the two: rows are the earlier snapshot's categories (index 0: none of these), columns the later
 * one's; every customer of the earlier snapshot is counted in exactly one cell of its row —
 * customers gone from the dataset by then in column 0 — so each row sums to the earlier size.
 * Customers new in the later snapshot are reported apart (`arrived`).
 */
import { randomBytes } from 'node:crypto';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import type { Rule } from '../rules/rule.js';
import type { BehaviourLookup } from '../behaviour/sets.js';
import { compileForDataset, getSegment, checkSegmentName } from '../segments/store.js';
import { scopeCondition } from '../units/scope.js';
import { categoryOf, compareKeys, MAX_CATEGORIES, sortEntries, writeEntry } from './keys.js';
import type { FlowEvery } from './schedule.js';

/** Profiles read per query while taking a snapshot. */
const SNAPSHOT_CHUNK = 1 << 16;
/** Entries per stored blob (8 MB). */
const STORE_CHUNK = 1 << 20;
const PERIOD = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

export type FlowSource = { segments: string[] } | { layering: string };

export interface FlowView {
  name: string;
  dataset: string;
  source: FlowSource;
  /** The unit it belongs to (snapshots count that unit's scope); null: the whole organisation. */
  unit: string | null;
  /** Snapshotted by the node once per day, ISO week or month (UTC); null: by hand only. */
  every: FlowEvery | null;
  createdBy: string;
  createdAt: string;
}

export interface Category {
  label: string;
  rule: Rule;
}

export interface SnapshotView {
  id: number;
  flow: string;
  period: string;
  generation: number;
  population: number;
  /** Labels, index 0 is "none of these". */
  labels: string[];
  sizes: number[];
  collisions: number;
  takenAt: string;
  takenBy: string;
}

export interface TransitionMatrix {
  flow: string;
  from: SnapshotView;
  to: SnapshotView;
  labels: string[];
  /** counts[i][j]: customers in category i of `from` and j of `to` (0: none, or gone). */
  counts: number[][];
  /** counts[i][j] / from.sizes[i] (0 for an empty row). */
  rates: number[][];
  /** Per row: customers of `from` no longer in the dataset at `to` (included in column 0). */
  departed: number[];
  /** Per column: customers of `to` not in the dataset at `from` (not in any row). */
  arrived: number[];
  durationMs: number;
}

interface FlowRow {
  name: string;
  dataset: string;
  source: string;
  unit: string | null;
  salt: Buffer;
  every: FlowEvery | null;
  created_by: string;
  created_at: string;
}

const toFlow = (r: FlowRow): FlowView => ({
  name: r.name,
  dataset: r.dataset,
  source: JSON.parse(r.source) as FlowSource,
  unit: r.unit,
  every: r.every,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

export function getFlow(db: Db, name: string): FlowView & { salt: Uint32Array } {
  const r = db.prepare('SELECT * FROM insight_flows WHERE name = ?').get(name) as FlowRow | undefined;
  if (!r) throw new MofangError('INSIGHT_NOT_FOUND', `no flow named ${JSON.stringify(name)}`, { flow: name });
  return { ...toFlow(r), salt: new Uint32Array(new Uint8Array(r.salt).buffer) };
}

export function listFlows(db: Db): FlowView[] {
  return (db.prepare('SELECT * FROM insight_flows ORDER BY name').all() as FlowRow[]).map(toFlow);
}

export function createFlow(
  db: Db,
  input: { name: string; dataset: string; source: FlowSource; unit?: string | null; every?: FlowEvery | null },
  by: string,
  now: Date,
): FlowView {
  checkSegmentName(input.name);
  if (db.prepare('SELECT 1 FROM insight_flows WHERE name = ?').get(input.name))
    throw new MofangError('INSIGHT_EXISTS', `a flow named ${input.name} already exists`, { flow: input.name });
  if ('segments' in input.source) {
    const names = input.source.segments;
    if (names.length < 1 || names.length > MAX_CATEGORIES - 1 || new Set(names).size !== names.length) {
      throw new MofangError('INSIGHT_INVALID', `source.segments: 1 to ${MAX_CATEGORIES - 1} distinct segments`, { field: 'source.segments' });
    }
    for (const s of names) {
      const seg = getSegment(db, s);
      if (seg.dataset !== input.dataset)
        throw new MofangError('INSIGHT_INVALID', `source.segments: segment ${s} is on dataset ${seg.dataset}, not ${input.dataset}`, {
          field: 'source.segments',
        });
    }
  } else {
    const l = db.prepare('SELECT dataset FROM insight_layerings WHERE name = ?').pluck().get(input.source.layering) as string | undefined;
    if (!l)
      throw new MofangError('INSIGHT_NOT_FOUND', `source.layering: no layering named ${JSON.stringify(input.source.layering)}`, { field: 'source.layering' });
    if (l !== input.dataset)
      throw new MofangError('INSIGHT_INVALID', `source.layering: layering ${input.source.layering} is on dataset ${l}`, { field: 'source.layering' });
  }
  const at = now.toISOString();
  db.prepare('INSERT INTO insight_flows (name, dataset, source, unit, salt, every, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(
    input.name,
    input.dataset,
    JSON.stringify(input.source),
    input.unit ?? null,
    randomBytes(8),
    input.every ?? null,
    by,
    at,
  );
  return { name: input.name, dataset: input.dataset, source: input.source, unit: input.unit ?? null, every: input.every ?? null, createdBy: by, createdAt: at };
}

interface SnapshotRow {
  id: number;
  flow: string;
  period: string;
  generation: number;
  population: number;
  categories: string;
  sizes: string;
  collisions: number;
  taken_at: string;
  taken_by: string;
}

const toSnapshot = (r: SnapshotRow): SnapshotView => ({
  id: r.id,
  flow: r.flow,
  period: r.period,
  generation: r.generation,
  population: r.population,
  labels: ['none of these', ...(JSON.parse(r.categories) as Category[]).map((c) => c.label)],
  sizes: JSON.parse(r.sizes) as number[],
  collisions: r.collisions,
  takenAt: r.taken_at,
  takenBy: r.taken_by,
});

export function listSnapshots(db: Db, flow: string): SnapshotView[] {
  getFlow(db, flow);
  return (db.prepare('SELECT * FROM insight_snapshots WHERE flow = ? ORDER BY taken_at, id').all(flow) as SnapshotRow[]).map(toSnapshot);
}

function getSnapshot(db: Db, flow: string, period: string): SnapshotView {
  const r = db.prepare('SELECT * FROM insight_snapshots WHERE flow = ? AND period = ?').get(flow, period) as SnapshotRow | undefined;
  if (!r) throw new MofangError('INSIGHT_NOT_FOUND', `flow ${flow} has no snapshot for period ${JSON.stringify(period)}`, { flow, period });
  return toSnapshot(r);
}

const snapshotExists = (db: Db, flow: string, period: string) => {
  if (db.prepare('SELECT 1 FROM insight_snapshots WHERE flow = ? AND period = ?').get(flow, period)) {
    throw new MofangError('INSIGHT_EXISTS', `flow ${flow} already has a snapshot for period ${period}`, { flow, period });
  }
};

/**
 * Evaluates the categories over every profile and stores the snapshot — with its chunks, and
 * `stored` (the audit entry) in the same write transaction, so a failure stores nothing. A
 * snapshot of the same period stored meanwhile (a racing scheduler) fails it with INSIGHT_EXISTS.
 * `categories` come from the flow's segments (current rules) or layering (leaf cells).
 */
export async function takeSnapshot(
  db: Db,
  input: {
    flow: string;
    period: string;
    categories: Category[];
    catalogue: ProfileCatalogue;
    by: string;
    now: Date;
    stored?: (s: SnapshotView) => void;
    /** The conditions of behaviour leaves in the categories (behaviour/sets.ts). */
    behaviour?: BehaviourLookup;
  },
): Promise<SnapshotView> {
  const { flow: name, period, categories, catalogue, now } = input;
  const flow = getFlow(db, name);
  if (!PERIOD.test(period)) throw new MofangError('REQUEST_INVALID', `period: must match ${PERIOD}`, { field: 'period' });
  if (categories.length === 0 || categories.length >= MAX_CATEGORIES)
    throw new MofangError('INSIGHT_INVALID', `a flow has 1 to ${MAX_CATEGORIES - 1} categories`);
  snapshotExists(db, name, period);
  const compiled = categories.map((c) => compileForDataset(db, c.rule, catalogue, now, undefined, input.behaviour));
  const cat = `CASE ${compiled.map((c, i) => `WHEN ${c.sql} THEN ${i + 1}`).join(' ')} ELSE 0 END`;
  const params = compiled.flatMap((c) => c.params);
  // Only the flow's unit scope is snapshotted: customers outside it are not in the population.
  const scope = scopeCondition(catalogue);
  const within = scope ? `${scope.sql} AND ` : '';
  const scopeParams = scope?.params ?? [];
  const entries = new BigUint64Array(catalogue.rowCount);
  const words = new Uint32Array(entries.buffer);
  const sizes = new Array<number>(categories.length + 1).fill(0);
  // One read transaction: every chunk sees the same profiles and joint attributes.
  let n = 0;
  db.transaction(() => {
    const chunk = db
      .prepare(
        `SELECT count(*), max(row), group_concat(id_norm, char(31)), group_concat(char(cat + 32), '')
       FROM (SELECT p.row, p.id_norm, ${cat} AS cat FROM ${catalogue.table} p WHERE ${within}p.row > ? ORDER BY p.row LIMIT ${SNAPSHOT_CHUNK})`,
      )
      .raw();
    const slow = db.prepare(`SELECT p.id_norm, ${cat} AS cat FROM ${catalogue.table} p WHERE ${within}p.row > ? ORDER BY p.row LIMIT ${SNAPSHOT_CHUNK}`).raw();
    for (let after = -1; ; ) {
      const [count, last, ids, cats] = chunk.get(...params, ...scopeParams, after) as [number, number, string, string];
      if (count === 0) break;
      if (n + count > entries.length) throw new MofangError('INTERNAL', 'more profiles than the profile table recorded');
      const parts = ids.split('\x1f');
      // An identifier holding the separator: read this chunk row by row.
      const pairs: [string, number][] =
        parts.length === count && cats.length === count
          ? parts.map((id, i) => [id, cats.charCodeAt(i) - 32])
          : (slow.all(...params, ...scopeParams, after) as [string, number][]);
      for (const [id, c] of pairs) {
        writeEntry(words, n++, id, c, flow.salt);
        sizes[c]++;
      }
      after = last;
    }
  })();
  const collisions = sortEntries(entries.subarray(0, n));
  const at = now.toISOString();
  return db
    .transaction(() => {
      snapshotExists(db, name, period);
      const id = Number(
        db
          .prepare(
            'INSERT INTO insight_snapshots (flow, period, generation, population, categories, sizes, collisions, taken_at, taken_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(name, period, catalogue.generation, n, JSON.stringify(categories), JSON.stringify(sizes), collisions, at, input.by).lastInsertRowid,
      );
      const insert = db.prepare('INSERT INTO insight_snapshot_chunks (snapshot, chunk, entries) VALUES (?, ?, ?)');
      for (let c = 0, i = 0; i < n; c++, i += STORE_CHUNK) {
        const part = entries.subarray(i, Math.min(n, i + STORE_CHUNK));
        insert.run(id, c, Buffer.from(part.buffer, part.byteOffset, part.byteLength));
      }
      const snapshot = getSnapshot(db, name, period);
      input.stored?.(snapshot);
      return snapshot;
    })
    .immediate();
}

function loadEntries(db: Db, snapshot: SnapshotView): Uint32Array {
  const out = new Uint32Array(snapshot.population * 2);
  let at = 0;
  for (const blob of db
    .prepare('SELECT entries FROM insight_snapshot_chunks WHERE snapshot = ? ORDER BY chunk')
    .pluck()
    .iterate(snapshot.id) as Iterable<Buffer>) {
    if (blob.length % 8 !== 0 || at + blob.length / 4 > out.length) throw new MofangError('INTERNAL', `snapshot ${snapshot.id} is corrupt`);
    out.set(new Uint32Array(blob.buffer.slice(blob.byteOffset, blob.byteOffset + blob.length)), at);
    at += blob.length / 4;
  }
  if (at !== out.length) throw new MofangError('INTERNAL', `snapshot ${snapshot.id} is incomplete`);
  return out;
}

/** The transition matrix from the snapshot of period `from` to the one of period `to`. */
export function transitionMatrix(db: Db, flow: string, fromPeriod: string, toPeriod: string): TransitionMatrix {
  const started = performance.now();
  const from = getSnapshot(db, flow, fromPeriod);
  const to = getSnapshot(db, flow, toPeriod);
  if (from.labels.length !== to.labels.length) throw new MofangError('INTERNAL', `snapshots of flow ${flow} differ in their categories`);
  const k = from.labels.length;
  const a = loadEntries(db, from);
  const b = loadEntries(db, to);
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  const departed = new Array<number>(k).fill(0);
  const arrived = new Array<number>(k).fill(0);
  const na = from.population;
  const nb = to.population;
  let i = 0;
  let j = 0;
  while (i < na || j < nb) {
    const c = i >= na ? 1 : j >= nb ? -1 : compareKeys(a, i, b, j);
    if (c === 0) {
      counts[categoryOf(a, i++)][categoryOf(b, j++)]++;
    } else if (c < 0) {
      const ca = categoryOf(a, i++);
      counts[ca][0]++;
      departed[ca]++;
    } else {
      arrived[categoryOf(b, j++)]++;
    }
  }
  const rates = counts.map((row, r) => row.map((x) => (from.sizes[r] === 0 ? 0 : x / from.sizes[r])));
  return { flow, from, to, labels: from.labels, counts, rates, departed, arrived, durationMs: Math.round(performance.now() - started) };
}
