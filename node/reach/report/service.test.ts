import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JourneysFixture, journeysFixture, OPERATOR } from '../../../test/support/journeys-fixture.js';
import { testPipeline } from '../../../test/support/pipeline.js';
import { asMofangError } from '../../errors.js';
import type { ReachOutcome } from '../feedback.js';

const T0 = new Date('2026-03-01T12:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const INGEST = { id: 'token:app-1', role: 'ingest' as const };

/** SMS at 0.50 a message (its costPerMessage), the in-app inbox at 0.20 (reach.costs), deposits' amount as the value. */
const REACH = {
  channels: {
    sms: { contactColumn: 'mobile', endpoint: 'https://sms.example.com/v1/messages', credentials: { env: 'MOFANG_TEST_SMS' }, costPerMessage: 0.5 },
  },
  costs: { inbox: 0.2 },
  attribution: { valueProperty: 'amount' },
};

let f: JourneysFixture;
beforeEach(async () => {
  f = await journeysFixture();
  f.pipeline.close();
  f.pipeline = testPipeline({ dir: f.fx.dir, db: f.fx.db, audit: f.fx.audit, now: () => f.fx.clock.now, insight: f.fx.insight, config: { reach: REACH } });
  f.journeys = f.pipeline.journeys;
});
afterEach(() => f.close());

const entry = { id: 'start', type: 'segment_entry', params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } } };
const deposit = { id: 'deposit', type: 'goal', params: { event: { event: 'deposit.made' } } };

/** Publishes a journey and runs it: its messages are in the outbox. */
async function run(name: string, nodes: object[]): Promise<{ id: number; keyOf: (customer: string) => string }> {
  const { journey } = await f.journeys.create({ name, graph: { dataset: 'customers', nodes } }, OPERATOR);
  await f.journeys.transition(journey.id, 'publish', OPERATOR);
  await f.pipeline.journeyEngine.tick();
  const keys = new Map(
    (f.fx.db.prepare('SELECT customer_id, idempotency_key FROM journey_outbox WHERE journey = ?').raw().all(journey.id) as [string, string][]).map(([c, k]) => [
      c,
      k,
    ]),
  );
  return { id: journey.id, keyOf: (c) => keys.get(c)! };
}

/**
 * High-value customers c4–c19 enter "offer": c8–c19 (income ≥ 80,000) get an SMS at T0, c4–c7 an
 * inbox message (c4 has no contact). Three days later "reminder" sends every one of them an SMS.
 */
