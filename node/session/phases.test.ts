import { describe, expect, it } from 'vitest';
import { memoryLinkPair } from '../../test/support/memory-link.js';
import { phaseClock } from './phases.js';

describe('phaseClock', () => {
  it('splits the bytes each way at psiDone into the PSI and HE phases, and reports nothing before it', async () => {
    const [a, b] = memoryLinkPair();
    const clock = phaseClock(a);
    const progress = (done: number) => ({ frame: 'progress' as const, progress: { phase: 'exchange', done, total: 10 } });
    await a.send(progress(1));
    await b.send(progress(2));
    await a.receive();
    expect(clock.phases()).toBeNull();
    clock.psiDone();
    const psiSent = a.stats.bytesSent;
    const psiReceived = a.stats.bytesReceived;
    await a.send(progress(3));
    await a.send(progress(4));
    await b.send(progress(5));
    await a.receive();
    const phases = clock.phases()!;
    expect(phases.psi).toMatchObject({ bytesSent: psiSent, bytesReceived: psiReceived });
    expect(phases.he).toMatchObject({ bytesSent: a.stats.bytesSent - psiSent, bytesReceived: a.stats.bytesReceived - psiReceived });
    expect(psiSent).toBeGreaterThan(0);
    expect(phases.he.bytesSent).toBeGreaterThan(phases.psi.bytesSent);
    expect(Number.isInteger(phases.psi.ms) && Number.isInteger(phases.he.ms)).toBe(true);
    a.end();
    b.end();
  });
});
