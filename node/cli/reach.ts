/**
 * `mofang reach report <journey>`, `mofang reach template-report <template>` and `mofang journeys
 * experiment <journey>`: the campaign reports and the A/B report (docs/reach.md, Feedback and
 * reports). A report reads the event store, so while the node runs it is asked through the node's
 * HTTP API (via-node.ts); the output is the same either way. `--csv` writes the CSV the API
 * serves, with the attribution rule on standard error.
 */
import type { Command } from 'commander';
import type { Actor } from '../audit/actor.js';
import type { MofangNode } from '../node.js';
import { reportCsv } from '../reach/report/csv.js';
import type { Figures } from '../reach/report/figures.js';
import type { CampaignReport, ExperimentView, ReportQuery, TemplateReport } from '../reach/report/service.js';
import { printJson } from './format.js';

export interface ReachCliContext {
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

interface ReportOptions {
  model?: string;
  from?: string;
  to?: string;
  windowDays?: string;
  goal?: string;
  csv?: boolean;
}

const queryOf = (o: ReportOptions): ReportQuery => ({
  ...(o.model ? { model: o.model } : {}),
  ...(o.from ? { from: o.from } : {}),
  ...(o.to ? { to: o.to } : {}),
  ...(o.windowDays ? { windowDays: Number(o.windowDays) } : {}),
  ...(o.goal ? { goal: o.goal } : {}),
});
const search = (q: ReportQuery) => {
  const params = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)])).toString();
  return params ? `?${params}` : '';
};

const money = (n: number) => n.toFixed(2);
const HEADER = `${'row'.padEnd(28)} ${'entered'.padStart(8)} ${'sent'.padStart(8)} ${'suppr.'.padStart(7)} ${'deliv.'.padStart(7)} ${'opened'.padStart(7)} ${'clicked'.padStart(7)} ${'conv.'.padStart(8)} ${'value'.padStart(11)} ${'cost'.padStart(10)} ${'ROI'.padStart(8)}`;
const row = (label: string, f: Figures) =>
  `${label.slice(0, 28).padEnd(28)} ${String(f.entered ?? '').padStart(8)} ${String(f.sent).padStart(8)} ${String(Object.values(f.suppressed).reduce((a, b) => a + b, 0)).padStart(7)} ` +
  `${String(f.delivered).padStart(7)} ${String(f.opened).padStart(7)} ${String(f.clicked).padStart(7)} ${String(Math.round(f.converted * 100) / 100).padStart(8)} ` +
  `${money(f.value).padStart(11)} ${money(f.cost).padStart(10)} ${(f.roi === null ? 'n/a' : f.roi.toFixed(2)).padStart(8)}`;

