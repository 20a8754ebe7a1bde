/**
 * Campaign templates (the activity centre): a journey graph with declared parameters, saved as
 * versions; a branch instantiates one by filling the parameters, which creates a journey in its
 * unit through the journeys service (validated in full, then published through the normal
 * lifecycle); instances are listed per template with their state and results; a unit publishes a
 * template to the units below it by the rule shared segment sets publish by (node/audience).
 *
 * Scope: a template belongs to the unit of the caller that created it (null: the whole
 * organisation). A caller sees the templates of its scope (as journeys), and those whose latest
 * publication reaches its unit — of those only the published version. Instances are journeys and
 * follow their scope: a branch sees its own instances, the head office all of them.
 *
 * Audit entries name the template, versions, the journey and digests — never parameter values
 * (a text may quote anything) nor defaults.
 */
import { createHash } from 'node:crypto';
import { audienceOf, reaches, type UnitTree } from '../../audience/audience.js';
import type { Actor } from '../../audit/actor.js';
import type { AuditLog } from '../../audit/log.js';
import { canonicalJson } from '../../encoding/canonical-json.js';
import { MofangError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { DATE_TIME } from '../components.js';
import type { Problem } from '../problems.js';
import type { JourneyReferences } from '../references.js';
import type { JourneysApi, JourneyView } from '../service.js';
import * as journeyStore from '../store.js';
import { checkTemplate, fillTemplate } from './check.js';
import type { ParamValue } from './params.js';
import * as store from './store.js';
import type { InstanceLink, PublicationView, TemplateVersionDetail, TemplateVersionView, TemplateView } from './store.js';

export type { TemplateVersionView } from './store.js';

/** A template as a caller sees it: its own scope's (`owner`), or published to its unit (`received`). */
export interface TemplateListItem extends TemplateView {
  access: 'owner' | 'received';
  /** The latest publication: the version and audience the units see; null before the first. */
  publication: PublicationView | null;
}

/** What the engine reports of an instance; null until the engine runs journeys. */
interface InstanceResults {
  entered: number;
  active: number;
  converted: number;
  sent: number;
}

export interface InstanceView extends Omit<InstanceLink, 'journey' | 'template'> {
  journey: Pick<JourneyView, 'id' | 'name' | 'unit' | 'status' | 'latestVersion' | 'liveVersion'>;
  results: InstanceResults | null;
}

interface SavedTemplate {
  template: TemplateView;
  version: TemplateVersionView;
  /** False when the content equals the latest version's: no version was added. */
  changed: boolean;
}

interface TemplateInput {
  name: string;
  description?: string;
  graph: unknown;
  parameters: unknown;
}

interface InstantiateInput {
  /** The new journey's name. */
  name: string;
  description?: string;
  /** Parameter name → value; parameters left out take their defaults. */
  values: unknown;
  /** The template version to fill; default: the latest (a receiving unit: the published one). */
  version?: number;
  /** The unit the journey belongs to; default: the caller's. A unit within the caller's scope. */
  unit?: string;
  /** ISO 8601 date-times with zone: when customers may start entering, and when it stops taking them in. */
  startsAt?: string;
  endsAt?: string;
}

/** What the HTTP API and the CLI ask of campaign templates. */
export interface TemplatesApi {
  list(actor: Actor): TemplateListItem[];
  get(id: number, actor: Actor): TemplateListItem;
  byName(name: string, actor: Actor): TemplateListItem;
  /** A version with its graph and parameters; the latest the caller may see when `version` is absent. */
  version(id: number, version: number | undefined, actor: Actor): TemplateVersionDetail;
  /** Newest first; a receiving unit sees the published version only. */
  versions(id: number, actor: Actor): TemplateVersionView[];
  create(input: TemplateInput, actor: Actor): Promise<SavedTemplate>;
  saveVersion(id: number, input: Omit<TemplateInput, 'name' | 'description'>, actor: Actor): Promise<SavedTemplate>;
  /** Fills the parameters and creates the journey (a draft), linked to the template version. */
  instantiate(id: number, input: InstantiateInput, actor: Actor): Promise<InstanceView>;
  /** The template's instances in the caller's scope, with their state and results. */
  instances(id: number, actor: Actor): InstanceView[];
  /** Publishes a version (default: the latest) to `to`: every unit below the template's unit, or chosen ones. */
  publish(
    id: number,
    input: { to: 'all' | string[]; version?: number },
    actor: Actor,
  ): { template: TemplateListItem; publication: PublicationView; changed: boolean };
  /** The start and end an instance's journey was given, for the engine; null for a journey not from a template. */
  schedule(journey: number): { startsAt: string | null; endsAt: string | null } | null;
}

export interface TemplatesPorts {
  db: Db;
  audit: Pick<AuditLog, 'append'>;
  now: () => Date;
  references: JourneyReferences;
  /** Instances are journeys: created and published through the journeys service. */
  journeys: JourneysApi;
  /** Whether a thing of unit `owner` is visible to a caller of unit `viewer` (null or absent: the whole organisation). */
  within(owner: string | null, viewer: string | null | undefined): boolean;
  /** The organisation's units, for publishing; `root` is the head office (null: no units yet). */
  units: UnitTree & { root(): string | null };
  /** The engine's counts for a journey; until the engine runs journeys it answers null. */
  instanceResults(journey: number): InstanceResults | null;
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const DESCRIPTION_MAX = 500;
const DATE_TIME_RE = new RegExp(DATE_TIME);

const digest = (json: string) => createHash('sha256').update(json).digest('hex');

function refused(code: 'TEMPLATE_INVALID' | 'TEMPLATE_VALUES_INVALID', what: string, problems: Problem[]): MofangError {
  const count = problems.length;
  return new MofangError(code, `${what} ${count} problem${count === 1 ? '' : 's'}: ${problems[0].message}${count > 1 ? ' …' : ''}`, { problems });
}

/** An optional ISO 8601 date-time with zone, as UTC; or REQUEST_INVALID naming the field. */
function instant(value: unknown, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !DATE_TIME_RE.test(value) || Number.isNaN(Date.parse(value)))
    throw new MofangError('REQUEST_INVALID', `${field}: an ISO 8601 date-time with its zone, such as 2026-10-01T09:00:00+08:00`, { field });
  return new Date(value).toISOString();
}

/** @example const templates = templatesService({ db, audit, now, references, journeys, within, units, instanceResults: () => null }); */
export function templatesService(ports: TemplatesPorts): TemplatesApi {
  const { db, audit, now } = ports;

  const owns = (t: TemplateView, actor: Actor) => ports.within(t.unit, actor.unit);
  /** Whether the template's latest publication reaches `unit`. */
  const receivedBy = (t: TemplateView, unit: string | null | undefined): PublicationView | undefined => {
    const p = store.latestPublication(db, t.id);
    return p && unit && reaches(ports.units, p.publisher, p.audience, unit) ? p : undefined;
  };
  const item = (t: TemplateView, actor: Actor): TemplateListItem | undefined => {
    const publication = store.latestPublication(db, t.id) ?? null;
    if (owns(t, actor)) return { ...t, access: 'owner', publication };
    return receivedBy(t, actor.unit) ? { ...t, access: 'received', publication } : undefined;
  };
  const visible = (t: TemplateView | undefined, actor: Actor, what: string): TemplateListItem => {
    const seen = t && item(t, actor);
    if (!seen) throw new MofangError('TEMPLATE_NOT_FOUND', `no template ${what}`, { template: what });
    return seen;
  };
  const templateOf = (id: number, actor: Actor) => visible(store.findTemplate(db, id), actor, String(id));
  const ownedOf = (id: number, actor: Actor) => {
    const t = templateOf(id, actor);
    if (t.access !== 'owner')
      throw new MofangError('SCOPE_FORBIDDEN', `template ${t.name} was published to your unit; only units whose scope holds it change or publish it`, {
        template: t.id,
      });
    return t;
  };
  const versionOf = (t: TemplateView, version: number): TemplateVersionDetail => {
    const v = store.getVersion(db, t.id, version);
    if (!v)
      throw new MofangError('TEMPLATE_VERSION_UNKNOWN', `template ${t.name} has no version ${version} (latest: ${t.latestVersion})`, {
        template: t.id,
        version,
      });
    return v;
  };

  /** The template checked in `unit`'s scope, or TEMPLATE_INVALID with every problem. */
  const checked = async (input: Omit<TemplateInput, 'name' | 'description'>, unit: string | null) => {
    const c = await checkTemplate(input.graph, input.parameters, ports.references, unit);
    if (!c.template) throw refused('TEMPLATE_INVALID', 'the template has', c.problems);
    const graph = canonicalJson(c.template.graph);
    const parameters = canonicalJson(c.template.parameters);
    return {
      graph,
      parameters,
      sha256: digest(canonicalJson({ graph: c.template.graph, parameters: c.template.parameters })),
      nodes: c.template.graph.nodes.length,
    };
  };

  /** Adds the version unless it equals the latest; audited. In the caller's transaction. */
  const addVersion = (t: TemplateView, c: Awaited<ReturnType<typeof checked>>, actor: Actor): SavedTemplate => {
    const latest = t.latestVersion > 0 ? store.getVersion(db, t.id, t.latestVersion) : undefined;
    const view = (d: TemplateVersionDetail) => {
      const { graph: _graph, ...v } = d;
      return v;
    };
    if (latest && latest.contentSha256 === c.sha256) return { template: t, version: view(latest), changed: false };
    const version = store.insertVersion(db, t.id, c, actor.id, now().toISOString());
    const saved = store.getVersion(db, t.id, version)!;
    audit.append({
      actor: actor.id,
      action: 'journey_template.version_saved',
      subject: t.name,
      details: { template: t.id, version, contentSha256: c.sha256, nodes: c.nodes, parameters: saved.parameters.map((p) => p.name) },
    });
    return { template: store.findTemplate(db, t.id)!, version: view(saved), changed: true };
  };

  return {
    list: (actor) => store.listTemplates(db).flatMap((t) => item(t, actor) ?? []),
    get: templateOf,
    byName: (name, actor) => visible(store.findTemplateByName(db, name), actor, JSON.stringify(name)),

    version(id, version, actor) {
      const t = templateOf(id, actor);
      if (t.access === 'received') {
        const published = t.publication!.version;
        if (version !== undefined && version !== published)
          throw new MofangError('TEMPLATE_VERSION_UNKNOWN', `template ${t.name}: version ${published} was published to your unit, not ${version}`, {
            template: t.id,
            version,
          });
        return versionOf(t, published);
      }
      return versionOf(t, version ?? t.latestVersion);
    },

    versions(id, actor) {
      const t = templateOf(id, actor);
      const all = store.listVersions(db, t.id);
      return t.access === 'owner' ? all : all.filter((v) => v.version === t.publication!.version);
    },

    async create(input, actor) {
      if (typeof input.name !== 'string' || !NAME.test(input.name))
        throw new MofangError('REQUEST_INVALID', 'name: a lower-case name (letters, digits, _ and -, starting with a letter, at most 64)', { field: 'name' });
      const description = input.description ?? '';
      if (typeof description !== 'string' || description.length > DESCRIPTION_MAX)
        throw new MofangError('REQUEST_INVALID', `description: text of at most ${DESCRIPTION_MAX} characters`, { field: 'description' });
      const unit = actor.unit ?? null;
      const c = await checked(input, unit);
      return db
        .transaction(() => {
          if (store.findTemplateByName(db, input.name))
            throw new MofangError('TEMPLATE_EXISTS', `a template named ${input.name} exists; save a new version of it instead`, { name: input.name });
          const id = store.insertTemplate(db, { name: input.name, description, unit }, actor.id, now().toISOString());
          audit.append({ actor: actor.id, action: 'journey_template.created', subject: input.name, details: { template: id, unit } });
          return addVersion(store.findTemplate(db, id)!, c, actor);
        })
        .immediate();
    },

    async saveVersion(id, input, actor) {
      const before = ownedOf(id, actor);
      const c = await checked(input, before.unit);
      return db.transaction(() => addVersion(ownedOf(id, actor), c, actor)).immediate();
    },

    async instantiate(id, input, actor) {
      const t = templateOf(id, actor);
      let unit = actor.unit ?? null;
      if (input.unit !== undefined) {
        ports.units.check(input.unit, 'unit');
        if (!ports.within(input.unit, actor.unit))
          throw new MofangError('SCOPE_FORBIDDEN', `unit: unit ${input.unit} is outside the scope of unit ${actor.unit}`, {
            field: 'unit',
            unit: input.unit,
            scope: actor.unit,
          });
        unit = input.unit;
      }
      // A unit outside the template's own scope fills the version published to it, and only that.
      const publication = owns(t, actor) ? undefined : receivedBy(t, unit);
      if (!owns(t, actor) && !publication)
        throw new MofangError('TEMPLATE_NOT_FOUND', `no template ${id} was published to unit ${unit}`, { template: id, unit });
      if (publication && input.version !== undefined && input.version !== publication.version)
        throw new MofangError(
          'TEMPLATE_VERSION_UNKNOWN',
          `template ${t.name}: version ${publication.version} was published to unit ${unit}, not ${input.version}`,
          {
            template: t.id,
            version: input.version,
          },
        );
      const version = versionOf(t, publication?.version ?? input.version ?? t.latestVersion);
      const startsAt = instant(input.startsAt, 'startsAt');
      const endsAt = instant(input.endsAt, 'endsAt');
      if (startsAt && endsAt && endsAt <= startsAt)
        throw new MofangError('REQUEST_INVALID', `endsAt: ${input.endsAt} is not after startsAt ${input.startsAt}`, { field: 'endsAt' });
      const filled = fillTemplate(version, input.values);
      if (!filled.values) throw refused('TEMPLATE_VALUES_INVALID', 'the values have', filled.problems);
      const valuesSha256 = digest(canonicalJson(filled.values satisfies Record<string, ParamValue>));
      let journeyId = 0;
      await ports.journeys.create(
        { name: input.name, description: input.description ?? `from template ${t.name} v${version.version}`, graph: filled.graph },
        { ...actor, unit: unit ?? undefined },
        (journey) => {
          journeyId = journey.id;
          store.insertInstance(
            db,
            { journey: journey.id, template: t.id, templateVersion: version.version, startsAt, endsAt, valuesSha256 },
            actor.id,
            now().toISOString(),
          );
          audit.append({
            actor: actor.id,
            action: 'journey_template.instantiated',
            subject: t.name,
            details: { template: t.id, version: version.version, journey: journey.id, unit, valuesSha256, received: publication !== undefined },
          });
        },
      );
      return instanceView(store.instanceOf(db, journeyId)!);
    },

    instances(id, actor) {
      const t = templateOf(id, actor);
      return store
        .listInstances(db, t.id)
        .filter((link) => ports.within(journeyStore.findJourney(db, link.journey)!.unit, actor.unit))
        .map(instanceView);
    },

    publish(id, input, actor) {
      const t = ownedOf(id, actor);
      const publisher = t.unit ?? ports.units.root();
      if (publisher === null) throw new MofangError('SCOPE_FORBIDDEN', 'to: this node has no organisation units to publish to', { field: 'to' });
      const audience = audienceOf(ports.units, publisher, input.to);
      const version = versionOf(t, input.version ?? t.latestVersion).version;
      return db
        .transaction(() => {
          const latest = store.latestPublication(db, t.id);
          if (latest && latest.version === version && canonicalJson(latest.audience) === canonicalJson(audience))
            return { template: templateOf(id, actor), publication: latest, changed: false };
          const publication = store.insertPublication(db, t.id, { version, publisher, audience }, actor.id, now().toISOString());
          audit.append({
            actor: actor.id,
            action: 'journey_template.published',
            subject: t.name,
            details: { template: t.id, version, publisher, audience: 'all' in audience ? 'all' : audience.units, previousVersion: latest?.version ?? null },
          });
          return { template: templateOf(id, actor), publication, changed: true };
        })
        .immediate();
    },

    schedule(journey) {
      const link = store.instanceOf(db, journey);
      return link ? { startsAt: link.startsAt, endsAt: link.endsAt } : null;
    },
  };

  function instanceView(link: InstanceLink): InstanceView {
    const { journey: id, template: _template, ...rest } = link;
    const j = journeyStore.findJourney(db, id)!;
    return {
      ...rest,
      journey: { id: j.id, name: j.name, unit: j.unit, status: j.status, latestVersion: j.latestVersion, liveVersion: j.liveVersion },
      results: ports.instanceResults(id),
    };
  }
}
