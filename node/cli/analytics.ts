/**
 * `mofang analytics [model]`: runs an analysis model on this node's events and prints a table
 * (or the API's JSON with `--json`). Parameters are the API's, as JSON inline or `@file`, and
 * the common ones have flags that override them. Without a model, lists the models. While the node
 * runs (it holds the event store) the model runs there, through its API (via-node.ts).
 */
import type { Command } from 'commander';
import type { AnalyticsRun } from '../analytics/service.js';
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import type { MofangNode } from '../node.js';
import { argText } from './args.js';
import { printJson, printTable } from './format.js';
import { ANALYTICS_TABLES } from './analytics-tables.js';

export interface AnalyticsCliContext {
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

/** Flags that set a top-level parameter of the same name. */
const FLAGS = ['event', 'from', 'to', 'granularity', 'segment'] as const;

export function paramsOf(o: Record<string, string | undefined>): Record<string, unknown> {
  let params: Record<string, unknown> = {};
  if (o.params !== undefined) {
    const text = argText(o.params, '--params');
    try {
      params = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new MofangError('ANALYTICS_PARAMS_INVALID', '--params: not valid JSON (give JSON inline or @file)', { field: '--params' });
    }
    if (params === null || typeof params !== 'object' || Array.isArray(params)) {
      throw new MofangError('ANALYTICS_PARAMS_INVALID', '--params: must be a JSON object', { field: '--params' });
    }
  }
  for (const flag of FLAGS) if (o[flag] !== undefined) params[flag] = o[flag];
  return params;
}

function printRun(run: AnalyticsRun): void {
  const table = ANALYTICS_TABLES[run.model];
  if (table) {
    for (const [i, t] of table(run.result).entries()) {
      if (i > 0) console.log('');
      if (t.title) console.log(t.title);
      printTable(t.header, t.rows);
    }
  } else {
    printJson(run.result);
  }
  console.log(`\n${run.model} in ${run.tookMs} ms`);
}

export function registerAnalyticsCommands(program: Command, ctx: AnalyticsCliContext): void {
  program
    .command('analytics [model]')
    .description('run an analysis model on the events (docs/analytics.md); without a model, list them')
    .option('--params <json>', 'the parameters as JSON, or @file')
    .option('--event <name>', 'the event (parameter event)')
    .option('--from <date>', 'first day, YYYY-MM-DD (parameter from)')
    .option('--to <date>', 'last day, YYYY-MM-DD (parameter to)')
    .option('--granularity <g>', 'day, week or month (parameter granularity)')
    .option('--segment <name>', "restrict to a saved segment's members (parameter segment)")
    .action((model: string | undefined, o: Record<string, string | undefined>) =>
      ctx.withNode(async (node) => {
        if (model === undefined) {
          const models = node.analytics.models();
          if (ctx.json()) printJson(models);
          else for (const m of models) console.log(`${m.name.padEnd(14)} ${m.summary}`);
          return;
        }
        const params = paramsOf(o);
        const [{ onEventStore }, { checkAnalyticsParams }] = await Promise.all([import('./via-node.js'), import('../analytics/service.js')]);
        // Checked here as on the store itself, so the node's schema check never answers with other words.
        checkAnalyticsParams(model, params);
        const actor: Actor = { ...ctx.actor(), role: 'operator' };
        const run = await onEventStore(node, actor, {
          here: () => node.analytics.run(model, params, actor),
          viaNode: (api) => api.call<AnalyticsRun>('POST', `/v1/analytics/${encodeURIComponent(model)}`, params),
        });
        if (ctx.json()) {
          const [{ MODELS }, { analyticsRunSchema }, { inSchemaOrder }] = await Promise.all([
            import('../analytics/models.js'),
            import('../api/routes/analytics.js'),
            import('./schema-order.js'),
          ]);
          const model = MODELS.get(run.model);
          printJson(model ? inSchemaOrder(analyticsRunSchema(model), run) : run);
        } else printRun(run);
      }),
    );
}
