/**
 * `mofang plan show | apply | pause | resume | history`: the tracking plan, on the node's database
 * directly (the same service as the HTTP API), audited as `cli:<operator>`. `apply` declares the
 * whole plan from a YAML or JSON file; applying the same content again makes no version.
 */
import type { Command } from 'commander';
import type { Actor } from '../api/services.js';
import { MofangError } from '../errors.js';
import type { PropertySpec } from '../events/plan/model.js';
import type { CurrentPlan, TrackingPlanApi } from '../events/plan/service.js';
import type { PlanChange, PlanVersion } from '../events/plan/store.js';
import type { MofangNode } from '../node.js';
import { argText } from './args.js';
import { printJson } from './format.js';

export interface TrackingPlanCommandContext {
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

function specText(spec: PropertySpec): string {
  const rules: string[] = [spec.required ? 'required' : 'optional'];
  if (spec.type === 'string') rules.push(`max ${spec.maxLength} chars`);
  if (spec.type === 'number' && spec.min !== undefined) rules.push(`min ${spec.min}`);
  if (spec.type === 'number' && spec.max !== undefined) rules.push(`max ${spec.max}`);
  if (spec.type === 'enum') rules.push(spec.values.join(' | '));
  return `${spec.type.padEnd(8)} ${rules.join(', ')}`;
}

function printPlan(v: PlanVersion & Partial<Pick<CurrentPlan, 'paused'>>): void {
  console.log(`Tracking plan v${v.version}${v.createdAt ? ` (${v.createdAt}, ${v.actor})` : ''}; undeclared events and properties: ${v.plan.undeclared}`);
  for (const [name, event] of Object.entries(v.plan.events)) {
    const notes = [
      v.paused?.includes(name) ? 'PAUSED' : null,
      event.retentionDays === undefined ? null : `kept ${event.retentionDays} d`,
      event.undeclared === undefined ? null : `undeclared properties: ${event.undeclared}`,
    ].filter((n) => n !== null);
    console.log(`${name}${notes.length > 0 ? `  (${notes.join('; ')})` : ''}`);
    for (const [property, spec] of Object.entries(event.properties)) console.log(`  ${property.padEnd(24)} ${specText(spec)}`);
  }
}

function changeText(c: PlanChange): string {
  const parts = [
    ...c.added.map((n) => `+${n}`),
    ...c.modified.map((n) => `~${n}`),
    ...c.removed.map((n) => `-${n}`),
    ...(c.undeclared ? [`undeclared ${c.undeclared.from} → ${c.undeclared.to}`] : []),
  ];
  return parts.join(' ');
}

/** The plan in a YAML or JSON file (by its extension; YAML otherwise, which also reads JSON). */
async function planFile(file: string): Promise<unknown> {
  const text = argText(`@${file}`, 'file');
  try {
    if (file.endsWith('.json')) return JSON.parse(text);
    const { parse } = await import('yaml');
    return parse(text);
  } catch (err) {
    // The parser's message names the line and column, never more than a snippet of the plan.
    const why = err instanceof Error ? err.message.split('\n')[0] : 'unreadable';
    throw new MofangError('TRACKING_PLAN_INVALID', `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${why}`, { field: 'file' });
  }
}

function versionArg(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new MofangError('REQUEST_INVALID', 'version: must be a whole number from 0', { field: 'version' });
  return n;
}

export function registerTrackingPlanCommands(program: Command, ctx: TrackingPlanCommandContext): void {
  const withPlan = <T>(fn: (plan: TrackingPlanApi) => T) => ctx.withNode((node) => fn(node.trackingPlan));
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());

  const plan = program.command('plan').description('the tracking plan: which events the node accepts, their typed properties, pause and resume');
  // `show [version]`, not `--version`: the program's own --version (the package version) takes that flag anywhere.
  plan
    .command('show [version]')
    .description('the current plan, or the version given (e.g. `plan show 3`), with the paused events')
    .action((version: string | undefined) =>
      withPlan((p) => {
        const v = version === undefined ? p.current() : p.version(versionArg(version));
        out(v, () => printPlan(v));
      }),
    );
  plan
    .command('apply <file>')
    .description('declare the whole plan from a YAML or JSON file (the same content again: no new version)')
    .action(async (file: string) => {
      const content = await planFile(file);
      await withPlan((p) => {
        const r = p.apply(content, ctx.actor());
        out(r, () => console.log(r.changed ? `Tracking plan is now v${r.version}` : `Tracking plan unchanged at v${r.version}`));
      });
    });
  for (const action of ['pause', 'resume'] as const) {
    plan
      .command(`${action} <event>`)
      .description(action === 'pause' ? 'pause an event: its events are counted and dropped' : 'resume a paused event')
      .action((event: string) =>
        withPlan((p) => {
          const r = p[action](event, ctx.actor());
          out(r, () => console.log(`${event} ${r.changed ? 'is now' : 'was already'} ${r.paused ? 'paused' : 'running'}`));
        }),
      );
  }
  plan
    .command('history')
    .description('every version, newest first: what changed, who, when')
    .action(() =>
      withPlan((p) => {
        const versions = p.history();
        out(versions, () => {
          for (const v of versions) console.log(`v${String(v.version).padEnd(4)} ${v.createdAt}  ${v.actor.padEnd(20)} ${changeText(v.change)}`);
        });
      }),
    );
  plan
    .command('paused')
    .description('events ever paused: paused now or not, and how many were dropped while paused')
    .action(() =>
      withPlan((p) => {
        const counts = p.pausedCounts();
        out(counts, () => {
          for (const c of counts) console.log(`${c.event.padEnd(32)} ${c.paused ? 'paused ' : 'running'} ${String(c.dropped).padStart(12)} dropped`);
        });
      }),
    );
}
