/**
 * Shared segment sets between organisation units.
 *
 * Reach: a unit publishes only downward, to every unit below it or to chosen units below it — the
 * rule in node/audience/audience.ts, which journey templates publish by too. A caller acts for its
 * own unit or one within its scope (`Insight.actingUnit`).
 *
 * A set carries its segments' rules (references to other segments inlined, so receivers need none
 * of the publisher's segments), a suggested strategy text and its audience. Publishing changed
 * content makes a new version; unchanged content is not republished. Importing creates (or, for a
 * newer version, updates as a new segment version) the receiving unit's own segments
 * `<prefix>-<segment>` — evaluated in that unit's scope — and records provenance. The publisher's
 * status view counts, for each importing unit, the customers in that unit's scope the set covers.
 * Every change is audited (`shared_set.published`, `shared_set.imported`).
 */
import { createHash } from 'node:crypto';
import { audienceOf, reaches, type UnitTree } from '../../audience/audience.js';
import type { AppendInput } from '../../audit/log.js';
import { canonicalJson } from '../../encoding/canonical-json.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import type { ProfileCatalogue } from '../profiles/catalogue.js';
import type { SegmentChange, SegmentInput, SegmentView } from '../segments/store.js';
import type { InsightActor } from '../units/scope.js';
import type { Rule } from '../rules/rule.js';
import { compileForDataset, readsEvents, SEGMENT_NAME } from '../segments/store.js';
import { getUnit, isWithin, scopeOf } from '../units/units.js';
import {
  getImport,
  getSet,
  findSet,
  listImports,
  listSets,
  setVersion,
  setVersions,
  storeImport,
  storeVersion,
  type SetImportView,
  type SharedSegment,
  type SharedSetVersionView,
  type SharedSetView,
} from './sets.js';

export const MAX_SET_SEGMENTS = 50;
export const MAX_STRATEGY_CHARS = 10_000;

export interface PublishInput {
  name: string;
  /** The publishing unit; default: the caller's. */
  publisher?: string;
  /** The publisher's segments (all on one dataset). */
  segments: string[];
  strategy?: string;
  /** 'all' (every unit below the publisher) or chosen units below it. */
  to: 'all' | string[];
}

export interface ReceivedSetView extends SharedSetView {
  /** What this unit imported, if anything. */
  imported: SetImportView | null;
  /** The set has a newer version than the one imported. */
  updateAvailable: boolean;
}

export interface SetCoverage {
  unit: string;
  version: number;
  upToDate: boolean;
  importedAt: string;
  importedBy: string;
  segments: { source: string; segment: string }[];
  /** Customers in the unit's scope matching any of the set's segments (the imported version's rules). */
  covered: number;
  /** Customers in the unit's scope. */
  population: number;
  /** Per set segment: customers in the unit's scope matching it. */
  bySegment: Record<string, number>;
}

const contentHash = (content: unknown) => createHash('sha256').update(canonicalJson(content)).digest('hex');

/**
 * What shared sets need of the insight service: the unit a caller acts for, and the segments and
 * catalogues an import reads and writes through (so scope checks and audit stay in one place).
 */
export interface SegmentPort {
  actingUnit(actor: InsightActor, unit: string | undefined, field?: string): string;
  getSegment(name: string, actor?: InsightActor): SegmentView;
  catalogue(dataset: string, actor?: InsightActor, unit?: string | null): Promise<ProfileCatalogue>;
  createSegmentIn(c: ProfileCatalogue, input: SegmentInput, actor: InsightActor): void;
  updateSegmentIn(c: ProfileCatalogue, name: string, change: SegmentChange, actor: InsightActor): { ruleChanged: boolean; version: number };
}

export class SharedSets {
  constructor(
    private readonly insight: SegmentPort,
    private readonly db: Db,
    private readonly audit: { append(input: AppendInput): unknown },
    private readonly now: () => Date,
  ) {}

  /** The unit tree as the publication rule (node/audience) reads it. */
  private readonly units: UnitTree = { scopeOf: (unit) => scopeOf(this.db, unit), check: (unit, field) => void getUnit(this.db, unit, field) };

