/**
 * `mofang consent …`: record a customer's opt-in or opt-out on a channel, show a customer's
 * consent on every channel, and import a CSV of them (docs/frequency.md, Consent). Identifiers are
 * normalised like the dataset's and never printed back in full; changes are audited like API
 * calls, with counts only.
 */
import type { Command } from 'commander';
import type { Actor } from '../audit/actor.js';
import type { ConsentApi, ConsentSetResult } from '../journeys/frequency/consent.js';
import { printJson } from './format.js';

export interface ConsentCliContext {
  /** Opens the node for one command and closes it after. */
  withConsent<T>(fn: (consent: ConsentApi) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

export function registerConsentCommands(program: Command, ctx: ConsentCliContext): void {
  const out = (value: unknown, human: () => void) => (ctx.json() ? printJson(value) : human());
  const written = (r: ConsentSetResult) => `${r.dataset}: ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'} recorded, ${r.changed} changed`;

  const consent = program.command('consent').description("customers' channel consent: opt-ins and opt-outs that frequency control applies (docs/frequency.md)");

  consent
    .command('set <dataset> <customerId> <channel> <status>')
    .description('record that a customer opted in (opted_in) or out (opted_out) of a channel')
    .option('--source <source>', 'where the customer said so, e.g. branch-form', 'cli')
    .action((dataset: string, customerId: string, channel: string, status: string, o: { source: string }) =>
      ctx.withConsent((api) => {
        const r = api.set({ dataset, source: o.source, entries: [{ customerId, channel, status }] }, ctx.actor());
        out(r, () => console.log(written(r)));
      }),
    );

  consent
    .command('show <dataset> <customerId>')
    .description("a customer's consent on every channel, with the channel's model (opt_out: sent unless opted out; opt_in: only if opted in)")
    .action((dataset: string, customerId: string) =>
      ctx.withConsent((api) => {
        const view = api.show(dataset, customerId, ctx.actor());
        out(view, () => {
          for (const c of view.channels) {
            const status = c.status ? `${c.status.padEnd(10)} ${c.source}  ${c.updatedAt}  ${c.updatedBy}` : '(none recorded)';
            console.log(`${c.channel.padEnd(12)} ${c.model.padEnd(8)} ${status}`);
          }
        });
      }),
    );

  consent
    .command('import <file>')
    .description('import a CSV with columns customer_id, channel, status and optionally source; all rows or none')
    .requiredOption('--dataset <dataset>', 'the dataset whose customer ids these are')
    .option('--source <source>', "the rows' source where the file has none", 'import')
    .action((file: string, o: { dataset: string; source: string }) =>
      ctx.withConsent(async (api) => {
        const r = await api.importFile({ dataset: o.dataset, file, source: o.source }, ctx.actor());
        out(r, () => console.log(written(r)));
      }),
    );
}
