/**
 * `mofang events import <file>`: historical events from a CSV or JSONL file into this node's event
 * store, with the checks of `POST /v1/events`. A running node holds the store: the command then
 * says to send the events to it over HTTP instead.
 */
import { type Command, Option } from 'commander';
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import type { MofangNode } from '../node.js';
import { printJson } from './format.js';

export interface EventsCliContext {
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

const positive = (option: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new MofangError('REQUEST_INVALID', `${option}: must be a whole number of at least 1`, { field: option });
  return n;
};

export function registerEventCommands(program: Command, ctx: EventsCliContext): void {
  const events = program.command('events').description('customer events: import historical events (live events arrive through POST /v1/events)');
  events
    .command('import <file>')
    .description('import events from a CSV or JSONL file (docs/events.md, Import); re-running stores nothing twice')
    .addOption(new Option('--format <format>').choices(['csv', 'jsonl']))
    .option('--atomic', 'store nothing if any row is rejected (the file is checked whole first)')
    .option('--max-age-days <days>', 'accept events up to this many days old for this import (default: events.maxAgeDays)', positive('--max-age-days'))
    .option('--batch-size <n>', 'events per stored batch', positive('--batch-size'), 1000)
    .action((file: string, o: { format?: 'csv' | 'jsonl'; atomic?: boolean; maxAgeDays?: number; batchSize: number }) =>
      ctx.withNode(async (node) => {
        // Loaded here: cli-progress is for this command only, not for every `mofang` start-up.
        const { progressReporter } = await import('../datasets/progress.js');
        const progress = progressReporter({ label: 'events import' });
        let report: Awaited<ReturnType<typeof node.events.importFile>>;
        try {
          report = await node.events.importFile(
            file,
            { format: o.format, atomic: o.atomic, maxAgeDays: o.maxAgeDays, batchSize: o.batchSize, onProgress: progress.update },
            ctx.actor(),
          );
        } catch (err) {
          if (err instanceof MofangError && err.code === 'EVENT_STORE_BUSY') {
            throw new MofangError(
              'EVENT_STORE_BUSY',
              'the node is running and holds the event store: send the events to its POST /v1/events, or stop it to import',
              err.details,
            );
          }
          throw err;
        } finally {
          progress.done();
        }
        if (ctx.json()) return printJson(report);
        console.log(
          `${file}: ${report.rows} rows — ${report.accepted} stored, ${report.duplicates} already stored, ${report.quarantined} quarantined, ${report.paused} paused, ${report.rejected} rejected`,
        );
        for (const r of report.firstRejected) console.log(`  line ${r.line}: ${r.field}: ${r.reason}`);
        if (report.rejected > report.firstRejected.length) console.log(`  … and ${report.rejected - report.firstRejected.length} more rejected rows`);
      }),
    );
}
