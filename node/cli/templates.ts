/**
 * `mofang templates …`: save a campaign template file (a new template or a new version), list,
 * show, list versions, instantiate (fill the parameters: a new journey), list instances, and
 * publish to units (docs/journeys.md, Campaign templates). Problems are printed by node or
 * parameter, as for journeys. Changes act as an operator and are audited like API calls.
 */
import type { Command } from 'commander';
import type { Actor } from '../audit/actor.js';
import { asMofangError, MofangError } from '../errors.js';
import type { Problem } from '../journeys/problems.js';
import type { ParamDecl, ParamValue } from '../journeys/templates/params.js';
import type { InstanceView, TemplateListItem, TemplatesApi, TemplateVersionView } from '../journeys/templates/service.js';
import { printJson } from './format.js';
import { printProblems, readGraph } from './journeys.js';

export interface TemplatesCliContext {
  /** Opens the node for one command and closes it after. */
  withTemplates<T>(fn: (templates: TemplatesApi) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

const templateLine = (t: TemplateListItem) =>
  `${String(t.id).padStart(4)}  ${t.name.padEnd(24)} v${t.latestVersion}${t.access === 'received' ? ` (received v${t.publication!.version})` : ''}` +
  `${t.unit ? `  unit ${t.unit}` : ''}${t.publication && t.access === 'owner' ? `  published v${t.publication.version}` : ''}${t.description ? `  ${t.description}` : ''}`;

const versionLine = (v: TemplateVersionView) =>
  `v${String(v.version).padEnd(4)} ${String(v.nodes).padStart(3)} nodes  ${v.parameters.length} parameters  ${v.createdAt}  ${v.createdBy}  sha256 ${v.contentSha256.slice(0, 16)}…`;

const paramLine = (p: ParamDecl) =>
  `  ${p.name.padEnd(20)} ${p.type.padEnd(13)} ${p.required ? 'required' : `default ${JSON.stringify(p.default)}`}  ${p.label}`;

const instanceLine = (i: InstanceView) =>
  `${String(i.journey.id).padStart(4)}  ${i.journey.name.padEnd(24)} ${i.journey.status.padEnd(9)} template v${i.templateVersion}` +
  `${i.journey.unit ? `  unit ${i.journey.unit}` : ''}${i.startsAt ? `  from ${i.startsAt}` : ''}${i.endsAt ? `  until ${i.endsAt}` : ''}` +
  `  ${i.results ? `entered ${i.results.entered} active ${i.results.active} converted ${i.results.converted} sent ${i.results.sent}` : 'results: none yet'}`;

/** `--set name=value`: the value typed by the parameter's declared type (text as given). */
function typedValue(decl: ParamDecl | undefined, raw: string): ParamValue {
  if (decl && ['number', 'integer', 'cap'].includes(decl.type) && raw.trim() !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if (decl?.type === 'boolean' && (raw === 'true' || raw === 'false')) return raw === 'true';
  return raw;
}

/** Problems of a refused template or set of values, printed before the error line. */
async function withProblems<T>(json: boolean, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const e = asMofangError(err);
    if (e.details && Array.isArray(e.details.problems)) {
      if (json) printJson({ error: e.toJSON() });
      else printProblems(e.details.problems as Problem[], console.error);
    }
    throw e;
  }
}

export function registerTemplateCommands(program: Command, ctx: TemplatesCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());
  /** A template by id (digits) or name. */
  const find = (api: TemplatesApi, ref: string) => (/^\d+$/.test(ref) ? api.get(Number(ref), ctx.actor()) : api.byName(ref, ctx.actor()));
  const versionArg = (version: string | undefined) => {
    if (version !== undefined && !/^[1-9]\d{0,8}$/.test(version))
      throw new MofangError('REQUEST_INVALID', `version: expected a version number, got "${version.slice(0, 16)}"`, { field: 'version' });
    return version === undefined ? undefined : Number(version);
  };

  const templates = program
    .command('templates')
    .description('campaign templates: journeys with parameters that units fill in to create their own journeys (docs/journeys.md)');

  templates
    .command('save <file>')
    .description('save a template file { graph, parameters }: a new template, or a new version of the template with this name')
    .requiredOption('--name <name>', 'the template name (lower case, digits, _ and -)')
    .option('--description <text>', 'for a new template')
    .action((file: string, o: { name: string; description?: string }) =>
      ctx.withTemplates(async (api) => {
        const content = readGraph(file) as { graph?: unknown; parameters?: unknown };
        if (typeof content !== 'object' || content === null || Array.isArray(content))
          throw new MofangError('REQUEST_INVALID', `${file}: a template file is an object { graph, parameters }`, { field: 'file' });
        const input = { graph: content.graph, parameters: content.parameters ?? [] };
        let existing: TemplateListItem | undefined;
        try {
          existing = api.byName(o.name, ctx.actor());
        } catch (err) {
          if (asMofangError(err).code !== 'TEMPLATE_NOT_FOUND') throw err;
        }
        const saved = await withProblems(ctx.json(), () =>
          existing
            ? api.saveVersion(existing.id, input, ctx.actor())
            : api.create({ name: o.name, ...input, ...(o.description !== undefined ? { description: o.description } : {}) }, ctx.actor()),
        );
        out(saved, () =>
          console.log(
            saved.changed
              ? `saved template ${saved.template.name} (id ${saved.template.id}) version ${saved.version.version}`
              : `${saved.template.name} version ${saved.version.version} already has this content; nothing saved`,
          ),
        );
      }),
    );

  templates
    .command('list')
    .description('templates of your scope and those published to your unit')
    .action(() =>
      ctx.withTemplates((api) => {
        const list = api.list(ctx.actor());
        out(list, () => (list.length === 0 ? console.log('no templates') : list.forEach((t) => console.log(templateLine(t)))));
      }),
    );

  templates
    // A positional version, as `journeys show`: the root's --version prints the package version wherever it stands.
    .command('show <template> [version]')
    .description('a template, its parameters and the graph of its latest version (or of the version given)')
    .action((ref: string, version: string | undefined) =>
      ctx.withTemplates((api) => {
        const template = find(api, ref);
        const detail = api.version(template.id, versionArg(version), ctx.actor());
        out({ template, version: detail }, () => {
          console.log(templateLine(template));
          console.log(versionLine(detail));
          console.log('parameters:');
          detail.parameters.forEach((p) => console.log(paramLine(p)));
          console.log(JSON.stringify(detail.graph, null, 2));
        });
      }),
    );

  templates
    .command('versions <template>')
    .description("a template's versions, newest first")
    .action((ref: string) =>
      ctx.withTemplates((api) => {
        const versions = api.versions(find(api, ref).id, ctx.actor());
        out(versions, () => versions.forEach((v) => console.log(versionLine(v))));
      }),
    );

  templates
    .command('instantiate <template>')
    .description('fill the parameters and create a journey (a draft; publish it with `mofang journeys publish`)')
    .requiredOption('--name <journey>', "the new journey's name")
    .option('--values <file>', 'a JSON file { "<parameter>": value, … }')
    .option('--set <name=value...>', 'a parameter value (typed by the parameter: numbers, true/false); after --values')
    .option('--unit <unit>', 'the unit the journey belongs to (default: the whole organisation)')
    .option('--template-version <n>', 'the template version to fill (default: the latest, or the one published to the unit)')
    .option('--starts-at <date-time>', 'when customers may start entering (ISO 8601 with zone)')
    .option('--ends-at <date-time>', 'when the journey stops taking customers in (ISO 8601 with zone)')
    .option('--description <text>', "the journey's description")
    .action(
      (
        ref: string,
        o: { name: string; values?: string; set?: string[]; unit?: string; templateVersion?: string; startsAt?: string; endsAt?: string; description?: string },
      ) =>
        ctx.withTemplates(async (api) => {
          const template = find(api, ref);
          const version = versionArg(o.templateVersion);
          const decls = api.version(template.id, version, ctx.actor()).parameters;
          const values = (o.values !== undefined ? readGraph(o.values) : {}) as Record<string, unknown>;
          if (typeof values !== 'object' || values === null || Array.isArray(values))
            throw new MofangError('REQUEST_INVALID', `${o.values}: a values file is an object { "<parameter>": value }`, { field: 'values' });
          for (const pair of o.set ?? []) {
            const eq = pair.indexOf('=');
            if (eq < 1) throw new MofangError('REQUEST_INVALID', `--set: expected name=value, got "${pair.slice(0, 40)}"`, { field: 'set' });
            const name = pair.slice(0, eq);
            values[name] = typedValue(
              decls.find((d) => d.name === name),
              pair.slice(eq + 1),
            );
          }
          const instance = await withProblems(ctx.json(), () =>
            api.instantiate(
              template.id,
              {
                name: o.name,
                values,
                ...(version !== undefined ? { version } : {}),
                ...(o.unit !== undefined ? { unit: o.unit } : {}),
                ...(o.startsAt !== undefined ? { startsAt: o.startsAt } : {}),
                ...(o.endsAt !== undefined ? { endsAt: o.endsAt } : {}),
                ...(o.description !== undefined ? { description: o.description } : {}),
              },
              ctx.actor(),
            ),
          );
          out(instance, () =>
            console.log(`created journey ${instance.journey.name} (id ${instance.journey.id}) from ${template.name} v${instance.templateVersion}`),
          );
        }),
    );

  templates
    .command('instances <template>')
    .description("the template's instances with their state and results")
    .action((ref: string) =>
      ctx.withTemplates((api) => {
        const list = api.instances(find(api, ref).id, ctx.actor());
        out(list, () => (list.length === 0 ? console.log('no instances') : list.forEach((i) => console.log(instanceLine(i)))));
      }),
    );

  templates
    .command('publish <template>')
    .description("publish a version to every unit below the template's unit (--to all) or to chosen units below it")
    .requiredOption('--to <units...>', "'all' (every unit below) or unit ids")
    .option('--template-version <n>', 'the version to publish (default: the latest)')
    .action((ref: string, o: { to: string[]; templateVersion?: string }) =>
      ctx.withTemplates((api) => {
        const to = o.to.length === 1 && o.to[0] === 'all' ? ('all' as const) : o.to;
        const version = versionArg(o.templateVersion);
        const r = api.publish(find(api, ref).id, { to, ...(version !== undefined ? { version } : {}) }, ctx.actor());
        out(r, () =>
          console.log(
            r.changed
              ? `published ${r.template.name} v${r.publication.version} from ${r.publication.publisher} to ${'all' in r.publication.audience ? 'all units below it' : r.publication.audience.units.join(', ')}`
              : `${r.template.name} v${r.publication.version} is already published to this audience; nothing changed`,
          ),
        );
      }),
    );
}
