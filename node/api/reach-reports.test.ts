/**
 * Campaign reports and the A/B report over HTTP, on a real node's parts (journeys fixture: SQLite
 * file, signed audit log, DuckDB event store): journeys run, their outcomes are recorded in the
 * feedback ledger, goal events are ingested, and the reports are read as JSON and CSV.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { journeysFixture, OPERATOR, offerTemplate, type JourneysFixture } from '../../test/support/journeys-fixture.js';
import { testPipeline } from '../../test/support/pipeline.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { REPORT_CSV_COLUMNS } from '../reach/report/csv.js';

const REACH = {
  channels: { sms: { contactColumn: 'mobile', endpoint: 'https://sms.example.com/v1/messages', credentials: { env: 'MOFANG_TEST_SMS' }, costPerMessage: 0.5 } },
  attribution: { valueProperty: 'amount' },
};

let f: JourneysFixture;
let t: TestApp;
let experimentJourney: number;
let template: number;

const get = (url: string, role: 'operator' | 'compliance' | 'ingest' = 'compliance') => t.app.inject({ url, headers: t.as(role) });

/** Records every outbox message of `journey` as sent now. */
async function sendAll(journey: number) {
  const keys = f.fx.db.prepare('SELECT idempotency_key FROM journey_outbox WHERE journey = ?').pluck().all(journey) as string[];
  await f.pipeline.feedback.record(keys.map((key) => ({ key, outcome: 'sent' as const, at: f.fx.clock.now })));
  return keys.length;
}

beforeAll(async () => {
  f = await journeysFixture();
  f.pipeline.close();
  f.pipeline = testPipeline({ dir: f.fx.dir, db: f.fx.db, audit: f.fx.audit, now: () => f.fx.clock.now, insight: f.fx.insight, config: { reach: REACH } });
  f.journeys = f.pipeline.journeys;
  f.templates = f.pipeline.templates;

  // An A/B experiment: 40 % get SMS a, 40 % SMS b, 20 % nothing; a deposit is the goal.
  const { journey } = await f.journeys.create(
    {
      name: 'first-touch',
      graph: {
        dataset: 'customers',
        nodes: [
          {
            id: 'start',
            type: 'segment_entry',
            params: { segment: 'high-value', schedule: { kind: 'once' }, reentry: { kind: 'never' } },
            next: { out: 'ab' },
          },
          {
            id: 'ab',
            type: 'random_split',
            params: {
              branches: [
                { key: 'a', percent: 40 },
                { key: 'b', percent: 40 },
              ],
              control: 20,
              experiment: { name: 'first-touch', goal: 'deposit', winner: 'manual', minSamplePerBranch: 100 },
            },
            next: { a: 'sms_a', b: 'sms_b' },
          },
          { id: 'sms_a', type: 'reach', params: { channel: 'sms', template: { body: 'A' } }, next: { out: 'wait' } },
          { id: 'sms_b', type: 'reach', params: { channel: 'sms', template: { body: 'B' } }, next: { out: 'wait' } },
          { id: 'wait', type: 'delay', params: { kind: 'duration', duration: { amount: 30, unit: 'days' } }, next: { out: 'bye' } },
          { id: 'bye', type: 'exit', params: {} },
          { id: 'deposit', type: 'goal', params: { event: { event: 'deposit.made' } } },
        ],
      },
    },
    OPERATOR,
  );
  experimentJourney = journey.id;
  await f.journeys.transition(journey.id, 'publish', OPERATOR);
  await f.pipeline.journeyEngine.tick();
  await sendAll(journey.id);

  // Two instances of a campaign template: incomes from 80,000 (c8–c19) and from 100,000 (c12–c19).
  const { template: saved } = await f.templates.create({ name: 'offer', ...offerTemplate() }, OPERATOR);
  template = saved.id;
  for (const [name, min_income] of [
    ['offer-a', 80_000],
    ['offer-b', 100_000],
  ] as const) {
    const instance = await f.templates.instantiate(saved.id, { name, values: { audience: 'high-value', offer_code: 'SAVE10', min_income } }, OPERATOR);
    await f.journeys.transition(instance.journey.id, 'publish', OPERATOR);
  }
  await f.pipeline.journeyEngine.tick();
  for (const j of f.fx.db.prepare("SELECT id FROM journeys WHERE name LIKE 'offer-%'").pluck().all() as number[]) await sendAll(j);

  // Deposits an hour later by five customers: the engine converts those in the experiment.
  f.fx.clock.now = new Date(f.fx.clock.now.getTime() + 3_600_000);
  const time = f.fx.clock.now.toISOString();
  await f.pipeline.ingest.ingest(
    ['c4', 'c8', 'c9', 'c13', 'c17'].map((c, i) => ({ eventId: `d${i}`, customerId: c, name: 'deposit.made', time, properties: { amount: 100 * (i + 1) } })),
    { id: 'token:app-1', role: 'ingest' },
  );
  await f.pipeline.journeyEngine.tick();
  t = await testApp({
    services: {
      ...fakeServices(),
      journeys: f.journeys,
      pipeline: f.pipeline,
    },
  });
});
afterAll(async () => {
  await t?.close();
  f.close();
});

