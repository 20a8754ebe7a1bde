/**
 * The demo's events part, on the running bank node and only through its HTTP API, as the bank's
 * marketing team and its app would use it: declare a tracking plan (admin), make an `ingest` token
 * for the app (admin), send the customers' journeys with the event SDK, then run a funnel, a
 * campaign attribution and retention (operator) and save a segment mixing profile and behaviour.
 */
import { createTracker } from '../../sdk/src/index.js';
import { type ErrorCode, MofangError } from '../errors.js';
import { DEMO_PRODUCTS, demoJourneys } from './events-synthetic.js';

export interface DemoEventsResult {
  sent: number;
  accepted: number;
  /** Customers per funnel step: app.opened → product.viewed → loan.applied → loan.approved. */
  funnel: number[];
  /** Loan applications (one per applicant in the synthetic journeys), as the attribution counted them. */
  goals: number;
  applicants: number;
  /** Campaign → credited applications under last touch and linear; `direct` had no campaign click. */
  attribution: { last: Record<string, number>; linear: Record<string, number>; direct: number };
  day7Retention: number | null;
  segmentSize: number;
}

export interface DemoEventsOptions {
  httpUrl: string;
  tokens: { admin: string; operator: string };
  /** The bank's customer ids, in the form its dataset was imported with. */
  customerIds: readonly string[];
  timeZone: string;
  seed: number;
  print: (line: string) => void;
}

const FUNNEL = ['app.opened', 'product.viewed', 'loan.applied', 'loan.approved'];
const DAY_SECONDS = 86_400;

const TRACKING_PLAN = {
  undeclared: 'reject',
  events: {
    'app.opened': {},
    'campaign.clicked': { properties: { campaign: { type: 'string', required: true, maxLength: 64 } } },
    'product.viewed': { properties: { product: { type: 'enum', required: true, values: [...DEMO_PRODUCTS] } } },
    'loan.applied': {
      properties: { product: { type: 'enum', required: true, values: [...DEMO_PRODUCTS] }, amount: { type: 'number', required: true, min: 0 } },
    },
    'loan.approved': {
      properties: { product: { type: 'enum', required: true, values: [...DEMO_PRODUCTS] }, amount: { type: 'number', required: true, min: 0 } },
    },
  },
};

