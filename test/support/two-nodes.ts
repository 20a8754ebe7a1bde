/**
 * Two real nodes for integration tests: separate directories, identities, SQLite files and
 * configs (from config/bank.yaml and config/partner.yaml), pinned to each other, serving gRPC
 * with mutual TLS and HTTP on loopback, with small synthetic datasets imported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Actor, AggregateProposal } from '../../node/api/services.js';
import { addPeer } from '../../node/config/add-peer.js';
import { initNode, type InitResult } from '../../node/init.js';
import { MofangNode } from '../../node/node.js';
import { packageRoot } from '../../node/paths.js';
import { freePort } from '../../node/net/free-port.js';

export { freePort };
import { startNode, type RunningNode } from '../../node/runtime.js';
import { writeSyntheticPair } from '../../node/demo/synthetic.js';
import { permitWeakTerms, setPolicy, TEST_QUERIES_PER_DAY } from './policy.js';

export const admin: Actor = { id: 'test:admin', role: 'admin' };
export const operator: Actor = { id: 'test:operator', role: 'operator' };

/** A clock the test can move; both nodes read it for agreement expiry. */
class TestClock {
  offsetMs = 0;
  now = (): Date => new Date(Date.now() + this.offsetMs);
}

export interface TwoNodes {
  dir: string;
  clock: TestClock;
  bank: MofangNode;
  telco: MofangNode;
  bankInit: InitResult;
  telcoInit: InitResult;
  running: { bank: RunningNode; telco: RunningNode };
  data: { bankFile: string; partnerFile: string; expectedOverlap: number };
  stop(): Promise<void>;
}

/**
 * `policy: 'default'` keeps the safe default floors of a fresh config; the other tests use
 * PERMISSIVE_POLICY, for their small sets and many queries.
 */
export async function startTwoNodes(
  sizes = { bankRows: 1500, partnerRows: 800, overlap: 300 },
  policy: 'permissive' | 'default' = 'permissive',
  /** Policy keys set in the telco's config on top of `policy` (e.g. its re-import cap). */
  telcoPolicy: Record<string, number | boolean> = {},
): Promise<TwoNodes> {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-it-'));
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const config = (f: string) => join(packageRoot(), 'config', f);
  const bankInit = await initNode({
    dir: join(dir, 'bank'),
    name: 'bank',
    template: config('bank.yaml'),
    grpcListen: `127.0.0.1:${ports[0]}`,
    httpListen: `127.0.0.1:${ports[1]}`,
  });
  const telcoInit = await initNode({
    dir: join(dir, 'telco'),
    name: 'telco',
    template: config('partner.yaml'),
    grpcListen: `127.0.0.1:${ports[2]}`,
    httpListen: `127.0.0.1:${ports[3]}`,
  });
  if (policy === 'permissive') for (const init of [bankInit, telcoInit]) permitWeakTerms(init.configFile);
  if (Object.keys(telcoPolicy).length > 0) setPolicy(telcoInit.configFile, telcoPolicy);
  addPeer(bankInit.configFile, { name: 'telco', address: `127.0.0.1:${ports[2]}`, certificateFile: telcoInit.certificateFile, fingerprint: telcoInit.nodeId });
  addPeer(telcoInit.configFile, { name: 'bank', address: `127.0.0.1:${ports[0]}`, certificateFile: bankInit.certificateFile, fingerprint: bankInit.nodeId });
  const data = writeSyntheticPair({ dir: join(dir, 'data'), ...sizes, seed: 7 });
  const clock = new TestClock();
  const bank = MofangNode.open(bankInit.configFile, { quietLogs: true, now: clock.now });
  const telco = MofangNode.open(telcoInit.configFile, { quietLogs: true, now: clock.now });
  await bank.datasets.import({ file: data.bankFile, origin: 'operator', dataset: 'customers', idColumn: 'phone', idKind: 'phone' }, admin);
  await telco.datasets.import({ file: data.partnerFile, origin: 'operator', dataset: 'subscribers', idColumn: 'phone', idKind: 'phone' }, admin);
  const running = { bank: await startNode(bank), telco: await startNode(telco) };
  return {
    dir,
    clock,
    bank,
    telco,
    bankInit,
    telcoInit,
    running,
    data,
    async stop() {
      await running.bank.stop();
      await running.telco.stop();
      bank.close();
      telco.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Proposes on the bank and accepts on the telco; returns the agreement id. */
export async function agree(
  nodes: TwoNodes,
  overrides: {
    minIntersection?: number;
    operations?: ('overlap' | 'enrich' | 'aggregate')[];
    expiresInDays?: number;
    aggregate?: AggregateProposal;
    maxQueriesPerDay?: number;
    /** Release overlap counts exactly (the test nodes' permissive policy allows it); default noisy. */
    exactCounts?: boolean;
  } = {},
): Promise<string> {
  const proposed = await nodes.bank.agreements.propose(
    {
      peer: 'telco',
      title: 'it-agreement',
      localDataset: 'customers',
      peerDataset: 'subscribers',
      idKind: 'phone',
      operations: overrides.operations ?? ['overlap', 'enrich'],
      shareOverlapWithAcceptor: true,
      minIntersection: overrides.minIntersection ?? 10,
      expiresAt: new Date(nodes.clock.now().getTime() + (overrides.expiresInDays ?? 30) * 86_400_000).toISOString(),
      ...((overrides.operations ?? ['enrich']).includes('enrich') ? { enrichAttribute: 'partner:telco:active' } : {}),
      ...(overrides.aggregate ? { aggregate: overrides.aggregate } : {}),
      maxQueriesPerDay: overrides.maxQueriesPerDay ?? TEST_QUERIES_PER_DAY,
      ...(overrides.exactCounts ? { exactCounts: true } : {}),
    },
    admin,
  );
  await nodes.telco.agreements.accept(proposed.id, admin);
  return proposed.id;
}
