/**
 * `mofang journeys …`: validate a journey file, save it (a new journey or a new version), list,
 * show, list versions, publish (with an optional migration), pause, resume or stop, dry-run, and
 * read the engine's report and an entry's path (docs/journeys.md). Problems are
 * printed by node, as a canvas would pin them. Changes act as an operator and are audited like
 * API calls.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Actor } from '../audit/actor.js';
import { asMofangError, MofangError } from '../errors.js';
import type { JourneysApi, JourneyTransition, JourneyView, Problem, VersionView } from '../journeys/service.js';
import { printJson } from './format.js';

export interface JourneysCliContext {
  /** Opens the node for one command and closes it after. */
  withJourneys<T>(fn: (journeys: JourneysApi) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

/** The JSON in `file`, or an error naming the file. */
export function readGraph(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new MofangError('REQUEST_INVALID', `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { field: 'file' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new MofangError('REQUEST_INVALID', `${file}: not JSON (${(err as Error).message})`, { field: 'file' });
  }
}

/** Problems grouped by node, in the order the nodes first appear; the journey's own first. */
export function printProblems(problems: readonly Problem[], print: (line: string) => void): void {
  const byNode = new Map<string, Problem[]>();
  for (const p of problems) {
    const key = p.nodeId ?? '';
    byNode.set(key, [...(byNode.get(key) ?? []), p]);
  }
  const keys = [...byNode.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : 0));
  for (const key of keys) {
    print(key === '' ? '(journey)' : `node ${key}`);
    for (const p of byNode.get(key)!) print(`  ${p.code.padEnd(30)} ${p.message}`);
  }
}

const journeyLine = (j: JourneyView) =>
  `${String(j.id).padStart(4)}  ${j.name.padEnd(24)} ${j.status.padEnd(9)} v${j.latestVersion}${j.liveVersion !== null ? ` (live v${j.liveVersion})` : ''}` +
  `${j.unit ? `  unit ${j.unit}` : ''}${j.description ? `  ${j.description}` : ''}`;

const versionLine = (v: VersionView) =>
  `v${String(v.version).padEnd(4)} ${v.state.padEnd(10)} ${String(v.nodes).padStart(3)} nodes  ${v.createdAt}  ${v.createdBy}  sha256 ${v.graphSha256.slice(0, 16)}…`;

export function registerJourneyCommands(program: Command, ctx: JourneysCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());
  /** A journey by id (digits) or name. */
  const find = (journeys: JourneysApi, ref: string) => (/^\d+$/.test(ref) ? journeys.get(Number(ref), ctx.actor()) : journeys.byName(ref, ctx.actor()));

  const journeys = program
    .command('journeys')
    .description('customer journeys: versioned graphs of entry, judgment, control and action nodes (docs/journeys.md)');

  journeys
    .command('validate <file>')
    .description("check a journey file against this node's segments, events and attributes, without saving it; exit 1 when it has problems")
    .action((file: string) =>
      ctx.withJourneys(async (api) => {
        const v = await api.validate(readGraph(file), ctx.actor());
        out(v, () => {
          if (v.valid) console.log(`${file}: valid`);
          else {
            console.log(`${file}: ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}`);
            printProblems(v.problems, console.log);
          }
        });
        if (!v.valid) process.exitCode = 1;
      }),
    );

  journeys
    .command('save <file>')
    .description('save a journey file: a new journey, or a new version of the journey with this name (a draft until published)')
    .requiredOption('--name <name>', 'the journey name (lower case, digits, _ and -)')
    .option('--description <text>', 'for a new journey')
    .action((file: string, o: { name: string; description?: string }) =>
      ctx.withJourneys(async (api) => {
        const graph = readGraph(file);
        let existing: JourneyView | undefined;
        try {
          existing = api.byName(o.name, ctx.actor());
        } catch (err) {
          if (asMofangError(err).code !== 'JOURNEY_NOT_FOUND') throw err;
        }
        try {
          const saved = existing
            ? await api.saveVersion(existing.id, graph, ctx.actor())
            : await api.create({ name: o.name, graph, ...(o.description !== undefined ? { description: o.description } : {}) }, ctx.actor());
          out(saved, () =>
            console.log(
              saved.changed
                ? `saved ${saved.journey.name} (id ${saved.journey.id}) version ${saved.version.version} (${saved.version.state})`
                : `${saved.journey.name} version ${saved.version.version} already has this graph; nothing saved`,
            ),
          );
        } catch (err) {
          const e = asMofangError(err);
          if (e.code === 'JOURNEY_INVALID') {
            if (ctx.json()) printJson({ error: e.toJSON() });
            else printProblems(e.details!.problems as Problem[], console.error);
          }
          throw e;
        }
      }),
    );

  journeys
    .command('list')
    .description('journeys with their state and versions')
    .action(() =>
      ctx.withJourneys((api) => {
        const list = api.list(ctx.actor());
        out(list, () => (list.length === 0 ? console.log('no journeys') : list.forEach((j) => console.log(journeyLine(j)))));
      }),
    );

  journeys
    // A positional version, as `plan show [version]`: the root's --version prints the package version wherever it stands.
    .command('show <journey> [version]')
    .description('a journey and the graph of its latest version (or of the version given)')
    .action((ref: string, version: string | undefined) =>
      ctx.withJourneys((api) => {
        if (version !== undefined && !/^[1-9]\d{0,8}$/.test(version))
          throw new MofangError('REQUEST_INVALID', `version: expected a version number, got "${version.slice(0, 16)}"`, { field: 'version' });
        const journey = find(api, ref);
        const detail = api.version(journey.id, version === undefined ? undefined : Number(version), ctx.actor());
        out({ journey, version: detail }, () => {
          console.log(journeyLine(journey));
          console.log(versionLine(detail));
          console.log(JSON.stringify(detail.graph, null, 2));
        });
      }),
    );

  journeys
    .command('versions <journey>')
    .description("a journey's versions, newest first")
    .action((ref: string) =>
      ctx.withJourneys((api) => {
        const versions = api.versions(find(api, ref).id, ctx.actor());
        out(versions, () => versions.forEach((v) => console.log(versionLine(v))));
      }),
    );

  const transitions: [JourneyTransition, string][] = [
    ['publish', 'make the latest version the live one (validated again)'],
    ['pause', 'pause a published journey'],
    ['resume', 'resume a paused journey'],
    ['stop', 'stop a journey for good'],
  ];
  for (const [change, description] of transitions) {
    const command = journeys
      .command(`${change} <journey>`)
      .description(`${description}; audited, and the engine of the running node acts on it (docs/journeys.md, The engine)`);
    if (change === 'publish')
      command.option(
        '--migrate <mapping>',
        'move customers in flight on older versions: JSON {"<old node>": "<new node>", …} covering every node they stand at',
      );
    command.action((ref: string, o: { migrate?: string }) =>
      ctx.withJourneys(async (api) => {
        const j = await api.transition(find(api, ref).id, change, ctx.actor(), o.migrate === undefined ? {} : { migrate: parseMapping(o.migrate) });
        out(j, () => console.log(journeyLine(j)));
      }),
    );
  }

  journeys
    .command('dry-run <journey>')
    .description('run the live (else latest) version over current data without writing anything: customers per node and outcome')
    .action((ref: string) =>
      ctx.withJourneys(async (api) => {
        const report = await api.dryRun(find(api, ref).id, ctx.actor());
        out(report, () => {
          console.log(`version ${report.version}: ${report.entered} customer${report.entered === 1 ? '' : 's'} would enter`);
          for (const n of report.nodes) console.log(`  ${n.node.padEnd(24)} ${n.outcome.padEnd(28)} ${String(n.count).padStart(9)}`);
        });
      }),
    );

  journeys
    .command('report <journey>')
    .description('entries by status, and customers per version, node and outcome')
    .action((ref: string) =>
      ctx.withJourneys((api) => {
        const report = api.report(find(api, ref).id, ctx.actor());
        out(report, () => {
          console.log(report.statuses.map((s) => `${s.status} ${s.count}`).join(', ') || 'no entries');
          for (const n of report.nodes) console.log(`  v${n.version} ${n.node.padEnd(24)} ${n.outcome.padEnd(28)} ${String(n.count).padStart(9)}`);
        });
      }),
    );

  journeys
    .command('entry <journey> <entry>')
    .description("one entry's state and path, by its id (the outbox's key names it)")
    .action((ref: string, entry: string) =>
      ctx.withJourneys((api) => {
        if (!/^[1-9]\d{0,15}$/.test(entry))
          throw new MofangError('REQUEST_INVALID', `entry: expected an entry id, got "${entry.slice(0, 16)}"`, { field: 'entry' });
        const e = api.entry(find(api, ref).id, Number(entry), ctx.actor());
        out(e, () => {
          console.log(
            `entry ${e.id}: v${e.version} ${e.status} at ${e.node}${e.wakeAt ? ` until ${e.wakeAt}` : ''}${e.waitingFor ? ` waiting for ${e.waitingFor}` : ''}${e.exitReason ? ` (${e.exitReason})` : ''}`,
          );
          for (const s of e.steps) console.log(`  ${String(s.seq).padStart(3)} ${s.at}  ${s.node.padEnd(24)} ${s.outcome}`);
        });
      }),
    );
}

/** `--migrate`'s JSON (the engine checks its shape). */
function parseMapping(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new MofangError('REQUEST_INVALID', '--migrate: not JSON; write {"<old node>": "<new node>", …}', { field: 'migrate' });
  }
}
