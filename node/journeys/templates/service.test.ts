import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEAD, NORTH, OPERATOR, SOUTH, journeysFixture, offerTemplate, type JourneysFixture } from '../../../test/support/journeys-fixture.js';
import type { MofangError } from '../../errors.js';
import type { Problem } from '../problems.js';

let f: JourneysFixture;
beforeAll(async () => {
  f = await journeysFixture();
  // South's own segment, so a south instance has an audience in its scope.
  await f.fx.insight.createSegment({ name: 'south-rich', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 60_000 } }, SOUTH);
});
afterAll(() => f.close());

const refused = async (p: Promise<unknown> | (() => unknown)) => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (err) {
    return err as MofangError;
  }
  throw new Error('expected a refusal');
};
const problemsOf = (e: MofangError) => (e.details!.problems as Problem[]).map((p) => `${p.nodeId ?? '-'} ${p.param ?? '-'} ${p.code}`);
type Graph = { nodes: { id: string; params: Record<string, unknown>; next?: Record<string, string> }[] };

describe('saving templates', () => {
  it('saves version 1 with its parameters; unchanged content adds no version; audited without values', async () => {
    const t = offerTemplate();
    const saved = await f.templates.create({ name: 'offer', description: 'deposit offer', ...t }, OPERATOR);
    expect(saved).toMatchObject({ changed: true, template: { name: 'offer', unit: null, latestVersion: 1 }, version: { version: 1, nodes: 4 } });
    expect(saved.version.parameters.map((p) => p.name)).toEqual(['audience', 'min_income', 'offer_code', 'transactional']);
    expect(f.templates.version(saved.template.id, undefined, OPERATOR).graph).toEqual(t.graph);
    expect((await f.templates.saveVersion(saved.template.id, t, OPERATOR)).changed).toBe(false);
    const audited = f.audited('journey_template.').filter((e) => e.subject === 'offer');
    expect(audited.map((e) => e.action)).toEqual(['journey_template.created', 'journey_template.version_saved']);
    expect(audited[1].details).toMatchObject({
      version: 1,
      contentSha256: saved.version.contentSha256,
      parameters: ['audience', 'min_income', 'offer_code', 'transactional'],
    });
    expect(JSON.stringify(audited)).not.toMatch(/80000|Hello|first_name/);
    expect(await refused(f.templates.create({ name: 'offer', ...t }, OPERATOR))).toMatchObject({ code: 'TEMPLATE_EXISTS' });
  });

  it('a segment or event parameter is checked once filled, not before (its sample names nothing)', async () => {
    const saved = await f.templates.create({ name: 'north-offer', ...offerTemplate() }, NORTH);
    expect(saved.template.unit).toBe('north');
  });

  it('refuses undeclared, unused and misplaced parameters and bad declarations, each named', async () => {
    const t = offerTemplate();
    const g = t.graph as Graph;
    g.nodes[3].params.reason = '{{param.offer_code}}';
    (g.nodes[1].params.branches as { key: unknown }[])[0].key = { $param: 'min_income' };
    g.nodes[2].params.priority = { $param: 'nope' };
    g.nodes[2].params.template = { body: 'Code {{param.ghost}}' };
    t.parameters.push({ name: 'spare', type: 'integer', label: 'Unused', required: true });
    t.parameters.push({ name: 'bad_default', type: 'cap', label: 'Cap', required: false, default: -1 });
    t.parameters.push({ name: 'ranged_text', type: 'text', label: 'T', required: true, min: 1 });
    t.parameters.push({ name: 'Bad Name', type: 'colour', label: 'x', required: true });
    const e = await refused(f.templates.create({ name: 'broken', ...t }, OPERATOR));
    expect(e.code).toBe('TEMPLATE_INVALID');
    expect(problemsOf(e).sort()).toEqual(
      [
        '- parameters[4] TEMPLATE_PARAM_UNUSED',
        '- parameters[5].default TEMPLATE_PARAM_INVALID',
        '- parameters[5] TEMPLATE_PARAM_UNUSED',
        '- parameters[6].min TEMPLATE_PARAM_INVALID',
        '- parameters[6] TEMPLATE_PARAM_UNUSED',
        '- parameters[7].name TEMPLATE_PARAM_INVALID',
        '- parameters[7].type TEMPLATE_PARAM_INVALID',
        'bye reason TEMPLATE_PARAM_PLACEMENT',
        'rich branches[0].key TEMPLATE_PARAM_PLACEMENT',
        'sms priority TEMPLATE_PARAM_UNDECLARED',
        // Reported once, as undeclared, not also as a malformed message text.
        'sms template.body TEMPLATE_PARAM_UNDECLARED',
        // offer_code no longer stands anywhere.
        '- parameters[2] TEMPLATE_PARAM_UNUSED',
      ].sort(),
    );
    expect(e.details!.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ param: 'parameters[4]', code: 'TEMPLATE_PARAM_UNUSED' }),
        expect.objectContaining({ param: 'parameters[5].default', code: 'TEMPLATE_PARAM_INVALID' }),
        expect.objectContaining({ nodeId: 'bye', param: 'reason', code: 'TEMPLATE_PARAM_PLACEMENT' }),
        expect.objectContaining({ nodeId: 'sms', param: 'priority', code: 'TEMPLATE_PARAM_UNDECLARED' }),
      ]),
    );
    const messages = (e.details!.problems as Problem[]).map((p) => p.message).join('\n');
    expect(messages).toContain('parameters[5].default: -1 must be a whole number of at least 0');
    expect(messages).toContain('key shapes the graph');
    expect(f.templates.list(OPERATOR).map((x) => x.name)).not.toContain('broken');
  });

  it('checks the graph with each parameter standing in as its declared type', async () => {
    const t = offerTemplate();
    // A text where the income threshold (a number attribute) is compared, and a whole number as a message body.
    (t.parameters[1] as Record<string, unknown>).type = 'text';
    (t.parameters[1] as Record<string, unknown>).default = 'rich';
    delete (t.parameters[1] as Record<string, unknown>).min;
    delete (t.parameters[1] as Record<string, unknown>).max;
    (t.graph as Graph).nodes[2].params.template = { body: { $param: 'offer_code' } };
    t.parameters[2] = { name: 'offer_code', type: 'integer', label: 'Code', required: true };
    const e = await refused(f.templates.create({ name: 'mistyped', ...t }, OPERATOR));
    expect(problemsOf(e)).toEqual(['sms template.body PARAM_INVALID', 'rich branches[0].conditions[0].value ATTRIBUTE_TYPE_MISMATCH']);
    expect((e.details!.problems as Problem[])[0].message).toBe('template.body: parameter offer_code (integer) does not fit here: must be string');
  });
});

