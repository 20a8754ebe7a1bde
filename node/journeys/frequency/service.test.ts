import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempt, type ConsentFixture, consentFixture } from '../../../test/support/frequency.js';

let f: ConsentFixture;
beforeAll(async () => {
  f = await consentFixture({ timeZone: 'Asia/Shanghai', timeZoneAttribute: 'tz', caps: { total: { day: 1 } }, keepSuppressionsDays: 30 });
});
afterAll(() => f.close());

const decide = (...attempts: Parameters<typeof attempt>[]) => f.pipeline.frequency.gate.decide(attempts.map((a) => attempt(...a)));

describe('frequency control as the node wires it', () => {
  it("reads each customer's zone from the profile attribute; none or an invalid one means the configured default", () => {
    // 2026-03-02T17:00Z is 12:00 on 2 March in New York and 01:00 on 3 March in Shanghai.
    decide(['2026-03-02T15:00:00Z', { customerId: 'c1' }], ['2026-03-02T15:00:00Z', { customerId: 'c2' }], ['2026-03-02T15:00:00Z', { customerId: 'c3' }]);
    const [ny, invalid, none] = decide(
      ['2026-03-02T17:00:00Z', { customerId: 'c1', entryId: 2 }],
      ['2026-03-02T17:00:00Z', { customerId: 'c2', entryId: 2 }],
      ['2026-03-02T17:00:00Z', { customerId: 'c3', entryId: 2 }],
    );
    expect(ny).toMatchObject({ kind: 'suppress', reason: 'cap', detail: expect.stringContaining('America/New_York') });
    expect(invalid).toMatchObject({ kind: 'send' });
    expect(none).toMatchObject({ kind: 'send' });
  });

  it('prunes ledger days no cap counts and suppression records past keepSuppressionsDays, audited with counts', () => {
    f.fx.clock.now = new Date('2026-03-01T12:00:00Z');
    decide(['2026-01-05T12:00:00Z', { customerId: 'c5' }], ['2026-01-05T13:00:00Z', { customerId: 'c5' }]);
    decide(['2026-02-25T12:00:00Z', { customerId: 'c5' }], ['2026-02-25T13:00:00Z', { customerId: 'c5' }]);
    const before = f.pipeline.frequency.suppressionCounts({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') }).cap.suppressed;
    expect(before).toBe(2);
    expect(f.pipeline.frequency.prune()).toEqual({ ledger: 1, suppressions: 1 });
    expect(f.pipeline.frequency.suppressionCounts({ from: new Date('2026-01-01T00:00:00Z'), to: new Date('2026-03-01T00:00:00Z') }).cap.suppressed).toBe(1);
    // The kept day still counts: another send on 25 February is capped.
    expect(decide(['2026-02-25T14:00:00Z', { customerId: 'c5' }])[0]).toMatchObject({ kind: 'suppress', reason: 'cap' });
    expect(f.audited('frequency.pruned').at(-1)).toMatchObject({ actor: 'system', details: { ledger: 1, suppressions: 1 } });
    expect(f.pipeline.frequency.prune()).toEqual({ ledger: 0, suppressions: 0 });
    expect(f.audited('frequency.pruned')).toHaveLength(1);
  });
});
