import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NORTH, OPERATOR, SOUTH, journeysFixture, smallJourney, type JourneysFixture } from '../../test/support/journeys-fixture.js';
import type { MofangError } from '../errors.js';

let f: JourneysFixture;
beforeAll(async () => {
  f = await journeysFixture();
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

describe('journeys service over the node database', () => {
  it('creates version 1 as a draft, audited without parameter values', async () => {
    const saved = await f.journeys.create({ name: 'welcome', description: 'first contact', graph: smallJourney() }, OPERATOR);
    expect(saved.changed).toBe(true);
    expect(saved.journey).toMatchObject({ name: 'welcome', status: 'draft', latestVersion: 1, liveVersion: null, unit: null, createdBy: OPERATOR.id });
    expect(saved.version).toMatchObject({ version: 1, state: 'draft', nodes: 4, graphSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const read = f.journeys.version(saved.journey.id, undefined, OPERATOR);
    expect(read.graph).toEqual(smallJourney());
    const audited = f.audited('journey.').filter((e) => e.subject === 'welcome');
    expect(audited.map((e) => e.action)).toEqual(['journey.created', 'journey.version_saved']);
    expect(audited[1].details).toMatchObject({ version: 1, graphSha256: saved.version.graphSha256, nodes: 4 });
    // No parameter value (the income threshold, the template) reaches the log.
    expect(JSON.stringify(audited)).not.toMatch(/80000|Hello|first_name/);
    expect(await refused(f.journeys.create({ name: 'welcome', graph: smallJourney() }, OPERATOR))).toMatchObject({ code: 'JOURNEY_EXISTS' });
  });

  it('refuses an invalid graph with JOURNEY_INVALID listing every problem, and stores nothing', async () => {
    const graph = smallJourney('no-such-segment') as { nodes: { id: string; params: Record<string, unknown> }[] };
    graph.nodes[2].params.channel = 'fax';
    const e = await refused(f.journeys.create({ name: 'broken', graph }, OPERATOR));
    expect(e.code).toBe('JOURNEY_INVALID');
    expect((e.details!.problems as { nodeId: string; code: string }[]).map((p) => `${p.nodeId} ${p.code}`)).toEqual([
      'start SEGMENT_UNKNOWN',
      'sms CHANNEL_UNKNOWN',
    ]);
    expect(f.journeys.list(OPERATOR).map((j) => j.name)).not.toContain('broken');
    expect(f.audited('journey.').filter((x) => x.subject === 'broken')).toEqual([]);
  });

  it('validates without saving, in the caller’s scope', async () => {
    expect(await f.journeys.validate(smallJourney(), OPERATOR)).toEqual({ valid: true, problems: [] });
    // A unit caller does not see the whole organisation's segment.
    expect(await f.journeys.validate(smallJourney(), NORTH)).toEqual({
      valid: false,
      problems: [expect.objectContaining({ nodeId: 'start', param: 'segment', code: 'SEGMENT_UNKNOWN' })],
    });
    expect((await f.journeys.validate(smallJourney('north-rich'), NORTH)).valid).toBe(true);
  });

  it("validates against the node's own data: an enum's values from the tracking plan, a score split's source from the catalogue", async () => {
    const graph = smallJourney() as { nodes: Record<string, unknown>[] };
    graph.nodes[1] = {
      id: 'rich',
      type: 'wait_event',
      params: {
        event: { event: 'deposit.made', filters: [{ property: 'channel', op: 'in', value: ['app', 'atm'] }] },
        timeout: { amount: 1, unit: 'days' },
      },
      next: { event: 'score', timeout: 'bye' },
    };
    graph.nodes.push({
      id: 'score',
      type: 'score_split',
      params: { attribute: 'income', bands: [{ key: 'gold', from: 80_000 }] },
      next: { gold: 'sms', else: 'bye' },
    });
    const v = await f.journeys.validate(graph, OPERATOR);
    expect(v.problems.map((p) => [p.nodeId, p.param, p.code])).toEqual([
      ['rich', 'event.filters[0].value', 'PROPERTY_VALUE_NOT_ALLOWED'],
      ['score', 'attribute', 'ATTRIBUTE_TYPE_MISMATCH'],
    ]);
    expect(v.problems[0].message).toContain('"atm" is not among the values the tracking plan allows for channel: app, branch');
  });

  it('editing a published journey adds a draft version; the live one stays until published again', async () => {
    const { journey } = await f.journeys.create({ name: 'versions', graph: smallJourney() }, OPERATOR);
    const published = await f.journeys.transition(journey.id, 'publish', OPERATOR);
    expect(published).toMatchObject({ status: 'published', liveVersion: 1 });
    const edited = smallJourney() as { nodes: { params: Record<string, unknown> }[] };
    edited.nodes[2].params.template = { body: 'Hi {{ profile.first_name }}, a new rate' };
    const v2 = await f.journeys.saveVersion(journey.id, edited, OPERATOR);
    expect(v2).toMatchObject({ changed: true, version: { version: 2, state: 'draft' }, journey: { status: 'published', liveVersion: 1, latestVersion: 2 } });
    // The same graph again adds nothing.
    expect(await f.journeys.saveVersion(journey.id, edited, OPERATOR)).toMatchObject({ changed: false, version: { version: 2 } });
    expect(f.journeys.versions(journey.id, OPERATOR).map((v) => [v.version, v.state])).toEqual([
      [2, 'draft'],
      [1, 'live'],
    ]);
    expect(await f.journeys.transition(journey.id, 'publish', OPERATOR)).toMatchObject({ status: 'published', liveVersion: 2 });
    expect(f.journeys.versions(journey.id, OPERATOR).map((v) => [v.version, v.state, v.publishedAt !== null])).toEqual([
      [2, 'live', true],
      [1, 'superseded', true],
    ]);
    expect(f.journeys.version(journey.id, 1, OPERATOR).graph).toEqual(smallJourney());
    expect(await refused(() => f.journeys.version(journey.id, 9, OPERATOR))).toMatchObject({ code: 'JOURNEY_VERSION_UNKNOWN' });
  });

  it('publish, pause, resume and stop change the state, audited; refused changes say why', async () => {
    const { journey } = await f.journeys.create({ name: 'states', graph: smallJourney() }, OPERATOR);
    const state = async (change: 'publish' | 'pause' | 'resume' | 'stop') => (await f.journeys.transition(journey.id, change, OPERATOR)).status;
    expect(await refused(state('pause'))).toMatchObject({ code: 'JOURNEY_STATE_INVALID', details: { status: 'draft', change: 'pause' } });
    expect(await state('publish')).toBe('published');
    expect(await refused(state('publish'))).toMatchObject({ code: 'JOURNEY_STATE_INVALID' });
    expect(await state('pause')).toBe('paused');
    expect(await refused(state('publish'))).toMatchObject({ message: expect.stringContaining('resume it') });
    expect(await state('resume')).toBe('published');
    expect(await state('stop')).toBe('stopped');
    expect(await refused(state('resume'))).toMatchObject({ code: 'JOURNEY_STATE_INVALID' });
    expect(await refused(f.journeys.saveVersion(journey.id, smallJourney(), OPERATOR))).toMatchObject({ code: 'JOURNEY_STATE_INVALID' });
    expect(
      f
        .audited('journey.')
        .filter((e) => e.subject === 'states')
        .map((e) => [e.action, e.details.from ?? null, e.details.to ?? null]),
    ).toEqual([
      ['journey.created', null, null],
      ['journey.version_saved', null, null],
      ['journey.published', 'draft', 'published'],
      ['journey.paused', 'published', 'paused'],
      ['journey.resumed', 'paused', 'published'],
      ['journey.stopped', 'published', 'stopped'],
      ['journey.entries_ended', null, null],
    ]);
  });

  it('publish validates again: a segment deleted since the save stops it', async () => {
    await f.fx.insight.createSegment({ name: 'short-lived', dataset: 'customers', rule: { attr: 'income', op: 'gte', value: 1 } }, { id: 'cli:root' });
    const { journey } = await f.journeys.create({ name: 'gone-segment', graph: smallJourney('short-lived') }, OPERATOR);
    f.fx.insight.deleteSegment('short-lived', { id: 'cli:root' });
    const e = await refused(f.journeys.transition(journey.id, 'publish', OPERATOR));
    expect(e).toMatchObject({ code: 'JOURNEY_INVALID', details: { problems: [expect.objectContaining({ nodeId: 'start', code: 'SEGMENT_UNKNOWN' })] } });
    expect(f.journeys.get(journey.id, OPERATOR).status).toBe('draft');
  });

  it("a unit's journey is invisible outside its scope", async () => {
    const { journey } = await f.journeys.create({ name: 'north-only', graph: smallJourney('north-rich') }, NORTH);
    expect(journey.unit).toBe('north');
    expect(f.journeys.get(journey.id, OPERATOR).name).toBe('north-only');
    expect(await refused(() => f.journeys.get(journey.id, SOUTH))).toMatchObject({ code: 'JOURNEY_NOT_FOUND' });
    expect(await refused(() => f.journeys.byName('north-only', SOUTH))).toMatchObject({ code: 'JOURNEY_NOT_FOUND' });
    expect(f.journeys.list(SOUTH).map((j) => j.name)).not.toContain('north-only');
    expect(f.journeys.list(NORTH).map((j) => j.name)).toEqual(['north-only']);
  });

  it('the database keeps versions immutable', async () => {
    const { journey } = await f.journeys.create({ name: 'frozen', graph: smallJourney() }, OPERATOR);
    expect(() => f.fx.db.prepare("UPDATE journey_versions SET graph = '{}' WHERE journey = ?").run(journey.id)).toThrow(/immutable/);
    expect(() => f.fx.db.prepare('DELETE FROM journey_versions WHERE journey = ?').run(journey.id)).toThrow(/immutable/);
  });
});
