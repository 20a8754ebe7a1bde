import { afterEach, describe, expect, it } from 'vitest';
import { attempt, frequencyDb, rulesFor } from '../../../test/support/frequency.js';
import type { Db } from '../../store/db.js';
import { writeConsent } from './consent-store.js';
import { frequencyGate, type GateDecision, type SendAttempt } from './gate.js';
import { suppressionCounts } from './suppressions.js';

let open: { db: Db; close(): void } | null = null;
afterEach(() => {
  open?.close();
  open = null;
});

/** A gate over a fresh node database with these rules; `zones` gives customers their own zone. */
function gateWith(frequency: Record<string, unknown>, zones: Record<string, string> = {}) {
  open = frequencyDb();
  const { db } = open;
  const gate = frequencyGate({
    db,
    rules: rulesFor(frequency),
    zones: (_dataset, _attribute, ids) => new Map(ids.flatMap((id) => (zones[id] ? [[id, zones[id]] as const] : []))),
  });
  /** Decides in a transaction of its own, as the engine would in its. */
  const decide = (...attempts: SendAttempt[]) => db.transaction(() => gate.decide(attempts))();
  const one = (a: SendAttempt) => decide(a)[0];
  const ledger = () => db.prepare('SELECT customer_id, channel, day, sends FROM frequency_ledger ORDER BY customer_id, day, channel').all();
  return { db, decide, one, ledger };
}

const sent = (at: string): GateDecision => ({ kind: 'send', at: new Date(at) });
const waits = (until: string, reason: string) => ({ kind: 'wait', until: new Date(until), reason });

describe('caps count per local day in the customer’s time zone', () => {
  const daily = { timeZoneAttribute: 'tz', caps: { channels: { sms: { day: 1 } } } };

  it('Asia/Shanghai starts a new day at 16:00 UTC', () => {
    const g = gateWith(daily, { c1: 'Asia/Shanghai' });
    expect(g.one(attempt('2026-12-07T15:30:00Z'))).toEqual(sent('2026-12-07T15:30:00Z')); // 23:30 local, 7 Dec
    expect(g.one(attempt('2026-12-07T15:50:00Z', { entryId: 2 }))).toMatchObject({ kind: 'suppress', reason: 'cap' });
    expect(g.one(attempt('2026-12-07T15:55:00Z', { entryId: 3, onCap: 'wait' }))).toMatchObject(waits('2026-12-07T16:00:00Z', 'cap'));
    expect(g.one(attempt('2026-12-07T16:30:00Z', { entryId: 4 }))).toEqual(sent('2026-12-07T16:30:00Z')); // 00:30 local, 8 Dec
  });

  it('America/New_York is still on the same day at those instants, and starts the next at 05:00 UTC', () => {
    const g = gateWith(daily, { c1: 'America/New_York' });
    expect(g.one(attempt('2026-12-07T15:30:00Z'))).toMatchObject({ kind: 'send' });
    expect(g.one(attempt('2026-12-07T16:30:00Z', { entryId: 2, onCap: 'wait' }))).toMatchObject(waits('2026-12-08T05:00:00Z', 'cap'));
    expect(g.one(attempt('2026-12-08T04:59:00Z', { entryId: 3 }))).toMatchObject({ kind: 'suppress', reason: 'cap' }); // 23:59 local
    expect(g.one(attempt('2026-12-08T05:00:00Z', { entryId: 4 }))).toMatchObject({ kind: 'send' });
  });

  it('a customer without a zone of their own, or with one that is not a zone, is in the configured default', () => {
    const g = gateWith({ ...daily, timeZone: 'Asia/Shanghai' }, { c2: 'Mars/Olympus' });
    for (const customerId of ['c1', 'c2']) {
      expect(g.one(attempt('2026-12-07T15:00:00Z', { customerId }))).toMatchObject({ kind: 'send' });
      expect(g.one(attempt('2026-12-07T15:10:00Z', { customerId, onCap: 'wait' }))).toMatchObject(waits('2026-12-07T16:00:00Z', 'cap'));
    }
  });

  it('a DST day is 23 or 25 hours long: the next day starts at the new offset', () => {
    const g = gateWith(daily, { c1: 'America/New_York', c2: 'America/New_York' });
    // 8 March 2026: clocks go forward at 02:00 (EST → EDT); 9 March begins at 04:00 UTC.
    expect(g.one(attempt('2026-03-08T05:00:00Z'))).toMatchObject({ kind: 'send' }); // 00:00 EST
    expect(g.one(attempt('2026-03-09T03:59:00Z', { entryId: 2, onCap: 'wait' }))).toMatchObject(waits('2026-03-09T04:00:00Z', 'cap'));
    // 1 November 2026: clocks go back at 02:00 (EDT → EST); 2 November begins at 05:00 UTC.
    expect(g.one(attempt('2026-11-01T04:00:00Z', { customerId: 'c2' }))).toMatchObject({ kind: 'send' }); // 00:00 EDT
    expect(g.one(attempt('2026-11-02T04:30:00Z', { customerId: 'c2', entryId: 2, onCap: 'wait' }))).toMatchObject(waits('2026-11-02T05:00:00Z', 'cap'));
  });

  it('a day whose midnight is skipped (America/Santiago, 6 September 2026) begins at 01:00', () => {
    const g = gateWith(daily, { c1: 'America/Santiago' });
    expect(g.one(attempt('2026-09-05T12:00:00Z'))).toMatchObject({ kind: 'send' });
    // 5 Sept ends at 04:00 UTC (24:00 at −04), when clocks jump to 01:00 at −03.
    expect(g.one(attempt('2026-09-05T20:00:00Z', { entryId: 2, onCap: 'wait' }))).toMatchObject(waits('2026-09-06T04:00:00Z', 'cap'));
  });
});

