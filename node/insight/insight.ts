/**
 * The insight service: profiles, segments, layering and flows over one node's database, with an
 * audit entry for every change (in the same transaction as the change). The HTTP API, the CLI,
 * the node runtime's scheduler and other domains (decision trees, joint scores) call this.
 *
 * Audit entries name datasets, segments, versions, sizes and a SHA-256 of the rule — never the
 * rule's values, which may be personal data (a rule can name one customer's phone number).
 *
 * Scope: an actor bound to an organisation unit sees only that unit's customers. Every read goes
 * through `catalogue(dataset, actor, unit)`, which returns a catalogue limited to the unit's scope
 * (units/scope.ts: the compiler and every population query add the condition). Segments, layerings
 * and flows belong to the unit that created them, are evaluated in its scope, and are invisible
 * (INSIGHT_NOT_FOUND) to callers whose scope does not contain that unit.
 */
import { createHash } from 'node:crypto';
import type { AppendInput } from '../audit/log.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import { getDataset } from '../datasets/store.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { scopedCatalogue, unitColumn, type InsightActor } from './units/scope.js';
import { addUnit, getUnit, getUnitAttribute, isWithin, listUnits, setUnitAttribute, type UnitAttributeView, type UnitView } from './units/units.js';
import { SharedSets, type SegmentPort } from './shared/service.js';
import { cellAt, computeLayering, type LayeringResult } from './layering/compute.js';
import { deleteLayering, getLayering, listLayerings, saveLayering, type LayeringView } from './layering/store.js';
import type { LayeringSpec } from './layering/spec.js';
import { buildProfileTable, profileTablePointer, type ProfileTableInfo } from './profiles/build.js';
import { profileCatalogue, type ProfileCatalogue } from './profiles/catalogue.js';
import { displayValue, lookupProfile, maskIdentifier, type ProfileView } from './profiles/lookup.js';
import { readProfileColumns, type TypedProfiles } from './profiles/read.js';
import type { ProfileAttribute, WithheldAttribute } from './profiles/types.js';
import { attributeValueSql } from './profiles/value-sql.js';
import type { Rule } from './rules/rule.js';
import {
  createFlow,
  getFlow,
  listFlows,
  listSnapshots,
  takeSnapshot,
  transitionMatrix,
  type Category,
  type FlowSource,
  type FlowView,
  type SnapshotView,
  type TransitionMatrix,
} from './flows/flows.js';
import { checkEvery, dueFlows, setFlowEvery, type FlowEvery } from './flows/schedule.js';
import {
  compileForDataset,
  createSegment,
  deleteSegment,
  dueSegments,
  getSegment,
  listSegments,
  materialise,
  segmentVersions,
  storedMembers,
  updateSegment,
  type MaterialisationView,
  type MaterialiseTrigger,
  type SegmentChange,
  type SegmentInput,
  type SegmentVersionView,
  type SegmentView,
} from './segments/store.js';

export type { InsightActor } from './units/scope.js';

export interface InsightOptions {
  db: Db;
  audit: { append(input: AppendInput): unknown };
  now?: () => Date;
  /** Where the scheduler reports failures. */
  logger?: { warn(obj: object, msg: string): void };
}

export interface PreviewView {
  dataset: string;
  generation: number;
  size: number;
  population: number;
  /** A few matching customers: masked identifier and the attributes the rule reads. */
  sample: { idMasked: string; values: Record<string, number | string | boolean | null> }[];
}

export interface AttributeCatalogueView {
  dataset: string;
  generation: number;
  rowCount: number;
  builtAt: string;
  attributes: ProfileAttribute[];
  withheld: WithheldAttribute[];
}

export interface SegmentMembers {
  segment: string;
  dataset: string;
  /** The dataset generation whose record rows these are (the live one). */
  generation: number;
  materialisation: MaterialisationView;
  /** Record rows, ascending. */
  rows: Uint32Array;
}

const PREVIEW_SAMPLE_MAX = 50;
const SYSTEM: InsightActor = { id: 'system:insight' };

const ruleHash = (rule: unknown) => createHash('sha256').update(canonicalJson(rule)).digest('hex');

export class Insight implements SegmentPort {
  private readonly db: Db;
  private readonly audit: InsightOptions['audit'];
  private readonly now: () => Date;
  private readonly logger?: InsightOptions['logger'];
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;

