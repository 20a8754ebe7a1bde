/**
 * A start that fails after the servers are bound (here: the audit log refuses the start entry
 * because its head anchor was tampered with) closes both servers again: no half-started node.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { initNode } from '../node/init.js';
import { MofangNode } from '../node/node.js';
import { freePort } from '../node/net/free-port.js';
import { packageRoot } from '../node/paths.js';
import { startNode } from '../node/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-rollback-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

it('a failure after binding closes the gRPC and HTTP servers again', async () => {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const init = await initNode({
    dir: join(dir, 'bank'),
    name: 'bank',
    template: join(packageRoot(), 'config', 'bank.yaml'),
    grpcListen: `127.0.0.1:${grpcPort}`,
    httpListen: `127.0.0.1:${httpPort}`,
  });
  const node = MofangNode.open(init.configFile, { quietLogs: true });
  try {
    writeFileSync(node.auditHeadFile, '{"forged": true}\n', { mode: 0o600 });
    await expect(startNode(node)).rejects.toMatchObject({ code: 'AUDIT_TAMPERED' });
    expect(await listening(grpcPort)).toBe(false);
    expect(await listening(httpPort)).toBe(false);
  } finally {
    node.close();
  }
});
