import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type JourneysFixture, journeysFixture, OPERATOR, smallJourney } from '../../../test/support/journeys-fixture.js';
import { testPipeline } from '../../../test/support/pipeline.js';
import { asMofangError } from '../../errors.js';
import { EVENTS_TABLE } from '../../events/schema.js';

// The engine over one node's real parts: the SQLite file, insight's profiles and segments, the
// DuckDB event store and ingestion, wired as node/pipeline.ts wires them. The fixture's
// `high-value` segment holds c4…c19 (income 60,000 to 135,000); c8…c19 earn 80,000 or more.

let f: JourneysFixture;
beforeEach(async () => {
  f = await journeysFixture();
});
afterEach(() => f.close());

const INGEST = { id: 'token:app-1', role: 'ingest' as const };
const engine = () => f.pipeline.journeyEngine;
const outbox = () =>
  f.fx.db.prepare('SELECT idempotency_key AS key, customer_id AS customer, variables, status FROM journey_outbox ORDER BY customer_id').all() as {
    key: string;
    customer: string;
    variables: string;
    status: string;
  }[];
const statuses = (journey: number) =>
  Object.fromEntries(
    engine()
      .report(f.journeys.get(journey, OPERATOR))
      .statuses.map((s) => [s.status, s.count]),
  );
const later = (days: number) => {
  f.fx.clock.now = new Date(f.fx.clock.now.getTime() + days * 86_400_000);
};
const event = (eventId: string, customerId: string, name: string, properties: Record<string, unknown> = {}) => ({
  eventId,
  customerId,
  name,
  time: f.fx.clock.now.toISOString(),
  properties,
});
/** Ingests and waits until the engine has matched the batch (a tick's catch-up waits for the listener's turn). */
const ingest = async (events: object[]) => {
  await f.pipeline.ingest.ingest(events, INGEST);
  await engine().tick();
};

/** A new pipeline over the same database and event store, as after a restart: the old one is gone. */
function restart() {
  f.pipeline.close();
  f.pipeline = testPipeline({ dir: f.fx.dir, db: f.fx.db, audit: f.fx.audit, now: () => f.fx.clock.now, insight: f.fx.insight });
  f.journeys = f.pipeline.journeys;
}

const segmentEntry = (next: string) => ({
  id: 'start',
  type: 'segment_entry',
  params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } },
  next: { out: next },
});
const sms = (id: string, body = 'Hello {{profile.first_name}}', next?: string) => ({
  id,
  type: 'reach',
  params: { channel: 'sms', template: { body } },
  ...(next ? { next: { out: next } } : {}),
});
const bye = { id: 'bye', type: 'exit', params: {} };

async function published(name: string, nodes: object[]) {
  const { journey } = await f.journeys.create({ name, graph: { dataset: 'customers', nodes } }, OPERATOR);
  await f.journeys.transition(journey.id, 'publish', OPERATOR);
  return journey.id;
}