  constructor(options: InsightOptions) {
    this.db = options.db;
    this.audit = options.audit;
    this.now = options.now ?? (() => new Date());
    this.logger = options.logger;
    this.sharedSets = new SharedSets(this, this.db, this.audit, this.now);
  }

  /** Shared segment sets between organisation units (shared/service.ts). */
  readonly sharedSets: SharedSets;

  // ---- profiles ------------------------------------------------------------------------------

  /**
   * The catalogue of the live generation (built first after a re-import; audited then), limited to
   * the scope of `unit` — by default the actor's; null or absent: the whole organisation.
   */
  async catalogue(dataset: string, actor: InsightActor = SYSTEM, unit: string | null | undefined = actor.unit): Promise<ProfileCatalogue> {
    const before = profileTablePointer(this.db, dataset);
    const catalogue = await profileCatalogue(this.db, dataset, this.now());
    if (before?.table !== catalogue.table) this.auditBuilt(catalogue.profiles, actor);
    return unit ? scopedCatalogue(this.db, catalogue, unit) : catalogue;
  }

  /** Throws INSIGHT_NOT_FOUND (as if it did not exist) when `thing` is outside the actor's scope. */
  private visible<T extends { unit: string | null }>(thing: T, actor: InsightActor, kind: 'segment' | 'layering' | 'flow', name: string): T {
    if (!isWithin(this.db, thing.unit, actor.unit)) throw new MofangError('INSIGHT_NOT_FOUND', `no ${kind} named ${JSON.stringify(name)}`, { [kind]: name });
    return thing;
  }

  // ---- organisation units --------------------------------------------------------------------

  addUnit(input: { id: string; name: string; parent?: string | null }, actor: InsightActor): UnitView {
    return this.db
      .transaction(() => {
        const u = addUnit(this.db, input, actor.id, this.now());
        this.audit.append({ actor: actor.id, action: 'unit.added', subject: u.id, details: { name: u.name, parent: u.parent } });
        return u;
      })
      .immediate();
  }

  listUnits(): UnitView[] {
    return listUnits(this.db);
  }

  /** Names the string column of `dataset` that holds each customer's unit id. */
  async setUnitAttribute(dataset: string, attribute: string, actor: InsightActor): Promise<UnitAttributeView> {
    unitColumn(await this.catalogue(dataset, actor, null), attribute);
    return this.db
      .transaction(() => {
        const previous = getUnitAttribute(this.db, dataset)?.attribute ?? null;
        const v = setUnitAttribute(this.db, dataset, attribute, actor.id, this.now());
        this.audit.append({ actor: actor.id, action: 'unit_attribute.set', subject: dataset, details: { attribute, previous } });
        return v;
      })
      .immediate();
  }

  getUnitAttribute(dataset: string): UnitAttributeView | null {
    getDataset(this.db, dataset);
    return getUnitAttribute(this.db, dataset) ?? null;
  }

  /**
   * The unit an actor acts for: `unit` if given (it must be within the actor's scope), else the
   * actor's own; a whole-organisation actor must name one.
   */
  actingUnit(actor: InsightActor, unit: string | undefined, field = 'unit'): string {
    const u = unit ?? actor.unit ?? undefined;
    if (!u) throw new MofangError('REQUEST_INVALID', `${field}: required for a caller not bound to a unit`, { field });
    getUnit(this.db, u, field);
    if (!isWithin(this.db, u, actor.unit)) {
      throw new MofangError('SCOPE_FORBIDDEN', `${field}: unit ${u} is outside the scope of unit ${actor.unit}`, { field, unit: u, scope: actor.unit });
    }
    return u;
  }

  /** Rebuilds the typed profile table of the dataset's live generation now. */
  async buildProfiles(dataset: string, actor: InsightActor): Promise<ProfileTableInfo> {
    getDataset(this.db, dataset);
    for (let attempt = 0; attempt < 3; attempt++) {
      const built = await buildProfileTable(this.db, dataset, this.now);
      if (built) {
        this.auditBuilt(built, actor);
        return built;
      }
    }
    throw new MofangError('INTERNAL', `dataset ${dataset} kept being re-imported during the profile build; try again`);
  }

  private auditBuilt(p: ProfileTableInfo, actor: InsightActor): void {
    this.audit.append({
      actor: actor.id,
      action: 'profiles.built',
      subject: p.dataset,
      details: { generation: p.generation, rows: p.rowCount, attributes: p.columns.length, buildMs: p.buildMs },
    });
  }

