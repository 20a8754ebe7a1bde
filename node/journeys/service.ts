/**
 * Journeys as the HTTP API and the CLI use them: create, save versions, validate, list and read,
 * and the state changes publish, pause, resume and stop. Every graph is validated before it is
 * stored (validate.ts), and refused with JOURNEY_INVALID and the whole list of problems; every
 * change is audited in the transaction that makes it.
 *
 * The engine (engine/engine.ts) acts on each state change in the transaction that makes it:
 * publishing schedules the segment entry and migrates entries by an explicit mapping; stopping
 * ends every entry. Dry runs, reports, entry paths and API entries go through it too.
 *
 * Scope: a journey belongs to the unit of the caller that created it (null: the whole
 * organisation), is validated in that unit's scope (its segments must be visible there), and is
 * invisible (JOURNEY_NOT_FOUND) to callers whose scope does not contain it — as insight's segments.
 *
 * Audit entries name the journey, version, node count and the graph's SHA-256 — never parameter
 * values, which may quote a customer attribute.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '../audit/actor.js';
import type { AuditLog } from '../audit/log.js';
import { canonicalJson } from '../encoding/canonical-json.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import type { JourneyGraph } from './graph.js';
import type { Problem } from './problems.js';
import type { JourneyReferences } from './references.js';
import * as store from './store.js';
import type { JourneyStatus, JourneyView, VersionDetail, VersionView } from './store.js';
import { validateJourney } from './validate.js';
import type { ApiEntryReport, EntryView, JourneyEngine, JourneyReport } from './engine/engine.js';
import type { DryRunReport } from './engine/dry-run.js';

export type { JourneyView, VersionView } from './store.js';
export type { Problem } from './problems.js';

interface ValidationView {
  valid: boolean;
  problems: Problem[];
}

interface SavedVersion {
  journey: JourneyView;
  version: VersionView;
  /** False when the graph equals the latest version's: no version was added. */
  changed: boolean;
}

/** A state change the engine will act on. */
export type JourneyTransition = 'publish' | 'pause' | 'resume' | 'stop';

/** What the HTTP API and the CLI ask of journeys. */
export interface JourneysApi {
  list(actor: Actor): JourneyView[];
  get(id: number, actor: Actor): JourneyView;
  /** A journey by name (the CLI's way to name one). */
  byName(name: string, actor: Actor): JourneyView;
  /** A version with its graph; the latest when `version` is absent. */
  version(id: number, version: number | undefined, actor: Actor): VersionDetail;
  /** Newest first. */
  versions(id: number, actor: Actor): VersionView[];
  /** Checks a graph as it would be checked on save, in the caller's scope; stores nothing. */
  validate(graph: unknown, actor: Actor): Promise<ValidationView>;
  /** `linked` runs in the creating transaction (a campaign template records its instance there), so both are stored or neither. */
  create(input: { name: string; description?: string; graph: unknown }, actor: Actor, linked?: (journey: JourneyView) => void): Promise<SavedVersion>;
  /** Adds a version (a draft until published); refused for a stopped journey. */
  saveVersion(id: number, graph: unknown, actor: Actor): Promise<SavedVersion>;
  /**
   * publish: the latest version becomes live (validated again: what it names may be gone), its
   * segment entry runs, and `migrate` moves entries of older versions ({ oldNode: newNode });
   * pause holds entries where they are; resume continues; stop ends every entry.
   */
  transition(id: number, change: JourneyTransition, actor: Actor, options?: { migrate?: unknown }): Promise<JourneyView>;
  /** Enters the named customers through the live version's API entry. */
  enter(id: number, input: { customers: unknown; requestId?: unknown; name?: unknown }, actor: Actor): Promise<ApiEntryReport>;
  /** The live (else latest) version run over current data without writing anything. */
  dryRun(id: number, actor: Actor): Promise<DryRunReport>;
  /** Entries by status and customers per node and outcome. */
  report(id: number, actor: Actor): JourneyReport;
  /** One entry's state and path. */
  entry(id: number, entryId: number, actor: Actor): EntryView;
}

