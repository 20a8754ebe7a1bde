/**
 * `mofang token create | list | revoke`: API tokens, administered on the node's files directly
 * (the same code as the admin API, `node/api/token-admin.ts`), audited as `cli:<operator>`.
 */
import { Option, type Command } from 'commander';
import type { Actor, Role } from '../api/services.js';
import type { TokenAdmin, TokenView } from '../api/token-admin.js';
import { MofangError } from '../errors.js';
import type { MofangNode } from '../node.js';
import { parseExpiry, printJson } from './format.js';

export interface TokenCommandContext {
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

function printToken(t: TokenView): void {
  const when =
    t.status === 'revoked' ? `revoked ${t.revokedAt}` : t.expiresAt ? `${t.status === 'expired' ? 'expired' : 'expires'} ${t.expiresAt}` : 'no expiry';
  console.log(`${t.id.padEnd(16)} ${t.role.padEnd(10)} ${t.status.padEnd(8)} ${(t.unit ?? '-').padEnd(8)} last used ${t.lastUsedAt ?? 'never'}  ${when}`);
}

export function registerTokenCommands(program: Command, ctx: TokenCommandContext): void {
  const withAdmin = <T>(fn: (admin: TokenAdmin, node: MofangNode) => T) =>
    ctx.withNode(async (node) => {
      const { tokenAdmin } = await import('../api/token-admin.js');
      return fn(
        tokenAdmin(node.config.http.tokens, (e) => node.audit.record(e)),
        node,
      );
    });

  const token = program.command('token').description('API tokens: create (printed once), list, revoke');
  token
    .command('create')
    .option('--name <name>', 'who holds the token, e.g. ops-1 (audited as token:<name>)')
    .option('--id <name>', 'same as --name')
    .addOption(new Option('--role <role>').choices(['admin', 'operator', 'compliance', 'ingest', 'app']).makeOptionMandatory())
    .option('--expires <when>', 'refuse the token after this: a duration like 30d or 12h, or an ISO date-time')
    .option(
      '--unit <unit>',
      'organisation unit whose customers the token may see in insight, and whose branch tasks it works (default: the whole organisation)',
    )
    .action((o) => {
      const name = o.name ?? o.id;
      if (!name) throw new MofangError('REQUEST_INVALID', '--name: required (who holds the token, e.g. ops-1)', { field: '--name' });
      const expiresAt = o.expires === undefined ? undefined : parseExpiry(o.expires, new Date(), '--expires', 'REQUEST_INVALID');
      return withAdmin((admin, node) => {
        if (o.unit !== undefined) node.insight.actingUnit({ id: ctx.actor().id }, o.unit);
        const r = admin.create({ id: name, role: o.role as Role, unit: o.unit, expiresAt }, ctx.actor());
        if (ctx.json()) return printJson({ token: r.token, info: r.view });
        console.log(r.token);
      });
    });
  token
    .command('list')
    .description('tokens with role, status, expiry and last use (never the tokens or their hashes)')
    .action(() =>
      withAdmin((admin) => {
        const list = admin.list();
        if (ctx.json()) return printJson(list);
        if (list.length === 0) console.log('no tokens; create one with mofang token create --name <name> --role <role>');
        for (const t of list) printToken(t);
      }),
    );
  token
    .command('revoke <name>')
    .description('refuse the token from now on (401 "revoked"); a running node notices without restart')
    .action((name) =>
      withAdmin((admin) => {
        const t = admin.revoke(name, ctx.actor());
        if (ctx.json()) return printJson(t);
        console.log(`Revoked ${t.id} (${t.role}) at ${t.revokedAt}.`);
      }),
    );
}
