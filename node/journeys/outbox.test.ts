import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KEY } from './components.js';
import { idempotencyKey } from './outbox.js';

const part = fc.record({
  journeyId: fc.integer({ min: 1, max: 2 ** 31 }),
  journeyVersion: fc.integer({ min: 1, max: 10_000 }),
  nodeId: fc.stringMatching(KEY),
  entryId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
});

describe('outbox idempotency keys', () => {
  it('one key per customer entry × node × journey version: different parts never share a key', () => {
    fc.assert(
      fc.property(part, part, (a, b) => {
        const same = a.journeyId === b.journeyId && a.journeyVersion === b.journeyVersion && a.nodeId === b.nodeId && a.entryId === b.entryId;
        expect(idempotencyKey(a) === idempotencyKey(b)).toBe(same);
      }),
    );
  });

  it('reads as its parts', () => {
    expect(idempotencyKey({ journeyId: 7, journeyVersion: 2, nodeId: 'offer', entryId: 4711 })).toBe('j7.v2.noffer.e4711');
  });
});
