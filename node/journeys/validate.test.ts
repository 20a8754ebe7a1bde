import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../paths.js';
import { journeyReferences as refs } from '../../test/support/journey-references.js';
import { COMPONENT_TYPES } from './components.js';
import type { JourneyNode } from './graph.js';
import { PROBLEM_CODES, type Problem } from './problems.js';
import { validateJourney } from './validate.js';

const docs = readFileSync(join(packageRoot(), 'docs', 'journeys.md'), 'utf8');

/** The example journey of docs/journeys.md: it must validate against the node data below. */
const example = () => JSON.parse(/## Example journey[\s\S]*?```json\n([\s\S]*?)```/.exec(docs)![1]);

const entry = (next = 'bye'): JourneyNode => ({
  id: 'start',
  type: 'segment_entry',
  params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } },
  next: { out: next },
});
const exit: JourneyNode = { id: 'bye', type: 'exit', params: {} };

/** A journey start → node → bye, with `node` (ids other than start and bye) in the middle. */
const around = (...middle: JourneyNode[]) => ({ dataset: 'customers', nodes: [entry(middle[0]?.id), ...middle, exit] });

const problemsOf = async (graph: unknown, unit: string | null = null) => (await validateJourney(graph, refs, unit)).problems;
const only = (problems: Problem[]) => problems.map(({ nodeId, param, code }) => ({ nodeId, param, code }));

