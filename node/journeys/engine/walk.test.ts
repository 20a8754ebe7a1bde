import { describe, expect, it } from 'vitest';
import type { JourneyGraph } from '../graph.js';
import { assignVariant } from '../experiments/assign.js';
import type { EngineData, ProfileScalar } from './ports.js';
import { runnable, startingEntry, type EntryState } from './state.js';
import { walk, type WalkPorts } from './walk.js';

const TEST_SECRET = new Uint8Array(32).fill(7);

// The executor's reading half over one customer's data held in memory (the data ports are the
// engine's seam; engine.test.ts runs the same code over a real node's profiles, segments and events).

const NOW = new Date('2026-03-02T10:30:00Z'); // a Monday; 18:30 in Shanghai

function ports(profile: Record<string, ProfileScalar> = {}, extra: Partial<EngineData> = {}, results: Record<string, string> = {}): WalkPorts {
  const data: EngineData = {
    profiles: async () => () => new Map(Object.entries(profile)),
    segmentMembers: async () => ['c1'],
    countEvents: async () => 0,
    activeHour: async () => null,
    eventsReceivedAfter: async () => [],
    timeZoneOf: () => 'Asia/Shanghai',
    normalise: (_d, id) => id,
    ...extra,
  };
  return {
    data,
    assign: (experiment, key, groups) => assignVariant(TEST_SECRET, experiment, key, groups),
    profile: async (dataset, id) => (await data.profiles(dataset))(id),
    inSegment: async (_s, id) => id === 'c1',
    sendResult: (key) => (key in results ? { status: 'sent', result: results[key] } : null),
    random: () => 0.5,
  };
}

const journey = (nodes: unknown[]) =>
  runnable({
    id: 7,
    name: 'j',
    version: 1,
    graph: { dataset: 'customers', nodes: [{ id: 'start', type: 'change_entry', params: {}, next: { out: 'n' } }, ...nodes] } as JourneyGraph,
  });

const entry = (over: Partial<EntryState> = {}): EntryState => ({
  ...startingEntry({ id: 42, journeyId: 7, version: 1, dataset: 'customers', customerId: 'c1', triggerKey: 't', node: 'start' }, NOW),
  ...over,
});

const bye = { id: 'bye', type: 'exit', params: {} };

async function endOf(nodes: unknown[], p = ports(), e = entry()) {
  const adv = await walk(journey(nodes), e, { kind: 'due' }, NOW, p);
  return adv!;
}

