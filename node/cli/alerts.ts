/**
 * `mofang metrics …` and `mofang alerts …`: saved metrics, their alert rules and the alert history
 * (docs/alerts.md). Parameters are given like `mofang analytics`' (`--params` JSON or `@file`, and
 * the flags of the common ones). Changes act as an operator and are audited like API calls.
 * Saving, changing and evaluating a metric run its model on the events: while the node runs (it
 * holds the event store) they go through its API (via-node.ts), with the same output.
 */
import { Option, type Command } from 'commander';
import type { AlertEventView, AlertsApi, EvaluationView, MetricView, RuleInput, RuleView } from '../alerts/service.js';
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import { paramsOf } from './analytics.js';
import { integer } from './args.js';
import { printJson } from './format.js';
import type { NodeApi } from './via-node.js';

export interface AlertsCliContext {
  /** Opens the node for one command and closes it after. */
  withAlerts<T>(fn: (alerts: AlertsApi) => Promise<T> | T): Promise<T>;
  /** For what runs a model: `here` when this process can open the event store, else `viaNode` through the running node. */
  withModels<T>(here: (alerts: AlertsApi) => Promise<T>, viaNode: (api: NodeApi) => Promise<T>): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

function number(value: string, option: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new MofangError('REQUEST_INVALID', `${option}: expected a number, got "${value.slice(0, 32)}"`, { field: option });
  return n;
}

const printMetric = (m: MetricView) =>
  console.log(
    `${m.name.padEnd(20)} v${m.version}  ${m.model}.${m.scalar}  ${m.window.days} d through ${m.window.through}${m.description ? `  ${m.description}` : ''}`,
  );

const ruleText = (r: RuleView) =>
  `${String(r.id).padStart(4)}  ${r.metric.padEnd(20)} ${r.kind} ${r.direction} ${r.value}${r.kind === 'change' ? ' %' : ''}  every ${r.everyMinutes} min, cool-down ${r.cooldownMinutes} min` +
  `  ${r.enabled ? r.state : 'disabled'}${r.webhook ? `  → ${r.webhook}` : ''}${r.lastError ? `  last error: ${r.lastError}` : ''}`;

const eventText = (e: AlertEventView) =>
  `${String(e.id).padStart(5)}  ${e.at}  ${e.metric.padEnd(20)} rule ${e.rule}  ${e.kind.padEnd(8)} ` +
  (e.kind === 'error'
    ? `${e.errorCode}: ${e.error}`
    : `value ${e.value}${e.previous !== null ? ` (previous ${e.previous})` : ''}  delivery ${e.delivery}${e.attempts ? ` after ${e.attempts}` : ''}`);

function printEvaluation(e: EvaluationView): void {
  const change = e.change === null ? '' : ` (${e.change >= 0 ? '+' : ''}${e.change.toFixed(1)} %)`;
  console.log(`${e.metric} v${e.version} ${e.period.from}…${e.period.to}: ${e.value}${e.previous !== null ? `, previous ${e.previous}${change}` : ''}`);
  for (const r of e.rules)
    console.log(`  rule ${r.rule}: ${r.holds ? 'holds' : 'does not hold'}${r.transition !== 'none' ? `, ${r.transition}d (event ${r.event})` : ''}`);
}

export function registerAlertCommands(program: Command, ctx: AlertsCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());

  const metrics = program.command('metrics').description("saved metrics: an analysis model's scalar over a window of days (docs/alerts.md)");
  const definition = (command: Command) =>
    command
      .requiredOption('--model <name>', 'the analysis model, e.g. event')
      .requiredOption('--scalar <name>', "the scalar of the model's result to watch, e.g. total")
      .option('--params <json>', 'the model parameters as JSON, or @file (without from and to)')
      .option('--event <name>', 'the event (parameter event)')
      .option('--granularity <g>', 'parameter granularity')
      .option('--segment <name>', 'restrict to a saved segment (parameter segment)')
      .option('--window-days <n>', 'days measured', '1')
      .addOption(new Option('--through <day>', 'the last day measured').choices(['today', 'yesterday']).default('yesterday'))
      .option('--description <text>');
  const input = (o: Record<string, string | undefined>) => ({
    model: o.model!,
    scalar: o.scalar!,
    params: paramsOf(o),
    window: { days: integer(o.windowDays, '--window-days')!, through: o.through as 'today' | 'yesterday' },
    ...(o.description !== undefined ? { description: o.description } : {}),
  });

