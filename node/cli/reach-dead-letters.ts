/**
 * `mofang reach …`: the dead letters of the reach dispatcher — list them (by channel and journey,
 * paged; never the customer) and re-drive them, one by key, by filter or all (docs/reach.md, Dead
 * letters). A re-drive is audited like the API's, with the count.
 */
import type { Command } from 'commander';
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import { CHANNELS, type Channel } from '../journeys/channels.js';
import type { DeadLetterFilter } from '../journeys/outbox.js';
import type { DeadLettersApi } from '../reach/dead-letters.js';
import { integer } from './args.js';
import { printJson } from './format.js';

export interface DeadLetterCliContext {
  /** Opens the node for one command and closes it after. */
  withDeadLetters<T>(fn: (api: DeadLettersApi) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

interface FilterOptions {
  channel?: string;
  journey?: string;
}

function filterOf(o: FilterOptions): DeadLetterFilter {
  if (o.channel !== undefined && !(CHANNELS as readonly string[]).includes(o.channel)) {
    throw new MofangError('REQUEST_INVALID', `--channel: expected one of ${CHANNELS.join(', ')}, got "${o.channel.slice(0, 32)}"`, { field: '--channel' });
  }
  const journeyId = integer(o.journey, '--journey');
  return { ...(o.channel ? { channel: o.channel as Channel } : {}), ...(journeyId === undefined ? {} : { journeyId }) };
}

/** Adds `dead-letters` and `redrive` under `mofang reach` (created here if the reports' commands have not made it). */
export function registerDeadLetterCommands(program: Command, ctx: DeadLetterCliContext): void {
  const reach = program.commands.find((c) => c.name() === 'reach') ?? program.command('reach');

  reach
    .command('dead-letters')
    .description('dead messages, newest first: key, journey, node, channel, why (never the customer)')
    .option('--channel <channel>', `only this channel (${CHANNELS.join(', ')})`)
    .option('--journey <id>', 'only this journey')
    .option('--limit <n>', 'at most this many', '100')
    .option('--offset <n>', 'skip this many', '0')
    .action((o: FilterOptions & { limit: string; offset: string }) =>
      ctx.withDeadLetters((api) => {
        const page = api.list(filterOf(o), { limit: integer(o.limit, '--limit')!, offset: integer(o.offset, '--offset')! });
        if (ctx.json()) return printJson({ total: page.total, deadLetters: page.items });
        for (const d of page.items)
          console.log(`${d.idempotencyKey}  journey ${d.journeyId} v${d.journeyVersion}  ${d.nodeId}  ${d.channel}  ${d.diedAt}  ${d.reason}`);
        console.log(`${page.items.length} of ${page.total} dead message${page.total === 1 ? '' : 's'}`);
      }),
    );

  reach
    .command('redrive [key]')
    .description('send dead messages again (back to pending, attempts reset): one by key, by --channel/--journey, or --all')
    .option('--channel <channel>', 'every dead message on this channel')
    .option('--journey <id>', 'every dead message of this journey')
    .option('--all', 'every dead message')
    .action((key: string | undefined, o: FilterOptions & { all?: boolean }) =>
      ctx.withDeadLetters((api) => {
        const r = api.redrive({ ...filterOf(o), ...(key ? { idempotencyKey: key } : {}), ...(o.all ? { all: true } : {}) }, ctx.actor());
        if (ctx.json()) return printJson(r);
        console.log(`${r.redriven} message${r.redriven === 1 ? '' : 's'} re-driven`);
      }),
    );
}
