import { describe, expect, it } from 'vitest';
import { psiProgress } from './psi-progress.js';

function recorder() {
  const calls: { phase: string; done: number; total: number }[] = [];
  return { calls, job: { jobId: 'j', cancelled: () => null, progress: (phase: string, done: number, total: number) => calls.push({ phase, done, total }) } };
}

describe('psiProgress', () => {
  it('rises with every chunk blinded, evaluated by the peer, unblinded and matched, and ends at the total', () => {
    const { calls, job } = recorder();
    const p = psiProgress(job, 100);
    p.peer({ phase: 'own-set', done: 40, total: 80 }); // the responder preparing its own set
    p.accepted(80);
    p.blinded(50);
    p.blinded(50);
    p.peer({ phase: 'evaluating', done: 50, total: 100 }); // overlap: the responder evaluating, nothing returned yet
    p.unblinded(100);
    p.digests(40);
    p.digests(40);
    expect(calls[0]).toEqual({ phase: 'partner-preparing', done: 40, total: 80 });
    const exchange = calls.slice(1);
    expect(exchange.map((c) => c.total)).toEqual(Array(exchange.length).fill(380));
    expect(exchange.map((c) => c.done)).toEqual([0, 50, 100, 150, 300, 340, 380]);
    expect(exchange.at(-1)!.phase).toBe('matching');
  });

  it('takes only plausible numbers from the peer: nothing beyond what we sent, nothing malformed', () => {
    const { calls, job } = recorder();
    const p = psiProgress(job, 100);
    for (const bad of [{ done: 5, total: 3 }, { done: -1, total: 3 }, { done: Number.NaN, total: 3 }, { done: 1, total: 0 }, null]) {
      p.peer({ phase: 'own-set', ...(bad as object) } as never);
    }
    expect(calls).toEqual([]);
    p.accepted(10);
    p.blinded(20);
    p.peer({ phase: 'evaluating', done: 100, total: 100 }); // claims more than we have sent
    p.peer({ phase: 'evaluating', done: 10, total: 7 }); // not our set
    expect(calls.map((c) => c.done)).toEqual([0, 20, 40]);
  });
});