async function campaign() {
  const offer = await run('offer', [
    { ...entry, next: { out: 'rich' } },
    {
      id: 'rich',
      type: 'attribute_split',
      params: { branches: [{ key: 'gold', conditions: [{ attribute: 'income', op: 'gte', value: 80_000 }] }] },
      next: { gold: 'sms', else: 'box' },
    },
    { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Hello {{profile.first_name}}' } } },
    { id: 'box', type: 'reach', params: { channel: 'inbox', template: { body: 'Hello' } } },
    deposit,
  ]);
  const customers = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `c${from + i}`);
  const at = (ms: number) => new Date(T0.getTime() + ms);
  const outcomes: ReachOutcome[] = [
    ...customers(8, 19).map((c) => ({ key: offer.keyOf(c), outcome: 'sent' as const, at: T0 })),
    ...customers(5, 7).map((c) => ({ key: offer.keyOf(c), outcome: 'sent' as const, at: T0 })),
    { key: offer.keyOf('c4'), outcome: 'suppressed', at: T0, detail: 'no_contact' },
    ...customers(8, 17).map((c) => ({ key: offer.keyOf(c), outcome: 'delivered' as const, at: at(HOUR) })),
    { key: offer.keyOf('c18'), outcome: 'failed', at: at(HOUR), detail: 'transient' },
    { key: offer.keyOf('c19'), outcome: 'dead', at: at(2 * HOUR), detail: 'permanent' },
    { key: offer.keyOf('c8'), outcome: 'clicked', at: at(2 * HOUR) },
    { key: offer.keyOf('c9'), outcome: 'opened', at: at(2 * HOUR) },
  ];
  expect(await f.pipeline.feedback.record(outcomes)).toEqual({ recorded: outcomes.length, repeated: 0, unknown: 0 });

  f.fx.clock.now = at(3 * DAY);
  const reminder = await run('reminder', [
    { ...entry, next: { out: 'sms' } },
    { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Still?' } } },
  ]);
  await f.pipeline.feedback.record(customers(4, 19).map((c) => ({ key: reminder.keyOf(c), outcome: 'sent' as const, at: at(3 * DAY) })));

  // Goals: c8 a day after its SMS; c5 two hours after its inbox message; c11 exactly 7 days after its
  // SMS and 4 after the reminder; c9 8 days after (outside the window for the offer, inside for the
  // reminder); c4 (never reached) and c10 (an hour before any message) are direct.
  f.fx.clock.now = at(9 * DAY);
  const goal = (id: string, customer: string, ms: number, amount: number) => ({
    eventId: id,
    customerId: customer,
    name: 'deposit.made',
    time: at(ms).toISOString(),
    properties: { amount },
  });
  const report = await f.pipeline.ingest.ingest(
    [
      goal('g8', 'c8', DAY, 100),
      goal('g5', 'c5', 2 * HOUR, 50),
      goal('g11', 'c11', 7 * DAY, 20),
      goal('g9', 'c9', 8 * DAY, 70),
      goal('g4', 'c4', HOUR, 30),
      goal('g10', 'c10', -HOUR, 5),
    ],
    INGEST,
  );
  expect(report.rejected).toEqual([]);
  return { offer, reminder };
}

const RANGE = { from: '2026-02-28', to: '2026-03-10' };

describe('campaign reports', () => {
  it('counts the ledger per node and channel, costs each channel, and credits each goal to the last message within 7 days', async () => {
    const { offer } = await campaign();
    const r = await f.pipeline.reachReports.journey(offer.id, RANGE, OPERATOR);
    expect(r.rule).toMatchObject({
      model: 'last',
      windowDays: 7,
      goal: { node: 'deposit', event: 'deposit.made' },
      valueProperty: 'amount',
      touch: 'mofang.reach.sent',
    });
    expect(r.rule.text).toContain('within 7 days');
    // Six goals in the range; c4's and c10's had no message before them.
    expect(r.goals).toEqual({ total: 6, direct: 2 });
    const sms = r.nodes.find((n) => n.node === 'sms')!;
    expect(sms).toMatchObject({ channel: 'sms', entered: 12, sent: 12, delivered: 10, opened: 1, clicked: 1, failed: 1, dead: 1 });
    // c8 (100) only: c11's goal goes to the reminder, its last message; c9's is past the offer's window.
    expect(sms).toMatchObject({ converted: 1, conversionValue: 100, cost: 6, value: 100, roi: (100 - 6) / 6 });
    const box = r.nodes.find((n) => n.node === 'box')!;
    expect(box).toMatchObject({ channel: 'inbox', entered: 4, sent: 3, converted: 1, value: 50 });
    expect(box.suppressed).toMatchObject({ no_contact: 1, cap: 0 });
    expect(box.cost).toBeCloseTo(0.6, 10);
    expect(box.roi).toBeCloseTo((50 - 0.6) / 0.6, 10);
    expect(r.channels.map((c) => c.channel)).toEqual(['inbox', 'sms']);
    expect(r.totals).toMatchObject({ entered: 16, sent: 15, converted: 2, value: 150 });
    expect(r.totals.cost).toBeCloseTo(6.6, 10);
    expect(r.totals.roi).toBeCloseTo((150 - 6.6) / 6.6, 10);
    expect(r.variants).toEqual([]);

    // The reminder gets c11's and c9's goals (its messages were the last), and c8's not: it came after.
    const reminder = await f.pipeline.reachReports.journey(offer.id + 1, { ...RANGE }, OPERATOR);
    expect(reminder.rule.goal).toBeNull();
    expect(reminder.totals).toMatchObject({ sent: 16, converted: 0, cost: 8, roi: -1 });
    expect(reminder.notes).toContain('the journey has no goal node: no conversions are counted');
  });

  it('splits a goal among several messages under the linear model, and a window edge counts', async () => {
    const { offer } = await campaign();
    const linear = await f.pipeline.reachReports.journey(offer.id, { ...RANGE, model: 'linear' }, OPERATOR);
    // c8: 1 (only the offer before it); c11: half of 20 (offer at exactly 7 days, and the reminder); c9: none (offer 8 days before).
    expect(linear.nodes.find((n) => n.node === 'sms')).toMatchObject({ converted: 1.5, conversionValue: 110 });
    expect(linear.totals).toMatchObject({ converted: 2.5, value: 160 });
    const first = await f.pipeline.reachReports.journey(offer.id, { ...RANGE, model: 'first' }, OPERATOR);
    expect(first.totals).toMatchObject({ converted: 3, value: 170 });
    // A window of 6.5 days drops c11's offer message (7 days before the goal).
    const narrow = await f.pipeline.reachReports.journey(offer.id, { ...RANGE, model: 'first', windowDays: 6.5 }, OPERATOR);
    expect(narrow.totals).toMatchObject({ converted: 2, value: 150 });
  });

  it('gives ROI as null when the messages cost nothing, and says so', async () => {
    f.pipeline.close();
    const free = { attribution: { valueProperty: 'amount' } };
    f.pipeline = testPipeline({ dir: f.fx.dir, db: f.fx.db, audit: f.fx.audit, now: () => f.fx.clock.now, insight: f.fx.insight, config: { reach: free } });
    f.journeys = f.pipeline.journeys;
    const { offer } = await campaign();
    const r = await f.pipeline.reachReports.journey(offer.id, RANGE, OPERATOR);
    expect(r.totals).toMatchObject({ cost: 0, value: 150, roi: null });
    expect(r.notes.join(' ')).toContain('cost nothing');
  });

  it('refuses an unknown model, a bad range or window, and a goal that is not a goal node, naming the parameter', async () => {
    const { offer } = await campaign();
    for (const [query, field] of [
      [{ model: 'best' }, 'model'],
      [{ from: '2026-13-01' }, 'from'],
      [{ from: '2026-03-05', to: '2026-03-01' }, 'from'],
      [{ windowDays: 0 }, 'windowDays'],
      [{ goal: 'sms' }, 'goal'],
    ] as const) {
      const err = await f.pipeline.reachReports.journey(offer.id, query, OPERATOR).then(
        () => null,
        (e: unknown) => asMofangError(e),
      );
      expect(err?.code).toBe('REACH_REPORT_INVALID');
      expect(err?.details?.field).toBe(field);
    }
  });
});