describe('weekly and monthly caps', () => {
  it('ISO weeks run Monday to Sunday in the customer’s calendar, across a year end', () => {
    const g = gateWith({ timeZone: 'Asia/Shanghai', caps: { total: { week: 2 } } });
    // Week of Monday 28 December 2026 to Sunday 3 January 2027.
    expect(g.one(attempt('2026-12-27T16:00:00Z'))).toMatchObject({ kind: 'send' }); // Mon 28 Dec 00:00 local
    expect(g.one(attempt('2026-12-31T12:00:00Z', { channel: 'email' }))).toMatchObject({ kind: 'send' });
    expect(g.one(attempt('2027-01-03T15:59:00Z', { channel: 'push', onCap: 'wait' }))).toMatchObject(waits('2027-01-03T16:00:00Z', 'cap')); // Sun 23:59 local
    expect(g.one(attempt('2027-01-03T16:00:00Z', { channel: 'push' }))).toMatchObject({ kind: 'send' }); // Mon 4 Jan
  });

  it('a month ends on its last local day: 28 February, and in New York 1 March 03:00 UTC is still February', () => {
    const g = gateWith({ timeZone: 'America/New_York', caps: { channels: { email: { month: 1 } } } });
    expect(g.one(attempt('2026-02-01T05:00:00Z', { channel: 'email' }))).toMatchObject({ kind: 'send' });
    expect(g.one(attempt('2026-03-01T03:00:00Z', { channel: 'email', onCap: 'wait' }))).toMatchObject(waits('2026-03-01T05:00:00Z', 'cap'));
    expect(g.one(attempt('2026-03-01T05:00:00Z', { channel: 'email' }))).toMatchObject({ kind: 'send' });
    // Another channel is not capped by the email cap.
    expect(g.one(attempt('2026-03-01T04:00:00Z', { channel: 'sms' }))).toMatchObject({ kind: 'send' });
  });

  it('a wait skips every full period: a day cap free tomorrow but a week cap full until Monday waits until Monday', () => {
    const g = gateWith({ timeZone: 'UTC', caps: { total: { day: 1, week: 2 } } });
    expect(g.one(attempt('2026-12-09T10:00:00Z'))).toMatchObject({ kind: 'send' }); // Wednesday
    expect(g.one(attempt('2026-12-10T10:00:00Z'))).toMatchObject({ kind: 'send' }); // Thursday
    const d = g.one(attempt('2026-12-10T11:00:00Z', { onCap: 'wait' }));
    expect(d).toMatchObject(waits('2026-12-14T00:00:00Z', 'cap'));
    expect(d).toMatchObject({ detail: expect.stringMatching(/^total day cap 1 reached/) });
  });

  it('the total cap counts every channel; the channel cap only its own', () => {
    const g = gateWith({ timeZone: 'UTC', caps: { total: { day: 2 }, channels: { sms: { day: 1 } } } });
    const [a, b, c] = g.decide(attempt('2026-12-07T09:00:00Z'), attempt('2026-12-07T09:01:00Z'), attempt('2026-12-07T09:02:00Z', { channel: 'push' }));
    expect([a.kind, b.kind, c.kind]).toEqual(['send', 'suppress', 'send']);
    expect(b).toMatchObject({ detail: expect.stringMatching(/^sms day cap 1/) });
    expect(g.one(attempt('2026-12-07T09:03:00Z', { channel: 'email' }))).toMatchObject({ kind: 'suppress', detail: expect.stringMatching(/^total day cap 2/) });
    expect(g.ledger()).toEqual([
      { customer_id: 'c1', channel: 'push', day: 20_794, sends: 1 },
      { customer_id: 'c1', channel: 'sms', day: 20_794, sends: 1 },
    ]);
  });
});

