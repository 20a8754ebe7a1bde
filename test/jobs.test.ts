/**
 * Jobs across real node processes: SIGKILL of either node mid-job, cancellation from either
 * side (the silent peer is in jobs-silent-peer.test.ts). Each job must end with the exact result or a clear
 * reason — never a silently partial one.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSyntheticPair } from '../node/demo/synthetic.js';
import { agreeByCli, createNodes, mofang, mofangJson, type NodeProcess, peekDb as peek } from './support/node-processes.js';
import { until } from './support/until.js';

type Job = {
  id: string;
  status: string;
  attempt: number;
  progress: { done: number; total: number };
  result: { count: number | null } | null;
  error: { code: string; message: string } | null;
  runIds: string[];
};

// Real processes on a shared 2-core machine: generous limits; nothing here asserts a duration.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

describe('jobs survive crashes and can be cancelled from either side', () => {
  let env: Awaited<ReturnType<typeof createNodes>>;
  let bank: NodeProcess;
  let telco: NodeProcess;
  let agreement: string;
  let expected: number;

  const job = (id: string) => mofangJson<Job>(bank.config, 'jobs', 'show', id);
  const submit = (op: 'overlap' | 'enrich') => mofangJson<Job>(bank.config, 'query', op, '--agreement', agreement, '--detach').id;
  // In the exchange proper: the responder has accepted (its own set is evaluated), points are flowing.
  const running = (id: string) =>
    until(`job ${id} to make progress`, () =>
      peek<{ id: string }>(bank, `SELECT id FROM jobs WHERE id = ? AND status = 'running' AND phase = 'exchange' AND done > 0`, id),
    );
  const finished = (id: string, timeoutMs?: number) =>
    until(
      `job ${id} to finish`,
      () => {
        const j = job(id);
        return ['succeeded', 'failed', 'cancelled'].includes(j.status) && j;
      },
      { timeoutMs },
    );

  beforeAll(async () => {
    env = await createNodes(['bank', 'telco'], (doc) => {
      // Small batches make a run long enough to interrupt; short timeouts keep the test quick.
      doc.setIn(['limits', 'maxBatch'], 32);
      doc.setIn(['limits', 'peerTimeoutMs'], 8000);
      doc.setIn(['jobs', 'leaseMs'], 1500);
      doc.setIn(['jobs', 'retryDelayMs'], 500);
      // Retries span ≈ 30 s: enough for a restarted peer to come back on a loaded machine.
      doc.setIn(['jobs', 'maxAttempts'], 6);
    });
    [bank, telco] = env.nodes;
    const data = writeSyntheticPair({ dir: join(env.dir, 'data'), bankRows: 40_000, partnerRows: 30_000, overlap: 6_000, seed: 11 });
    expected = data.expectedOverlap;
    expect(mofang(bank.config, 'import', data.bankFile, '--dataset', 'customers', '--id', 'phone:phone').code).toBe(0);
    expect(mofang(telco.config, 'import', data.partnerFile, '--dataset', 'subscribers', '--id', 'phone:phone').code).toBe(0);
    await bank.start();
    await telco.start();
    // The exact result is the point: an exact-count agreement.
    agreement = agreeByCli(bank, telco, 'customers', 'subscribers', 'overlap,enrich', { exactCounts: true });
  });
  afterAll(() => env?.cleanup());

  it('a querier killed mid-job restarts the job after its restart and reaches the exact result', async () => {
    const id = submit('overlap');
    await running(id);
    await bank.kill('SIGKILL');
    expect(job(id).status).toBe('running');
    await bank.start();
    const done = await finished(id);
    expect(done).toMatchObject({ status: 'succeeded', result: { count: expected } });
    expect(done.attempt).toBeGreaterThanOrEqual(2);
    const first = mofangJson(bank.config, 'runs', 'show', done.runIds[0]);
    expect(first.status).toBe('failed');
  });

  it('a responder killed mid-job: the job retries and completes once it is back', async () => {
    const id = submit('enrich');
    await running(id);
    await telco.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await telco.start();
    const done = await finished(id);
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'succeeded', result: { count: expected } });
    expect(done.attempt).toBeGreaterThanOrEqual(2);
    // The run the telco was serving when it died is closed as failed when it starts again.
    const orphan = mofangJson(telco.config, 'runs', 'show', done.runIds[0]);
    expect(orphan).toMatchObject({ status: 'failed', errorMessage: 'interrupted: the node restarted' });
  });

  it('the querier cancels: the job ends cancelled and the responder records it', async () => {
    const id = submit('overlap');
    await running(id);
    expect(mofang(bank.config, 'jobs', 'cancel', id, '--reason', 'wrong segment').code).toBe(0);
    const done = await finished(id);
    expect(done.status).toBe('cancelled');
    const runId = done.runIds[done.runIds.length - 1] ?? mofangJson<{ id: string }[]>(bank.config, 'runs', 'list')[0].id;
    const responderRun = await until('the responder run to end', () => {
      const r = mofangJson(telco.config, 'runs', 'show', runId);
      return r.status !== 'running' && r;
    });
    expect(responderRun.errorCode, responderRun.errorMessage).toBe('JOB_CANCELLED');
  });

  it("the responder cancels its side: the querier's job ends cancelled with the reason", async () => {
    const id = submit('enrich');
    await running(id);
    const run = await until('the run of this job', () => peek<{ id: string }>(bank, `SELECT id FROM runs WHERE job_id = ? AND status = 'running'`, id));
    // Hold the querier still so the run cannot finish before the operator's cancel lands (a CLI
    // process can take seconds on a loaded machine); it reads the responder's abort on resuming.
    await bank.kill('SIGSTOP');
    let cancelled: ReturnType<typeof mofang>;
    try {
      cancelled = mofang(telco.config, 'runs', 'cancel', run.id);
    } finally {
      bank.child?.kill('SIGCONT');
    }
    expect(cancelled.code).toBe(0);
    const done = await finished(id);
    expect(done.status).toBe('cancelled');
    expect(done.error?.message).toContain('telco');
  });
});
