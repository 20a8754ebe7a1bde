/**
 * `mofang node show` and `mofang peers add | list | update | remove`: this node's identity and
 * the partners it pins. They read the config file (and the certificate) only; changes open the
 * node afterwards just to write the audit entry.
 */
import type { Command } from 'commander';
import type { Actor } from '../api/services.js';
import type { MofangNode } from '../node.js';
import { printJson } from './format.js';

export interface NodeCommandContext {
  configFile(): string;
  withNode<T>(fn: (node: MofangNode) => Promise<T> | T): Promise<T>;
  json(): boolean;
  actor(): Actor;
}

export function registerNodeCommands(program: Command, ctx: NodeCommandContext): void {
  const audit = (action: string, subject: string, details: Record<string, unknown>) =>
    ctx.withNode((node) => node.audit.record({ actor: ctx.actor().id, action, subject, details }));

  program
    .command('node')
    .description('this node')
    .command('show')
    .description("this node's id (certificate fingerprint), name, listen addresses and version")
    .action(async () => {
      const [{ loadConfig }, { fingerprintOf }, { readFileSync }, { packageVersion }] = await Promise.all([
        import('../config/load.js'),
        import('../identity/identity.js'),
        import('node:fs'),
        import('../paths.js'),
      ]);
      const c = loadConfig(ctx.configFile());
      const nodeId = fingerprintOf(readFileSync(c.identity.certificate, 'utf8'));
      const view = {
        name: c.node.name,
        nodeId,
        fingerprint: nodeId,
        certificate: c.identity.certificate,
        grpcListen: c.grpc.listen,
        httpListen: c.http.listen,
        peers: c.peers.length,
        version: packageVersion(),
      };
      if (ctx.json()) return printJson(view);
      console.log(`Node ${view.name} (mofang ${view.version})`);
      console.log(`  node id:     ${nodeId} (its certificate fingerprint; partners pin it)`);
      console.log(`  certificate: ${view.certificate}`);
      console.log(`  gRPC:        ${view.grpcListen} (peers)\n  HTTP:        ${view.httpListen} (API)\n  peers:       ${view.peers} pinned`);
    });

  const peers = program.command('peers').description('pinned partner nodes');
  peers
    .command('add')
    .requiredOption('--name <name>')
    .requiredOption('--address <host:port>')
    .requiredOption('--certificate <file>', "the partner's certificate (PEM)")
    .requiredOption('--fingerprint <sha256:hex>', 'the fingerprint the partner told you over a second channel')
    .action(async (o) => {
      const { addPeer } = await import('../config/add-peer.js');
      const r = addPeer(ctx.configFile(), { name: o.name, address: o.address, certificateFile: o.certificate, fingerprint: o.fingerprint });
      await audit('peer.pinned', r.fingerprint, { name: o.name, address: o.address });
      console.log(`Pinned ${o.name} at ${o.address} (${r.fingerprint}). Restart the node to apply.`);
    });
  peers
    .command('update')
    .description("change a pinned peer's address and/or certificate")
    .requiredOption('--name <name>')
    .option('--address <host:port>', 'the new gRPC address')
    .option('--certificate <file>', "the partner's new certificate (PEM); needs --fingerprint")
    .option('--fingerprint <sha256:hex>', 'the new fingerprint, told over a second channel')
    .action(async (o) => {
      const { updatePeer } = await import('../config/add-peer.js');
      const { before, after } = updatePeer(ctx.configFile(), { name: o.name, address: o.address, certificateFile: o.certificate, fingerprint: o.fingerprint });
      await audit('peer.updated', after.fingerprint, {
        name: o.name,
        address: after.address,
        previousAddress: before.address,
        ...(before.fingerprint !== after.fingerprint ? { previousFingerprint: before.fingerprint } : {}),
      });
      if (ctx.json()) return printJson(after);
      console.log(`Updated ${o.name}: ${after.address} (${after.fingerprint}). Restart the node to apply.`);
    });
  peers
    .command('remove')
    .description('unpin a peer: the node stops accepting it and talking to it after a restart')
    .requiredOption('--name <name>')
    .action(async (o) => {
      const { removePeer } = await import('../config/add-peer.js');
      const { removed } = removePeer(ctx.configFile(), o.name);
      await audit('peer.removed', removed.fingerprint, { name: removed.name, address: removed.address });
      console.log(`Removed ${removed.name} (${removed.fingerprint}). Restart the node to apply.`);
    });
  peers.command('list').action(async () => {
    const { loadConfig } = await import('../config/load.js');
    const c = loadConfig(ctx.configFile());
    if (ctx.json()) return printJson(c.peers);
    if (c.peers.length === 0) {
      console.log('no peers pinned; add one with mofang peers add --name <name> --address <host:port> --certificate <file> --fingerprint <sha256:…>');
      return;
    }
    for (const p of c.peers) console.log(`${p.name.padEnd(12)} ${p.address.padEnd(22)} ${p.fingerprint}`);
  });
}