describe('quiet hours and holidays', () => {
  const quiet = { timeZone: 'Asia/Shanghai', quietHours: { from: '21:00', to: '08:00' } };

  it('quiet hours wrap midnight: before midnight waits until 08:00 the next day, after midnight until 08:00 that day', () => {
    const g = gateWith(quiet);
    expect(g.one(attempt('2026-12-07T12:59:00Z'))).toMatchObject({ kind: 'send' }); // 20:59 local
    expect(g.one(attempt('2026-12-07T13:00:00Z'))).toMatchObject({
      ...waits('2026-12-08T00:00:00Z', 'quiet_hours'),
      detail: 'quiet hours 21:00–08:00 (Asia/Shanghai)',
    });
    expect(g.one(attempt('2026-12-07T19:00:00Z'))).toMatchObject(waits('2026-12-08T00:00:00Z', 'quiet_hours')); // 03:00 local
    expect(g.one(attempt('2026-12-08T00:00:00Z'))).toMatchObject({ kind: 'send' }); // 08:00 local
    expect(g.one(attempt('2026-12-07T14:00:00Z', { onQuiet: 'drop' }))).toMatchObject({ kind: 'suppress', reason: 'quiet_hours' });
    expect(g.ledger().map((r) => (r as { sends: number }).sends)).toEqual([1, 1]); // 7 and 8 December, local
  });

  it('quiet hours that do not wrap, and one that ends in a skipped hour (New York, 8 March) ends when clocks jump', () => {
    const g = gateWith({ timeZone: 'America/New_York', quietHours: { from: '01:00', to: '02:30' } });
    expect(g.one(attempt('2026-03-07T06:30:00Z'))).toMatchObject(waits('2026-03-07T07:30:00Z', 'quiet_hours')); // 01:30 EST
    // 02:30 does not exist on 8 March: 02:00 EST became 03:00 EDT at 07:00 UTC.
    expect(g.one(attempt('2026-03-08T06:30:00Z'))).toMatchObject(waits('2026-03-08T07:00:00Z', 'quiet_hours'));
  });

  it('a holiday range holds messages until the first free moment after it, quiet hours included', () => {
    const g = gateWith({ ...quiet, holidays: ['2026-10-01..2026-10-03', '2026-12-25'] });
    expect(g.one(attempt('2026-10-01T04:00:00Z'))).toMatchObject({ ...waits('2026-10-04T00:00:00Z', 'holiday'), detail: 'holiday 2026-10-01 (Asia/Shanghai)' });
    expect(g.one(attempt('2026-12-25T04:00:00Z', { onQuiet: 'drop' }))).toMatchObject({ kind: 'suppress', reason: 'holiday' });
    expect(g.one(attempt('2026-12-24T04:00:00Z'))).toMatchObject({ kind: 'send' });
  });

  it('a capped customer in quiet hours who waits for the cap waits past both', () => {
    const g = gateWith({ ...quiet, caps: { total: { day: 1 } } });
    expect(g.one(attempt('2026-12-07T02:00:00Z'))).toMatchObject({ kind: 'send' }); // 10:00 local
    // 22:00 local: quiet until 08:00 on the 8th, which is a new day with a free slot.
    expect(g.one(attempt('2026-12-07T14:00:00Z', { onCap: 'wait' }))).toMatchObject(waits('2026-12-08T00:00:00Z', 'quiet_hours'));
    // 12:00 local: capped; the next day begins in quiet hours, so the slot opens at 08:00.
    expect(g.one(attempt('2026-12-07T04:00:00Z', { onCap: 'wait' }))).toMatchObject(waits('2026-12-08T00:00:00Z', 'cap'));
  });
});

