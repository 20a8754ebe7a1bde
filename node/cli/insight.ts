/**
 * CLI commands of the insight domain: `mofang profiles …`, `mofang segments …`,
 * `mofang layering …`, `mofang flows …`. Rules and layering specs are JSON, given inline or as
 * `@file`. Changes act as an operator (`cli:<user>`) and are audited like API calls.
 */
import type { Command } from 'commander';
import { MofangError } from '../errors.js';
import type { Insight, InsightActor } from '../insight/insight.js';
import type { LayerCell } from '../insight/layering/compute.js';
import type { LayeringSpec } from '../insight/layering/spec.js';
import type { LazyValidator } from '../validation/lazy-validator.js';
import type { AttributeSource } from '../insight/profiles/lookup.js';
import type { SegmentView } from '../insight/segments/store.js';
import type { FlowView } from '../insight/flows/flows.js';
import { checkEvery, FLOW_EVERY } from '../insight/flows/schedule.js';
import { argText } from './args.js';
import { printJson } from './format.js';

export interface InsightCliContext {
  /** Opens the node for one command and closes it after. */
  withInsight<T>(fn: (insight: Insight) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): InsightActor;
}

/** JSON inline, or `@file`. */
function jsonArg(value: string, option: string): unknown {
  const text = argText(value, option);
  try {
    return JSON.parse(text);
  } catch {
    throw new MofangError('REQUEST_INVALID', `${option}: not valid JSON (give JSON inline or @file)`, { field: option });
  }
}

// The API checks a spec against its schema before the domain sees it; the CLI must too, or a
// misspelt split reaches the computation and fails as INTERNAL.
// (Imported here, not at the top: the schema and ajv are not needed to start the CLI.)
let validateSpec: LazyValidator<LayeringSpec> | undefined;
async function specArg(value: string): Promise<LayeringSpec> {
  const spec = jsonArg(value, '--spec');
  const [{ LayeringSpecSchema }, { lazyValidator }, { describeIssues }] = await Promise.all([
    import('../insight/layering/spec.js'),
    import('../validation/lazy-validator.js'),
    import('../validation/allowed-values.js'),
  ]);
  validateSpec ??= lazyValidator<LayeringSpec>(LayeringSpecSchema, { allErrors: true, strict: false });
  if (!validateSpec(spec)) throw new MofangError('INSIGHT_INVALID', `--spec: ${describeIssues(validateSpec.errors ?? [])}`, { field: '--spec' });
  return spec;
}

const minutes = (v: string | undefined) => (v === undefined ? undefined : v === 'off' ? null : Number(v));
/** `--every day|week|month|none`. */
const every = (v: string | undefined) => (v === undefined ? undefined : checkEvery(v === 'none' ? null : v, '--every'));
const printFlow = (f: FlowView) =>
  console.log(`${f.name.padEnd(20)} ${f.dataset.padEnd(12)} ${f.every ? `every ${f.every}`.padEnd(12) : 'by hand'.padEnd(12)} ${JSON.stringify(f.source)}`);

function printSegment(s: SegmentView): void {
  const l = s.latest;
  console.log(
    `${s.name.padEnd(20)} v${s.version}  ${s.dataset.padEnd(12)} size ${l ? `${l.size}/${l.population} at ${l.at}` : '-'}${s.refreshEveryMinutes ? `  every ${s.refreshEveryMinutes} min` : ''}`,
  );
}

function printCell(c: LayerCell, depth = 0): void {
  const metrics = Object.entries(c.metrics)
    .filter(([k]) => k !== 'count')
    .map(([k, v]) => `${k}=${v === null ? '-' : Number(v.toFixed(2))}`)
    .join(' ');
  console.log(
    `${'  '.repeat(depth)}${c.label.padEnd(Math.max(1, 28 - 2 * depth))} ${String(c.size).padStart(10)}  ${(c.shareOfParent * 100).toFixed(1).padStart(5)}%  ${metrics}`,
  );
  for (const child of c.children) printCell(child, depth + 1);
}

function sourceText(s: AttributeSource): string {
  if (s.kind === 'dataset') return 'dataset';
  if (s.kind === 'score') return `model ${s.modelId}, scored ${s.scoredAt}`;
  return `agreement ${s.agreementIds.join('+')}, run ${s.runId}, ${s.at}`;
}