describe('campaign reports over HTTP', () => {
  it('GET /v1/journeys/:id/experiment: each group with its conversions, lifts against the control group, and the warnings', async () => {
    const res = await get(`/v1/journeys/${experimentJourney}/experiment`);
    expect(res.statusCode).toBe(200);
    const view = res.json();
    const groups = f.fx.db
      .prepare(
        "SELECT variant AS key, count(*) AS entered, sum(status = 'converted') AS converted FROM journey_entries WHERE journey = ? GROUP BY variant ORDER BY variant",
      )
      .all(experimentJourney) as { key: string; entered: number; converted: number }[];
    expect(
      view.groups
        .map((g: { key: string; entered: number; converted: number }) => ({ key: g.key, entered: g.entered, converted: g.converted }))
        .sort((a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key)),
    ).toEqual(groups);
    expect(groups.reduce((n, g) => n + g.entered, 0)).toBe(16);
    expect(groups.reduce((n, g) => n + g.converted, 0)).toBe(5);
    expect(view).toMatchObject({ reference: 'control', experiment: { name: 'first-touch', goal: 'deposit', node: 'ab' } });
    expect(view.comparisons.map((c: { key: string }) => c.key)).toEqual(['a', 'b']);
    expect(view.warnings.map((w: { code: string }) => w.code)).toEqual(['minimum_sample', 'peeking']);
  });

  it('GET /v1/reach/reports/journeys/:id: the groups side by side, with what each was sent and converted', async () => {
    const res = await get(`/v1/reach/reports/journeys/${experimentJourney}`);
    expect(res.statusCode).toBe(200);
    const r = res.json();
    const sent = f.fx.db.prepare('SELECT count(*) FROM journey_outbox WHERE journey = ?').pluck().get(experimentJourney);
    expect(r.totals).toMatchObject({ entered: 16, sent, cost: (sent as number) * 0.5 });
    expect(r.variants.map((v: { variant: string }) => v.variant)).toEqual(['a', 'b', 'control']);
    expect(r.variants.find((v: { variant: string }) => v.variant === 'control')).toMatchObject({ sent: 0, converted: 0 });
    // Each deposit followed a message of this journey or of an offer; those after this journey's own are its conversions.
    const byVariant = r.variants.reduce((n: number, v: { converted: number }) => n + v.converted, 0);
    expect(byVariant).toBeCloseTo(r.totals.converted, 10);
    expect(r.rule.text).toContain('last touch');
  });

  it('?format=csv: the same figures as CSV, the rule in a header', async () => {
    const json = (await get(`/v1/reach/reports/journeys/${experimentJourney}`)).json();
    const res = await get(`/v1/reach/reports/journeys/${experimentJourney}?format=csv`, 'operator');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['mofang-attribution-rule']).toBe(json.rule.text);
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(REPORT_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + 1 + json.channels.length + json.nodes.length + json.variants.length);
    const total = Object.fromEntries(lines[0].split(',').map((c, i) => [c, lines[1].split(',')[i]]));
    expect(total).toMatchObject({ level: 'total', journey: String(experimentJourney), sent: String(json.totals.sent), cost: String(json.totals.cost) });
  });

  it("GET /v1/reach/reports/templates/:id: each instance's totals and their sum", async () => {
    const res = await get(`/v1/reach/reports/templates/${template}`);
    expect(res.statusCode).toBe(200);
    const r = res.json();
    expect(r.instances.map((i: { journey: { name: string }; totals: { sent: number } }) => [i.journey.name, i.totals.sent])).toEqual([
      ['offer-a', 12],
      ['offer-b', 8],
    ]);
    expect(r.totals).toMatchObject({ sent: 20, cost: 10 });
    expect(r.totals.roi).toBeCloseTo((r.totals.value - 10) / 10, 10);
  });

  it('refuses other roles, unknown journeys and journeys without an experiment by their codes', async () => {
    expect((await get(`/v1/reach/reports/journeys/${experimentJourney}`, 'ingest')).statusCode).toBe(403);
    expect((await get(`/v1/journeys/${experimentJourney}/experiment`, 'ingest')).statusCode).toBe(403);
    const missing = await get('/v1/reach/reports/journeys/999');
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'JOURNEY_NOT_FOUND']);
    const offer = f.fx.db.prepare("SELECT id FROM journeys WHERE name = 'offer-a'").pluck().get();
    const none = await get(`/v1/journeys/${offer}/experiment`);
    expect([none.statusCode, none.json().error.code]).toEqual([404, 'EXPERIMENT_NOT_FOUND']);
    const bad = await get(`/v1/reach/reports/journeys/${experimentJourney}?model=best`);
    expect([bad.statusCode, bad.json().error.code]).toEqual([422, 'REACH_REPORT_INVALID']);
  });
});