describe('the journey engine', () => {
  it('publishing enters the segment once; a dry run before it counts exactly what the real run then does', async () => {
    const { journey } = await f.journeys.create({ name: 'offer', graph: smallJourney() }, OPERATOR);
    const dry = await f.journeys.dryRun(journey.id, OPERATOR);
    expect(dry.entered).toBe(16);
    expect(outbox()).toEqual([]);
    expect(f.fx.db.prepare('SELECT count(*) FROM journey_entries').pluck().get()).toBe(0);

    await f.journeys.transition(journey.id, 'publish', OPERATOR);
    await engine().tick();
    const rows = outbox();
    expect(rows.map((r) => r.customer)).toEqual(Array.from({ length: 12 }, (_, i) => `c${i + 8}`).sort());
    expect(JSON.parse(rows.find((r) => r.customer === 'c8')!.variables)).toEqual({ 'profile.first_name': 'Name8' });
    expect(rows.every((r) => /^j\d+\.v1\.nsms\.e\d+$/.test(r.key) && r.status === 'pending')).toBe(true);
    const report = f.journeys.report(journey.id, OPERATOR);
    expect(report.nodes.map(({ version: _v, ...n }) => n)).toEqual(dry.nodes);
    expect(report.nodes).toContainEqual({ version: 1, node: 'sms', outcome: 'sent', count: 12 });
    expect(report.nodes).toContainEqual({ version: 1, node: 'rich', outcome: 'out:else', count: 4 });
    expect(statuses(journey.id)).toEqual({ exited: 16 });

    // Once: a later tick enters nobody again, and re-entry is never.
    await engine().tick();
    expect(outbox()).toHaveLength(12);
    expect((await f.journeys.dryRun(journey.id, OPERATOR)).entered).toBe(0);
    const started = f.audited('journey.entries_started');
    expect(started).toEqual([expect.objectContaining({ details: expect.objectContaining({ journey: journey.id, trigger: 'publish', entered: 16 }) })]);
    expect(JSON.stringify(f.audited('journey.'))).not.toMatch(/"c\d+"|Name\d/);
  });

  it('two ticks at once send nobody twice: an advance planned on a state another committed is dropped', async () => {
    const id = await published('twice', smallJourney().nodes as object[]);
    await Promise.all([engine().tick(), engine().tick(), engine().tick()]);
    expect(outbox()).toHaveLength(12);
    expect(f.journeys.report(id, OPERATOR).nodes).toContainEqual({ version: 1, node: 'sms', outcome: 'sent', count: 12 });
  });

  it('timers live in the database: a node restarted on it fires them late; a pause holds them, resume continues', async () => {
    const id = await published('later', [
      segmentEntry('wait'),
      { id: 'wait', type: 'delay', params: { kind: 'duration', duration: { amount: 1, unit: 'days' } }, next: { out: 'sms' } },
      sms('sms'),
    ]);
    await engine().tick();
    expect(statuses(id)).toEqual({ active: 16 });
    expect(outbox()).toEqual([]);

    restart();
    await f.journeys.transition(id, 'pause', OPERATOR);
    later(3);
    await engine().tick();
    expect(outbox()).toEqual([]);
    await f.journeys.transition(id, 'resume', OPERATOR);
    await engine().tick();
    expect(outbox()).toHaveLength(16);
    expect(statuses(id)).toEqual({ exited: 16 });
  });

  it('an event lets a customer in as it is ingested, its properties fill event.* variables, and a re-sent event enters nobody twice', async () => {
    await published('deposits', [
      {
        id: 'start',
        type: 'event_entry',
        params: { event: { event: 'deposit.made', filters: [{ property: 'amount', op: 'gt', value: 50000 }] }, reentry: { kind: 'rejoin' } },
        next: { out: 'sms' },
      },
      sms('sms', 'Thanks for {{event.amount}}, {{profile.first_name}}'),
    ]);
    await ingest([event('e1', 'c3', 'deposit.made', { amount: 60000 }), event('e2', 'c4', 'deposit.made', { amount: 10 })]);
    expect(outbox().map((r) => [r.customer, JSON.parse(r.variables)])).toEqual([['c3', { 'event.amount': '60000', 'profile.first_name': 'Name3' }]]);
    await ingest([event('e1', 'c3', 'deposit.made', { amount: 60000 })]);
    expect(outbox()).toHaveLength(1);
    // Another trigger event: re-entry is allowed once the previous entry ended.
    await ingest([event('e3', 'c3', 'deposit.made', { amount: 70000 })]);
    expect(outbox()).toHaveLength(2);
  });

  it('a wait for an event takes those who do it; a goal converts a customer anywhere in the journey; the rest time out', async () => {
    const id = await published('waits', [
      segmentEntry('deposit'),
      {
        id: 'deposit',
        type: 'wait_event',
        params: { event: { event: 'deposit.made' }, timeout: { amount: 3, unit: 'days' } },
        next: { event: 'sms', timeout: 'bye' },
      },
      sms('sms'),
      { id: 'opened', type: 'goal', params: { event: { event: 'app.opened' } } },
      bye,
    ]);
    await engine().tick();
    await ingest([event('d1', 'c5', 'deposit.made', { amount: 1 }), event('o1', 'c6', 'app.opened'), event('d2', 'c1', 'deposit.made', { amount: 1 })]);
    expect(outbox().map((r) => r.customer)).toEqual(['c5']);
    expect(statuses(id)).toEqual({ active: 14, converted: 1, exited: 1 });
    later(4);
    await engine().tick();
    expect(statuses(id)).toEqual({ converted: 1, exited: 15 });
    expect(f.journeys.report(id, OPERATOR).nodes).toContainEqual({ version: 1, node: 'deposit', outcome: 'out:timeout', count: 14 });
  });

  it('stop ends every entry, audited with the count; an entry shows its path without the customer', async () => {
    const id = await published('halt', [
      segmentEntry('wait'),
      { id: 'wait', type: 'delay', params: { kind: 'duration', duration: { amount: 1, unit: 'days' } }, next: { out: 'bye' } },
      bye,
    ]);
    await engine().tick();
    const entryId = f.fx.db.prepare('SELECT min(id) FROM journey_entries').pluck().get() as number;
    expect(f.journeys.entry(id, entryId, OPERATOR)).toMatchObject({
      status: 'active',
      node: 'wait',
      steps: [
        { seq: 1, node: 'start', outcome: 'entered' },
        { seq: 2, node: 'start', outcome: 'out:out' },
        { seq: 3, node: 'wait', outcome: 'entered' },
      ],
    });
    expect(JSON.stringify(f.journeys.entry(id, entryId, OPERATOR))).not.toMatch(/"c\d+"/);
    await f.journeys.transition(id, 'stop', OPERATOR);
    expect(statuses(id)).toEqual({ exited: 16 });
    expect(f.journeys.entry(id, entryId, OPERATOR)).toMatchObject({ status: 'exited', exitReason: 'journey_stopped' });
    expect(f.audited('journey.entries_ended')).toEqual([expect.objectContaining({ details: { journey: id, reason: 'journey_stopped', entries: 16 } })]);
    expect(asMofangError(await f.journeys.transition(id, 'stop', OPERATOR).catch((e: unknown) => e)).code).toBe('JOURNEY_STATE_INVALID');
    expect(
      asMofangError(
        (() => {
          try {
            f.journeys.entry(id, 999_999, OPERATOR);
          } catch (e) {
            return e;
          }
        })(),
      ).code,
    ).toBe('JOURNEY_ENTRY_NOT_FOUND');
  });

  it('a new version leaves customers in flight on theirs, or moves them by an explicit mapping that must cover every occupied node', async () => {
    const v1 = [
      segmentEntry('wait1'),
      { id: 'wait1', type: 'delay', params: { kind: 'duration', duration: { amount: 1, unit: 'days' } }, next: { out: 'bye' } },
      bye,
    ];
    const id = await published('moving', v1);
    await engine().tick();
    const v2 = [
      segmentEntry('wait2'),
      { id: 'wait2', type: 'delay', params: { kind: 'duration', duration: { amount: 2, unit: 'days' } }, next: { out: 'sms' } },
      sms('sms'),
    ];
    await f.journeys.saveVersion(id, { dataset: 'customers', nodes: v2 }, OPERATOR);
    const refused = async (migrate: Record<string, string>) =>
      asMofangError(await f.journeys.transition(id, 'publish', OPERATOR, { migrate }).catch((e: unknown) => e));
    expect(await refused({ wait1: 'start' })).toMatchObject({
      code: 'JOURNEY_MIGRATION_INVALID',
      details: { problems: ['wait1 → start: a segment_entry is not a node an entry can wait at'] },
    });
    expect((await refused({ wait1: 'nowhere' })).message).toContain('version 2 has no node nowhere');
    expect((await refused({})).message).toContain('wait1 (version 1, 16 entries) is not mapped');
    expect(f.journeys.get(id, OPERATOR).liveVersion).toBe(1);
    expect(asMofangError(await f.journeys.transition(id, 'publish', OPERATOR, { migrate: {} }).catch((e: unknown) => e)).message).toContain(
      'wait1 (version 1, 16 entries) is not mapped',
    );

    await f.journeys.transition(id, 'publish', OPERATOR, { migrate: { wait1: 'wait2' } });
    expect(f.fx.db.prepare("SELECT version, node, count(*) AS n FROM journey_entries WHERE status = 'active' GROUP BY version, node").all()).toEqual([
      { version: 2, node: 'wait2', n: 16 },
    ]);
    expect(f.audited('journey.entries_migrated')).toEqual([
      expect.objectContaining({ details: { journey: id, to: 2, mapping: { wait1: 'wait2' }, entries: 16 } }),
    ]);
    await engine().tick(); // they arrive at wait2 again: two days from now; nobody new enters (re-entry never)
    later(1.5);
    await engine().tick();
    expect(outbox()).toEqual([]);
    later(1);
    await engine().tick();
    expect(outbox()).toHaveLength(16);
  });

  it('an API entry enters the customers named, reports unknown ones by index, audits the counts, and a repeated request enters nobody twice', async () => {
    const id = await published('called', [
      { id: 'start', type: 'change_entry', params: { on: { kind: 'api', name: 'crm' }, reentry: { kind: 'never' } }, next: { out: 'sms' } },
      sms('sms'),
    ]);
    const report = await f.journeys.enter(id, { customers: ['c5', 'nobody', 'c6', ''], requestId: 'r1' }, OPERATOR);
    expect(report).toEqual({ entered: 2, skipped: 0, unknown: [1, 3] });
    expect(outbox().map((r) => r.customer)).toEqual(['c5', 'c6']);
    expect(await f.journeys.enter(id, { customers: ['c5'], requestId: 'r1' }, OPERATOR)).toEqual({ entered: 0, skipped: 1, unknown: [] });
    expect(f.audited('journey.entries_started').map((e) => e.details)).toEqual([
      { journey: id, version: 1, node: 'start', trigger: 'api', entered: 2, unknown: 2 },
      { journey: id, version: 1, node: 'start', trigger: 'api', entered: 0, unknown: 0 },
    ]);
    expect(asMofangError(await f.journeys.enter(id, { customers: ['c5'], name: 'other' }, OPERATOR).catch((e: unknown) => e)).code).toBe(
      'JOURNEY_ENTRY_UNAVAILABLE',
    );
    expect(asMofangError(await f.journeys.enter(id, { customers: [] }, OPERATOR).catch((e: unknown) => e))).toMatchObject({
      code: 'REQUEST_INVALID',
      details: { field: 'customers' },
    });
  });

  it('reach drains the outbox: claims due messages by priority with a lease, completes them, and receipts route a send-result split', async () => {
    const id = await published('results', [
      segmentEntry('sms'),
      sms('sms', 'Hi {{profile.first_name}}', 'result'),
      {
        id: 'result',
        type: 'send_result_split',
        params: { action: 'sms', waitUpTo: { amount: 1, unit: 'days' } },
        next: { clicked: 'bye', opened: 'bye', delivered: 'bye', failed: 'bye', no_result: 'bye' },
      },
      bye,
    ]);
    await engine().tick();
    const now = f.fx.clock.now;
    const claimed = engine().outbox.claim(5, now, new Date(now.getTime() + 60_000));
    expect(claimed).toHaveLength(5);
    expect(engine().outbox.claim(100, now, new Date(now.getTime() + 60_000))).toHaveLength(11); // the leased five are not claimed again
    engine().outbox.complete(claimed[0].idempotencyKey, { status: 'sent' });
    engine().outbox.receipt(claimed[0].idempotencyKey, 'clicked', now);
    engine().outbox.receipt(claimed[0].idempotencyKey, 'delivered', now); // an earlier receipt never replaces a further one
    // Waiting for a retry is no result yet; only a dead message (out of attempts, refused for good) is a failure.
    engine().outbox.complete(claimed[1].idempotencyKey, {
      status: 'failed',
      reason: 'gateway',
      retryAt: new Date(now.getTime() + 7 * 86_400_000).toISOString(),
    });
    engine().outbox.complete(claimed[2].idempotencyKey, { status: 'dead', reason: 'gave up after 6 attempts: gateway' });
    later(2);
    await engine().tick();
    const counts = f.journeys.report(id, OPERATOR).nodes.filter((n) => n.node === 'result' && n.outcome.startsWith('out:'));
    expect(counts).toEqual([
      { version: 1, node: 'result', outcome: 'out:clicked', count: 1 },
      { version: 1, node: 'result', outcome: 'out:failed', count: 1 },
      { version: 1, node: 'result', outcome: 'out:no_result', count: 14 },
    ]);
  });

  it('a segment change entry lets in those who joined (or left) the segment since its last look; the first look only notes the members', async () => {
    const admin = { id: 'cli:root' };
    await f.fx.insight.createSegment({ name: 'top', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 100_000 } }, admin);
    const change = (name: string, kind: string) =>
      published(name, [
        { id: 'start', type: 'change_entry', params: { on: { kind, segment: 'top' }, reentry: { kind: 'rejoin' } }, next: { out: 'sms' } },
        sms('sms'),
      ]);
    const joined = await change('joined', 'segment_joined');
    const left = await change('left', 'segment_left');
    await engine().tick();
    expect(outbox()).toEqual([]);
    // c10 and c11 join, c18 and c19 leave.
    await f.fx.insight.updateSegment(
      'top',
      {
        rule: {
          all: [
            { attr: 'income', op: 'gte', value: 90_000 },
            { attr: 'income', op: 'lt', value: 130_000 },
          ],
        },
      },
      admin,
    );
    later(1 / 24);
    await engine().tick();
    const rows = f.fx.db.prepare('SELECT journey, customer_id AS c FROM journey_outbox ORDER BY journey, customer_id').all();
    expect(rows).toEqual([
      { journey: joined, c: 'c10' },
      { journey: joined, c: 'c11' },
      { journey: left, c: 'c18' },
      { journey: left, c: 'c19' },
    ]);
    expect(f.audited('journey.entries_started').map((e) => e.details.trigger)).toEqual(['segment_joined', 'segment_left']);
    later(1 / 24);
    await engine().tick();
    expect(outbox()).toHaveLength(4);
  });

  it('events stored while nobody matched them (a crash after the write) are caught up from the event store by their arrival', async () => {
    await published('caught', [
      { id: 'start', type: 'event_entry', params: { event: { event: 'app.opened' }, reentry: { kind: 'never' } }, next: { out: 'sms' } },
      sms('sms'),
    ]);
    await engine().tick(); // the cursor starts now
    later(1 / 1440);
    const store = await f.pipeline.eventStore();
    for (const [id, customer] of [
      ['x1', 'c2'],
      ['x2', 'c3'],
    ])
      await store.connection.run(`INSERT INTO ${EVENTS_TABLE} VALUES ($1, $2, 'app.opened', $3::TIMESTAMP, $3::TIMESTAMP, '{}'::JSON)`, [
        id,
        customer,
        f.fx.clock.now.toISOString().replace('T', ' ').replace('Z', ''),
      ]);
    expect(outbox()).toEqual([]);
    // The node starts again: its first tick reads what was stored since the cursor.
    restart();
    await engine().tick();
    expect(outbox().map((r) => r.customer)).toEqual(['c2', 'c3']);
    // And again, over the same overlap: nobody enters twice.
    restart();
    await engine().tick();
    expect(outbox()).toHaveLength(2);
  });

  it('did A but not B within N minutes: the customer enters when B has not followed in time, and not when it has', async () => {
    const id = await published('no-follow', [
      {
        id: 'start',
        type: 'event_entry',
        params: { event: { event: 'deposit.made' }, notFollowedBy: { event: { event: 'app.opened' }, withinMinutes: 30 }, reentry: { kind: 'never' } },
        next: { out: 'sms' },
      },
      sms('sms'),
    ]);
    await ingest([event('a1', 'c2', 'deposit.made', { amount: 1 }), event('a2', 'c3', 'deposit.made', { amount: 1 })]);
    expect(statuses(id)).toEqual({ active: 2 });
    f.fx.clock.now = new Date(f.fx.clock.now.getTime() + 10 * 60_000);
    await ingest([event('b1', 'c3', 'app.opened')]);
    expect(outbox()).toEqual([]);
    f.fx.clock.now = new Date(f.fx.clock.now.getTime() + 21 * 60_000);
    await engine().tick();
    expect(outbox().map((r) => r.customer)).toEqual(['c2']);
    expect(statuses(id)).toEqual({ exited: 2 });
    expect(f.journeys.report(id, OPERATOR).nodes).toContainEqual({ version: 1, node: 'start', outcome: 'exited', count: 1 });
  });

  it('a recurring segment entry runs again at every interval; re-entry after N days lets members back in only then', async () => {
    const id = await published('weekly', [
      {
        id: 'start',
        type: 'segment_entry',
        params: { segment: 'high-value', schedule: { kind: 'recurring', every: { amount: 1, unit: 'days' } }, reentry: { kind: 'after', days: 2 } },
        next: { out: 'sms' },
      },
      sms('sms'),
    ]);
    await engine().tick();
    expect(outbox()).toHaveLength(16);
    later(1);
    await engine().tick(); // the second run: entered a day ago, not yet allowed back
    expect(outbox()).toHaveLength(16);
    later(1);
    await engine().tick();
    expect(outbox()).toHaveLength(32);
    expect(f.audited('journey.entries_started').map((e) => [e.details.trigger, e.details.entered])).toEqual([
      ['publish', 16],
      ['schedule', 0],
      ['schedule', 16],
    ]);
    expect(statuses(id)).toEqual({ exited: 32 });
  });
  it("a journey's frequency settings decide what a cap does: skip moves the customer on, wait sends on the next free day", async () => {
    // One SMS per customer per day, in a fresh pipeline over the same data.
    f.pipeline.close();
    const frequency = { caps: { channels: { sms: { day: 1 } } } };
    f.pipeline = testPipeline({
      dir: f.fx.dir,
      db: f.fx.db,
      audit: f.fx.audit,
      now: () => f.fx.clock.now,
      insight: f.fx.insight,
      config: { journeys: { frequency } },
    });
    f.journeys = f.pipeline.journeys;
    const journey = async (name: string, settings: object) => {
      const graph = { dataset: 'customers', frequency: settings, nodes: [segmentEntry('hi'), sms('hi')] };
      const { journey: j } = await f.journeys.create({ name, graph }, OPERATOR);
      await f.journeys.transition(j.id, 'publish', OPERATOR);
      await engine().tick();
      return j.id;
    };
    const counts = (id: number) =>
      Object.fromEntries(
        engine()
          .report(f.journeys.get(id, OPERATOR))
          .nodes.map((n) => [`${n.node} ${n.outcome}`, n.count]),
      );

    await journey('first', {});
    expect(outbox()).toHaveLength(16);
    const skipping = await journey('skipping', { onCap: 'skip' });
    const waiting = await journey('waiting', { onCap: 'wait' });
    expect(outbox()).toHaveLength(16);
    expect(counts(skipping)).toMatchObject({ 'hi suppressed:cap': 16 });
    expect(statuses(skipping)).toEqual({ exited: 16 });
    expect(counts(waiting)).toMatchObject({ 'hi waiting:cap': 16 });
    expect(statuses(waiting)).toEqual({ active: 16 });

    later(1);
    await engine().tick();
    expect(outbox()).toHaveLength(32);
    expect(statuses(waiting)).toEqual({ exited: 16 });
  });
});
