/**
 * A partner node that stops answering (SIGSTOP: its sockets stay open, nothing comes back) must
 * fail the job after the configured silence and retries, with a reason — never hang it. Its own
 * pair of real node processes with short timeouts, so the test stays short.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSyntheticPair } from '../node/demo/synthetic.js';
import { agreeByCli, createNodes, mofang, mofangJson, type NodeProcess, peekDb } from './support/node-processes.js';
import { until } from './support/until.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ATTEMPTS = 3;

describe('a peer that stops answering', () => {
  let env: Awaited<ReturnType<typeof createNodes>>;
  let bank: NodeProcess;
  let telco: NodeProcess;
  let agreement: string;

  beforeAll(async () => {
    env = await createNodes(['bank', 'telco'], (doc) => {
      // Small batches keep the run in its exchange long enough to stop the peer there.
      doc.setIn(['limits', 'maxBatch'], 32);
      doc.setIn(['limits', 'peerTimeoutMs'], 4000);
      doc.setIn(['jobs', 'leaseMs'], 1500);
      doc.setIn(['jobs', 'retryDelayMs'], 500);
      doc.setIn(['jobs', 'maxAttempts'], ATTEMPTS);
    });
    [bank, telco] = env.nodes;
    const data = writeSyntheticPair({ dir: join(env.dir, 'data'), bankRows: 40_000, partnerRows: 30_000, overlap: 6_000, seed: 12 });
    expect(mofang(bank.config, 'import', data.bankFile, '--dataset', 'customers', '--id', 'phone:phone').code).toBe(0);
    expect(mofang(telco.config, 'import', data.partnerFile, '--dataset', 'subscribers', '--id', 'phone:phone').code).toBe(0);
    await bank.start();
    await telco.start();
    agreement = agreeByCli(bank, telco, 'customers', 'subscribers', 'overlap', { exactCounts: true });
  });
  afterAll(() => env?.cleanup());

  it('fails the job after the configured timeout and retries, with a clear reason', async () => {
    const id = mofangJson<{ id: string }>(bank.config, 'query', 'overlap', '--agreement', agreement, '--detach').id;
    await until(`job ${id} to make progress`, () =>
      peekDb(bank, `SELECT id FROM jobs WHERE id = ? AND status = 'running' AND phase = 'exchange' AND done > 0`, id),
    );
    await telco.kill('SIGSTOP');
    try {
      const done = await until(`job ${id} to finish`, () =>
        peekDb<{ status: string }>(bank, `SELECT status FROM jobs WHERE id = ? AND status IN ('succeeded', 'failed', 'cancelled')`, id),
      );
      expect(done.status).toBe('failed');
      const shown = mofangJson<{ error: { code: string; message: string } | null }>(bank.config, 'jobs', 'show', id);
      expect(shown.error?.code).toBe('PEER_UNREACHABLE');
      expect(shown.error?.message).toMatch(new RegExp(`gave up after ${ATTEMPTS} attempts`));
    } finally {
      telco.child?.kill('SIGCONT');
    }
  });
});
