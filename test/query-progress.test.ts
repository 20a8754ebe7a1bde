/**
 * A query's progress rises during the exchange, not only at its end: over real gRPC/TLS between
 * two nodes, the querier reports progress while it blinds and sends, and while the responder
 * evaluates — before the responder has returned a single point (overlap returns them all at once).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuerier } from '../node/session/psi-querier.js';
import type { Link } from '../node/session/link.js';
import { admin, agree, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

describe('query progress over a real two-node run', () => {
  let nodes: TwoNodes;
  let agreementId: string;
  beforeAll(async () => {
    nodes = await startTwoNodes({ bankRows: 6000, partnerRows: 4000, overlap: 1000 });
    // Small batches, as an operator may configure: a moderate run then has many chunks.
    nodes.bank.config.limits.maxBatch = 250;
    nodes.telco.config.limits.maxBatch = 250;
    agreementId = await agree(nodes, { operations: ['overlap'], exactCounts: true });
  });
  afterAll(() => nodes?.stop());

  it('reports several distinct values between 0 and 1, rising, some before the responder answered', async () => {
    const log: ({ fraction: number; phase: string } | 'first evaluated')[] = [];
    const { peer, client } = await nodes.bank.connect('telco', admin.id);
    try {
      const real = client.openRun();
      // The real link, observed: mark when the responder's first evaluated points arrive.
      const link: Link = Object.create(real, {
        receive: {
          value: async () => {
            const frame = await real.receive();
            if (frame.frame === 'evaluated' && !log.includes('first evaluated')) log.push('first evaluated');
            return frame;
          },
        },
      });
      const run = await runQuerier(nodes.bank.sessionEnv(peer), link, {
        agreementId,
        operation: 'overlap',
        actor: admin.id,
        job: { jobId: 'progress-test', cancelled: () => null, progress: (phase, done, total) => log.push({ fraction: done / total, phase }) },
      });
      expect(run.resultCount).toBe(1000);
    } finally {
      client.close();
    }
    const exchange = log.filter((e): e is { fraction: number; phase: string } => e !== 'first evaluated' && e.phase !== 'partner-preparing');
    const fractions = exchange.map((e) => e.fraction);
    expect(fractions.at(-1)).toBe(1);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThanOrEqual(fractions[i - 1]);
    const intermediate = new Set(fractions.filter((f) => f > 0 && f < 1));
    expect(intermediate.size).toBeGreaterThanOrEqual(10);
    const beforeAnswer = log.slice(0, log.indexOf('first evaluated')).filter((e) => e !== 'first evaluated' && e.phase === 'exchange' && e.fraction > 0);
    expect(beforeAnswer.length).toBeGreaterThanOrEqual(5);
  });
});