describe('instantiating', () => {
  let offer: number;
  beforeAll(() => {
    // North's own template: in its scope, as a branch's own campaign is.
    offer = f.templates.byName('north-offer', NORTH).id;
  });

  it('refuses bad values, naming each parameter, and creates nothing', async () => {
    const bad = [
      [{ audience: 'north-rich', offer_code: 'A1', colour: 'red' }, 'values.colour TEMPLATE_VALUE_UNKNOWN'],
      [{ audience: 'north-rich' }, 'values.offer_code TEMPLATE_VALUE_MISSING'],
      [{ audience: 'north-rich', offer_code: 'A1', min_income: 'lots' }, 'values.min_income TEMPLATE_VALUE_INVALID'],
      [{ audience: 'north-rich', offer_code: 'A1', min_income: -5 }, 'values.min_income TEMPLATE_VALUE_INVALID'],
      [{ audience: 'north-rich', offer_code: 'A1', transactional: 'yes' }, 'values.transactional TEMPLATE_VALUE_INVALID'],
      [{ audience: 'north-rich', offer_code: 'x'.repeat(21) }, 'values.offer_code TEMPLATE_VALUE_INVALID'],
      // A value is data: it cannot bring a template variable into the message.
      [{ audience: 'north-rich', offer_code: '{{profile.income}}' }, 'values.offer_code TEMPLATE_VALUE_INVALID'],
    ] as const;
    for (const [values, expected] of bad) {
      const e = await refused(f.templates.instantiate(offer, { name: 'never', values }, NORTH));
      expect(e.code, expected).toBe('TEMPLATE_VALUES_INVALID');
      expect(
        problemsOf(e).map((p) => p.slice(2)),
        expected,
      ).toEqual([expected]);
    }
    const all = await refused(f.templates.instantiate(offer, { name: 'never', values: { offer_code: 7, colour: 'red' } }, NORTH));
    expect(all.details!.problems).toEqual([
      expect.objectContaining({ param: 'values.colour', code: 'TEMPLATE_VALUE_UNKNOWN' }),
      expect.objectContaining({ param: 'values.audience', code: 'TEMPLATE_VALUE_MISSING' }),
      expect.objectContaining({ param: 'values.offer_code', code: 'TEMPLATE_VALUE_INVALID', message: 'values.offer_code: must be a non-empty text' }),
    ]);
    const e = await refused(f.templates.instantiate(offer, { name: 'never', values: { audience: 'north-rich', offer_code: '{{x}}' } }, NORTH));
    expect((e.details!.problems as Problem[])[0].message).toBe('values.offer_code: must not contain {{ or }}: a value is text, not template syntax');
    expect(f.journeys.list(OPERATOR).map((j) => j.name)).not.toContain('never');
    expect(f.audited('journey_template.instantiated')).toEqual([]);
  });

  it('a value cannot join the text around it into a variable', async () => {
    const t = offerTemplate();
    (t.graph as Graph).nodes[2].params.template = { body: 'Code {{param.offer_code}}{{profile.first_name}}' };
    const { template } = await f.templates.create({ name: 'adjacent', ...t }, OPERATOR);
    const e = await refused(f.templates.instantiate(template.id, { name: 'never', values: { audience: 'high-value', offer_code: 'A{' } }, OPERATOR));
    expect(problemsOf(e)).toEqual(['sms values.offer_code TEMPLATE_VALUE_INVALID']);
  });

  it('fills the graph without touching its structure; the instance is a draft journey in the unit, linked to the version', async () => {
    const instance = await f.templates.instantiate(
      offer,
      {
        name: 'offer-north',
        values: { audience: 'north-rich', offer_code: 'SAVE10', min_income: 90_000 },
        startsAt: '2026-10-01T09:00:00+08:00',
        endsAt: '2026-10-31T18:00:00+08:00',
      },
      NORTH,
    );
    expect(instance).toMatchObject({
      journey: { name: 'offer-north', unit: 'north', status: 'draft', latestVersion: 1, liveVersion: null },
      templateVersion: 1,
      startsAt: '2026-10-01T01:00:00.000Z',
      endsAt: '2026-10-31T10:00:00.000Z',
      results: { entered: 0, active: 0, converted: 0, sent: 0 },
    });
    const graph = f.journeys.version(instance.journey.id, undefined, NORTH).graph as unknown as Graph;
    const template = offerTemplate().graph as Graph;
    expect(graph.nodes.map((n) => [n.id, n.next])).toEqual(template.nodes.map((n) => [n.id, n.next]));
    expect(graph.nodes[0].params.segment).toBe('north-rich');
    expect(graph.nodes[1].params.branches).toEqual([{ key: 'gold', conditions: [{ attribute: 'income', op: 'gte', value: 90_000 }] }]);
    expect(graph.nodes[2].params).toMatchObject({ template: { body: 'Hello {{profile.first_name}}, your code is SAVE10' }, transactional: false });
    expect(f.templates.schedule(instance.journey.id)).toEqual({ startsAt: '2026-10-01T01:00:00.000Z', endsAt: '2026-10-31T10:00:00.000Z' });

    // Published through the normal journey lifecycle.
    await f.journeys.transition(instance.journey.id, 'publish', NORTH);
    expect(f.templates.instances(offer, NORTH)[0].journey).toMatchObject({ status: 'published', liveVersion: 1 });

    const [entry] = f.audited('journey_template.instantiated');
    expect(entry).toMatchObject({ actor: NORTH.id, subject: 'north-offer', details: { version: 1, journey: instance.journey.id, unit: 'north' } });
    expect(entry.details.valuesSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(f.audited(''))).not.toMatch(/SAVE10|90000/);
  });

  it("validates the filled journey in the unit's scope, and checks the dates", async () => {
    // The whole organisation's segment is not in north's scope.
    const e = await refused(f.templates.instantiate(offer, { name: 'offer-x', values: { audience: 'high-value', offer_code: 'A' } }, NORTH));
    expect(e.code).toBe('JOURNEY_INVALID');
    expect(problemsOf(e)).toEqual(['start segment SEGMENT_UNKNOWN']);
    const dates = await refused(
      f.templates.instantiate(
        offer,
        { name: 'offer-x', values: { audience: 'north-rich', offer_code: 'A' }, startsAt: '2026-10-02T00:00:00Z', endsAt: '2026-10-01T00:00:00Z' },
        NORTH,
      ),
    );
    expect(dates).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'endsAt' } });
    const malformed = await refused(f.templates.instantiate(offer, { name: 'offer-x', values: {}, startsAt: 'tomorrow' }, NORTH));
    expect(malformed).toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'startsAt' } });
    const outside = await refused(f.templates.instantiate(offer, { name: 'offer-x', values: {}, unit: 'south' }, NORTH));
    expect(outside).toMatchObject({ code: 'SCOPE_FORBIDDEN', details: { field: 'unit' } });
  });
});