describe('journey validation', () => {
  it('accepts the example journey of docs/journeys.md', async () => {
    const v = await validateJourney(example(), refs, null);
    expect(v.problems).toEqual([]);
    expect(v.graph?.nodes.length).toBeGreaterThan(10);
  });

  it('every problem code has a test here (campaign template codes: in templates/service.test.ts) that expects it', () => {
    const source = [import.meta.url, new URL('templates/service.test.ts', import.meta.url)].map((file) => readFileSync(new URL(file), 'utf8')).join('\n');
    for (const code of Object.keys(PROBLEM_CODES)) expect(source.split(`code: '${code}'`).length, code).toBeGreaterThan(1);
  });

  it('docs/journeys.md lists every problem code and every component', () => {
    for (const code of Object.keys(PROBLEM_CODES)) expect(docs, code).toContain(`\`${code}\``);
    for (const type of COMPONENT_TYPES) expect(docs, type).toContain(`### \`${type}\``);
  });

  it('GRAPH_INVALID: the journey shape, named; a bad node is named by its id', async () => {
    expect(only(await problemsOf([]))).toEqual([{ code: 'GRAPH_INVALID' }]);
    expect(only(await problemsOf({ dataset: 'customers' }))).toEqual([{ param: 'nodes', code: 'GRAPH_INVALID' }]);
    const bad = around({ id: 'odd', type: 'exit', params: {}, colour: 'red' } as JourneyNode);
    expect(only(await problemsOf({ ...bad, dataset: '' }))).toEqual([
      { param: 'dataset', code: 'GRAPH_INVALID' },
      { nodeId: 'odd', param: 'colour', code: 'GRAPH_INVALID' },
      // The node that failed its shape is not in the graph, so what leads to it leads nowhere.
      { nodeId: 'start', param: 'next.out', code: 'TARGET_UNKNOWN' },
      { nodeId: 'bye', code: 'NODE_UNREACHABLE' },
    ]);
  });

  it("GRAPH_INVALID: the journey's frequency settings, each named", async () => {
    expect(only(await problemsOf({ ...around(), frequency: { onCap: 'wait', onQuiet: 'drop' } }))).toEqual([]);
    expect(only(await problemsOf({ ...around(), frequency: { onCap: 'later', colour: 1 } }))).toEqual([
      { param: 'frequency.colour', code: 'GRAPH_INVALID' },
      { param: 'frequency.onCap', code: 'GRAPH_INVALID' },
    ]);
  });

  it('NODE_ID_DUPLICATE', async () => {
    const g = around({ id: 'bye', type: 'exit', params: {} });
    expect(only(await problemsOf(g))).toEqual([{ nodeId: 'bye', param: 'id', code: 'NODE_ID_DUPLICATE' }]);
  });

  it('NODE_TYPE_UNKNOWN names the known types', async () => {
    const p = await problemsOf(around({ id: 'x', type: 'teleport', params: {}, next: { out: 'bye' } }));
    expect(only(p)).toEqual([{ nodeId: 'x', param: 'type', code: 'NODE_TYPE_UNKNOWN' }]);
    expect(p[0].message).toContain('attribute_split');
  });

  it('PARAM_INVALID: every bad parameter of a node, each by its path', async () => {
    const p = await problemsOf(
      around({
        id: 'wait',
        type: 'wait_event',
        params: { event: { event: 'app.opened', filters: [{ property: 'x', op: 'like', value: 1 }] }, timeout: { amount: 0, unit: 'fortnights' }, extra: 1 },
        next: { event: 'bye', timeout: 'bye' },
      }),
    );
    expect(only(p)).toEqual([
      { nodeId: 'wait', param: 'extra', code: 'PARAM_INVALID' },
      { nodeId: 'wait', param: 'event.filters[0].op', code: 'PARAM_INVALID' },
      { nodeId: 'wait', param: 'timeout.amount', code: 'PARAM_INVALID' },
      { nodeId: 'wait', param: 'timeout.unit', code: 'PARAM_INVALID' },
    ]);
    expect(p.find((x) => x.param === 'timeout.unit')!.message).toBe('timeout.unit: must be one of: minutes, hours, days, weeks');
  });

  it('PARAM_INVALID: a form told apart by its kind reports the forms, then only the chosen form', async () => {
    const delay = (params: object) => around({ id: 'd', type: 'delay', params, next: { out: 'bye' } });
    const wrongKind = await problemsOf(delay({ kind: 'forever' }));
    expect(only(wrongKind)).toEqual([{ nodeId: 'd', param: 'kind', code: 'PARAM_INVALID' }]);
    expect(wrongKind[0].message).toBe('kind: must be one of: duration, until_date, until_time, until_attribute, random, active_hour');
    expect(only(await problemsOf(delay({ kind: 'until_time', time: '25:00' })))).toEqual([{ nodeId: 'd', param: 'time', code: 'PARAM_INVALID' }]);
    expect(only(await problemsOf(delay({ kind: 'until_time', time: '09:00', timeZone: 'Mars/Olympus' })))).toEqual([
      { nodeId: 'd', param: 'timeZone', code: 'PARAM_INVALID' },
    ]);
    expect(only(await problemsOf(delay({ kind: 'until_date', at: '2026-02-30T09:00:00Z' })))).toEqual([{ nodeId: 'd', param: 'at', code: 'PARAM_INVALID' }]);
  });

  it('PARAM_INVALID: a condition takes the value its operator needs', async () => {
    const split = (condition: object) =>
      around({ id: 's', type: 'attribute_split', params: { branches: [{ key: 'a', conditions: [condition] }] }, next: { a: 'bye', else: 'bye' } });
    expect(only(await problemsOf(split({ attribute: 'income', op: 'in', value: 5 })))).toEqual([
      { nodeId: 's', param: 'branches[0].conditions[0].value', code: 'PARAM_INVALID' },
    ]);
    expect(only(await problemsOf(split({ attribute: 'income', op: 'isSet', value: 5 })))).toEqual([
      { nodeId: 's', param: 'branches[0].conditions[0].value', code: 'PARAM_INVALID' },
    ]);
    // eq is an attribute operator: the condition is read as an attribute condition, and says what it lacks.
    expect(only(await problemsOf(split({ tag: 'gold', op: 'eq' })))).toEqual([
      { nodeId: 's', param: 'branches[0].conditions[0].attribute', code: 'PARAM_INVALID' },
      { nodeId: 's', param: 'branches[0].conditions[0].tag', code: 'PARAM_INVALID' },
    ]);
    expect(only(await problemsOf(split({ tag: 'gold', op: 'owns' })))).toEqual([{ nodeId: 's', param: 'branches[0].conditions[0].op', code: 'PARAM_INVALID' }]);
  });

  it('PERCENTAGES_NOT_100, with a control group; thirds in hundredths add up', async () => {
    const split = (branches: object[], control?: number) => ({
      dataset: 'customers',
      nodes: [
        entry('ab'),
        { id: 'ab', type: 'random_split', params: { branches, ...(control !== undefined ? { control } : {}) }, next: { a: 'bye', b: 'bye', c: 'bye' } },
        exit,
      ],
    });
    const p = await problemsOf(
      split(
        [
          { key: 'a', percent: 50 },
          { key: 'b', percent: 40 },
        ],
        5,
      ),
    );
    expect(only(p)).toEqual([{ nodeId: 'ab', param: 'branches', code: 'PERCENTAGES_NOT_100' }]);
    expect(p[0].message).toBe('branches: a 50 + b 40 + control 5 = 95, not 100');
    const thirds = split([
      { key: 'a', percent: 33.33 },
      { key: 'b', percent: 33.33 },
      { key: 'c', percent: 33.34 },
    ]);
    expect(await problemsOf(thirds)).toEqual([]);
    // A share below a hundredth would get no customer at all.
    const crumbs = await problemsOf(split([{ key: 'a', percent: 99.996 }], 0.004));
    expect(only(crumbs)).toEqual([{ nodeId: 'ab', param: 'control', code: 'PARAM_INVALID' }]);
    expect(crumbs[0].message).toBe('control: at least 0.01 (shares are in hundredths of a percent); got 0.004');
  });

  it('RANGE_EMPTY: bands, random delays, hours and counts', async () => {
    const bands = around({
      id: 'score',
      type: 'score_split',
      params: {
        attribute: 'churn_score',
        bands: [
          { key: 'high', from: 0.8, to: 0.5 },
          { key: 'low', to: 0.5 },
        ],
      },
      next: { high: 'bye', low: 'bye', else: 'bye' },
    });
    expect(only(await problemsOf(bands))).toEqual([{ nodeId: 'score', param: 'bands[0].to', code: 'RANGE_EMPTY' }]);
    const random = around({
      id: 'd',
      type: 'delay',
      params: { kind: 'random', min: { amount: 2, unit: 'hours' }, max: { amount: 90, unit: 'minutes' } },
      next: { out: 'bye' },
    });
    expect(only(await problemsOf(random))).toEqual([{ nodeId: 'd', param: 'max', code: 'RANGE_EMPTY' }]);
    const hours = around({
      id: 'w',
      type: 'time_window',
      params: { mode: 'open', hours: [{ from: '09:00', to: '09:00' }], outside: 'hold' },
      next: { out: 'bye' },
    });
    expect(only(await problemsOf(hours))).toEqual([{ nodeId: 'w', param: 'hours[0].to', code: 'RANGE_EMPTY' }]);
    const counts = around({
      id: 'b',
      type: 'behaviour_split',
      params: { event: { event: 'app.opened' }, atLeast: 3, atMost: 2, within: { amount: 7, unit: 'days' } },
      next: { yes: 'bye', no: 'bye' },
    });
    expect(only(await problemsOf(counts))).toEqual([{ nodeId: 'b', param: 'atMost', code: 'RANGE_EMPTY' }]);
  });

  it('KEY_DUPLICATE: a key used twice, named else, or control in an experiment or beside a control group', async () => {
    const g = around({
      id: 's',
      type: 'attribute_split',
      params: {
        branches: [
          { key: 'a', conditions: [{ tag: 'x', op: 'has' }] },
          { key: 'a', conditions: [{ tag: 'y', op: 'has' }] },
          { key: 'else', conditions: [{ tag: 'z', op: 'has' }] },
        ],
      },
      next: { a: 'bye', else: 'bye' },
    });
    expect(only(await problemsOf(g))).toEqual([
      { nodeId: 's', param: 'branches[1].key', code: 'KEY_DUPLICATE' },
      { nodeId: 's', param: 'branches[2].key', code: 'KEY_DUPLICATE' },
    ]);
    // With a control group, or in an experiment, control names the control group; otherwise it is a key like any other.
    const split = (params: object) =>
      around({
        id: 'ab',
        type: 'random_split',
        params: {
          branches: [
            { key: 'control', percent: 90 },
            { key: 'b', percent: 10 },
          ],
          ...params,
        },
        next: { control: 'bye', b: 'bye' },
      });
    const held = await problemsOf(split({ branches: [{ key: 'control', percent: 90 }], control: 10 }));
    expect(only(held)).toEqual([{ nodeId: 'ab', param: 'branches[0].key', code: 'KEY_DUPLICATE' }]);
    expect(held[0].message).toBe('branches[0].key: control is the name of the control group');
    expect(only(await problemsOf(split({ experiment: { name: 'ab', winner: 'auto' } })))).toEqual([
      { nodeId: 'ab', param: 'branches[0].key', code: 'KEY_DUPLICATE' },
    ]);
    expect(await problemsOf(split({}))).toEqual([]);
  });

  it('OUTLET_UNKNOWN, TARGET_UNKNOWN and BRANCH_UNTERMINATED name the outlet', async () => {
    const g = around({ id: 'check', type: 'segment_check', params: { segment: 'high-value' }, next: { in: 'nowhere', maybe: 'bye' } });
    expect(only(await problemsOf(g))).toEqual([
      { nodeId: 'check', param: 'next.in', code: 'TARGET_UNKNOWN' },
      { nodeId: 'check', param: 'next.maybe', code: 'OUTLET_UNKNOWN' },
      { nodeId: 'check', param: 'next.out', code: 'BRANCH_UNTERMINATED' },
    ]);
  });

  it('an action may end a branch; a jump to a missing node is TARGET_UNKNOWN on its target', async () => {
    const sms = { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Hello' } } };
    expect(await problemsOf({ dataset: 'customers', nodes: [entry('sms'), sms] })).toEqual([]);
    const jump = around({ id: 'j', type: 'jump', params: { target: 'gone' } });
    expect(only(await problemsOf(jump))).toEqual([
      { nodeId: 'j', param: 'target', code: 'TARGET_UNKNOWN' },
      { nodeId: 'bye', code: 'NODE_UNREACHABLE' },
    ]);
  });

  it('ENTRY_MISSING, ENTRY_KINDS_MIXED, ENTRY_SEGMENT_MULTIPLE and ENTRY_TARGETED', async () => {
    expect(only(await problemsOf({ dataset: 'customers', nodes: [exit] }))).toEqual([{ code: 'ENTRY_MISSING' }]);
    const trigger = { id: 'opened', type: 'event_entry', params: { event: { event: 'app.opened' }, reentry: { kind: 'rejoin' } }, next: { out: 'bye' } };
    expect(only(await problemsOf({ dataset: 'customers', nodes: [entry(), trigger, exit] }))).toEqual([
      { nodeId: 'opened', param: 'type', code: 'ENTRY_KINDS_MIXED' },
    ]);
    expect(only(await problemsOf({ dataset: 'customers', nodes: [entry(), { ...entry(), id: 'again' }, exit] }))).toEqual([
      { nodeId: 'again', param: 'type', code: 'ENTRY_SEGMENT_MULTIPLE' },
    ]);
    const back = around({ id: 'j', type: 'jump', params: { target: 'start' } });
    expect(only(await problemsOf(back))).toEqual([
      { nodeId: 'j', param: 'target', code: 'ENTRY_TARGETED' },
      { nodeId: 'bye', code: 'NODE_UNREACHABLE' },
    ]);
    // Two event triggers are one kind of entry.
    expect(
      await problemsOf({
        dataset: 'customers',
        nodes: [trigger, { ...trigger, id: 'deposit', params: { ...trigger.params, event: { event: 'deposit.made' } } }, exit],
      }),
    ).toEqual([]);
  });

  it('NODE_UNREACHABLE, except a goal (reached by its event from anywhere)', async () => {
    const g = around({ id: 'lost', type: 'exit', params: {} }, { id: 'won', type: 'goal', params: { event: { event: 'loan.applied' } } });
    g.nodes[0].next = { out: 'bye' };
    expect(only(await problemsOf(g))).toEqual([{ nodeId: 'lost', code: 'NODE_UNREACHABLE' }]);
  });

  it('CYCLE_WITHOUT_WAIT on every node of the loop; a delay on it makes it fine', async () => {
    const loop = {
      dataset: 'customers',
      nodes: [
        entry('check'),
        { id: 'check', type: 'segment_check', params: { segment: 'high-value' }, next: { in: 'again', out: 'bye' } },
        { id: 'again', type: 'jump', params: { target: 'check' } },
        exit,
      ],
    };
    expect(only(await problemsOf(loop))).toEqual([
      { nodeId: 'again', code: 'CYCLE_WITHOUT_WAIT' },
      { nodeId: 'check', code: 'CYCLE_WITHOUT_WAIT' },
    ]);
    loop.nodes[1].next = { in: 'pause', out: 'bye' };
    loop.nodes.push({ id: 'pause', type: 'delay', params: { kind: 'duration', duration: { amount: 1, unit: 'days' } }, next: { out: 'again' } });
    expect(await problemsOf(loop)).toEqual([]);
    const self = around({ id: 'self', type: 'segment_check', params: { segment: 'high-value' }, next: { in: 'self', out: 'bye' } });
    expect(only(await problemsOf(self))).toEqual([{ nodeId: 'self', code: 'CYCLE_WITHOUT_WAIT' }]);
  });

  it('SEND_RESULT_ACTION_INVALID: not a reach node, or a path around it', async () => {
    const result = (action: string) => ({
      id: 'result',
      type: 'send_result_split',
      params: { action },
      next: Object.fromEntries(SENDS.map((s) => [s, 'bye'])),
    });
    const SENDS = ['clicked', 'opened', 'delivered', 'failed', 'no_result'];
    const sms = { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Hi' } }, next: { out: 'result' } };
    expect(await problemsOf({ dataset: 'customers', nodes: [entry('sms'), sms, result('sms'), exit] })).toEqual([]);
    expect(only(await problemsOf({ dataset: 'customers', nodes: [entry('result'), result('bye'), exit] }))).toEqual([
      { nodeId: 'result', param: 'action', code: 'SEND_RESULT_ACTION_INVALID' },
    ]);
    const around = {
      dataset: 'customers',
      nodes: [
        entry('check'),
        { id: 'check', type: 'segment_check', params: { segment: 'high-value' }, next: { in: 'sms', out: 'result' } },
        sms,
        result('sms'),
        exit,
      ],
    };
    const p = await problemsOf(around);
    expect(only(p)).toEqual([{ nodeId: 'result', param: 'action', code: 'SEND_RESULT_ACTION_INVALID' }]);
    expect(p[0].message).toContain('without passing sms');
  });

  it('GOAL_UNKNOWN: an experiment measures a goal node', async () => {
    const ab = around({
      id: 'ab',
      type: 'random_split',
      params: { branches: [{ key: 'a', percent: 90 }], control: 10, experiment: { name: 'first', goal: 'bye', winner: 'manual' } },
      next: { a: 'bye' },
    });
    expect(only(await problemsOf(ab))).toEqual([{ nodeId: 'ab', param: 'experiment.goal', code: 'GOAL_UNKNOWN' }]);
  });

  it('EXPERIMENT_NAME_DUPLICATE: each experiment of a journey has its own name', async () => {
    const split = (id: string, name: string, next: string) => ({
      id,
      type: 'random_split',
      params: { branches: [{ key: 'a', percent: 50 }], control: 50, experiment: { name, winner: 'auto' } },
      next: { a: next },
    });
    const twice = around(split('first', 'offer', 'second') as JourneyNode, split('second', 'offer', 'bye') as JourneyNode);
    const p = await problemsOf(twice);
    expect(only(p)).toEqual([{ nodeId: 'second', param: 'experiment.name', code: 'EXPERIMENT_NAME_DUPLICATE' }]);
    expect(p[0].message).toBe('experiment.name: offer is also the experiment of first');
    expect(await problemsOf(around(split('first', 'offer', 'second') as JourneyNode, split('second', 'timing', 'bye') as JourneyNode))).toEqual([]);
  });

  it('DATASET_UNKNOWN, SEGMENT_UNKNOWN (also outside the unit) and SEGMENT_DATASET_MISMATCH', async () => {
    expect(only(await problemsOf({ ...around(), dataset: 'nobody' }))).toEqual([{ param: 'dataset', code: 'DATASET_UNKNOWN' }]);
    const check = (segment: string) => around({ id: 'c', type: 'segment_check', params: { segment }, next: { in: 'bye', out: 'bye' } });
    expect(only(await problemsOf(check('gone')))).toEqual([{ nodeId: 'c', param: 'segment', code: 'SEGMENT_UNKNOWN' }]);
    expect(only(await problemsOf(check('north-only')))).toEqual([{ nodeId: 'c', param: 'segment', code: 'SEGMENT_UNKNOWN' }]);
    expect(await problemsOf(check('north-only'), 'north')).toEqual([]);
    expect(only(await problemsOf(check('shops')))).toEqual([{ nodeId: 'c', param: 'segment', code: 'SEGMENT_DATASET_MISMATCH' }]);
  });

  it('EVENT_UNKNOWN and PROPERTY_UNKNOWN against the tracking plan', async () => {
    const trigger = {
      id: 'in',
      type: 'event_entry',
      params: {
        event: {
          event: 'deposit.made',
          filters: [
            { property: 'amount', op: 'gt', value: 50_000 },
            { property: 'currency', op: 'eq', value: 'CNY' },
          ],
        },
        notFollowedBy: { event: { event: 'deposit.undone' }, withinMinutes: 30 },
        reentry: { kind: 'after', days: 7 },
      },
      next: { out: 'bye' },
    };
    expect(only(await problemsOf({ dataset: 'customers', nodes: [trigger, exit] }))).toEqual([
      { nodeId: 'in', param: 'event.filters[1].property', code: 'PROPERTY_UNKNOWN' },
      { nodeId: 'in', param: 'notFollowedBy.event.event', code: 'EVENT_UNKNOWN' },
    ]);
  });

  it('PROPERTY_TYPE_MISMATCH: a filter that cannot match its property type', async () => {
    const wait = (filters: object[]) =>
      around({
        id: 'w',
        type: 'wait_event',
        params: { event: { event: 'deposit.made', filters }, timeout: { amount: 1, unit: 'days' } },
        next: { event: 'bye', timeout: 'bye' },
      });
    expect(only(await problemsOf(wait([{ property: 'amount', op: 'gt', value: '50000' }])))).toEqual([
      { nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_TYPE_MISMATCH' },
    ]);
    expect(only(await problemsOf(wait([{ property: 'amount', op: 'contains', value: '5' }])))).toEqual([
      { nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_TYPE_MISMATCH' },
    ]);
    expect(only(await problemsOf(wait([{ property: 'branch', op: 'in', value: ['north', 7] }])))).toEqual([
      { nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_TYPE_MISMATCH' },
    ]);
    expect(
      await problemsOf(
        wait([
          { property: 'amount', op: 'in', value: [1, 2] },
          { property: 'branch', op: 'exists' },
        ]),
      ),
    ).toEqual([]);
  });

  it("PROPERTY_VALUE_NOT_ALLOWED: an enum property's filter values must be among the plan's values", async () => {
    const wait = (filters: object[]) =>
      around({
        id: 'w',
        type: 'wait_event',
        params: { event: { event: 'deposit.made', filters }, timeout: { amount: 1, unit: 'days' } },
        next: { event: 'bye', timeout: 'bye' },
      });
    const eur = await problemsOf(wait([{ property: 'channel', op: 'eq', value: 'phone' }]));
    expect(only(eur)).toEqual([{ nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_VALUE_NOT_ALLOWED' }]);
    expect(eur[0].message).toBe('event.filters[0].value: "phone" is not among the values the tracking plan allows for channel: app, web, branch');
    // Values are compared exactly, as ingestion does; each value of a list is checked.
    expect(only(await problemsOf(wait([{ property: 'channel', op: 'in', value: ['web', 'App'] }])))).toEqual([
      { nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_VALUE_NOT_ALLOWED' },
    ]);
    expect(only(await problemsOf(wait([{ property: 'channel', op: 'neq', value: 'atm' }])))).toEqual([
      { nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_VALUE_NOT_ALLOWED' },
    ]);
    // A value of the wrong type is a type mismatch, reported once.
    expect(only(await problemsOf(wait([{ property: 'channel', op: 'eq', value: 7 }])))).toEqual([
      { nodeId: 'w', param: 'event.filters[0].value', code: 'PROPERTY_TYPE_MISMATCH' },
    ]);
    expect(
      await problemsOf(
        wait([
          { property: 'channel', op: 'in', value: ['app', 'branch'] },
          { property: 'channel', op: 'neq', value: 'web' },
          { property: 'channel', op: 'exists' },
        ]),
      ),
    ).toEqual([]);
  });

  it('ATTRIBUTE_UNKNOWN, ATTRIBUTE_TYPE_MISMATCH and ATTRIBUTE_NOT_WRITABLE', async () => {
    const split = around({
      id: 's',
      type: 'attribute_split',
      params: {
        branches: [
          {
            key: 'rich',
            conditions: [
              { attribute: 'income', op: 'gte', value: 'lots' },
              { attribute: 'wealth', op: 'isSet' },
            ],
          },
        ],
      },
      next: { rich: 'bye', else: 'bye' },
    });
    expect(only(await problemsOf(split))).toEqual([
      { nodeId: 's', param: 'branches[0].conditions[0].value', code: 'ATTRIBUTE_TYPE_MISMATCH' },
      { nodeId: 's', param: 'branches[0].conditions[1].attribute', code: 'ATTRIBUTE_UNKNOWN' },
    ]);
    const score = around({
      id: 'sc',
      type: 'score_split',
      params: { attribute: 'first_name', bands: [{ key: 'hi', from: 0.5 }] },
      next: { hi: 'bye', else: 'bye' },
    });
    expect(only(await problemsOf(score))).toEqual([{ nodeId: 'sc', param: 'attribute', code: 'ATTRIBUTE_TYPE_MISMATCH' }]);
    const birthday = around({ id: 'd', type: 'delay', params: { kind: 'until_attribute', attribute: 'income' }, next: { out: 'bye' } });
    expect(only(await problemsOf(birthday))).toEqual([{ nodeId: 'd', param: 'attribute', code: 'ATTRIBUTE_TYPE_MISMATCH' }]);
    const set = around({ id: 'u', type: 'update_attribute', params: { op: 'set', attribute: 'churn_score', value: 0 }, next: { out: 'bye' } });
    expect(only(await problemsOf(set))).toEqual([{ nodeId: 'u', param: 'attribute', code: 'ATTRIBUTE_NOT_WRITABLE' }]);
    const joint = {
      dataset: 'customers',
      nodes: [
        { id: 'in', type: 'change_entry', params: { on: { kind: 'joint_result', attribute: 'vip' }, reentry: { kind: 'never' } }, next: { out: 'bye' } },
        exit,
      ],
    };
    expect(only(await problemsOf(joint))).toEqual([{ nodeId: 'in', param: 'on.attribute', code: 'ATTRIBUTE_TYPE_MISMATCH' }]);
  });

  it('ATTRIBUTE_TYPE_MISMATCH: a score split routes by a model score or a joint attribute, not a dataset number', async () => {
    const scoreSplit = (attribute: string) =>
      around({ id: 'sc', type: 'score_split', params: { attribute, bands: [{ key: 'hi', from: 0.5 }] }, next: { hi: 'bye', else: 'bye' } });
    const byIncome = await problemsOf(scoreSplit('income'));
    expect(only(byIncome)).toEqual([{ nodeId: 'sc', param: 'attribute', code: 'ATTRIBUTE_TYPE_MISMATCH' }]);
    expect(byIncome[0].message).toContain('income is a dataset attribute');
    // A joint attribute that is not a number is still refused for its type.
    expect(only(await problemsOf(scoreSplit('partner:telco:active')))).toEqual([{ nodeId: 'sc', param: 'attribute', code: 'ATTRIBUTE_TYPE_MISMATCH' }]);
    expect(await problemsOf(scoreSplit('churn_score'))).toEqual([]);
    expect(await problemsOf(scoreSplit('partner:telco:value'))).toEqual([]);
  });

  it("a call list and a task's due days only on their own channel, and in range", async () => {
    const reach = (params: object) => around({ id: 'msg', type: 'reach', params: { template: { body: 'Hi' }, ...params }, next: { out: 'bye' } });
    expect(await problemsOf(reach({ channel: 'call', list: 'vip-callbacks' }))).toEqual([]);
    expect(await problemsOf(reach({ channel: 'branch_task', dueDays: 7 }))).toEqual([]);
    expect(only(await problemsOf(reach({ channel: 'sms', list: 'vip', dueDays: 2 })))).toEqual([
      { nodeId: 'msg', param: 'list', code: 'PARAM_INVALID' },
      { nodeId: 'msg', param: 'dueDays', code: 'PARAM_INVALID' },
    ]);
    expect(only(await problemsOf(reach({ channel: 'branch_task', dueDays: 400 })))).toEqual([{ nodeId: 'msg', param: 'dueDays', code: 'PARAM_INVALID' }]);
    expect(only(await problemsOf(reach({ channel: 'call', list: 'no spaces' })))).toEqual([{ nodeId: 'msg', param: 'list', code: 'PARAM_INVALID' }]);
  });

  it('CHANNEL_UNKNOWN, TEMPLATE_INVALID and TEMPLATE_VARIABLE_UNAVAILABLE', async () => {
    const reach = (channel: string, template: object) => around({ id: 'msg', type: 'reach', params: { channel, template }, next: { out: 'bye' } });
    expect(only(await problemsOf(reach('pigeon', { body: 'Hi' })))).toEqual([{ nodeId: 'msg', param: 'channel', code: 'CHANNEL_UNKNOWN' }]);
    expect(only(await problemsOf(reach('sms', { body: 'Hi {{profile.first_name' })))).toEqual([
      { nodeId: 'msg', param: 'template.body', code: 'TEMPLATE_INVALID' },
    ]);
    expect(
      only(await problemsOf(reach('email', { subject: 'For {{journey.owner}}', body: '{{profile.nickname}} {{event.amount}} {{profile.first_name}}' }))),
    ).toEqual([
      { nodeId: 'msg', param: 'template.subject', code: 'TEMPLATE_VARIABLE_UNAVAILABLE' },
      { nodeId: 'msg', param: 'template.body', code: 'TEMPLATE_VARIABLE_UNAVAILABLE' },
      { nodeId: 'msg', param: 'template.body', code: 'TEMPLATE_VARIABLE_UNAVAILABLE' },
    ]);
    // The trigger event's declared properties are in the context of a journey entered by it.
    const byDeposit = {
      dataset: 'customers',
      nodes: [
        { id: 'in', type: 'event_entry', params: { event: { event: 'deposit.made' }, reentry: { kind: 'rejoin' } }, next: { out: 'msg' } },
        {
          id: 'msg',
          type: 'reach',
          params: { channel: 'push', template: { body: 'Thanks for {{ event.amount }}, {{profile.first_name}} ({{journey.name}})' } },
        },
      ],
    };
    expect(await problemsOf(byDeposit)).toEqual([]);
  });

  it('reports the problems of all nodes at once', async () => {
    const g = {
      dataset: 'customers',
      nodes: [
        entry('a'),
        { id: 'a', type: 'segment_check', params: { segment: 'gone' }, next: { in: 'b', out: 'bye' } },
        { id: 'b', type: 'reach', params: { channel: 'fax', template: { body: 'x' } }, next: { out: 'bye' } },
        { id: 'c', type: 'exit', params: {} },
        exit,
      ],
    };
    expect(
      only(await problemsOf(g))
        .map((p) => `${p.nodeId}:${p.code}`)
        .sort(),
    ).toEqual(['a:SEGMENT_UNKNOWN', 'b:CHANNEL_UNKNOWN', 'c:NODE_UNREACHABLE']);
  });
});