export interface JourneysPorts {
  db: Db;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
  /** The node's segments, events, attributes and channels, for validation. */
  references: JourneyReferences;
  /** Whether a thing of unit `owner` is visible to a caller of unit `viewer` (null or absent: the whole organisation). */
  within(owner: string | null, viewer: string | null | undefined): boolean;
  /** Runs published journeys (engine/engine.ts). */
  engine: JourneyEngine;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const DESCRIPTION_MAX = 500;

/** From each state, the state each change leads to (absent: refused). */
const TRANSITIONS: Record<JourneyTransition, Partial<Record<JourneyStatus, JourneyStatus>>> = {
  publish: { draft: 'published', published: 'published', paused: 'published' },
  pause: { published: 'paused' },
  resume: { paused: 'published' },
  stop: { draft: 'stopped', published: 'stopped', paused: 'stopped' },
};

const digest = (json: string) => createHash('sha256').update(json).digest('hex');

/** @example const journeys = journeysService({ db, audit, now, references, within: (owner, viewer) => isWithin(db, owner, viewer) }); */
export function journeysService(ports: JourneysPorts): JourneysApi {
  const { db, audit, now } = ports;

  const visible = (j: JourneyView | undefined, actor: Actor, what: string): JourneyView => {
    if (!j || !ports.within(j.unit, actor.unit)) throw new MofangError('JOURNEY_NOT_FOUND', `no journey ${what}`, { journey: what });
    return j;
  };
  const journeyOf = (id: number, actor: Actor) => visible(store.findJourney(db, id), actor, String(id));

  /** The graph checked in `unit`'s scope, or JOURNEY_INVALID with every problem. */
  const checked = async (graph: unknown, unit: string | null): Promise<{ graph: JourneyGraph; json: string; sha256: string }> => {
    const v = await validateJourney(graph, ports.references, unit);
    if (!v.graph) {
      const count = v.problems.length;
      throw new MofangError('JOURNEY_INVALID', `the journey has ${count} problem${count === 1 ? '' : 's'}: ${v.problems[0].message}${count > 1 ? ' …' : ''}`, {
        problems: v.problems,
      });
    }
    const json = canonicalJson(v.graph);
    return { graph: v.graph, json, sha256: digest(json) };
  };

  /** Adds the version unless it equals the latest; audited. In the caller's transaction. */
  const addVersion = (j: JourneyView, g: { graph: JourneyGraph; json: string; sha256: string }, actor: Actor): SavedVersion => {
    const latest = j.latestVersion > 0 ? store.getVersion(db, j, j.latestVersion) : undefined;
    if (latest && latest.graphSha256 === g.sha256) {
      const { graph: _graph, ...view } = latest;
      return { journey: j, version: view, changed: false };
    }
    const version = store.insertVersion(db, j.id, g, actor.id, now().toISOString());
    audit.append({
      actor: actor.id,
      action: 'journey.version_saved',
      subject: j.name,
      details: { journey: j.id, version, graphSha256: g.sha256, nodes: g.graph.nodes.length, live: j.liveVersion },
    });
    const journey = store.findJourney(db, j.id)!;
    const { graph: _graph, ...view } = store.getVersion(db, journey, version)!;
    return { journey, version: view, changed: true };
  };

  return {
    list: (actor) => store.listJourneys(db).filter((j) => ports.within(j.unit, actor.unit)),
    get: journeyOf,
    byName: (name, actor) => visible(store.findJourneyByName(db, name), actor, JSON.stringify(name)),

    version(id, version, actor) {
      const j = journeyOf(id, actor);
      const v = store.getVersion(db, j, version ?? j.latestVersion);
      if (!v)
        throw new MofangError('JOURNEY_VERSION_UNKNOWN', `journey ${j.name} has no version ${version} (latest: ${j.latestVersion})`, {
          journey: j.id,
          version,
        });
      return v;
    },

    versions: (id, actor) => store.listVersions(db, journeyOf(id, actor)),

    async validate(graph, actor) {
      const v = await validateJourney(graph, ports.references, actor.unit ?? null);
      return { valid: v.problems.length === 0, problems: v.problems };
    },

    async create(input, actor, linked) {
      if (typeof input.name !== 'string' || !NAME.test(input.name))
        throw new MofangError('REQUEST_INVALID', 'name: a lower-case name (letters, digits, _ and -, starting with a letter, at most 64)', { field: 'name' });
      const description = input.description ?? '';
      if (typeof description !== 'string' || description.length > DESCRIPTION_MAX)
        throw new MofangError('REQUEST_INVALID', `description: text of at most ${DESCRIPTION_MAX} characters`, { field: 'description' });
      const unit = actor.unit ?? null;
      const g = await checked(input.graph, unit);
      return db
        .transaction(() => {
          if (store.findJourneyByName(db, input.name))
            throw new MofangError('JOURNEY_EXISTS', `a journey named ${input.name} exists; save a new version of it instead`, { name: input.name });
          const id = store.insertJourney(db, { name: input.name, description, unit }, actor.id, now().toISOString());
          audit.append({ actor: actor.id, action: 'journey.created', subject: input.name, details: { journey: id, unit } });
          const saved = addVersion(store.findJourney(db, id)!, g, actor);
          linked?.(saved.journey);
          return saved;
        })
        .immediate();
    },

    async saveVersion(id, graph, actor) {
      const before = journeyOf(id, actor);
      const g = await checked(graph, before.unit);
      return db
        .transaction(() => {
          const j = journeyOf(id, actor);
          if (j.status === 'stopped')
            throw new MofangError('JOURNEY_STATE_INVALID', `journey ${j.name} is stopped; it takes no new versions`, { status: j.status });
          return addVersion(j, g, actor);
        })
        .immediate();
    },

    async transition(id, change, actor, options = {}) {
      const before = journeyOf(id, actor);
      // What a version names may have gone since it was saved (a deleted segment, a removed event).
      if (change === 'publish') await checked(store.getVersion(db, before, before.latestVersion)!.graph, before.unit);
      return db
        .transaction(() => {
          const j = journeyOf(id, actor);
          const next = TRANSITIONS[change][j.status];
          const republish = change === 'publish' && j.liveVersion === j.latestVersion && j.status !== 'draft';
          if (!next || republish) {
            const why = republish ? `version ${j.latestVersion} is already the live one${j.status === 'paused' ? '; resume it' : ''}` : `it is ${j.status}`;
            throw new MofangError('JOURNEY_STATE_INVALID', `journey ${j.name}: cannot ${change}: ${why}`, { status: j.status, change });
          }
          const liveVersion = change === 'publish' ? j.latestVersion : j.liveVersion;
          store.setStatus(db, j.id, { status: next, liveVersion }, actor.id, now().toISOString());
          const action = { publish: 'journey.published', pause: 'journey.paused', resume: 'journey.resumed', stop: 'journey.stopped' }[change];
          audit.append({ actor: actor.id, action, subject: j.name, details: { journey: j.id, from: j.status, to: next, liveVersion } });
          const after = store.findJourney(db, j.id)!;
          ports.engine.transitioned(after, change, options, actor.id);
          return after;
        })
        .immediate();
    },

    enter: (id, input, actor) => ports.engine.enterByApi(journeyOf(id, actor), input, actor.id),
    dryRun: (id, actor) => ports.engine.dryRun(journeyOf(id, actor)),
    report: (id, actor) => ports.engine.report(journeyOf(id, actor)),
    entry: (id, entryId, actor) => ports.engine.entry(journeyOf(id, actor), entryId),
  };
}
