import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { journeyReferences as refs } from '../../test/support/journey-references.js';
import { POOL, validGraph } from '../../test/support/journey-graphs.js';
import type { JourneyNode } from './graph.js';
import { validateJourney } from './validate.js';

describe('journey graphs (property)', () => {
  it('any generated valid graph validates', async () => {
    await fc.assert(
      fc.asyncProperty(validGraph, async (graph) => {
        expect((await validateJourney(graph, refs, null)).problems).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it('a graph with a node nothing leads to reports exactly that node, unreachable', async () => {
    await fc.assert(
      fc.asyncProperty(validGraph, fc.integer({ min: 0, max: POOL.length - 1 }), fc.nat(), async (graph, kind, at) => {
        const c = POOL[kind];
        const orphan: JourneyNode = {
          id: 'orphan',
          type: c.type,
          params: structuredClone(c.params) as JourneyNode['params'],
          next: Object.fromEntries(c.outlets.map((o) => [o, 'bye'])),
        };
        const nodes = [...graph.nodes];
        nodes.splice(1 + (at % nodes.length), 0, orphan);
        const { problems } = await validateJourney({ ...graph, nodes }, refs, null);
        expect(problems.map((p) => [p.nodeId, p.code])).toEqual([['orphan', 'NODE_UNREACHABLE']]);
      }),
      { numRuns: 150 },
    );
  });
});