describe('transactional messages, consent and opt-out', () => {
  const strict = {
    timeZone: 'UTC',
    quietHours: { from: '21:00', to: '08:00' },
    holidays: ['2026-12-25'],
    caps: { total: { day: 1 } },
    consent: { email: 'opt_in' },
  };

  it('a transactional message goes out in quiet hours, on a holiday and over a cap, and is not counted', () => {
    const g = gateWith(strict);
    expect(g.one(attempt('2026-12-07T10:00:00Z'))).toMatchObject({ kind: 'send' });
    expect(g.one(attempt('2026-12-07T11:00:00Z', { transactional: true }))).toEqual(sent('2026-12-07T11:00:00Z'));
    expect(g.one(attempt('2026-12-07T23:00:00Z', { transactional: true }))).toEqual(sent('2026-12-07T23:00:00Z'));
    expect(g.one(attempt('2026-12-25T12:00:00Z', { transactional: true }))).toEqual(sent('2026-12-25T12:00:00Z'));
    expect(g.ledger()).toEqual([{ customer_id: 'c1', channel: 'sms', day: 20_794, sends: 1 }]);
  });

  it('an opt-out beats the transactional flag; an opt-in channel needs consent, for transactional messages too', () => {
    const g = gateWith(strict);
    writeConsent(g.db, 'customers', [{ customerId: 'c1', channel: 'sms', status: 'opted_out', source: 'test' }], 'test', '2026-12-01T00:00:00Z');
    expect(g.one(attempt('2026-12-07T10:00:00Z', { transactional: true }))).toMatchObject({
      kind: 'suppress',
      reason: 'opted_out',
      detail: 'opted out of sms',
    });
    expect(g.one(attempt('2026-12-07T10:00:00Z', { channel: 'email', transactional: true }))).toMatchObject({ kind: 'suppress', reason: 'no_consent' });
    writeConsent(g.db, 'customers', [{ customerId: 'c1', channel: 'email', status: 'opted_in', source: 'test' }], 'test', '2026-12-01T00:00:00Z');
    expect(g.one(attempt('2026-12-07T10:00:00Z', { channel: 'email' }))).toMatchObject({ kind: 'send' });
    // Another customer's opt-out is theirs alone.
    expect(g.one(attempt('2026-12-08T10:00:00Z', { customerId: 'c2' }))).toMatchObject({ kind: 'send' });
    // Consent is checked before quiet hours: an opted-out customer is suppressed, never told to wait.
    expect(g.one(attempt('2026-12-07T23:00:00Z'))).toMatchObject({ kind: 'suppress', reason: 'opted_out' });
  });
});