  /** Publishes a set, or a new version of it when its content changed. */
  publish(input: PublishInput, actor: InsightActor): { set: SharedSetView; changed: boolean } {
    const publisher = this.insight.actingUnit(actor, input.publisher, 'publisher');
    if (!SEGMENT_NAME.test(input.name)) throw new MofangError('REQUEST_INVALID', `name: a set name must match ${SEGMENT_NAME}`, { field: 'name' });
    const names = input.segments;
    if (!Array.isArray(names) || names.length < 1 || names.length > MAX_SET_SEGMENTS || new Set(names).size !== names.length) {
      throw new MofangError('REQUEST_INVALID', `segments: 1 to ${MAX_SET_SEGMENTS} distinct segment names`, { field: 'segments' });
    }
    const strategy = input.strategy ?? '';
    if (strategy.length > MAX_STRATEGY_CHARS)
      throw new MofangError('REQUEST_INVALID', `strategy: at most ${MAX_STRATEGY_CHARS} characters`, { field: 'strategy' });
    // A unit-bound caller shares only segments its unit can see; a whole-organisation caller (an
    // administrator's token, the CLI) publishing on behalf of a unit may also share the
    // organisation-wide segments it sees. Either way receivers evaluate the rules in their own scope.
    const as: InsightActor = { id: actor.id, unit: actor.unit ? publisher : null };
    const segments = names.map((n) => this.insight.getSegment(n, as));
    const dataset = segments[0].dataset;
    segments.forEach((s, i) => {
      if (s.dataset !== dataset)
        throw new MofangError('INSIGHT_INVALID', `segments[${i}]: segment ${s.name} is on dataset ${s.dataset}, not ${dataset}`, { field: `segments[${i}]` });
      // Receivers evaluate the rules synchronously in their own scope, without the event store.
      if (readsEvents(this.db, s.name))
        throw new MofangError('INSIGHT_INVALID', `segments[${i}]: segment ${s.name} has behaviour conditions; shared sets take profile rules only`, {
          field: `segments[${i}]`,
        });
    });
    const audience = audienceOf(this.units, publisher, input.to);
    const shared: SharedSegment[] = segments.map((s) => ({ name: s.name, description: s.description, rule: this.inline(s.rule, as) }));
    const sha = contentHash({ dataset, segments: shared, strategy, audience });
    return this.db
      .transaction(() => {
        const existing = findSet(this.db, publisher, input.name);
        if (existing?.latest.contentSha256 === sha) return { set: existing, changed: false };
        const set = storeVersion(
          this.db,
          { publisher, name: input.name, dataset, segments: shared, strategy, audience, contentSha256: sha },
          actor.id,
          this.now(),
        );
        this.audit.append({
          actor: actor.id,
          action: 'shared_set.published',
          subject: `${publisher}/${input.name}`,
          details: { set: set.id, version: set.version, dataset, segments: names, audience: 'all' in audience ? 'all' : audience.units, contentSha256: sha },
        });
        return { set, changed: true };
      })
      .immediate();
  }

  /** Sets published by units in the caller's scope, and sets published to `unit` (default: the caller's). */
  list(actor: InsightActor, unit?: string): { published: SharedSetView[]; received: ReceivedSetView[] } {
    const all = listSets(this.db);
    const published = all.filter((s) => isWithin(this.db, s.publisher, actor.unit));
    const receiver = unit !== undefined || actor.unit ? this.insight.actingUnit(actor, unit) : null;
    const received = receiver === null ? [] : all.filter((s) => this.receives(s, receiver)).map((s) => this.receivedView(s, receiver));
    return { published, received };
  }

  /** One set with its versions: for callers who can see its publisher or whose unit receives it. */
  get(id: number, actor: InsightActor): { set: SharedSetView; versions: SharedSetVersionView[] } {
    const set = getSet(this.db, id);
    const receiver = actor.unit && this.receives(set, actor.unit);
    if (!isWithin(this.db, set.publisher, actor.unit) && !receiver) throw new MofangError('INSIGHT_NOT_FOUND', `no shared set ${id}`, { set: id });
    return { set, versions: setVersions(this.db, id) };
  }