  async attributes(dataset: string, actor: InsightActor = SYSTEM): Promise<AttributeCatalogueView> {
    const c = await this.catalogue(dataset, actor);
    return {
      dataset,
      generation: c.generation,
      rowCount: c.rowCount,
      builtAt: c.profiles.builtAt,
      attributes: [...c.attributes.values()],
      withheld: c.withheld,
    };
  }

  /** One customer by identifier; the lookup is audited (dataset and actor, never the identifier). */
  async showProfile(dataset: string, id: string, actor: InsightActor): Promise<ProfileView> {
    const c = await this.catalogue(dataset, actor);
    const view = lookupProfile(this.db, c, id);
    this.audit.append({
      actor: actor.id,
      action: 'profile.viewed',
      subject: dataset,
      details: { generation: c.generation, attributes: view.attributes.length, withheld: view.withheld.length },
    });
    return view;
  }

  /** Attributes as typed arrays (see profiles/read.ts), for all profiles or the rows given. */
  async readAttributes(dataset: string, names: readonly string[], rows?: Uint32Array, actor: InsightActor = SYSTEM): Promise<TypedProfiles> {
    return readProfileColumns(this.db, await this.catalogue(dataset, actor), names, rows);
  }

  // ---- segments ------------------------------------------------------------------------------

  /** Size and a small sample of a rule, without saving anything. */
  async preview(dataset: string, rule: unknown, sampleSize = 10, actor: InsightActor = SYSTEM): Promise<PreviewView> {
    const c = await this.catalogue(dataset, actor);
    const now = this.now();
    const compiled = compileForDataset(this.db, rule, c, now);
    const n = Math.max(0, Math.min(PREVIEW_SAMPLE_MAX, Math.floor(sampleSize)));
    const shown = compiled.attributes.map((a) => c.attributes.get(a)!).filter((a) => a.source !== 'joint');
    const values = shown.map((a) => attributeValueSql(c, a));
    return this.db.transaction(() => {
      const size = this.db
        .prepare(`SELECT count(*) FROM ${c.table} p WHERE ${compiled.sql}`)
        .pluck()
        .get(...compiled.params) as number;
      const rows = this.db
        .prepare(`SELECT p.id_norm${values.map((v) => `, ${v.sql}`).join('')} FROM ${c.table} p WHERE ${compiled.sql} ORDER BY p.row LIMIT ?`)
        .raw()
        .all(...values.flatMap((v) => v.params), ...compiled.params, n) as unknown[][];
      const sample = rows.map((r) => ({
        idMasked: maskIdentifier(r[0] as string),
        values: Object.fromEntries(shown.map((a, i) => [a.name, displayValue(a.type, r[i + 1])])),
      }));
      return { dataset, generation: c.generation, size, population: c.rowCount, sample };
    })();
  }

  /** Saves version 1 of a segment and materialises it. */
  async createSegment(input: SegmentInput & { dataset: string }, actor: InsightActor): Promise<SegmentView> {
    const c = await this.catalogue(input.dataset, actor);
    this.db.transaction(() => this.createSegmentIn(c, input, actor)).immediate();
    return getSegment(this.db, input.name);
  }

  /** `createSegment` on a catalogue already at hand, inside the caller's write transaction. */
  createSegmentIn(c: ProfileCatalogue, input: SegmentInput, actor: InsightActor): void {
    const now = this.now();
    const compiled = createSegment(this.db, input, c, actor.id, now);
    const m = materialise(this.db, input.name, c, 'save', now);
    this.audit.append({
      actor: actor.id,
      action: 'segment.created',
      subject: input.name,
      details: {
        dataset: c.dataset,
        unit: c.scope?.unit ?? null,
        version: 1,
        ruleSha256: ruleHash(compiled.rule),
        size: m.size,
        population: m.population,
        generation: m.generation,
        refreshEveryMinutes: input.refreshEveryMinutes ?? null,
      },
    });
  }

  /** Edits a segment; a changed rule becomes a new version and is materialised at once. */
  async updateSegment(name: string, change: SegmentChange, actor: InsightActor): Promise<SegmentView> {
    const s0 = this.getSegment(name, actor);
    const c = await this.catalogue(s0.dataset, actor, s0.unit);
    this.db.transaction(() => this.updateSegmentIn(c, name, change, actor)).immediate();
    return getSegment(this.db, name);
  }

