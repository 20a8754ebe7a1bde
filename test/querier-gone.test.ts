/**
 * A querier that goes away mid-run must not keep the responder busy: its run is failed with a
 * clear reason and audited, and the evaluation of the responder's own set stops instead of
 * running to its end (which would starve the querier's retried runs). Two real nodes in one
 * process, real gRPC with mutual TLS on loopback, the telco's real crypto pool.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { clientCredentials } from '../node/peer/credentials.js';
import { peerServiceDefinition } from '../node/wire/contract.js';
import type { RunFrame } from '../node/wire/messages.js';
import { agree, startTwoNodes, type TwoNodes } from './support/two-nodes.js';
import { until } from './support/until.js';

// Import and evaluation on a shared 2-core machine: generous limits; nothing asserts a duration.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

/** Less than one evaluation chunk of the sender cache, so the old code evaluated all of it in one go. */
const TELCO_ROWS = 60_000;
/** In-process state: poll often, to catch the run while the responder still evaluates. */
const FAST = { timeoutMs: 60_000, everyMs: 10 };

describe('a querier that goes away mid-run', () => {
  let nodes: TwoNodes;
  let agreementId: string;

  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 1500, partnerRows: TELCO_ROWS, overlap: 300 });
    agreementId = await agree(nodes, { operations: ['overlap'] });
  });
  afterAll(async () => {
    await nodes?.stop();
  });

  it('cancels its Run call while the responder evaluates its own set: the run fails at once, audited, and the work stops', async () => {
    const telcoPeer = nodes.bank.peers.byName('telco');
    const creds = clientCredentials(
      nodes.bank.identity.keyPem,
      nodes.bank.identity.certPem,
      { certificatePem: telcoPeer.certPem, fingerprint: telcoPeer.nodeId },
      () => {},
    );
    const client = new grpc.Client(telcoPeer.address, creds, { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' });
    const multiplied = () => nodes.telco.cryptoPool.elementsComputed().multiply;
    const before = multiplied();
    try {
      const rpc = peerServiceDefinition().Run;
      const call = client.makeBidiStreamRequest(rpc.path, rpc.requestSerialize, rpc.responseDeserialize, {});
      call.on('error', () => {}); // the cancellation itself
      const runId = randomUUID();
      const start: RunFrame = {
        frame: 'start',
        start: {
          runId,
          agreementId,
          operation: 'overlap',
          receiverSetSize: 1500,
          suite: nodes.bank.group.suite,
          maxBatch: 4096,
          labelColumns: [],
          aggregate: null,
        },
      };
      call.write(start);
      // The responder has recorded the run: it is loading and evaluating its own set now.
      await until(
        'the responder to start the run',
        () => {
          try {
            return nodes.telco.runs.get(runId);
          } catch {
            return undefined;
          }
        },
        FAST,
      );
      call.cancel();

      const run = await until(
        'the responder run to end',
        () => {
          const r = nodes.telco.runs.get(runId);
          return r.status !== 'running' && r;
        },
        FAST,
      );
      // A cancelled HTTP/2 stream usually ends before grpc-js reports the cancellation: either names the peer going away.
      expect(run).toMatchObject({
        status: 'failed',
        errorCode: 'PEER_UNREACHABLE',
        errorMessage: expect.stringMatching(/^the peer (closed the stream before the run finished|cancelled the run or its connection was lost)$/),
      });
      const audited = nodes.telco.audit.list({ limit: 1000, action: 'run.failed' }).find((e) => e.subject === runId);
      expect(audited?.details).toMatchObject({ role: 'responder', code: 'PEER_UNREACHABLE', reason: run.errorMessage });

      // The evaluation was abandoned part-way: the jobs in the workers when the call went away
      // finish (a fraction of a second each), nothing after them starts.
      const settle = () => new Promise((r) => setTimeout(r, 2_000));
      await settle();
      const done = multiplied() - before;
      expect(done).toBeLessThan(TELCO_ROWS);
      await settle();
      expect(multiplied() - before).toBe(done);
    } finally {
      client.close();
    }
  });
});