export function registerInsightCommands(program: Command, ctx: InsightCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());

  const profiles = program.command('profiles').description('customer profiles: typed attributes and joint attributes');
  profiles
    .command('show <id>')
    .description('one customer by identifier, every attribute with its source')
    .requiredOption('--dataset <name>')
    .action((id, o) =>
      ctx.withInsight(async (i) => {
        const p = await i.showProfile(o.dataset, id, ctx.actor());
        out(p, () => {
          console.log(`Customer ${p.idMasked} in ${p.dataset} (generation ${p.generation}, row ${p.row})`);
          for (const a of p.attributes) console.log(`  ${a.name.padEnd(32)} ${String(a.value).padEnd(24)} ${sourceText(a.source)}`);
          for (const w of p.withheld) console.log(`  ${w.name.padEnd(32)} (withheld: ${w.reason})`);
        });
      }),
    );
  profiles
    .command('attributes')
    .description("the dataset's attributes and their types")
    .requiredOption('--dataset <name>')
    .action((o) =>
      ctx.withInsight(async (i) => {
        const c = await i.attributes(o.dataset);
        out(c, () => {
          for (const a of c.attributes) console.log(`${a.name.padEnd(32)} ${a.type.padEnd(8)} ${a.source}${a.values ? `  [${a.values.join(', ')}]` : ''}`);
          for (const w of c.withheld) console.log(`${w.name.padEnd(32)} withheld: ${w.reason}`);
        });
      }),
    );
  profiles
    .command('build')
    .description('rebuild the typed profile table of the live generation')
    .requiredOption('--dataset <name>')
    .action((o) =>
      ctx.withInsight(async (i) => {
        const b = await i.buildProfiles(o.dataset, ctx.actor());
        out(b, () => console.log(`Profiles of ${b.dataset}: ${b.rowCount} rows, generation ${b.generation}, built in ${(b.buildMs / 1000).toFixed(1)} s`));
      }),
    );

  const segments = program.command('segments').description('segments: rule trees over profiles, materialised and versioned');
  segments
    .command('list')
    .option('--dataset <name>')
    .action((o) =>
      ctx.withInsight((i) => {
        const list = i.listSegments({ dataset: o.dataset });
        out(list, () => list.forEach(printSegment));
      }),
    );
  segments.command('show <name>').action((name) =>
    ctx.withInsight((i) => {
      const s = i.getSegment(name);
      out(s, () => {
        printSegment(s);
        console.log(JSON.stringify(s.rule, null, 2));
      });
    }),
  );
  segments
    .command('preview')
    .requiredOption('--dataset <name>')
    .requiredOption('--rule <json|@file>')
    .option('--sample <n>', 'customers to show', '5')
    .action((o) =>
      ctx.withInsight(async (i) => {
        const p = await i.preview(o.dataset, jsonArg(o.rule, '--rule'), Number(o.sample));
        out(p, () => {
          console.log(`${p.size} of ${p.population} customers`);
          for (const s of p.sample) console.log(`  ${s.idMasked}  ${JSON.stringify(s.values)}`);
        });
      }),
    );
  segments
    .command('create <name>')
    .requiredOption('--dataset <name>')
    .requiredOption('--rule <json|@file>')
    .option('--description <text>')
    .option('--refresh-every <minutes>', 'refresh on a schedule (the running node does it)')
    .action((name, o) =>
      ctx.withInsight(async (i) => {
        const s = await i.createSegment(
          { name, dataset: o.dataset, rule: jsonArg(o.rule, '--rule'), description: o.description, refreshEveryMinutes: minutes(o.refreshEvery) },
          ctx.actor(),
        );
        out(s, () => printSegment(s));
      }),
    );
  segments
    .command('update <name>')
    .option('--rule <json|@file>', 'a new rule (a new version)')
    .option('--description <text>')
    .option('--refresh-every <minutes|off>')
    .action((name, o) =>
      ctx.withInsight(async (i) => {
        const s = await i.updateSegment(
          name,
          { rule: o.rule ? jsonArg(o.rule, '--rule') : undefined, description: o.description, refreshEveryMinutes: minutes(o.refreshEvery) },
          ctx.actor(),
        );
        out(s, () => printSegment(s));
      }),
    );
  segments.command('refresh <name>').action((name) =>
    ctx.withInsight(async (i) => {
      const m = await i.refreshSegment(name, ctx.actor());
      out(m, () => console.log(`${name} v${m.version}: ${m.size} of ${m.population} (${m.durationMs} ms)`));
    }),
  );
  segments.command('versions <name>').action((name) =>
    ctx.withInsight((i) => {
      const versions = i.segmentVersions(name);
      out(versions, () => {
        for (const v of versions)
          console.log(`v${v.version}  ${v.createdAt}  ${v.createdBy}  sizes: ${v.sizes.map((s) => `${s.size}@${s.at}`).join(', ') || '-'}`);
      });
    }),
  );
  segments.command('delete <name>').action((name) => ctx.withInsight((i) => i.deleteSegment(name, ctx.actor())));

  const layering = program.command('layering').description('layering trees: split the population by dimensions into cells');
  layering
    .command('run')
    .requiredOption('--dataset <name>')
    .requiredOption('--spec <json|@file>')
    .action((o) =>
      ctx.withInsight(async (i) => {
        const r = await i.computeLayering(o.dataset, await specArg(o.spec));
        out(r, () => printCell(r.root));
      }),
    );
  layering
    .command('save <name>')
    .requiredOption('--dataset <name>')
    .requiredOption('--spec <json|@file>')
    .option('--replace', 'change an existing layering')
    .action((name, o) =>
      ctx.withInsight(async (i) => {
        const r = await i.saveLayering({ name, dataset: o.dataset, spec: await specArg(o.spec) }, ctx.actor(), !!o.replace);
        out(r, () => printCell(r.result.root));
      }),
    );
  layering.command('show <name>').action((name) =>
    ctx.withInsight(async (i) => {
      const r = await i.runLayering(name);
      out(r, () => printCell(r.root));
    }),
  );
  layering.command('list').action(() =>
    ctx.withInsight((i) => {
      const list = i.listLayerings();
      out(list, () => list.forEach((l) => console.log(`${l.name.padEnd(20)} ${l.dataset}`)));
    }),
  );
  layering
    .command('save-cell <layering>')
    .description('save one cell as a segment')
    .requiredOption('--path <labels...>', 'cell labels from the root')
    .requiredOption('--segment <name>')
    .option('--refresh-every <minutes>')
    .action((name, o) =>
      ctx.withInsight(async (i) => {
        const s = await i.saveCell(name, o.path, { name: o.segment, refreshEveryMinutes: minutes(o.refreshEvery) }, ctx.actor());
        out(s, () => printSegment(s));
      }),
    );

  const flows = program.command('flows').description('segment flows: snapshots per period and transition matrices');
  const everyHelp = `snapshot once per ${FLOW_EVERY.join(' | ')} (UTC; the running node does it)`;
  flows
    .command('create <name>')
    .requiredOption('--dataset <name>')
    .option('--segments <names...>', 'categories, first match wins')
    .option('--layering <name>', 'or the leaf cells of a layering')
    .option('--every <period>', everyHelp)
    .action((name, o) =>
      ctx.withInsight((i) => {
        if (!!o.segments === !!o.layering) throw new MofangError('REQUEST_INVALID', 'give either --segments or --layering');
        const f = i.createFlow(
          { name, dataset: o.dataset, source: o.segments ? { segments: o.segments } : { layering: o.layering }, every: every(o.every) },
          ctx.actor(),
        );
        out(f, () => console.log(`Flow ${f.name} on ${f.dataset}${f.every ? `, snapshot every ${f.every}` : ''}`));
      }),
    );
  flows
    .command('update <flow>')
    .description('change the snapshot schedule')
    .requiredOption('--every <period>', `${everyHelp}, or none`)
    .action((name, o) =>
      ctx.withInsight((i) => {
        const f = i.updateFlow(name, { every: every(o.every) ?? null }, ctx.actor());
        out(f, () => printFlow(f));
      }),
    );
  flows.command('list').action(() =>
    ctx.withInsight((i) => {
      const list = i.listFlows();
      out(list, () => list.forEach(printFlow));
    }),
  );
  flows
    .command('snapshot <flow>')
    .option('--period <label>', 'default: today (UTC)')
    .action((name, o) =>
      ctx.withInsight(async (i) => {
        const s = await i.takeSnapshot(name, o.period, ctx.actor());
        out(s, () => console.log(`${name} ${s.period}: ${s.labels.map((l, k) => `${l}=${s.sizes[k]}`).join('  ')}`));
      }),
    );
  flows
    .command('trend <flow>')
    .description('sizes per snapshot')
    .action((name) =>
      ctx.withInsight((i) => {
        const list = i.listSnapshots(name);
        out(list, () => list.forEach((s) => console.log(`${s.period.padEnd(12)} ${s.labels.map((l, k) => `${l}=${s.sizes[k]}`).join('  ')}`)));
      }),
    );
  flows
    .command('matrix <flow>')
    .requiredOption('--from <period>')
    .requiredOption('--to <period>')
    .action((name, o) =>
      ctx.withInsight((i) => {
        const m = i.transitionMatrix(name, o.from, o.to);
        out(m, () => {
          console.log(`${'from \\ to'.padEnd(20)}${m.labels.map((l) => l.slice(0, 14).padStart(16)).join('')}`);
          m.counts.forEach((row, r) =>
            console.log(`${m.labels[r].slice(0, 19).padEnd(20)}${row.map((c, k) => `${c} (${(m.rates[r][k] * 100).toFixed(0)}%)`.padStart(16)).join('')}`),
          );
          console.log(`departed: ${m.departed.join(' ')}   arrived: ${m.arrived.join(' ')}`);
        });
      }),
    );
}