describe('an event parameter', () => {
  it('is checked once filled: its filters and event variables too', async () => {
    const graph = {
      dataset: 'customers',
      nodes: [
        {
          id: 'start',
          type: 'event_entry',
          params: {
            event: { event: { $param: 'trigger' }, filters: [{ property: 'amount', op: 'gte', value: { $param: 'min_amount' } }] },
            reentry: { kind: 'never' },
          },
          next: { out: 'sms' },
        },
        { id: 'sms', type: 'reach', params: { channel: 'sms', template: { body: 'Thanks for {{event.amount}}' } } },
      ],
    };
    const parameters = [
      { name: 'trigger', type: 'event', label: 'The event', required: true },
      { name: 'min_amount', type: 'integer', label: 'Least amount', required: false, default: 50_000, min: 1 },
    ];
    const { template } = await f.templates.create({ name: 'on-deposit', graph, parameters }, OPERATOR);
    const made = await f.templates.instantiate(template.id, { name: 'on-deposit-1', values: { trigger: 'deposit.made' } }, OPERATOR);
    expect(f.journeys.version(made.journey.id, undefined, OPERATOR).graph.nodes[0].params).toMatchObject({
      event: { event: 'deposit.made', filters: [{ value: 50_000 }] },
    });
    // app.opened declares no amount: the filter and the message variable fail once filled.
    const e = await refused(f.templates.instantiate(template.id, { name: 'on-open', values: { trigger: 'app.opened' } }, OPERATOR));
    expect(problemsOf(e)).toEqual(['start event.filters[0].property PROPERTY_UNKNOWN', 'sms template.body TEMPLATE_VARIABLE_UNAVAILABLE']);
  });
});

