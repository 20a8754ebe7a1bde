/**
 * CLI commands for organisation units and shared segment sets: `mofang units …`,
 * `mofang shared-sets …`. The CLI acts for the whole organisation (it has the node's files), so
 * commands that act for a unit name it (`--from`, `--unit`). Changes are audited like API calls.
 */
import type { Command } from 'commander';
import type { InsightCliContext } from './insight.js';
import type { SharedSetView } from '../insight/shared/sets.js';

import { argText } from './args.js';

const text = (v: string) => argText(v, '--strategy');
const id = (v: string) => Number(v);

function printSet(s: SharedSetView, extra = ''): void {
  const a = s.latest.audience;
  console.log(
    `#${String(s.id).padEnd(4)} ${`${s.publisher}/${s.name}`.padEnd(32)} v${s.version}  ${s.dataset.padEnd(12)} ${s.latest.segments.length} segments → ${'all' in a ? 'all below' : a.units.join(', ')}${extra}`,
  );
}

export function registerUnitCommands(program: Command, ctx: InsightCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? console.log(JSON.stringify(value, null, 2)) : human());

  const units = program.command('units').description("organisation units (head office → provinces → branches) and which attribute holds a customer's unit");
  units
    .command('add <id>')
    .requiredOption('--name <name>')
    .option('--parent <id>', 'the parent unit (omit for the head office)')
    .action((unit, o) =>
      ctx.withInsight((i) => {
        const u = i.addUnit({ id: unit, name: o.name, parent: o.parent }, ctx.actor());
        out(u, () => console.log(`Unit ${u.id} (${u.name})${u.parent ? ` under ${u.parent}` : ', head office'}`));
      }),
    );
  units.command('list').action(() =>
    ctx.withInsight((i) => {
      const list = i.listUnits();
      const depth = new Map<string, number>();
      out(list, () =>
        list.forEach((u) => {
          const d = u.parent ? (depth.get(u.parent) ?? 0) + 1 : 0;
          depth.set(u.id, d);
          console.log(`${'  '.repeat(d)}${u.id.padEnd(Math.max(1, 24 - 2 * d))} ${u.name}`);
        }),
      );
    }),
  );
  units
    .command('attribute')
    .description("show, or with --attribute set, the dataset column holding each customer's unit id")
    .requiredOption('--dataset <name>')
    .option('--attribute <column>')
    .action((o) =>
      ctx.withInsight(async (i) => {
        const v = o.attribute ? await i.setUnitAttribute(o.dataset, o.attribute, ctx.actor()) : i.getUnitAttribute(o.dataset);
        out(v, () => console.log(v ? `${v.dataset}: unit in column ${v.attribute} (set by ${v.setBy} at ${v.setAt})` : `${o.dataset}: no unit attribute`));
      }),
    );

  const sets = program.command('shared-sets').description('segment sets a unit publishes to units below it');
  sets
    .command('publish <name>')
    .requiredOption('--from <unit>', 'the publishing unit')
    .requiredOption('--segments <names...>')
    .requiredOption('--to <units...>', "'all' (every unit below) or unit ids")
    .option('--strategy <text|@file>', 'suggested strategy')
    .action((name, o) =>
      ctx.withInsight((i) => {
        const to = o.to.length === 1 && o.to[0] === 'all' ? ('all' as const) : (o.to as string[]);
        const r = i.sharedSets.publish({ name, publisher: o.from, segments: o.segments, strategy: o.strategy ? text(o.strategy) : undefined, to }, ctx.actor());
        out(r, () => printSet(r.set, r.changed ? '' : '  (unchanged: not republished)'));
      }),
    );
  sets
    .command('list')
    .option('--unit <unit>', 'also list the sets published to this unit')
    .action((o) =>
      ctx.withInsight((i) => {
        const r = i.sharedSets.list(ctx.actor(), o.unit);
        out(r, () => {
          console.log('Published:');
          r.published.forEach((s) => printSet(s));
          if (o.unit) {
            console.log(`Published to ${o.unit}:`);
            r.received.forEach((s) =>
              printSet(s, s.imported ? `  imported v${s.imported.version}${s.updateAvailable ? ' — update available' : ''}` : '  not imported'),
            );
          }
        });
      }),
    );
  sets
    .command('import <id>')
    .requiredOption('--unit <unit>', 'the importing unit')
    .option('--prefix <prefix>', 'segment name prefix (default: the unit id)')
    .action((set, o) =>
      ctx.withInsight(async (i) => {
        const r = await i.sharedSets.import(id(set), ctx.actor(), { unit: o.unit, prefix: o.prefix });
        out(r, () => console.log(`Imported #${r.id} v${r.imported!.version} into ${o.unit}: ${r.imported!.segments.map((m) => m.segment).join(', ')}`));
      }),
    );
  sets
    .command('status <id>')
    .description('who imported the set and how many customers it covers there')
    .action((set) =>
      ctx.withInsight(async (i) => {
        const r = await i.sharedSets.status(id(set), ctx.actor());
        out(r, () => {
          printSet(r.set);
          for (const c of r.imports)
            console.log(
              `  ${c.unit.padEnd(20)} v${c.version}${c.upToDate ? '' : ' (older)'}  covers ${c.covered} of ${c.population}  ${JSON.stringify(c.bySegment)}`,
            );
        });
      }),
    );
}