export function registerReachCommands(program: Command, ctx: ReachCliContext): void {
  const operator = (): Actor => ({ ...ctx.actor(), role: 'operator' });
  /** A journey by id (digits) or name, resolved in the node's database (readable while it runs). */
  const journeyId = (node: MofangNode, ref: string) => (/^\d+$/.test(ref) ? Number(ref) : node.journeys.byName(ref, operator()).id);
  const onStore = async <T>(node: MofangNode, here: () => Promise<T>, path: string) => {
    const { onEventStore } = await import('./via-node.js');
    return onEventStore(node, operator(), { here, viaNode: (api) => api.call<T>('GET', path) });
  };

  const reach = program
    .command('reach')
    .description('reaching customers: campaign reports with conversions, cost and ROI; dead letters and re-drive (docs/reach.md)');
  const withReportOptions = (c: Command) =>
    c
      .option('--model <model>', 'attribution model: last (default), first, linear, time_decay or position')
      .option('--from <date>', 'first day of the goal events, YYYY-MM-DD')
      .option('--to <date>', 'last day of the goal events, YYYY-MM-DD')
      .option('--window-days <n>', 'how many days before a goal a message still counts (default reach.attribution.windowDays)');

  withReportOptions(reach.command('report <journey>').description("a journey's (or template instance's) campaign report per channel, reach node and A/B group"))
    .option('--goal <node>', 'the goal node whose events are the conversions')
    .option('--csv', 'write CSV (the rule goes to standard error)')
    .action((ref: string, o: ReportOptions) =>
      ctx.withNode(async (node) => {
        const id = journeyId(node, ref);
        const q = queryOf(o);
        const r = await onStore<CampaignReport>(
          node,
          () => node.pipeline.reachReports.journey(id, q, operator()),
          `/v1/reach/reports/journeys/${id}${search(q)}`,
        );
        if (o.csv) {
          console.error(`attribution: ${r.rule.text}`);
          process.stdout.write(reportCsv(r));
        } else if (ctx.json()) printJson(r);
        else {
          console.log(`journey ${r.journey.name} (${r.journey.id})`);
          console.log(`attribution: ${r.rule.text}`);
          console.log(`goals: ${r.goals.total} in the range, ${r.goals.direct} with no message before them`);
          console.log(HEADER);
          console.log(row('total', r.totals));
          for (const c of r.channels) console.log(row(`channel ${c.channel}`, c));
          for (const n of r.nodes) console.log(row(`node ${n.node} (${n.channel})`, n));
          for (const v of r.variants) console.log(row(`group ${v.variant}`, v));
          for (const note of r.notes) console.log(`note: ${note}`);
        }
      }),
    );

  withReportOptions(reach.command('template-report <template>').description("a campaign template's instances side by side, with their sum")).action(
    (ref: string, o: ReportOptions) =>
      ctx.withNode(async (node) => {
        const id = /^\d+$/.test(ref) ? Number(ref) : node.templates.byName(ref, operator()).id;
        const q = queryOf(o);
        const r = await onStore<TemplateReport>(
          node,
          () => node.pipeline.reachReports.template(id, q, operator()),
          `/v1/reach/reports/templates/${id}${search(q)}`,
        );
        if (ctx.json()) printJson(r);
        else {
          console.log(`attribution: ${r.rule}`);
          console.log(HEADER);
          for (const i of r.instances) console.log(row(`${i.journey.name} (${i.journey.id})`, i.totals));
          console.log(row('total', r.totals));
        }
      }),
  );

  const journeys = program.commands.find((c) => c.name() === 'journeys') ?? program.command('journeys');
  journeys
    .command('experiment <journey>')
    .description("a journey's A/B experiment: conversion per group, lift over the reference with its 95 % interval, the verdict and warnings")
    .option('--name <experiment>', 'the experiment, when the journey has several')
    .action((ref: string, o: { name?: string }) =>
      ctx.withNode((node) => {
        const r: ExperimentView = node.pipeline.reachReports.experiment(journeyId(node, ref), o.name, operator());
        if (ctx.json()) return printJson(r);
        console.log(`experiment ${r.experiment.name} (node ${r.experiment.node}, goal ${r.experiment.goal ?? 'none'}), reference ${r.reference}`);
        const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
        for (const g of r.groups) {
          const rate = g.rate ? `${pct(g.rate.estimate)} [${pct(g.rate.lower)}, ${pct(g.rate.upper)}]` : 'n/a';
          console.log(`${g.key.padEnd(16)} ${String(g.entered).padStart(8)} entered ${String(g.converted).padStart(8)} converted  ${rate}`);
        }
        for (const c of r.comparisons) {
          const lift = c.relativeLift ? `${pct(c.relativeLift.estimate)} [${pct(c.relativeLift.lower)}, ${pct(c.relativeLift.upper)}]` : 'n/a';
          console.log(`${c.key} vs ${c.reference}: lift ${lift}, p ${c.pValue?.toFixed(4) ?? 'n/a'} (Holm ${c.adjustedPValue?.toFixed(4) ?? 'n/a'})`);
        }
        console.log(r.verdict.decided ? `winner: ${r.verdict.winner}` : `no winner yet: ${r.verdict.message}`);
        for (const w of r.warnings) console.log(`warning (${w.code}): ${w.message}`);
      }),
    );
}
