import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attempt, frequencyDb, rulesFor } from '../../../test/support/frequency.js';
import type { Channel } from '../components.js';
import { frequencyGate, type GateDecision, type SendAttempt } from './gate.js';

const ZONES: Record<string, string> = { c0: 'Asia/Shanghai', c1: 'America/New_York', c2: 'UTC', c3: 'America/New_York', c4: 'Asia/Shanghai' };
const CHANNELS: Channel[] = ['sms', 'email', 'push'];
const CAPS = { total: { day: 3, week: 5, month: 9 }, channels: { sms: { day: 1, week: 2 }, email: { month: 3 } } } as const;
type Caps = Partial<Record<'day' | 'week' | 'month', number>>;
/** From 1 March 2026, over New York's DST change (8 March), several ISO weeks and a month end. */
const START = Date.parse('2026-03-01T00:00:00Z');

/** The customer's local periods of instant `ms`, computed independently of calendar.ts (from Intl's local date). */
function periods(zone: string, ms: number): Record<'day' | 'week' | 'month', string> {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
  const d = new Date(`${date}T00:00:00Z`);
  const monday = new Date(d.getTime() - ((d.getUTCDay() + 6) % 7) * 86_400_000);
  return { day: date, week: `W${monday.toISOString().slice(0, 10)}`, month: date.slice(0, 7) };
}

const attemptArb = fc.record({
  customer: fc.constantFrom(...Object.keys(ZONES)),
  channel: fc.constantFrom(...CHANNELS),
  journeyId: fc.integer({ min: 1, max: 6 }),
  priority: fc.integer({ min: 0, max: 9 }),
  transactional: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
  minutes: fc.integer({ min: 0, max: 45 * 24 * 60 }),
  onCap: fc.constantFrom('skip' as const, 'wait' as const),
});

describe('caps hold under concurrent journeys (property)', () => {
  it('for every customer, channel and local period: sends ≤ the channel cap and all channels ≤ the total cap; waits and suppressions count nothing; a cap refusal means a full period', () => {
    fc.assert(
      fc.property(fc.array(fc.array(attemptArb, { minLength: 1, maxLength: 25 }), { minLength: 1, maxLength: 12 }), (batches) => {
        const { db, close } = frequencyDb();
        try {
          const gate = frequencyGate({
            db,
            rules: rulesFor({ timeZoneAttribute: 'tz', caps: CAPS }),
            zones: (_d, _a, ids) => new Map(ids.map((id) => [id, ZONES[id]])),
          });
          /** Counted sends per "customer|channel-or-*|period key". */
          const counts = new Map<string, number>();
          const count = (k: string) => counts.get(k) ?? 0;
          let counted = 0;
          let entry = 0;
          for (const batch of batches) {
            const attempts: SendAttempt[] = batch.map((b) =>
              attempt(new Date(START + b.minutes * 60_000).toISOString(), {
                customerId: b.customer,
                channel: b.channel,
                journeyId: b.journeyId,
                entryId: ++entry,
                priority: b.priority,
                transactional: b.transactional,
                onCap: b.onCap,
              }),
            );
            const decisions: GateDecision[] = db.transaction(() => gate.decide(attempts))();
            // Replay in the order the gate promises: higher priority first, then as given.
            const order = attempts.map((_, i) => i).sort((x, y) => attempts[y].priority - attempts[x].priority || x - y);
            for (const i of order) {
              const a = attempts[i];
              const d = decisions[i];
              if (a.transactional) {
                expect(d).toEqual({ kind: 'send', at: a.at });
                continue;
              }
              const p = periods(ZONES[a.customerId], a.at.getTime());
              const keys: [string, number | undefined][] = [];
              for (const [scope, caps] of [
                [a.channel, (CAPS.channels as Record<string, Caps>)[a.channel]],
                ['*', CAPS.total as Caps],
              ] as const) {
                for (const period of ['day', 'week', 'month'] as const) keys.push([`${a.customerId}|${scope}|${p[period]}`, caps?.[period]]);
              }
              const full = keys.some(([k, cap]) => cap !== undefined && count(k) >= cap);
              if (d.kind === 'send') {
                expect(full).toBe(false);
                for (const [k, cap] of keys) {
                  counts.set(k, count(k) + 1);
                  if (cap !== undefined) expect(count(k)).toBeLessThanOrEqual(cap);
                }
                counted++;
              } else {
                expect(full).toBe(true);
                expect(d.reason).toBe('cap');
                expect(d.kind).toBe(a.onCap === 'wait' ? 'wait' : 'suppress');
                if (d.kind === 'wait') expect(d.until.getTime()).toBeGreaterThan(a.at.getTime());
              }
            }
          }
          // The ledger holds exactly the counted sends: none for waits, suppressions or transactional messages.
          expect((db.prepare('SELECT coalesce(sum(sends), 0) AS n FROM frequency_ledger').get() as { n: number }).n).toBe(counted);
        } finally {
          close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