  /** `updateSegment` on a catalogue of the segment's scope, inside the caller's write transaction. */
  updateSegmentIn(c: ProfileCatalogue, name: string, change: SegmentChange, actor: InsightActor): { ruleChanged: boolean; version: number } {
    const now = this.now();
    const { ruleChanged, version } = updateSegment(this.db, name, change, c, actor.id, now);
    const m = ruleChanged ? materialise(this.db, name, c, 'save', now) : null;
    const s = getSegment(this.db, name);
    this.audit.append({
      actor: actor.id,
      action: 'segment.updated',
      subject: name,
      details: {
        version,
        ruleChanged,
        ruleSha256: ruleHash(s.rule),
        size: m?.size ?? null,
        refreshEveryMinutes: s.refreshEveryMinutes,
        descriptionChanged: change.description !== undefined,
      },
    });
    return { ruleChanged, version };
  }

  async refreshSegment(name: string, actor: InsightActor, trigger: MaterialiseTrigger = 'manual'): Promise<MaterialisationView> {
    const s = this.getSegment(name, actor);
    const c = await this.catalogue(s.dataset, actor, s.unit);
    const now = this.now();
    return this.db
      .transaction(() => {
        const m = materialise(this.db, name, c, trigger, now);
        this.audit.append({
          actor: actor.id,
          action: 'segment.refreshed',
          subject: name,
          details: { version: m.version, size: m.size, population: m.population, generation: m.generation, trigger, durationMs: m.durationMs },
        });
        return m;
      })
      .immediate();
  }

  deleteSegment(name: string, actor: InsightActor): void {
    this.db
      .transaction(() => {
        const flows = listFlows(this.db).filter((f) => 'segments' in f.source && f.source.segments.includes(name));
        const s = this.getSegment(name, actor);
        if (flows.length > 0)
          throw new MofangError('INSIGHT_INVALID', `segment ${name} is used by flow ${flows[0].name}`, { segment: name, usedBy: flows.map((f) => f.name) });
        deleteSegment(this.db, name);
        this.audit.append({ actor: actor.id, action: 'segment.deleted', subject: name, details: { dataset: s.dataset, version: s.version } });
      })
      .immediate();
  }

  getSegment(name: string, actor: InsightActor = SYSTEM): SegmentView {
    return this.visible(getSegment(this.db, name), actor, 'segment', name);
  }

  listSegments(filter: { dataset?: string } = {}, actor: InsightActor = SYSTEM): SegmentView[] {
    return listSegments(this.db, filter).filter((s) => isWithin(this.db, s.unit, actor.unit));
  }

  segmentVersions(name: string, actor: InsightActor = SYSTEM): SegmentVersionView[] {
    this.getSegment(name, actor);
    return segmentVersions(this.db, name);
  }

  /**
   * The member rows of a segment over the dataset's live generation; re-materialised first
   * (trigger `stale`, audited) when the latest materialisation is of an older generation or none.
   */
  async segmentMembers(name: string, actor: InsightActor = SYSTEM): Promise<SegmentMembers> {
    const s = this.getSegment(name, actor);
    const live = getDataset(this.db, s.dataset).generation;
    if (!s.latest || s.latest.generation !== live) await this.refreshSegment(name, actor, 'stale');
    const { materialisation, rows } = storedMembers(this.db, name);
    return { segment: name, dataset: s.dataset, generation: materialisation.generation, materialisation, rows };
  }

  /**
   * The withheld attributes a segment's rule reads now — a joint attribute whose agreement was
   * revoked or expired since it was materialised; empty when the rule can still be evaluated.
   * Its stored members must not be used while any is withheld (they reflect data no longer allowed).
   */
  async segmentWithheld(name: string, actor: InsightActor = SYSTEM): Promise<WithheldAttribute[]> {
    const s = this.getSegment(name, actor);
    const c = await this.catalogue(s.dataset, actor, s.unit);
    try {
      compileForDataset(this.db, s.rule, c, this.now(), name);
      return [];
    } catch (err) {
      const withheld = c.withheld.filter((w) => w.name === (err as MofangError).details?.attr);
      if (withheld.length > 0) return withheld;
      throw err;
    }
  }

