import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { AGREEMENT_ID, JOB_ID, sampleJob } from '../../test/support/fake-services.js';
import type { Role } from './services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

// One app for the file (building one compiles every route's schemas): each test only injects
// requests and reads the calls they made, which are forgotten before the next.
let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t.close());
beforeEach(() => t.services.reset());

const OPERATOR = { id: 'token:operator-1', role: 'operator' };
const agreementIds = (n: number) => Array.from({ length: n }, (_, i) => `0b9f0c1e-8c1a-4a59-9a43-5f4a3c2d1e${i.toString(16).padStart(2, '0')}`);

describe('POST /v1/jobs', () => {
  it('queues the job and answers 202 with the queued job and its Location', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { kind: 'overlap', agreementIds: [AGREEMENT_ID] }, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(202);
    const job = res.json();
    expect(job).toMatchObject({
      id: JOB_ID,
      kind: 'overlap',
      agreementIds: [AGREEMENT_ID],
      status: 'queued',
      createdBy: 'token:operator-1',
      progress: { done: 0, total: 0, rate: null, etaSeconds: null },
      result: null,
      error: null,
      runIds: [],
    });
    expect(res.headers.location).toBe(`/v1/jobs/${JOB_ID}`);
    expect(t.services.calls).toEqual([{ method: 'jobs.submit', args: [{ kind: 'overlap', agreementIds: [AGREEMENT_ID] }, OPERATOR, 'body'] }]);
  });

  it('takes 2 to 10 agreements and an attribute for intersect', async () => {
    for (const n of [2, 10]) {
      const payload = { kind: 'intersect', agreementIds: agreementIds(n), attribute: 'audience:q3' };
      const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: t.as('operator') });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ kind: 'intersect', agreementIds: payload.agreementIds, options: { attribute: 'audience:q3' } });
    }
    expect(t.services.calls.map((c) => c.args[0])).toEqual([
      { kind: 'intersect', agreementIds: agreementIds(2), attribute: 'audience:q3' },
      { kind: 'intersect', agreementIds: agreementIds(10), attribute: 'audience:q3' },
    ]);
  });

  it.each([
    ['intersect with one agreement', { kind: 'intersect', agreementIds: [AGREEMENT_ID] }, 'body.agreementIds', /intersect takes 2 to 10 agreements.*got 1/],
    ['overlap with two agreements', { kind: 'overlap', agreementIds: agreementIds(2) }, 'body.agreementIds', /overlap takes exactly one agreement; got 2/],
    ['enrich with two agreements', { kind: 'enrich', agreementIds: agreementIds(2) }, 'body.agreementIds', /enrich takes exactly one agreement/],
    ['more than 10 agreements', { kind: 'intersect', agreementIds: agreementIds(11) }, 'body.agreementIds', /more than 10/],
    ['no agreements', { kind: 'intersect', agreementIds: [] }, 'body.agreementIds', /fewer than 1/],
    ['the same agreement twice', { kind: 'intersect', agreementIds: [AGREEMENT_ID, AGREEMENT_ID] }, 'body.agreementIds', /duplicate/],
    ['a malformed agreement id', { kind: 'overlap', agreementIds: ['not-a-uuid'] }, 'body.agreementIds.0', /pattern/],
    ['a missing agreementIds', { kind: 'overlap' }, 'body.agreementIds', /is required/],
    ['an unknown kind', { kind: 'dump', agreementIds: [AGREEMENT_ID] }, 'body.kind', /overlap, enrich, intersect/],
    ['an attribute on overlap', { kind: 'overlap', agreementIds: [AGREEMENT_ID], attribute: 'x' }, 'body.attribute', /only intersect jobs take an attribute/],
    ['an attribute on enrich', { kind: 'enrich', agreementIds: [AGREEMENT_ID], attribute: 'x' }, 'body.attribute', /enrichAttribute/],
    ['a blank attribute', { kind: 'intersect', agreementIds: agreementIds(2), attribute: '  ' }, 'body.attribute', /pattern/],
    ['a misspelt field', { kind: 'overlap', agreementId: AGREEMENT_ID, agreementIds: [AGREEMENT_ID] }, 'body.agreementId', /unknown field/],
  ] as const)('400 REQUEST_INVALID naming the field for %s', async (_name, payload, field, message) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message.startsWith(`${field}:`), error.message).toBe(true);
    expect(error.message).toMatch(message);
    expect(error.details).toMatchObject({ in: 'body', field: field.replace(/^body\./, '') });
    expect(t.services.calls).toEqual([]);
  });

  it('gives the bounds for the agreement count of intersect', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/jobs',
      payload: { kind: 'intersect', agreementIds: [AGREEMENT_ID] },
      headers: t.as('operator'),
    });
    expect(res.json().error.details).toEqual({ in: 'body', field: 'agreementIds', min: 2, max: 10 });
  });

  it.each([
    ['AGREEMENT_NOT_FOUND', 404],
    ['REQUEST_INVALID', 400],
  ] as const)('a refusal from the node (%s) keeps its code and status %i', async (code, status) => {
    t.services.failNext('jobs.submit', new MofangError(code, `${code} happened`));
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: { kind: 'enrich', agreementIds: [AGREEMENT_ID] }, headers: t.as('operator') });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });
});

