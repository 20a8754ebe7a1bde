import { describe, expect, it } from 'vitest';
import { keepaliveBatches } from './send.js';
import type { WireEvent } from './wire.js';

const event = (i: number, padding: number): WireEvent => ({
  eventId: `e${i}`,
  customerId: 'c',
  name: 'viewed',
  time: '2026-12-07T00:00:00.000Z',
  properties: { note: '长'.repeat(padding) },
});

describe('keepaliveBatches', () => {
  it('cuts a page’s last events into bodies under the 64 KiB keepalive limit, counting UTF-8 bytes, in order', () => {
    const events = Array.from({ length: 40 }, (_, i) => event(i, 2000));
    const batches = keepaliveBatches(events, 100);
    for (const batch of batches) expect(new TextEncoder().encode(JSON.stringify({ events: batch, atomic: false })).length).toBeLessThanOrEqual(60_000);
    expect(batches.flat()).toEqual(events);
    expect(batches.length).toBeGreaterThan(1);
  });

  it('keeps batchSize, and sends an event too large for keepalive on its own', () => {
    expect(keepaliveBatches([event(0, 1), event(1, 1), event(2, 1)], 2).map((b) => b.length)).toEqual([2, 1]);
    expect(keepaliveBatches([event(0, 1), event(1, 30_000), event(2, 1)], 10).map((b) => b.map((e) => e.eventId))).toEqual([['e0'], ['e1'], ['e2']]);
  });
});