  /** Refreshes every segment whose schedule is due; returns how many were refreshed. */
  async refreshDue(): Promise<number> {
    let n = 0;
    for (const name of dueSegments(this.db, this.now())) {
      try {
        await this.refreshSegment(name, SYSTEM, 'schedule');
        n++;
      } catch (err) {
        this.logger?.warn({ segment: name, err: (err as Error).message }, 'scheduled segment refresh failed');
        this.audit.append({ actor: SYSTEM.id, action: 'segment.refresh_failed', subject: name, details: { code: (err as MofangError).code ?? 'INTERNAL' } });
      }
    }
    return n;
  }

  /** One scheduler tick: refreshes due segments, then snapshots due flows. */
  async tick(): Promise<{ segments: number; snapshots: number }> {
    return { segments: await this.refreshDue(), snapshots: await this.snapshotDue() };
  }

  /** Runs `tick` every `everyMs` (the node runtime starts it; timers never keep the process alive). */
  startScheduler(everyMs = 60_000): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = this.tick()
        .then(
          () => undefined,
          () => undefined,
        )
        .finally(() => (this.ticking = null));
    }, everyMs);
    this.timer.unref();
  }

  async stopScheduler(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  // ---- layering ------------------------------------------------------------------------------

  /** Computes a layering over the customers in the scope of `unit` (default: the actor's). */
  async computeLayering(
    dataset: string,
    spec: LayeringSpec,
    actor: InsightActor = SYSTEM,
    unit: string | null | undefined = actor.unit,
  ): Promise<LayeringResult> {
    const c = await this.catalogue(dataset, actor, unit);
    return computeLayering(this.db, spec, c, this.now());
  }

  /** Saves (or with `replace`, changes) a layering; its spec is checked by computing it. */
  async saveLayering(
    input: { name: string; dataset: string; spec: LayeringSpec },
    actor: InsightActor,
    replace = false,
  ): Promise<{ layering: LayeringView; result: LayeringResult }> {
    const unit = replace ? this.getLayering(input.name, actor).unit : (actor.unit ?? null);
    const result = await this.computeLayering(input.dataset, input.spec, actor, unit);
    const layering = this.db
      .transaction(() => {
        const l = saveLayering(this.db, { ...input, unit }, actor.id, this.now(), replace);
        this.audit.append({
          actor: actor.id,
          action: replace ? 'layering.updated' : 'layering.created',
          subject: input.name,
          details: { dataset: input.dataset, specSha256: ruleHash(input.spec), leaves: result.leaves },
        });
        return l;
      })
      .immediate();
    return { layering, result };
  }

  getLayering(name: string, actor: InsightActor = SYSTEM): LayeringView {
    return this.visible(getLayering(this.db, name), actor, 'layering', name);
  }

  listLayerings(actor: InsightActor = SYSTEM): LayeringView[] {
    return listLayerings(this.db).filter((l) => isWithin(this.db, l.unit, actor.unit));
  }

  /** Computes a saved layering in the scope of the unit it belongs to. */
  async runLayering(name: string, actor: InsightActor = SYSTEM): Promise<LayeringResult> {
    const l = this.getLayering(name, actor);
    return this.computeLayering(l.dataset, l.spec, actor, l.unit);
  }

  deleteLayering(name: string, actor: InsightActor): void {
    this.db
      .transaction(() => {
        this.getLayering(name, actor);
        deleteLayering(this.db, name);
        this.audit.append({ actor: actor.id, action: 'layering.deleted', subject: name, details: {} });
      })
      .immediate();
  }

  /** Saves the cell at `path` of a saved layering as a segment (its rule: the path's conditions). */
  async saveCell(layering: string, path: string[], segment: Omit<SegmentInput, 'rule'>, actor: InsightActor): Promise<SegmentView> {
    const l = this.getLayering(layering, actor);
    const cell = cellAt(await this.computeLayering(l.dataset, l.spec, actor, l.unit), path);
    return this.createSegment({ ...segment, dataset: l.dataset, rule: cell.rule }, actor);
  }

  // ---- flows ---------------------------------------------------------------------------------

  createFlow(input: { name: string; dataset: string; source: FlowSource; every?: FlowEvery | null }, actor: InsightActor): FlowView {
    const every = input.every === undefined ? null : checkEvery(input.every, 'every');
    return this.db
      .transaction(() => {
        getDataset(this.db, input.dataset);
        // Its categories must be visible to the creator; the flow then belongs to the creator's unit.
        if ('segments' in input.source) input.source.segments.forEach((s) => this.getSegment(s, actor));
        else this.getLayering(input.source.layering, actor);
        const f = createFlow(this.db, { ...input, unit: actor.unit ?? null, every }, actor.id, this.now());
        this.audit.append({ actor: actor.id, action: 'flow.created', subject: input.name, details: { dataset: input.dataset, source: input.source, every } });
        return f;
      })
      .immediate();
  }

  /** Sets or clears (null) the flow's snapshot schedule. */
  updateFlow(name: string, change: { every: FlowEvery | null }, actor: InsightActor): FlowView {
    const every = checkEvery(change.every, 'every');
    return this.db
      .transaction(() => {
        const previous = this.getFlow(name, actor).every;
        setFlowEvery(this.db, name, every);
        this.audit.append({ actor: actor.id, action: 'flow.schedule_set', subject: name, details: { every, previous } });
        return this.getFlow(name, actor);
      })
      .immediate();
  }

  listFlows(actor: InsightActor = SYSTEM): FlowView[] {
    return listFlows(this.db).filter((f) => isWithin(this.db, f.unit, actor.unit));
  }

  getFlow(name: string, actor: InsightActor = SYSTEM): FlowView {
    const { salt: _, ...flow } = this.visible(getFlow(this.db, name), actor, 'flow', name);
    return flow;
  }

  /** Snapshots the flow's categories over the live profiles for `period` (default: today, UTC). */
  async takeSnapshot(flow: string, period: string | undefined, actor: InsightActor, trigger: 'manual' | 'schedule' = 'manual'): Promise<SnapshotView> {
    const f = this.getFlow(flow, actor);
    const c = await this.catalogue(f.dataset, actor, f.unit);
    const categories = await this.categories(f.source, f.dataset, f.unit);
    return takeSnapshot(this.db, {
      flow,
      period: period ?? this.now().toISOString().slice(0, 10),
      categories,
      catalogue: c,
      by: actor.id,
      now: this.now(),
      stored: (s) =>
        this.audit.append({
          actor: actor.id,
          action: 'flow.snapshot',
          subject: flow,
          details: { period: s.period, snapshot: s.id, population: s.population, sizes: s.sizes, generation: s.generation, trigger },
        }),
    });
  }

  /**
   * Snapshots every scheduled flow that has no snapshot for the current period; returns how many
   * it took. A failure is audited (`flow.snapshot_failed`) and retried next tick; a snapshot of
   * that period stored meanwhile (another process's tick, a manual one) is not a failure.
   */
  async snapshotDue(): Promise<number> {
    let n = 0;
    for (const due of dueFlows(this.db, this.now())) {
      try {
        await this.takeSnapshot(due.flow, due.period, SYSTEM, 'schedule');
        n++;
      } catch (err) {
        if ((err as MofangError).code === 'INSIGHT_EXISTS') continue;
        this.logger?.warn({ flow: due.flow, period: due.period, err: (err as Error).message }, 'scheduled flow snapshot failed');
        this.audit.append({
          actor: SYSTEM.id,
          action: 'flow.snapshot_failed',
          subject: due.flow,
          details: { period: due.period, every: due.every, code: (err as MofangError).code ?? 'INTERNAL' },
        });
      }
    }
    return n;
  }

  private async categories(source: FlowSource, dataset: string, unit: string | null): Promise<Category[]> {
    if ('segments' in source) return source.segments.map((s) => ({ label: s, rule: { segment: s } as Rule }));
    const l = getLayering(this.db, source.layering);
    const result = await this.computeLayering(l.dataset, l.spec, SYSTEM, unit);
    const leaves: Category[] = [];
    const walk = (cell: LayeringResult['root']) =>
      cell.children.length === 0 ? leaves.push({ label: cell.path.join(' / '), rule: cell.rule }) : cell.children.forEach(walk);
    result.root.children.forEach(walk);
    if (result.dataset !== dataset) throw new MofangError('INTERNAL', 'layering and flow datasets differ');
    return leaves;
  }

  listSnapshots(flow: string, actor: InsightActor = SYSTEM): SnapshotView[] {
    this.getFlow(flow, actor);
    return listSnapshots(this.db, flow);
  }

  transitionMatrix(flow: string, from: string, to: string, actor: InsightActor = SYSTEM): TransitionMatrix {
    this.getFlow(flow, actor);
    return transitionMatrix(this.db, flow, from, to);
  }
}