describe('GET /v1/jobs and /v1/jobs/:id', () => {
  it('lists jobs with the status and limit from the query string (default limit 100)', async () => {
    for (const url of ['/v1/jobs?status=running&limit=5', '/v1/jobs']) {
      const res = await t.app.inject({ url, headers: t.as('compliance') });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ jobs: [sampleJob] });
    }
    expect(t.services.calls.map((c) => c.args[0])).toEqual([
      { status: 'running', limit: 5 },
      { status: undefined, limit: 100 },
    ]);
  });

  it.each([
    ['/v1/jobs?status=done', 'querystring.status', /queued, running, succeeded, failed, cancelled/],
    ['/v1/jobs?limit=0', 'querystring.limit', /must be >= 1/],
    ['/v1/jobs?limit=1001', 'querystring.limit', /must be <= 1000/],
    ['/v1/jobs?state=running', 'querystring.state', /unknown field/],
    ['/v1/jobs/not-a-uuid', 'params.id', /pattern/],
  ])('400 REQUEST_INVALID for %s', async (url, field, message) => {
    const res = await t.app.inject({ url, headers: t.as('operator') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('REQUEST_INVALID');
    expect(res.json().error.message.startsWith(`${field}:`), res.json().error.message).toBe(true);
    expect(res.json().error.message).toMatch(message);
    expect(t.services.calls).toEqual([]);
  });

  it('gives the progress fields a UI or CLI polls', async () => {
    const res = await t.app.inject({ url: `/v1/jobs/${JOB_ID}`, headers: t.as('operator') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(sampleJob);
    expect(res.json()).toMatchObject({ status: 'running', phase: 'exchange', progress: { done: 3000, total: 6000, rate: 1500, etaSeconds: 2 } });
    expect(t.services.calls).toEqual([{ method: 'jobs.get', args: [JOB_ID] }]);
  });

  it('serves a finished job with its result, a failed one with its error', async () => {
    const succeeded = {
      ...sampleJob,
      kind: 'intersect' as const,
      status: 'succeeded' as const,
      result: { count: 420, attribute: 'joint:x' },
      finishedAt: sampleJob.createdAt,
    };
    const failed = {
      ...sampleJob,
      status: 'failed' as const,
      error: { code: 'PEER_UNREACHABLE', message: 'telco did not answer' },
      finishedAt: sampleJob.createdAt,
    };
    for (const job of [succeeded, failed]) {
      t.services.jobs.get = () => job;
      const res = await t.app.inject({ url: `/v1/jobs/${JOB_ID}`, headers: t.as('operator') });
      expect(res.json()).toEqual(job);
    }
  });

  it('serves jobs through their schema: fields not in the schema are not disclosed', async () => {
    t.services.jobs.get = () => ({ ...sampleJob, leaseOwner: 'runner:4242:secret', cancelReason: '+8613800138000' }) as typeof sampleJob;
    const res = await t.app.inject({ url: `/v1/jobs/${JOB_ID}`, headers: t.as('compliance') });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toMatch(/runner:4242|8613800138000/);
    expect(res.json()).toEqual(sampleJob);
  });

  it('404 JOB_NOT_FOUND for an unknown job', async () => {
    t.services.failNext('jobs.get', new MofangError('JOB_NOT_FOUND', `no job with id ${JOB_ID}`));
    const res = await t.app.inject({ url: `/v1/jobs/${JOB_ID}`, headers: t.as('operator') });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'JOB_NOT_FOUND', message: `no job with id ${JOB_ID}` } });
  });
});

