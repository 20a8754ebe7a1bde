/**
 * The journey engine through the HTTP API over a real node's parts (journeys fixture): an event
 * posted to POST /v1/events lets a customer into a published journey and its message reaches the
 * outbox; API entries, dry runs, the report and an entry's path are served as documented.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeServices } from '../../test/support/fake-services.js';
import { journeysFixture, OPERATOR, smallJourney, type JourneysFixture } from '../../test/support/journeys-fixture.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let f: JourneysFixture;
let t: TestApp;

beforeAll(async () => {
  f = await journeysFixture();
  t = await testApp({ services: { ...fakeServices(), journeys: f.journeys, events: f.pipeline.ingest } });
});
afterAll(async () => {
  await t.close();
  f.close();
});

const post = (url: string, payload: object, role: 'operator' | 'ingest' | 'compliance' = 'operator') =>
  t.app.inject({ method: 'POST', url, payload, headers: t.as(role) });

describe('the journey engine over HTTP', () => {
  it('POST /v1/events: a deposit above 50,000 lets the customer in and their message reaches the outbox', async () => {
    const graph = {
      dataset: 'customers',
      nodes: [
        {
          id: 'start',
          type: 'event_entry',
          params: { event: { event: 'deposit.made', filters: [{ property: 'amount', op: 'gt', value: 50000 }] }, reentry: { kind: 'never' } },
          next: { out: 'thanks' },
        },
        { id: 'thanks', type: 'reach', params: { channel: 'push', template: { body: '{{profile.first_name}}: {{event.amount}} received' } } },
      ],
    };
    const created = (await post('/v1/journeys', { name: 'deposits', graph })).json();
    expect((await post(`/v1/journeys/${created.journey.id}/publish`, {})).statusCode).toBe(200);
    const time = f.fx.clock.now.toISOString();
    const res = await post(
      '/v1/events',
      {
        events: [
          { eventId: 'd1', customerId: 'c7', name: 'deposit.made', time, properties: { amount: 80000 } },
          { eventId: 'd2', customerId: 'c8', name: 'deposit.made', time, properties: { amount: 100 } },
        ],
      },
      'ingest',
    );
    expect(res.statusCode).toBe(200);
    await f.pipeline.journeyEngine.tick(); // waits for the listener's turn
    const rows = f.fx.db.prepare('SELECT customer_id AS c, node, variables FROM journey_outbox').all();
    expect(rows).toEqual([{ c: 'c7', node: 'thanks', variables: JSON.stringify({ 'profile.first_name': 'Name7', 'event.amount': '80000' }) }]);
    const entryId = f.fx.db.prepare('SELECT id FROM journey_entries').pluck().get() as number;
    const entry = await t.app.inject({ url: `/v1/journeys/${created.journey.id}/entries/${entryId}`, headers: t.as('compliance') });
    expect(entry.json()).toMatchObject({
      status: 'exited',
      node: 'thanks',
      steps: expect.arrayContaining([{ seq: expect.any(Number), node: 'thanks', outcome: 'sent', at: expect.any(String) }]),
    });
    expect(entry.body).not.toContain('c7');
    const report = (await t.app.inject({ url: `/v1/journeys/${created.journey.id}/report`, headers: t.as('compliance') })).json();
    expect(report.statuses).toEqual([{ status: 'exited', count: 1 }]);
  });

  it('POST …/dry-run counts without writing; …/entries and a publish migration refuse with the error named', async () => {
    const { journey } = await f.journeys.create({ name: 'offer', graph: smallJourney() }, OPERATOR);
    const dry = await post(`/v1/journeys/${journey.id}/dry-run`, {}, 'compliance');
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({ journey: journey.id, version: 1, entered: 16 });
    expect(dry.json().nodes).toContainEqual({ node: 'sms', outcome: 'sent', count: 12 });
    // No API entry in this journey, and it is not published.
    expect((await post(`/v1/journeys/${journey.id}/entries`, { customers: ['c1'] })).json().error.code).toBe('JOURNEY_STATE_INVALID');
    await f.journeys.transition(journey.id, 'publish', OPERATOR);
    expect((await post(`/v1/journeys/${journey.id}/entries`, { customers: ['c1'] })).json().error.code).toBe('JOURNEY_ENTRY_UNAVAILABLE');
    expect((await post(`/v1/journeys/${journey.id}/entries`, { customers: [] })).statusCode).toBe(400);
    const v2 = smallJourney() as { nodes: { id: string; params: object }[] };
    v2.nodes.find((n) => n.id === 'bye')!.params = { reason: 'not gold' };
    await f.journeys.saveVersion(journey.id, v2, OPERATOR);
    expect((await post(`/v1/journeys/${journey.id}/publish`, { migrate: ['x'] })).json().error).toMatchObject({
      code: 'REQUEST_INVALID',
      details: { field: 'migrate' },
    });
  });
});