describe('the executor walks an entry until it waits or ends', () => {
  it('an attribute split takes the first matching branch; a tag a journey added counts', async () => {
    const split = {
      id: 'n',
      type: 'attribute_split',
      params: {
        branches: [
          { key: 'vip', conditions: [{ tag: 'vip', op: 'has' }] },
          {
            key: 'rich',
            match: 'any',
            conditions: [
              { attribute: 'income', op: 'gte', value: 80000 },
              { attribute: 'city', op: 'in', value: ['SH'] },
            ],
          },
        ],
      },
      next: { vip: 'a', rich: 'b', else: 'bye' },
    };
    const nodes = [split, { id: 'a', type: 'exit', params: { reason: 'vip' } }, { id: 'b', type: 'exit', params: { reason: 'rich' } }, bye];
    expect((await endOf(nodes, ports({ income: 90000 }))).next.exitReason).toBe('rich');
    expect((await endOf(nodes, ports({ income: 1, city: 'SH' }))).next.exitReason).toBe('rich');
    expect((await endOf(nodes, ports({ income: 1, 'tag:vip': true }))).next.exitReason).toBe('vip');
    expect((await endOf(nodes, ports({ income: null }))).next.exitReason).toBe('exit');
  });

  it('a score split routes by band; no score goes to else', async () => {
    const nodes = [
      {
        id: 'n',
        type: 'score_split',
        params: {
          attribute: 's',
          bands: [
            { key: 'hi', from: 0.7 },
            { key: 'lo', to: 0.7 },
          ],
        },
        next: { hi: 'h', lo: 'l', else: 'bye' },
      },
      { id: 'h', type: 'exit', params: { reason: 'hi' } },
      { id: 'l', type: 'exit', params: { reason: 'lo' } },
      bye,
    ];
    expect((await endOf(nodes, ports({ s: 0.7 }))).next.exitReason).toBe('hi');
    expect((await endOf(nodes, ports({ s: 0.2 }))).next.exitReason).toBe('lo');
    expect((await endOf(nodes, ports({}))).next.exitReason).toBe('exit');
  });

  it('a behaviour split counts the events in the window before now, between atLeast and atMost', async () => {
    const seen: { from: Date; to: Date }[] = [];
    const counting = (n: number) =>
      ports(
        {},
        {
          countEvents: async (_c, _s, from, to) => {
            seen.push({ from, to });
            return n;
          },
        },
      );
    const nodes = [
      {
        id: 'n',
        type: 'behaviour_split',
        params: { event: { event: 'app.opened' }, atLeast: 2, atMost: 3, within: { amount: 7, unit: 'days' } },
        next: { yes: 'y', no: 'bye' },
      },
      { id: 'y', type: 'exit', params: { reason: 'yes' } },
      bye,
    ];
    expect((await endOf(nodes, counting(2))).next.exitReason).toBe('yes');
    expect((await endOf(nodes, counting(4))).next.exitReason).toBe('exit');
    expect((await endOf(nodes, counting(1))).next.exitReason).toBe('exit');
    expect(seen[0]).toEqual({ from: new Date(NOW.getTime() - 7 * 86_400_000), to: NOW });
  });

  it('a segment check asks whether the customer is a member now', async () => {
    const nodes = [
      { id: 'n', type: 'segment_check', params: { segment: 's' }, next: { in: 'i', out: 'bye' } },
      { id: 'i', type: 'exit', params: { reason: 'in' } },
      bye,
    ];
    expect((await endOf(nodes)).next.exitReason).toBe('in');
    expect((await endOf(nodes, ports(), entry({ customerId: 'c2' }))).next.exitReason).toBe('exit');
  });

  it.each([
    [{ kind: 'duration', duration: { amount: 2, unit: 'hours' } }, {}, '2026-03-02T12:30:00.000Z'],
    [{ kind: 'until_date', at: '2026-04-01T00:00:00+08:00' }, {}, '2026-03-31T16:00:00.000Z'],
    // 18:30 in Shanghai: the next 09:00 there is tomorrow's.
    [{ kind: 'until_time', time: '09:00' }, {}, '2026-03-03T01:00:00.000Z'],
    [{ kind: 'until_time', time: '09:00', timeZone: 'Europe/London' }, {}, '2026-03-03T09:00:00.000Z'],
    [
      { kind: 'until_attribute', attribute: 'birthday', offset: { before: true, duration: { amount: 1, unit: 'days' } } },
      { birthday: '2026-05-10T00:00:00.000Z' },
      '2026-05-09T00:00:00.000Z',
    ],
    [{ kind: 'random', min: { amount: 1, unit: 'hours' }, max: { amount: 3, unit: 'hours' } }, {}, '2026-03-02T12:30:00.000Z'],
    [{ kind: 'active_hour', lookbackDays: 30, fallback: '20:15' }, {}, '2026-03-02T12:15:00.000Z'],
  ])('a delay of kind %o waits until the moment it names', async (params, profile, until) => {
    const adv = await endOf([{ id: 'n', type: 'delay', params, next: { out: 'bye' } }, bye], ports(profile));
    expect(adv.next).toMatchObject({ status: 'active', node: 'n', wakeAt: new Date(until), waitingFor: null });
    // The timer fires: the entry leaves by out.
    const fired = await walk(
      journey([{ id: 'n', type: 'delay', params, next: { out: 'bye' } }, bye]),
      { ...adv.next, steps: 1 },
      { kind: 'timer' },
      new Date(until),
      ports(profile),
    );
    expect(fired!.next).toMatchObject({ status: 'exited', node: 'bye' });
  });

  it("active_hour uses the customer's usual hour learned from their events", async () => {
    const adv = await endOf(
      [{ id: 'n', type: 'delay', params: { kind: 'active_hour', lookbackDays: 30, fallback: '20:15' }, next: { out: 'bye' } }, bye],
      ports({}, { activeHour: async () => 7 }),
    );
    expect(adv.next.wakeAt).toEqual(new Date('2026-03-02T23:00:00.000Z')); // 07:00 Shanghai tomorrow
  });

  it('a delay into the past or a date the profile does not hold passes at once', async () => {
    const nodes = (params: object) => [{ id: 'n', type: 'delay', params, next: { out: 'bye' } }, bye];
    expect((await endOf(nodes({ kind: 'until_date', at: '2020-01-01T00:00:00Z' }))).next.status).toBe('exited');
    expect((await endOf(nodes({ kind: 'until_attribute', attribute: 'birthday' }), ports({ birthday: null }))).next.status).toBe('exited');
  });

  it('a time window holds until it opens (holidays closed all day), or skips', async () => {
    const window = (outside: string, holidays: string[] = []) => ({
      id: 'n',
      type: 'time_window',
      params: { mode: 'quiet', hours: [{ from: '21:00', to: '08:00' }], holidays, timeZone: 'Asia/Shanghai', outside },
      next: { out: 'bye', ...(outside === 'skip' ? { skipped: 's' } : {}) },
    });
    const skipped = { id: 's', type: 'exit', params: { reason: 'skipped' } };
    // 18:30 in Shanghai is outside the quiet hours: passes.
    expect((await endOf([window('hold'), bye])).next.status).toBe('exited');
    // On a holiday it holds until the next day's 08:00 (after the quiet night).
    const held = await endOf([window('hold', ['2026-03-02']), bye]);
    expect(held.next).toMatchObject({ status: 'active', node: 'n', wakeAt: new Date('2026-03-03T00:00:00.000Z') });
    expect((await endOf([window('skip', ['2026-03-02']), skipped, bye])).next.exitReason).toBe('skipped');
  });

  it('a random split assigns stably per customer; the control group leaves, recorded as its variant', async () => {
    const nodes = [
      {
        id: 'n',
        type: 'random_split',
        params: {
          branches: [
            { key: 'a', percent: 40 },
            { key: 'b', percent: 40 },
          ],
          control: 20,
        },
        next: { a: 'bye', b: 'bye' },
      },
      bye,
    ];
    const groups = new Map<string, number>();
    for (let i = 0; i < 2000; i++) {
      const adv = await endOf(nodes, ports(), entry({ customerId: `c${i}` }));
      const again = await endOf(nodes, ports(), entry({ customerId: `c${i}`, id: 99 }));
      expect(again.next.variant).toBe(adv.next.variant);
      groups.set(adv.next.variant!, (groups.get(adv.next.variant!) ?? 0) + 1);
      if (adv.next.variant === 'control') expect(adv.next).toMatchObject({ status: 'exited', exitReason: 'control' });
    }
    expect(groups.get('a')! / 2000).toBeCloseTo(0.4, 1);
    expect(groups.get('control')! / 2000).toBeCloseTo(0.2, 1);
  });

  it('reach renders every variable and stops for the gate; a missing one fails the message whole', async () => {
    const reach = {
      id: 'n',
      type: 'reach',
      params: { channel: 'sms', template: { subject: '{{journey.name}}', body: 'Hi {{ profile.first_name }}, {{event.amount}}' }, priority: 7 },
    };
    const adv = await endOf([reach], ports({ first_name: 'Li' }), entry({ context: { amount: 60000 } }));
    expect(adv.next).toMatchObject({ status: 'active', node: 'n', priority: 7 });
    expect(adv.send!.message).toMatchObject({
      idempotencyKey: 'j7.v1.nn.e42',
      variables: { 'profile.first_name': 'Li', 'event.amount': '60000', 'journey.name': 'j' },
      channel: 'sms',
      priority: 7,
      transactional: false,
    });
    expect(adv.send!.attempt).toMatchObject({ customerId: 'c1', nodeId: 'n', entryId: 42, onCap: 'skip', onQuiet: 'postpone' });
    const missing = await endOf([reach], ports({ first_name: null }), entry({ context: { amount: 1 } }));
    expect(missing.send).toBeUndefined();
    expect(missing.next).toMatchObject({ status: 'failed', exitReason: 'variable_missing:profile.first_name' });
    expect(missing.visits.at(-1)).toEqual({ node: 'n', outcome: 'failed:variable_missing' });
  });

  it('a send-result split routes by the furthest result, waiting up to waitUpTo for one', async () => {
    const nodes = (waitUpTo?: object) => [
      {
        id: 'n',
        type: 'send_result_split',
        params: { action: 'm', ...(waitUpTo ? { waitUpTo } : {}) },
        next: { clicked: 'c', opened: 'bye', delivered: 'bye', failed: 'bye', no_result: 'nr' },
      },
      { id: 'c', type: 'exit', params: { reason: 'clicked' } },
      { id: 'nr', type: 'exit', params: { reason: 'none' } },
      bye,
    ];
    expect((await endOf(nodes(), ports({}, {}, { 'j7.v1.nm.e42': 'clicked' }))).next.exitReason).toBe('clicked');
    expect((await endOf(nodes())).next.exitReason).toBe('none');
    const waiting = await endOf(nodes({ amount: 1, unit: 'days' }));
    expect(waiting.next).toMatchObject({ status: 'active', node: 'n', wakeAt: new Date(NOW.getTime() + 86_400_000) });
    // A message waiting for a retry (outbox `failed`) has no result yet and the split waits for it; only a dead one has failed.
    const withStatus = (status: string) => ({ ...ports(), sendResult: () => ({ status, result: null }) });
    expect((await endOf(nodes(), withStatus('failed'))).next.exitReason).toBe('none');
    expect((await endOf(nodes({ amount: 1, unit: 'days' }), withStatus('failed'))).next).toMatchObject({ status: 'active', node: 'n' });
    expect((await endOf(nodes({ amount: 1, unit: 'days' }), withStatus('dead'))).next.exitReason).toBe('exit');
    const timedOut = { ...waiting.next, steps: 1 };
    expect((await walk(journey(nodes({ amount: 1, unit: 'days' })), timedOut, { kind: 'timer' }, NOW, withStatus('failed')))!.next.exitReason).toBe('none');
  });

  it('wait_event: the event (after the wait began, passing the filters) takes event; the timer takes timeout', async () => {
    const nodes = [
      {
        id: 'n',
        type: 'wait_event',
        params: { event: { event: 'deposit.made', filters: [{ property: 'amount', op: 'gte', value: 100 }] }, timeout: { amount: 3, unit: 'days' } },
        next: { event: 'e', timeout: 'bye' },
      },
      { id: 'e', type: 'exit', params: { reason: 'deposited' } },
      bye,
    ];
    const waiting = await endOf(nodes);
    expect(waiting.next).toMatchObject({ node: 'n', waitingFor: 'deposit.made', wakeAt: new Date(NOW.getTime() + 3 * 86_400_000) });
    const at = { ...waiting.next, steps: 1 };
    const event = (amount: number) => ({ eventId: 'x', customerId: 'c1', name: 'deposit.made', time: NOW, receivedAt: NOW, properties: { amount } });
    expect(await walk(journey(nodes), at, { kind: 'event', event: event(50) }, NOW, ports())).toBeNull();
    expect((await walk(journey(nodes), at, { kind: 'event', event: event(150) }, NOW, ports()))!.next.exitReason).toBe('deposited');
    expect((await walk(journey(nodes), at, { kind: 'timer' }, NOW, ports()))!.next.exitReason).toBe('exit');
  });

  it('jump continues at its target; update_attribute is read back by the next judgment', async () => {
    const nodes = [
      { id: 'n', type: 'update_attribute', params: { op: 'add_tag', tag: 'seen' }, next: { out: 'j' } },
      { id: 'j', type: 'jump', params: { target: 'k' } },
      { id: 'k', type: 'attribute_split', params: { branches: [{ key: 'seen', conditions: [{ tag: 'seen', op: 'has' }] }] }, next: { seen: 'g', else: 'bye' } },
      { id: 'g', type: 'goal', params: { event: { event: 'x' } } },
      bye,
    ];
    const adv = await endOf(nodes);
    expect(adv.updates).toEqual([{ name: 'tag:seen', value: true }]);
    expect(adv.next).toMatchObject({ status: 'converted', node: 'g' });
    expect(adv.visits.map((v) => `${v.node}:${v.outcome}`)).toEqual([
      'start:out:out',
      'n:entered',
      'n:out:out',
      'j:entered',
      'k:entered',
      'k:out:seen',
      'g:entered',
      'g:converted',
    ]);
  });
});