describe('POST /v1/jobs/:id/cancel', () => {
  it('passes the job id, the reason and the actor', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${JOB_ID}/cancel`, payload: { reason: 'wrong agreement' }, headers: t.as('operator') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: JOB_ID, status: 'running', cancelRequested: true });
    expect(t.services.calls).toEqual([{ method: 'jobs.cancel', args: [JOB_ID, 'wrong agreement', OPERATOR] }]);
  });

  it.each([
    ['an empty reason', { reason: '' }, 'body.reason'],
    ['a blank reason', { reason: '   ' }, 'body.reason'],
    ['a reason over 500 characters', { reason: 'x'.repeat(501) }, 'body.reason'],
    ['no reason', {}, 'body.reason'],
    ['no body', undefined, 'body:'],
  ])('400 REQUEST_INVALID for %s', async (_name, payload, field) => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${JOB_ID}/cancel`, payload, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.code).toBe('REQUEST_INVALID');
    expect(res.json().error.message.startsWith(field)).toBe(true);
    expect(t.services.calls).toEqual([]);
  });

  it.each([
    ['JOB_NOT_FOUND', 404],
    ['JOB_STATE', 409],
  ] as const)('%s from the node → %i', async (code, status) => {
    t.services.failNext('jobs.cancel', new MofangError(code, `${code}: job ${JOB_ID} has already succeeded`));
    const res = await t.app.inject({ method: 'POST', url: `/v1/jobs/${JOB_ID}/cancel`, payload: { reason: 'too late' }, headers: t.as('operator') });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });
});

describe('POST /v1/runs/:id/cancel', () => {
  it('passes the run id and the actor, and returns the run', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/runs/run-7/cancel', headers: t.as('operator') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: 'run-7', role: 'responder', status: 'running' });
    expect(t.services.calls).toEqual([{ method: 'runs.cancel', args: ['run-7', OPERATOR] }]);
  });

  it.each([
    ['RUN_NOT_FOUND', 404],
    ['JOB_STATE', 409],
  ] as const)('%s from the node → %i', async (code, status) => {
    t.services.failNext('runs.cancel', new MofangError(code, `${code} for run-1`));
    const res = await t.app.inject({ method: 'POST', url: '/v1/runs/run-1/cancel', headers: t.as('operator') });
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
  });

  it('400 REQUEST_INVALID for a malformed run id', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/runs/run%20one/cancel', headers: t.as('operator') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message.startsWith('params.id')).toBe(true);
    expect(t.services.calls).toEqual([]);
  });
});