describe('publishing to units', () => {
  let campaign: number;
  beforeAll(async () => {
    campaign = (await f.templates.create({ name: 'campaign', ...offerTemplate() }, HEAD)).template.id;
  });

  it('a branch sees a head-office template only once it is published to it, and only the published version', async () => {
    expect(f.templates.list(NORTH).map((t) => t.name)).not.toContain('campaign');
    expect(await refused(() => f.templates.get(campaign, NORTH))).toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });
    const published = f.templates.publish(campaign, { to: ['north'] }, HEAD);
    expect(published).toMatchObject({ changed: true, publication: { seq: 1, version: 1, publisher: 'head', audience: { units: ['north'] } } });
    expect(f.templates.publish(campaign, { to: ['north'] }, HEAD).changed).toBe(false);
    expect(f.templates.get(campaign, NORTH)).toMatchObject({ access: 'received', publication: { version: 1 } });
    expect(await refused(() => f.templates.get(campaign, SOUTH))).toMatchObject({ code: 'TEMPLATE_NOT_FOUND' });

    // A new version is not seen until it is published.
    const t2 = offerTemplate();
    (t2.graph as Graph).nodes[2].params.priority = 7;
    await f.templates.saveVersion(campaign, t2, HEAD);
    expect(f.templates.version(campaign, undefined, NORTH).version).toBe(1);
    expect(f.templates.versions(campaign, NORTH).map((v) => v.version)).toEqual([1]);
    expect(await refused(() => f.templates.version(campaign, 2, NORTH))).toMatchObject({ code: 'TEMPLATE_VERSION_UNKNOWN' });
    expect(f.templates.versions(campaign, HEAD).map((v) => v.version)).toEqual([2, 1]);

    // A receiving unit neither edits nor republishes it.
    expect(await refused(f.templates.saveVersion(campaign, t2, NORTH))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
    expect(await refused(() => f.templates.publish(campaign, { to: 'all' }, NORTH))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
  });

  it('publishes only below the publisher; a branch has no one to publish to', async () => {
    expect(await refused(() => f.templates.publish(campaign, { to: ['head'] }, HEAD))).toMatchObject({ code: 'SCOPE_FORBIDDEN', details: { field: 'to[0]' } });
    expect(await refused(() => f.templates.publish(campaign, { to: ['nowhere'] }, HEAD))).toMatchObject({
      code: 'UNIT_NOT_FOUND',
      details: { field: 'to[0]' },
    });
    const own = (await f.templates.create({ name: 'north-own', ...offerTemplate() }, NORTH)).template.id;
    expect(await refused(() => f.templates.publish(own, { to: 'all' }, NORTH))).toMatchObject({ code: 'SCOPE_FORBIDDEN' });
  });

  it('a branch instantiates the version published to it (importing is instantiating); instances are scoped by unit', async () => {
    f.templates.publish(campaign, { to: 'all', version: 2 }, HEAD);
    const north = await f.templates.instantiate(campaign, { name: 'campaign-north', values: { audience: 'north-rich', offer_code: 'N1' } }, NORTH);
    const south = await f.templates.instantiate(campaign, { name: 'campaign-south', values: { audience: 'south-rich', offer_code: 'S1' } }, SOUTH);
    expect([north.templateVersion, south.templateVersion]).toEqual([2, 2]);
    expect(await refused(f.templates.instantiate(campaign, { name: 'campaign-v1', values: {}, version: 1 }, SOUTH))).toMatchObject({
      code: 'TEMPLATE_VERSION_UNKNOWN',
    });
    expect(f.audited('journey_template.instantiated').at(-1)!.details).toMatchObject({ received: true, unit: 'south' });

    const names = (actor: typeof HEAD) => f.templates.instances(campaign, actor).map((i) => i.journey.name);
    expect(names(NORTH)).toEqual(['campaign-north']);
    expect(names(SOUTH)).toEqual(['campaign-south']);
    expect(names(HEAD)).toEqual(['campaign-north', 'campaign-south']);
    expect(names(OPERATOR)).toEqual(['campaign-north', 'campaign-south']);
    // A branch does not see another branch's instance as a journey either.
    expect(await refused(() => f.journeys.get(south.journey.id, NORTH))).toMatchObject({ code: 'JOURNEY_NOT_FOUND' });
    const audited = f.audited('journey_template.published').filter((e) => e.subject === 'campaign');
    expect(audited.map((e) => e.details)).toEqual([
      expect.objectContaining({ version: 1, publisher: 'head', audience: ['north'], previousVersion: null }),
      expect.objectContaining({ version: 2, publisher: 'head', audience: 'all', previousVersion: 1 }),
    ]);
  });
});

