import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectProbing, type RunObservation } from './probing.js';

const MIN = 10;
const run = (querierSize: number, reimport = false): RunObservation => ({ querierSize, reimport, alerted: false });

/** Runs of ordinary size (above 2 × minIntersection), at most one of them after a re-import. */
const steadyUse = fc
  .tuple(fc.array(fc.integer({ min: 2 * MIN + 1, max: 5_000_000 }), { minLength: 0, maxLength: 60 }), fc.nat())
  .map(([sizes, at]) => sizes.map((size, i) => run(size, sizes.length > 0 && i === at % sizes.length)));

describe('the probing detector', () => {
  it('never fires on steady use: ordinary sets, any number of runs, a daily re-import', () => {
    fc.assert(
      fc.property(steadyUse, (runs) => {
        expect(detectProbing(runs, MIN).suspected).toBe(false);
      }),
    );
  });

  it('fires on repeated tiny querier sets (at most 2 × minIntersection), whatever runs surround them', () => {
    fc.assert(
      fc.property(steadyUse, fc.array(fc.integer({ min: 1, max: 2 * MIN }), { minLength: 3, maxLength: 6 }), fc.nat(), (normal, tiny, at) => {
        const runs = [...normal];
        for (const size of tiny) runs.splice(at % (runs.length + 1), 0, run(size));
        const verdict = detectProbing(runs, MIN);
        expect(verdict.reasons).toContain('tiny-sets');
        expect(verdict.tinyRuns).toBe(tiny.length);
      }),
    );
  });

  it('fires on near-identical sizes across consecutive re-imports (the n → n + 1 probe), even of large sets', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 1_000_000 }), fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 2, maxLength: 5 }), (base, deltas) => {
        let size = base;
        const runs = [run(base), ...deltas.map((d) => run((size += d), true))];
        const verdict = detectProbing(runs, MIN);
        expect(verdict.suspected).toBe(true);
        expect(verdict.nearIdenticalReimports).toBe(deltas.length);
      }),
    );
  });

  it('fires on frequent re-imports alone, and not on two re-imports with different sizes', () => {
    expect(detectProbing([run(500), run(800, true), run(300, true)], MIN).suspected).toBe(false);
    const verdict = detectProbing([run(500), run(800, true), run(300, true), run(1200, true)], MIN);
    expect(verdict).toEqual({ suspected: true, raise: true, reasons: ['frequent-reimports'], runs: 4, tinyRuns: 0, reimports: 3, nearIdenticalReimports: 0 });
  });

  it('carries counts only', () => {
    const verdict = detectProbing([run(12), run(13, true), run(12, true)], MIN);
    expect(verdict).toEqual({
      suspected: true,
      raise: true,
      reasons: ['tiny-sets', 'near-identical-after-reimport'],
      runs: 3,
      tinyRuns: 3,
      reimports: 2,
      nearIdenticalReimports: 2,
    });
  });
});

describe('one alert per pair and window', () => {
  /** Any runs, tiny or not, re-imported or not: a querier doing anything at all within one window. */
  const anyRuns = fc.array(fc.record({ querierSize: fc.integer({ min: 1, max: 200 }), reimport: fc.boolean() }), { minLength: 1, maxLength: 40 });

  it('raises the alert on the first run that makes the window suspicious and on no later run of that window', () => {
    fc.assert(
      fc.property(anyRuns, (runs) => {
        // As the responder feeds it: each new run with the window so far, marking the run that raised.
        const seen: RunObservation[] = [];
        let raised = 0;
        let suspectedOnce = false;
        for (const r of runs) {
          seen.push({ ...r, alerted: false });
          const verdict = detectProbing(seen, MIN);
          suspectedOnce ||= verdict.suspected;
          if (verdict.raise) {
            raised++;
            seen[seen.length - 1].alerted = true;
          }
        }
        expect(raised).toBe(suspectedOnce ? 1 : 0);
      }),
    );
  });

  it('a window whose alert was raised raises no other, however the pattern grows', () => {
    const runs = [run(12), run(13), { ...run(12), alerted: true }, run(12, true), run(13, true), run(12, true)];
    expect(detectProbing(runs, MIN)).toMatchObject({ suspected: true, raise: false });
  });
});