export async function runDemoEvents(opts: DemoEventsOptions): Promise<DemoEventsResult> {
  const { print } = opts;
  const api = apiClient(opts.httpUrl);

  const plan = await api<{ version: number }>(opts.tokens.admin, 'PUT', '/tracking-plan', TRACKING_PLAN);
  print(`  tracking plan v${plan.version}: ${Object.keys(TRACKING_PLAN.events).join(', ')} (undeclared events are rejected)`);
  const ingest = await api<{ token: string }>(opts.tokens.admin, 'POST', '/tokens', { id: 'mobile-app', role: 'ingest' });
  print('  token "mobile-app" of role ingest: it may send events and nothing else');

  const anchor = Date.now();
  const journeys = demoJourneys({ customerIds: opts.customerIds, anchor, seed: opts.seed });
  const failures: string[] = [];
  const tracker = createTracker({
    endpoint: opts.httpUrl,
    token: ingest.token,
    batchSize: 500,
    onError: (e) => failures.push(`${e.reason}: ${e.message}`),
  });
  for (const e of journeys.events) tracker.track(e.name, e.properties, { customerId: e.customerId, time: e.time, eventId: e.eventId });
  await tracker.close();
  const stats = tracker.stats();
  if (failures.length > 0) throw new MofangError('INTERNAL', `the SDK dropped demo events: ${failures.slice(0, 3).join('; ')}`);
  print(`  the app's SDK sent ${journeys.events.length} events of ${journeys.customers} customers over the last 30 days: ${stats.accepted} accepted`);

  const range = { from: localDate(anchor - 30 * DAY_SECONDS * 1000, opts.timeZone), to: localDate(anchor, opts.timeZone) };
  const funnel = await api<{ result: { steps: { event: string; customers: number; conversionFromPrevious: number | null }[]; conversion: number } }>(
    opts.tokens.operator,
    'POST',
    '/analytics/funnel',
    { steps: FUNNEL.map((event) => ({ event })), ...range, windowSeconds: 7 * DAY_SECONDS },
  );
  print(`  funnel (within 7 days of opening the app, ${range.from} … ${range.to}, ${opts.timeZone}):`);
  for (const s of funnel.result.steps) {
    const rate = s.conversionFromPrevious === null ? '' : `  ${percent(s.conversionFromPrevious)} of the previous step`;
    print(`    ${s.event.padEnd(15)} ${String(s.customers).padStart(5)} customers${rate}`);
  }
  print(`    overall conversion ${percent(funnel.result.conversion)}`);

  const attribution: DemoEventsResult['attribution'] = { last: {}, linear: {}, direct: 0 };
  let goals = 0;
  for (const model of ['last', 'linear'] as const) {
    const r = await api<{ result: { goals: number; direct: { goals: number }; credits: { key: string | null; conversions: number }[] } }>(
      opts.tokens.operator,
      'POST',
      '/analytics/attribution',
      { goal: { event: 'loan.applied' }, touches: [{ event: 'campaign.clicked' }], byProperty: 'campaign', model, ...range },
    );
    for (const c of r.result.credits) attribution[model][c.key ?? '(none)'] = c.conversions;
    attribution.direct = r.result.direct.goals;
    goals = r.result.goals;
  }
  print(`  loan applications credited to campaigns (last touch / linear), of ${goals} in all:`);
  for (const campaign of Object.keys(attribution.linear).sort((a, b) => attribution.linear[b] - attribution.linear[a])) {
    print(`    ${campaign.padEnd(16)} ${(attribution.last[campaign] ?? 0).toFixed(1).padStart(6)} / ${attribution.linear[campaign].toFixed(1).padStart(6)}`);
  }
  print(`    no campaign click in the 30 days before: ${attribution.direct}`);

  const retention = await api<{ result: { average: { size: number; rates: (number | null)[] } } }>(opts.tokens.operator, 'POST', '/analytics/retention', {
    start: { event: 'app.opened' },
    return: { event: 'app.opened' },
    ...range,
    periods: 7,
  });
  const { average } = retention.result;
  const day7 = average.rates[7] ?? null;
  const day = (n: number) => (average.rates[n] == null ? 'not yet' : percent(average.rates[n]!));
  print(`  retention: of ${average.size} customers who opened the app, ${day(7)} opened it again on day 7 (day 1: ${day(1)})`);

  const segment = await api<{ latest: { size: number } | null }>(opts.tokens.operator, 'POST', '/insight/segments', {
    name: 'loan-applicants-40-plus',
    dataset: 'customers',
    rule: { all: [{ attr: 'age', op: 'gte', value: 40 }, { event: { name: 'loan.applied', within: { days: 30 } } }] },
  });
  const segmentSize = segment.latest?.size ?? 0;
  print(`  segment loan-applicants-40-plus (age ≥ 40 and applied for a loan in the last 30 days): ${segmentSize} customers`);

  return {
    sent: journeys.events.length,
    accepted: stats.accepted,
    funnel: funnel.result.steps.map((s) => s.customers),
    goals,
    applicants: journeys.applicants,
    attribution,
    day7Retention: day7,
    segmentSize,
  };
}

/** A JSON call to the node's API; an error reply becomes the node's own coded error. */
function apiClient(baseUrl: string) {
  return async <T>(token: string, method: string, path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const reply = (await res.json()) as { error?: { code: string; message: string } };
    if (!res.ok) throw new MofangError((reply.error?.code ?? 'INTERNAL') as ErrorCode, `${method} /v1${path}: ${reply.error?.message ?? res.status}`);
    return reply as T;
  };
}

/** The calendar day (YYYY-MM-DD) of an instant in a time zone, as the models read `from` and `to`. */
function localDate(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms);
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)} %`;