describe('an instance with a start and an end', () => {
  it('the engine enters nobody before the start (the segment run waits for it), the segment at the start, and nobody after the end', async () => {
    const { template } = await f.templates.create({ name: 'dated', ...offerTemplate() }, OPERATOR);
    const engine = f.pipeline.journeyEngine;
    const entered = (journey: number) => engine.report(f.journeys.get(journey, OPERATOR)).statuses.reduce((n, s) => n + s.count, 0);
    const day = 86_400_000;
    const start = new Date(f.fx.clock.now.getTime() + 2 * day);
    const values = { audience: 'high-value', offer_code: 'D1' };
    const dated = await f.templates.instantiate(
      template.id,
      { name: 'dated-1', values, startsAt: start.toISOString(), endsAt: new Date(start.getTime() + day).toISOString() },
      OPERATOR,
    );
    await f.journeys.transition(dated.journey.id, 'publish', OPERATOR);
    await engine.tick();
    expect(entered(dated.journey.id)).toBe(0);
    f.fx.clock.now = new Date(start.getTime() + 1000);
    await engine.tick();
    expect(entered(dated.journey.id)).toBe(16);
    // The instance list carries the engine's totals (16 entered; the 12 earning 80,000 or more got the message).
    const listed = f.templates.instances(template.id, OPERATOR).find((i) => i.journey.id === dated.journey.id);
    expect(listed?.results).toEqual({ entered: 16, active: 0, converted: 0, sent: 12 });

    const ended = await f.templates.instantiate(
      template.id,
      { name: 'dated-2', values, endsAt: new Date(f.fx.clock.now.getTime() - 1000).toISOString() },
      OPERATOR,
    );
    await f.journeys.transition(ended.journey.id, 'publish', OPERATOR);
    await engine.tick();
    expect(entered(ended.journey.id)).toBe(0);
  });
});
