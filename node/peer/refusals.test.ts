import { afterEach, describe, expect, it } from 'vitest';
import { OVERFLOW_HOST, refusalWindow, type RefusalSummary, type RefusalWindow } from './refusals.js';

const windows: RefusalWindow[] = [];
afterEach(() => windows.splice(0).forEach((w) => w.close()));

function setup(maxSources?: number) {
  const reported: RefusalSummary[] = [];
  let t = Date.parse('2026-01-01T00:00:00.000Z');
  const window = refusalWindow({ report: (s) => reported.push(s), windowMs: 3_600_000, maxSources, now: () => new Date((t += 1000)) });
  windows.push(window);
  return { reported, window };
}
const call = (host: string, method = 'GetCheckpoint', rateLimited = false, fingerprint: string | null = null) => ({
  source: host,
  fingerprint,
  host,
  method,
  reason: 'not pinned',
  rateLimited,
});

describe('refusalWindow', () => {
  it('reports the first refusal of a source at once and the rest as one summary when the window closes', () => {
    const { reported, window } = setup();
    window.record(call('10.0.0.9', 'Handshake'));
    expect(reported).toEqual([expect.objectContaining({ host: '10.0.0.9', count: 1, methods: { Handshake: 1 } })]);
    for (let i = 0; i < 999; i++) window.record(call('10.0.0.9', 'GetCheckpoint', i >= 9));
    expect(reported).toHaveLength(1);
    window.flush();
    expect(reported[1]).toEqual({
      fingerprint: null,
      host: '10.0.0.9',
      reason: 'not pinned',
      count: 999,
      rateLimited: 990,
      methods: { GetCheckpoint: 999 },
      firstAt: '2026-01-01T00:00:02.000Z',
      lastAt: '2026-01-01T00:16:40.000Z',
    });
    expect(window.counters()).toEqual({ refusedCalls: { 'not pinned': 1000 }, rateLimitedCalls: 0, refusedConnections: {} });
    window.flush();
    expect(reported).toHaveLength(2);
  });

  it('counts a source by what the server names, so fresh certificates from one host open no new window', () => {
    const { reported, window } = setup();
    for (let i = 0; i < 50; i++) window.record(call('10.0.0.9', 'Handshake', false, `sha256:${String(i).padStart(64, '0')}`));
    window.close();
    expect(reported.map((r) => r.count)).toEqual([1, 49]);
  });

  it('bounds the sources it tracks: the rest share one overflow row', () => {
    const { reported, window } = setup(2);
    for (let i = 0; i < 100; i++) window.record(call(`10.0.${i}.1`));
    window.close();
    expect(new Set(reported.map((r) => r.host))).toEqual(new Set(['10.0.0.1', '10.0.1.1', OVERFLOW_HOST]));
    expect(reported.reduce((n, r) => n + r.count, 0)).toBe(100);
  });
});