describe('priorities and records', () => {
  it('the higher priority wins the last slot whatever its place in the batch; decisions come back in the batch’s order', () => {
    const g = gateWith({ timeZone: 'UTC', caps: { total: { day: 1 } } });
    const low = attempt('2026-12-07T10:00:00Z', { journeyId: 1, priority: 3 });
    const high = attempt('2026-12-07T10:00:00Z', { journeyId: 2, priority: 8, channel: 'push' });
    const other = attempt('2026-12-07T10:00:00Z', { journeyId: 1, priority: 3, customerId: 'c2' });
    const [l, o, h] = g.decide(low, other, high);
    expect(h).toMatchObject({ kind: 'send' });
    expect(l).toMatchObject({ kind: 'suppress', reason: 'cap' });
    expect(o).toMatchObject({ kind: 'send' });
    // Equal priorities: the first in the batch wins.
    const [first, second] = g.decide(attempt('2026-12-08T10:00:00Z', { journeyId: 3 }), attempt('2026-12-08T10:00:00Z', { journeyId: 4 }));
    expect([first.kind, second.kind]).toEqual(['send', 'suppress']);
  });

  it('records every suppression and wait with journey, node, entry, channel and reason — never the customer — and counts them by reason', () => {
    const g = gateWith({ timeZone: 'UTC', quietHours: { from: '21:00', to: '08:00' }, caps: { total: { day: 1 } } });
    const secret = '+8613800138000';
    g.decide(
      attempt('2026-12-07T10:00:00Z', { customerId: secret }),
      attempt('2026-12-07T11:00:00Z', { customerId: secret, journeyId: 2, nodeId: 'nudge', entryId: 9, channel: 'push' }),
      attempt('2026-12-07T12:00:00Z', { customerId: secret, journeyId: 2, onCap: 'wait' }),
      attempt('2026-12-07T22:00:00Z', { customerId: 'c2', journeyId: 2 }),
    );
    const rows = g.db.prepare('SELECT * FROM frequency_suppressions ORDER BY id').all();
    expect(rows).toEqual([
      expect.objectContaining({ journey_id: 2, journey_version: 1, node_id: 'nudge', entry_id: 9, channel: 'push', outcome: 'suppress', reason: 'cap' }),
      expect.objectContaining({ journey_id: 2, outcome: 'wait', reason: 'cap', at: '2026-12-07T12:00:00.000Z', until: '2026-12-08T08:00:00.000Z' }),
      expect.objectContaining({ journey_id: 2, outcome: 'wait', reason: 'quiet_hours', until: '2026-12-08T08:00:00.000Z' }),
    ]);
    expect(JSON.stringify(rows)).not.toContain('8613800138000');
    expect(g.ledger()).toHaveLength(1); // waits and suppressions count nothing
    const counts = suppressionCounts(g.db, { journeyId: 2 });
    expect(counts.cap).toEqual({ suppressed: 1, waited: 1 });
    expect(counts.quiet_hours).toEqual({ suppressed: 0, waited: 1 });
    expect(counts.opted_out).toEqual({ suppressed: 0, waited: 0 });
    expect(suppressionCounts(g.db, { journeyId: 1 }).cap).toEqual({ suppressed: 0, waited: 0 });
    expect(suppressionCounts(g.db, { from: new Date('2026-12-07T11:30:00Z'), to: new Date('2026-12-07T22:00:00Z') }).cap).toEqual({ suppressed: 0, waited: 1 });
  });

  it('a batch that fails leaves nothing counted or recorded', () => {
    const g = gateWith({ timeZone: 'UTC', caps: { total: { day: 1 } } });
    const bad = { ...attempt('2026-12-07T10:00:00Z', { customerId: 'c2' }), at: new Date(Number.NaN) };
    expect(() => g.decide(attempt('2026-12-07T10:00:00Z'), attempt('2026-12-07T10:05:00Z'), bad)).toThrow(/attempts\[2\]\.at/);
    expect(g.ledger()).toEqual([]);
    expect(g.db.prepare('SELECT count(*) AS n FROM frequency_suppressions').get()).toEqual({ n: 0 });
  });
});
