/**
 * A node closed and opened again on the same directory in one process (what the tests and an
 * embedding host do) gets its event store back intact: close releases DuckDB at once instead of
 * on a later tick, which raced the new open for the WAL. A second stop waits for the first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { initNode } from '../node/init.js';
import { MofangNode } from '../node/node.js';
import { freePort } from '../node/net/free-port.js';
import { packageRoot } from '../node/paths.js';
import { startNode } from '../node/runtime.js';
import { admin } from './support/two-nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-reopen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('close then open at once, five times over, keeps every event; stop twice records one stop', async () => {
  const init = await initNode({
    dir: join(dir, 'bank'),
    name: 'bank',
    template: join(packageRoot(), 'config', 'bank.yaml'),
    grpcListen: `127.0.0.1:${await freePort()}`,
    httpListen: `127.0.0.1:${await freePort()}`,
  });
  let node = MofangNode.open(init.configFile, { quietLogs: true });
  node.trackingPlan.apply({ undeclared: 'reject', events: { 'app.opened': { properties: {} } } }, admin);
  try {
    for (let round = 1; round <= 5; round++) {
      const running = await startNode(node);
      const report = await node.pipeline.ingest.ingest(
        [{ eventId: `e-${round}`, customerId: '13800000001', name: 'app.opened', time: new Date().toISOString(), properties: {} }],
        admin,
      );
      expect(report.accepted).toBe(1);
      await Promise.all([running.stop(), running.stop()]);
      node.close();
      node = MofangNode.open(init.configFile, { quietLogs: true });
      const rows = await (await node.pipeline.eventStore()).all('SELECT count(*)::INTEGER AS n FROM events');
      expect(rows[0]!.n).toBe(round);
    }
    expect(node.audit.list({ limit: 1000, action: 'node.stopped' })).toHaveLength(5);
  } finally {
    node.close();
  }
});
