/**
 * `mofang events import <file>`: historical events from a CSV or JSONL file into this node's event
 * store, with the checks of `POST /v1/events`. A running node holds the store: the file then goes
 * to it (`POST /v1/events/import`, via-node.ts) and is imported there the same way.
 */
import { type Command, Option } from 'commander';
import type { Actor } from '../audit/actor.js';
import { MofangError } from '../errors.js';
import type { EventImportReport } from '../events/ingest/import.js';
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

const CONTENT_TYPES = { csv: 'text/csv', jsonl: 'application/x-ndjson' } as const;

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
        const [{ progressReporter }, { onEventStore }, { eventFileFormat }] = await Promise.all([
          import('../datasets/progress.js'),
          import('./via-node.js'),
          import('../events/ingest/import.js'),
        ]);
        const progress = progressReporter({ label: 'events import' });
        let report: EventImportReport;
        try {
          report = await onEventStore(node, ctx.actor(), {
            here: () =>
              node.events.importFile(
                file,
                { format: o.format, atomic: o.atomic, maxAgeDays: o.maxAgeDays, batchSize: o.batchSize, onProgress: progress.update },
                ctx.actor(),
              ),
            viaNode: (api) => {
              const format = eventFileFormat(file, o.format);
              const query = new URLSearchParams({ batchSize: String(o.batchSize), name: file });
              if (o.atomic) query.set('atomic', 'true');
              if (o.maxAgeDays !== undefined) query.set('maxAgeDays', String(o.maxAgeDays));
              return api.upload<EventImportReport>(`/v1/events/import?${query}`, file, CONTENT_TYPES[format], (sent) =>
                progress.update({ rowsRead: sent.lines, bytesRead: sent.bytes, totalBytes: sent.total }),
              );
            },
          });
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