  /**
   * Imports the latest version into `unit` (default: the caller's): creates the unit's segments
   * `<prefix>-<segment>` (prefix default: the unit id) from the set's rules, or gives segments of
   * an earlier import a new version; all in one transaction. Set segments dropped by a newer
   * version leave the unit's segments as they are.
   */
  async import(id: number, actor: InsightActor, options: { unit?: string; prefix?: string } = {}): Promise<ReceivedSetView> {
    const unit = this.insight.actingUnit(actor, options.unit);
    const set = getSet(this.db, id);
    if (!this.receives(set, unit)) throw new MofangError('INSIGHT_NOT_FOUND', `no shared set ${id} was published to unit ${unit}`, { set: id, unit });
    const prefix = options.prefix ?? unit;
    const as: InsightActor = { id: actor.id, unit };
    const c = await this.insight.catalogue(set.dataset, as, unit);
    const previous = getImport(this.db, id, unit);
    const provenance = `from shared set ${set.publisher}/${set.name} v${set.version}`;
    this.db
      .transaction(() => {
        const mapping = set.latest.segments.map((s, i) => {
          const earlier = previous?.segments.find((m) => m.source === s.name)?.segment;
          const segment = earlier ?? `${prefix}-${s.name}`;
          if (!SEGMENT_NAME.test(segment))
            throw new MofangError(
              'REQUEST_INVALID',
              `prefix: segment name ${segment} (for set segment ${i}) must match ${SEGMENT_NAME}; choose a shorter prefix`,
              { field: 'prefix' },
            );
          const description = `${s.description ? `${s.description} ` : ''}(${provenance})`;
          // A segment an earlier import created (and the unit kept) gets a new version; else a new segment.
          const kept = earlier !== undefined && this.db.prepare('SELECT 1 FROM insight_segments WHERE name = ? AND unit = ?').get(segment, unit) !== undefined;
          if (kept) this.insight.updateSegmentIn(c, segment, { rule: s.rule, description }, as);
          else this.insight.createSegmentIn(c, { name: segment, rule: s.rule, description }, as);
          return { source: s.name, segment };
        });
        const stored = storeImport(this.db, id, { unit, version: set.version, segments: mapping }, actor.id, this.now());
        this.audit.append({
          actor: actor.id,
          action: 'shared_set.imported',
          subject: `${set.publisher}/${set.name}`,
          details: { set: id, version: set.version, unit, previousVersion: previous?.version ?? null, segments: stored.segments.map((m) => m.segment) },
        });
      })
      .immediate();
    return this.receivedView(getSet(this.db, id), unit);
  }

  /** Who imported the set and how many customers it covers in each importing unit's scope. */
  async status(id: number, actor: InsightActor): Promise<{ set: SharedSetView; imports: SetCoverage[] }> {
    const set = getSet(this.db, id);
    if (!isWithin(this.db, set.publisher, actor.unit)) throw new MofangError('INSIGHT_NOT_FOUND', `no shared set ${id}`, { set: id });
    const imports: SetCoverage[] = [];
    for (const imp of listImports(this.db, id)) {
      const rules = setVersion(this.db, id, imp.version).segments;
      const c = await this.insight.catalogue(set.dataset, { id: actor.id, unit: imp.unit }, imp.unit);
      const now = this.now();
      // Each rule compiles with the unit's scope condition (compiler), so every count is in scope.
      const any = compileForDataset(this.db, { any: rules.map((r) => r.rule) }, c, now);
      const each = rules.map((r) => compileForDataset(this.db, r.rule, c, now));
      const row = this.db
        .prepare(`SELECT count(*)${each.map((e) => `, total(coalesce(${e.sql}, 0))`).join('')} FROM ${c.table} p WHERE ${any.sql}`)
        .raw()
        .get(...each.flatMap((e) => e.params), ...any.params) as number[];
      imports.push({
        unit: imp.unit,
        version: imp.version,
        upToDate: imp.version === set.version,
        importedAt: imp.importedAt,
        importedBy: imp.importedBy,
        segments: imp.segments,
        covered: row[0],
        population: c.rowCount,
        bySegment: Object.fromEntries(rules.map((r, i) => [r.name, row[i + 1]])),
      });
    }
    return { set, imports };
  }

  /** Whether `unit` is in the set's audience. */
  private receives(set: SharedSetView, unit: string): boolean {
    return reaches(this.units, set.publisher, set.latest.audience, unit);
  }

  private receivedView(set: SharedSetView, unit: string): ReceivedSetView {
    const imported = getImport(this.db, set.id, unit) ?? null;
    return { ...set, imported, updateAvailable: imported !== null && imported.version < set.version };
  }

  /** The rule with every `{ segment }` replaced by that segment's current rule (as `as` sees it). */
  private inline(rule: Rule, as: InsightActor, depth = 0): Rule {
    if (depth > 32) throw new MofangError('RULE_INVALID', 'segment references nest deeper than 32 levels', { limit: 32 });
    if ('segment' in rule) return this.inline(this.insight.getSegment(rule.segment, as).rule, as, depth + 1);
    if ('all' in rule) return { all: rule.all.map((r) => this.inline(r, as, depth + 1)) };
    if ('any' in rule) return { any: rule.any.map((r) => this.inline(r, as, depth + 1)) };
    if ('not' in rule) return { not: this.inline(rule.not, as, depth + 1) };
    return rule;
  }
}