describe('OpenAPI', () => {
  it('documents the job routes under the jobs tag, with 202 for submission and JobView fields', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const submit = doc.paths['/v1/jobs'].post;
    expect(submit.tags).toEqual(['jobs']);
    expect(submit.description).toContain('Roles: operator.');
    expect(Object.keys(submit.responses)).toContain('202');
    const view = submit.responses['202'].content['application/json'].schema;
    expect(Object.keys(view.properties)).toEqual(expect.arrayContaining(['status', 'progress', 'result', 'error', 'runIds']));
    const roles: [string, string, Role[]][] = [
      ['/v1/jobs', 'get', ['operator', 'compliance']],
      ['/v1/jobs/{id}', 'get', ['operator', 'compliance']],
      ['/v1/jobs/{id}/cancel', 'post', ['operator']],
    ];
    for (const [path, method, allowed] of roles) {
      expect(doc.paths[path][method].tags).toEqual(['jobs']);
      expect(doc.paths[path][method].description).toContain(`Roles: ${allowed.join(', ')}.`);
    }
    expect(doc.paths['/v1/runs/{id}/cancel'].post.tags).toEqual(['runs']);
    expect(doc.paths['/v1/queries'].post.description).toContain('POST /v1/jobs');
  });
});

describe('router-level errors', () => {
  it("an over-long path parameter gets the catalogued JSON error, not the framework's own", async () => {
    const api = await testApp();
    try {
      const res = await api.app.inject({ method: 'GET', url: `/v1/jobs/${'a'.repeat(300)}`, headers: api.as('operator') });
      expect([400, 414]).toContain(res.statusCode);
      expect(res.json().error.code).toBe('REQUEST_INVALID');
      expect(res.body).not.toContain('a'.repeat(300));
    } finally {
      await api.close();
    }
  });
});

describe('aggregate and score jobs', () => {
  const aggregate = { columns: ['monthly_spend'], groupBy: 'city' };
  it('queues an aggregate job with its options, and a score job with its formula', async () => {
    for (const payload of [
      { kind: 'aggregate', agreementIds: [AGREEMENT_ID], aggregate: { ...aggregate, histogram: true } },
      { kind: 'score', agreementIds: [AGREEMENT_ID], aggregate: { ...aggregate, score: 'size-x-mean:monthly_spend' } },
    ]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: t.as('operator') });
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ kind: payload.kind, options: { aggregate: payload.aggregate } });
    }
  });

  it.each([
    ['aggregate without options', { kind: 'aggregate', agreementIds: [AGREEMENT_ID] }, /body.aggregate: aggregate jobs need aggregate options/],
    ['score without a formula', { kind: 'score', agreementIds: [AGREEMENT_ID], aggregate }, /body.aggregate.score: score jobs need a formula/],
    [
      'a formula on another column',
      { kind: 'score', agreementIds: [AGREEMENT_ID], aggregate: { ...aggregate, score: 'weighted:tenure=1' } },
      /column 'tenure' is not among the job's columns/,
    ],
    ['an unknown formula', { kind: 'score', agreementIds: [AGREEMENT_ID], aggregate: { ...aggregate, score: 'best' } }, /unknown formula 'best'/],
    [
      'groupBy and segments',
      { kind: 'aggregate', agreementIds: [AGREEMENT_ID], aggregate: { ...aggregate, segments: ['vip'] } },
      /body.aggregate.segments: give groupBy or segments, not both/,
    ],
    ['aggregate options on overlap', { kind: 'overlap', agreementIds: [AGREEMENT_ID], aggregate }, /only aggregate and score jobs take aggregate options/],
    ['no columns', { kind: 'aggregate', agreementIds: [AGREEMENT_ID], aggregate: { columns: [] } }, /fewer than 1/],
  ] as const)('400 REQUEST_INVALID for %s', async (_name, payload, message) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/jobs', payload, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toMatch(message);
  });

  it('serves released scores and the budget to operators and compliance, every number with its noise and interval', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/scores/run-agg-1', headers: t.as('compliance') });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().groups[0]).toMatchObject({
      label: 'north',
      count: { value: 120, noiseScale: { mechanism: 'discrete-laplace' }, ci95: { low: 114, high: 126 } },
    });
    const budget = await t.app.inject({ method: 'GET', url: `/v1/agreements/${AGREEMENT_ID}/budget`, headers: t.as('operator') });
    expect(budget.json()).toMatchObject({ spent: { epsilon: '1' }, total: { epsilon: '10' }, queriesLeft: 9 });
  });
});
