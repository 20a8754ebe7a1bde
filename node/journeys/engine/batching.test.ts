import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JourneysFixture, journeysFixture, OPERATOR, smallJourney } from '../../../test/support/journeys-fixture.js';
import { storeAgreement } from '../../../test/support/stored-agreement.js';

// The engine advances a tick's entries in batches, one transaction per round. These are the
// guarantees the batching must keep, over one node's real parts (SQLite file, insight profiles,
// the frequency gate). The fixture's `high-value` segment holds c4…c19; c8…c19 earn 80,000 or more.

let f: JourneysFixture;
beforeEach(async () => {
  f = await journeysFixture();
});
afterEach(() => f.close());

const engine = () => f.pipeline.journeyEngine;
const outboxCustomers = () => f.fx.db.prepare('SELECT customer_id FROM journey_outbox ORDER BY customer_id').pluck().all() as string[];
const entryOf = (customer: string) =>
  f.fx.db.prepare('SELECT status, node, exit_reason AS reason FROM journey_entries WHERE customer_id = ?').get(customer) as {
    status: string;
    node: string;
    reason: string | null;
  };
const counted = (customer: string) => f.fx.db.prepare('SELECT coalesce(sum(sends), 0) FROM frequency_ledger WHERE customer_id = ?').pluck().get(customer);
const nodeCount = (journey: number, node: string, outcome: string) =>
  f.fx.db.prepare('SELECT coalesce(sum(count), 0) FROM journey_node_counts WHERE journey = ? AND node = ? AND outcome = ?').pluck().get(journey, node, outcome);
const gold = Array.from({ length: 12 }, (_, i) => `c${i + 8}`);

async function published(name: string, graph: Record<string, unknown>) {
  const { journey } = await f.journeys.create({ name, graph }, OPERATOR);
  await f.journeys.transition(journey.id, 'publish', OPERATOR);
  return journey.id;
}

describe('batched advances', () => {
  it('an entry whose write fails fails alone: the rest of its batch is sent and counted, its own send is not counted', async () => {
    // The outbox refuses one customer's row, as a full disk or a corrupt page would refuse a write.
    f.fx.db.exec("CREATE TRIGGER refuse_c9 BEFORE INSERT ON journey_outbox WHEN NEW.customer_id = 'c9' BEGIN SELECT RAISE(ABORT, 'refused for the test'); END");
    const journey = await published('offer', smallJourney());
    await engine().tick();

    expect(outboxCustomers()).toEqual(gold.filter((c) => c !== 'c9').sort());
    // It stays where it stood, failed with the error's code.
    expect(entryOf('c9')).toEqual({ status: 'failed', node: 'start', reason: 'error:SQLITE_CONSTRAINT_TRIGGER' });
    for (const c of gold.filter((c) => c !== 'c9')) expect(entryOf(c)).toMatchObject({ status: 'exited', node: 'sms' });
    // The failed round was undone whole: the gate's count for c9 went with it; the others count once.
    expect(counted('c9')).toBe(0);
    for (const c of gold.filter((c) => c !== 'c9')) expect(counted(c)).toBe(1);
    expect(nodeCount(journey, 'sms', 'sent')).toBe(11);
    expect(nodeCount(journey, 'start', 'failed:error')).toBe(1);

    // Nothing is retried behind the operator's back, and nothing is sent twice.
    f.fx.db.exec('DROP TRIGGER refuse_c9');
    await engine().tick();
    expect(outboxCustomers()).toEqual(gold.filter((c) => c !== 'c9').sort());
    expect(entryOf('c9').status).toBe('failed');
  });

  it('a joint attribute whose agreement is revoked stops at the next tick: profiles are read anew on every tick', async () => {
    const AGREEMENT = '0b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e0f';
    storeAgreement(f.fx.db, AGREEMENT, 'accepted', 'partner:telco:active');
    const put = f.fx.db.prepare(
      "INSERT INTO joint_attributes (dataset, id_norm, name, value, agreement_id, run_id, created_at) VALUES ('customers', ?, 'partner:telco:active', 'true', ?, 'run-1', '2026-02-01T00:00:00.000Z')",
    );
    for (const c of gold) put.run(c, AGREEMENT);
    const partner = (id: string, next: string) => ({
      id,
      type: 'attribute_split',
      params: { branches: [{ key: 'partner', conditions: [{ attribute: 'partner:telco:active', op: 'eq', value: true }] }] },
      next: { partner: next, else: 'bye' },
    });
    const journey = await published('partner-offer', {
      dataset: 'customers',
      nodes: [
        {
          id: 'start',
          type: 'segment_entry',
          params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } },
          next: { out: 'first' },
        },
        partner('first', 'wait'),
        { id: 'wait', type: 'delay', params: { kind: 'duration', duration: { amount: 1, unit: 'days' } }, next: { out: 'second' } },
        partner('second', 'sms'),
        { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Hello {{profile.first_name}}' } } },
        { id: 'bye', type: 'exit', params: {} },
      ],
    });
    await engine().tick();
    // The agreement allowed the attribute: its customers took the partner branch and wait a day.
    expect(nodeCount(journey, 'first', 'out:partner')).toBe(12);
    for (const c of gold) expect(entryOf(c)).toMatchObject({ status: 'active', node: 'wait' });

    f.fx.db.prepare("UPDATE agreements SET status = 'revoked', revoked_by = 'sha256:b', revoked_reason = 'ended' WHERE id = ?").run(AGREEMENT);
    f.fx.clock.now = new Date(f.fx.clock.now.getTime() + 86_400_000);
    await engine().tick();

    expect(nodeCount(journey, 'second', 'out:else')).toBe(12);
    expect(nodeCount(journey, 'second', 'out:partner')).toBe(0);
    expect(outboxCustomers()).toEqual([]);
  });

  it("one batch of events acts on each customer's events in their order: an event waited for in the same batch as the entering one is seen", async () => {
    await published('deposit-then-open', {
      dataset: 'customers',
      nodes: [
        {
          id: 'start',
          type: 'event_entry',
          params: { event: { event: 'deposit.made' }, reentry: { kind: 'rejoin' } },
          next: { out: 'opened' },
        },
        {
          id: 'opened',
          type: 'wait_event',
          params: { event: { event: 'app.opened' }, timeout: { amount: 1, unit: 'days' } },
          next: { event: 'sms', timeout: 'bye' },
        },
        { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Hello {{profile.first_name}}' } } },
        { id: 'bye', type: 'exit', params: {} },
      ],
    });
    await engine().tick();
    const at = (s: number) => new Date(f.fx.clock.now.getTime() + s * 1000).toISOString();
    // One ingest batch: c3 deposits and then opens the app; c4 only deposits.
    await f.pipeline.ingest.ingest(
      [
        { eventId: 'd3', customerId: 'c3', name: 'deposit.made', time: at(0), properties: { amount: 10 } },
        { eventId: 'd4', customerId: 'c4', name: 'deposit.made', time: at(0), properties: { amount: 10 } },
        { eventId: 'o3', customerId: 'c3', name: 'app.opened', time: at(1), properties: {} },
      ],
      { id: 'token:app-1', role: 'ingest' },
    );
    await engine().tick();
    expect(outboxCustomers()).toEqual(['c3']);
    expect(entryOf('c3')).toMatchObject({ status: 'exited', node: 'sms' });
    expect(entryOf('c4')).toMatchObject({ status: 'active', node: 'opened' });
  });
});
