/**
 * `mofang calls …` and `mofang tasks …`: the call centre's lists and the branch tasks from the
 * command line (docs/reach.md, The node-kept channels), acting as the operator like the HTTP API.
 * `calls export` writes a file of customer ids and phone numbers: owner-only, and audited.
 */
import type { Command } from 'commander';
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import type { CallView } from '../reach/calls/calls.js';
import type { LocalChannelsApi } from '../reach/local-channels.js';
import type { TaskStatus, TaskView } from '../reach/tasks/tasks.js';
import { printJson } from './format.js';

export interface LocalChannelsCliContext {
  /** Opens the node for one command and closes it after. */
  withLocalChannels<T>(fn: (local: LocalChannelsApi) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

const int = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value)) throw new MofangError('REQUEST_INVALID', `${name}: expected a whole number, got "${value.slice(0, 32)}"`, { field: name });
  return Number(value);
};
const amount = (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n))
    throw new MofangError('REQUEST_INVALID', `--value: expected a number, got "${value.slice(0, 32)}"`, { field: '--value' });
  return n;
};

export function registerLocalChannelCommands(program: Command, ctx: LocalChannelsCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());
  const callLine = (c: CallView) =>
    `${String(c.id).padStart(6)}  ${c.status.padEnd(7)} p${c.priority}  ${c.customer.dataset}/${c.customer.customerId}  ${c.phone ?? '-'}  ${c.outcome ?? ''}`;
  const taskLine = (t: TaskView) =>
    `${String(t.id).padStart(6)}  ${t.status.padEnd(11)} due ${t.dueOn}${t.overdue ? ' OVERDUE' : ''}  ${t.unit ?? '(organisation)'}${t.unitFallback ? '*' : ''}  ${t.assignee ?? '-'}  ${t.outcome ?? ''}`;

  const calls = program.command('calls').description('outbound-call lists: journeys put customers on them, the call centre works them (docs/reach.md)');

  calls
    .command('lists')
    .description('the call lists with their open, claimed and done calls')
    .action(() =>
      ctx.withLocalChannels((local) => {
        const lists = local.calls.lists();
        out({ lists }, () => {
          for (const l of lists) console.log(`${l.list.padEnd(32)} open ${l.open}  claimed ${l.claimed}  done ${l.done}`);
        });
      }),
    );

  calls
    .command('list <list>')
    .description("a list's calls, by id")
    .option('--status <status>', 'open, claimed or done')
    .option('--limit <n>', 'calls per page (1–500)', int('--limit'))
    .option('--after <id>', "the previous page's last id", int('--after'))
    .action((list: string, o: { status?: 'open'; limit?: number; after?: number }) =>
      ctx.withLocalChannels((local) => {
        const page = local.calls.list({ list, ...o });
        out(page, () => {
          for (const c of page.calls) console.log(callLine(c));
          if (page.nextAfter !== null) console.log(`more: --after ${page.nextAfter}`);
        });
      }),
    );

  calls
    .command('claim <list>')
    .description("claim the list's next open calls for an agent")
    .requiredOption('--agent <agent>', "the agent's id")
    .option('--limit <n>', 'calls to claim (default 10)', int('--limit'))
    .action((list: string, o: { agent: string; limit?: number }) =>
      ctx.withLocalChannels((local) => {
        const r = local.calls.claim({ list, ...o }, ctx.actor());
        out(r, () => {
          for (const c of r.calls) console.log(callLine(c));
        });
      }),
    );

  calls
    .command('outcome <id> <outcome>')
    .description('record how a claimed call went: reached, interested, not_interested, callback, no_answer, busy, voicemail, wrong_number')
    .requiredOption('--agent <agent>', 'the agent holding the claim')
    .option('--value <amount>', "the deal's value", amount)
    .action((id: string, outcome: string, o: { agent: string; value?: number }) =>
      ctx.withLocalChannels(async (local) => {
        const c = await local.calls.outcome(int('id')(id), { outcome, ...o }, ctx.actor());
        out(c, () => console.log(callLine(c)));
      }),
    );

  calls
    .command('export <list>')
    .description('the list as CSV (customer ids, and phone numbers when reach.channels.call.contactColumn is set); audited')
    .option('--status <status>', 'open, claimed or done')
    .option('--out <file>', 'write to this file (mode 0600) instead of standard output')
    .action((list: string, o: { status?: 'open'; out?: string }) =>
      ctx.withLocalChannels((local) => {
        const r = local.calls.exportCsv({ list, ...(o.status ? { status: o.status } : {}) }, ctx.actor());
        if (!o.out) return void process.stdout.write(r.csv);
        writeFileAtomic(o.out, r.csv, { mode: 0o600 });
        out({ file: o.out, rows: r.rows }, () => console.log(`${o.out}: ${r.rows} call${r.rows === 1 ? '' : 's'}`));
      }),
    );

  const tasks = program.command('tasks').description("branch staff tasks: journeys assign them to the customer's unit (docs/reach.md)");

  tasks
    .command('list')
    .description('tasks by id; * after the unit: the customer had none and the head office got it')
    .option('--status <status>', 'open, in_progress, done or cancelled')
    .option('--overdue', 'only tasks not closed and past their due day')
    .option('--assignee <id>', "a relationship manager's id")
    .option('--unit <unit>', "only this unit's scope")
    .option('--limit <n>', 'tasks per page (1–500)', int('--limit'))
    .option('--after <id>', "the previous page's last id", int('--after'))
    .action((o: { status?: TaskStatus; overdue?: boolean; assignee?: string; unit?: string; limit?: number; after?: number }) =>
      ctx.withLocalChannels((local) => {
        const page = local.tasks.list(o, ctx.actor());
        out(page, () => {
          for (const t of page.tasks) console.log(taskLine(t));
          if (page.nextAfter !== null) console.log(`more: --after ${page.nextAfter}`);
        });
      }),
    );

  tasks
    .command('update <id>')
    .description('move a task on and/or (re)assign it')
    .option('--status <status>', 'open, in_progress, done or cancelled')
    .option('--assignee <id>', "a relationship manager's id ('' unassigns)")
    .action((id: string, o: { status?: TaskStatus; assignee?: string }) =>
      ctx.withLocalChannels((local) => {
        const input = { ...(o.status ? { status: o.status } : {}), ...(o.assignee !== undefined ? { assignee: o.assignee === '' ? null : o.assignee } : {}) };
        const t = local.tasks.update(int('id')(id), input, ctx.actor());
        out(t, () => console.log(taskLine(t)));
      }),
    );

  tasks
    .command('outcome <id> <outcome>')
    .description('close a task with its outcome (a short code: interested, no_answer, sold …)')
    .option('--value <amount>', "the deal's value", amount)
    .action((id: string, outcome: string, o: { value?: number }) =>
      ctx.withLocalChannels(async (local) => {
        const t = await local.tasks.outcome(int('id')(id), { outcome, ...o }, ctx.actor());
        out(t, () => console.log(taskLine(t)));
      }),
    );
}