  const path = (name: string) => `/v1/metrics/${encodeURIComponent(name)}`;
  definition(metrics.command('save <name>').description('save a metric (the model runs once to check it)')).action(async (name, o) => {
    const metric = { name, ...input(o) };
    const m = await ctx.withModels(
      (a) => a.saveMetric(metric, ctx.actor()),
      (api) => api.call<MetricView>('POST', '/v1/metrics', metric),
    );
    out(m, () => printMetric(m));
  });
  definition(metrics.command('change <name>').description("replace a metric's definition (a new version)")).action(async (name, o) => {
    const definition = input(o);
    const m = await ctx.withModels(
      (a) => a.changeMetric(name, definition, ctx.actor()),
      (api) => api.call<MetricView>('PUT', path(name), definition),
    );
    out(m, () => printMetric(m));
  });
  metrics.command('list').action(() =>
    ctx.withAlerts((a) => {
      const list = a.listMetrics();
      out(list, () => list.forEach(printMetric));
    }),
  );
  metrics.command('show <name>').action((name) =>
    ctx.withAlerts((a) => {
      const metric = a.getMetric(name);
      const rules = a.listRules(name);
      out({ metric, rules }, () => {
        printMetric(metric);
        console.log(JSON.stringify(metric.params, null, 2));
        for (const r of rules) console.log(ruleText(r));
      });
    }),
  );
  metrics
    .command('delete <name>')
    .description('delete a metric and its rules (the history stays)')
    .action((name) =>
      ctx.withAlerts((a) => {
        a.deleteMetric(name, ctx.actor());
        out({ deleted: name }, () => console.log(`Deleted metric ${name}`));
      }),
    );
  metrics
    .command('evaluate <name>')
    .description('measure the metric now and apply its enabled rules (firing and posting as the scheduler would)')
    .action(async (name) => {
      const e = await ctx.withModels(
        (a) => a.evaluate(name, ctx.actor()),
        (api) => api.call<EvaluationView>('POST', `${path(name)}/evaluate`),
      );
      out(e, () => printEvaluation(e));
    });

  const alerts = program.command('alerts').description('alert rules on saved metrics and the alert history (docs/alerts.md)');
  alerts
    .command('list')
    .option('--metric <name>')
    .action((o) =>
      ctx.withAlerts((a) => {
        const list = a.listRules(o.metric);
        out(list, () => list.forEach((r) => console.log(ruleText(r))));
      }),
    );
  alerts
    .command('add <metric>')
    .description('add an alert rule to a metric')
    .addOption(new Option('--kind <kind>').choices(['threshold', 'change']).makeOptionMandatory())
    .addOption(new Option('--direction <direction>', 'above, below, or either (change only)').choices(['above', 'below', 'either']).makeOptionMandatory())
    .requiredOption('--value <n>', 'the threshold, or the change in percent')
    .option('--every <minutes>', 'evaluation schedule', '60')
    .option('--cooldown <minutes>', 'quiet time after firing', '60')
    .option('--webhook <name>', 'a webhook named in alerts.webhooks (default: alerts.webhook)')
    .option('--disabled', 'add it switched off')
    .action((metric, o) =>
      ctx.withAlerts((a) => {
        const input: RuleInput = {
          kind: o.kind,
          direction: o.direction,
          value: number(o.value, '--value'),
          everyMinutes: integer(o.every, '--every'),
          cooldownMinutes: integer(o.cooldown, '--cooldown'),
          webhook: o.webhook ?? null,
          enabled: !o.disabled,
        };
        const r = a.addRule(metric, input, ctx.actor());
        out(r, () => console.log(ruleText(r)));
      }),
    );
  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    alerts.command(`${verb} <id>`).action((id) =>
      ctx.withAlerts((a) => {
        const r = a.changeRule(integer(id, '<id>')!, { enabled }, ctx.actor());
        out(r, () => console.log(ruleText(r)));
      }),
    );
  }
  alerts
    .command('remove <id>')
    .description('remove an alert rule (its history stays)')
    .action((id) =>
      ctx.withAlerts((a) => {
        a.removeRule(integer(id, '<id>')!, ctx.actor());
        out({ removed: Number(id) }, () => console.log(`Removed alert rule ${id}`));
      }),
    );
  alerts
    .command('history')
    .description('fired, resolved and failed evaluations, newest first, with each webhook delivery')
    .option('--metric <name>')
    .option('--rule <id>')
    .option('--limit <n>', 'most events shown', '50')
    .action((o) =>
      ctx.withAlerts((a) => {
        const list = a.history({ metric: o.metric, rule: integer(o.rule, '--rule'), limit: integer(o.limit, '--limit') });
        out(list, () => list.forEach((e) => console.log(eventText(e))));
      }),
    );
}
