import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { AGREEMENT_ID, JOB_ID } from '../../test/support/fake-services.js';
import type { Role } from './services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

/**
 * One app for the file, its fake services reset before each test: building the app compiles every
 * route's schemas (about a second), and nearly all of the two hundred cases here only inject a
 * request and read the calls it made. The request log test, which reads every log line, has an
 * app of its own.
 */
let shared: TestApp;
let t: TestApp;
beforeAll(async () => {
  shared = await testApp();
});
afterAll(() => shared.close());
beforeEach(() => {
  t = shared;
  t.services.reset();
});

interface RouteCase {
  method: 'GET' | 'POST';
  url: string;
  /** Path as registered, to compare with the OpenAPI document. */
  route: string;
  roles: Role[];
  status: number;
  /** JSON, or a file upload's text with its `content-type` in `headers`. */
  payload?: Record<string, unknown> | string;
  headers?: Record<string, string>;
}

const propose = {
  peer: 'telco',
  title: 'Overlap study',
  localDataset: 'customers',
  peerDataset: 'subscribers',
  idKind: 'phone',
  operations: ['overlap'],
  minIntersection: 100,
  expiresAt: '2026-12-31T00:00:00.000Z',
};

// Every protected route, with the roles allowed. Checked below against the registered routes.
const ROUTES: RouteCase[] = [
  { method: 'GET', url: '/v1/health', route: '/v1/health', roles: ['admin', 'operator', 'compliance'], status: 200 },
  { method: 'GET', url: '/v1/session', route: '/v1/session', roles: ['admin', 'operator', 'compliance', 'ingest'], status: 200 },
  { method: 'GET', url: '/v1/datasets', route: '/v1/datasets', roles: ['admin', 'operator'], status: 200 },
  { method: 'GET', url: '/v1/datasets/customers/imports', route: '/v1/datasets/:name/imports', roles: ['admin', 'operator'], status: 200 },
  {
    method: 'POST',
    url: '/v1/datasets/customers/import',
    route: '/v1/datasets/:name/import',
    roles: ['admin'],
    status: 200,
    payload: { path: '/srv/in/customers.csv', idColumn: 'msisdn', idKind: 'phone' },
  },
  { method: 'GET', url: '/v1/agreements', route: '/v1/agreements', roles: ['admin', 'operator', 'compliance'], status: 200 },
  { method: 'GET', url: `/v1/agreements/${AGREEMENT_ID}`, route: '/v1/agreements/:id', roles: ['admin', 'operator', 'compliance'], status: 200 },
  { method: 'POST', url: '/v1/agreements', route: '/v1/agreements', roles: ['admin'], status: 201, payload: propose },
  { method: 'POST', url: `/v1/agreements/${AGREEMENT_ID}/accept`, route: '/v1/agreements/:id/accept', roles: ['admin'], status: 200 },
  {
    method: 'POST',
    url: `/v1/agreements/${AGREEMENT_ID}/revoke`,
    route: '/v1/agreements/:id/revoke',
    roles: ['admin'],
    status: 200,
    payload: { reason: 'contract ended' },
  },
  { method: 'POST', url: '/v1/queries', route: '/v1/queries', roles: ['operator'], status: 201, payload: { operation: 'overlap', agreementId: AGREEMENT_ID } },
  { method: 'GET', url: '/v1/runs', route: '/v1/runs', roles: ['operator', 'compliance'], status: 200 },
  { method: 'GET', url: '/v1/runs/run-1', route: '/v1/runs/:id', roles: ['operator', 'compliance'], status: 200 },
  { method: 'POST', url: '/v1/runs/run-1/cancel', route: '/v1/runs/:id/cancel', roles: ['operator'], status: 200 },
  { method: 'POST', url: '/v1/jobs', route: '/v1/jobs', roles: ['operator'], status: 202, payload: { kind: 'overlap', agreementIds: [AGREEMENT_ID] } },
  { method: 'GET', url: '/v1/jobs', route: '/v1/jobs', roles: ['operator', 'compliance'], status: 200 },
  { method: 'GET', url: `/v1/jobs/${JOB_ID}`, route: '/v1/jobs/:id', roles: ['operator', 'compliance'], status: 200 },
  { method: 'POST', url: `/v1/jobs/${JOB_ID}/cancel`, route: '/v1/jobs/:id/cancel', roles: ['operator'], status: 200, payload: { reason: 'wrong agreement' } },
  { method: 'GET', url: '/v1/scores', route: '/v1/scores', roles: ['operator', 'compliance'], status: 200 },
  { method: 'GET', url: '/v1/scores/run-agg-1', route: '/v1/scores/:id', roles: ['operator', 'compliance'], status: 200 },
  { method: 'GET', url: `/v1/agreements/${AGREEMENT_ID}/budget`, route: '/v1/agreements/:id/budget', roles: ['operator', 'compliance'], status: 200 },
  { method: 'GET', url: '/v1/audit', route: '/v1/audit', roles: ['compliance'], status: 200 },
  { method: 'POST', url: '/v1/audit/verify', route: '/v1/audit/verify', roles: ['compliance'], status: 200 },
  { method: 'GET', url: '/v1/audit/export', route: '/v1/audit/export', roles: ['compliance'], status: 200 },
  { method: 'POST', url: '/v1/events', route: '/v1/events', roles: ['ingest', 'operator'], status: 200, payload: { events: [] } },
  {
    method: 'POST',
    url: '/v1/events/import',
    route: '/v1/events/import',
    roles: ['admin', 'operator'],
    status: 200,
    payload: 'eventId,customerId,name,time\n',
    headers: { 'content-type': 'text/csv' },
  },
];
const ALL_ROLES: Role[] = ['admin', 'operator', 'compliance', 'ingest', 'app'];
const label = (r: RouteCase) => `${r.method} ${r.url}`;

describe('authentication', () => {
  it.each(ROUTES)('$method $route: 401 AUTH_REQUIRED without a token', async (r) => {
    const res = await t.app.inject({ method: r.method, url: r.url, payload: r.payload });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ error: { code: 'AUTH_REQUIRED', message: expect.any(String) } });
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(t.services.calls).toEqual([]);
  });

  it.each(ROUTES)('$method $route: 401 AUTH_REQUIRED with a wrong or revoked-looking token', async (r) => {
    for (const authorization of [`Bearer mfg_admin_${'A'.repeat(43)}`, 'Bearer nonsense', `Basic ${t.tokens.admin}`]) {
      const res = await t.app.inject({ method: r.method, url: r.url, payload: r.payload, headers: { authorization } });
      expect(res.statusCode, authorization).toBe(401);
      expect(res.json().error.code).toBe('AUTH_REQUIRED');
    }
    expect(t.services.calls).toEqual([]);
  });

  it('does not call services or read the body before authenticating an upload', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/datasets/customers/import?id=msisdn:phone',
      payload: 'msisdn\n+8613800138000\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.statusCode).toBe(401);
    expect(t.services.imported).toEqual([]);
  });
});

describe('roles', () => {
  const denied = ROUTES.flatMap((r) => ALL_ROLES.filter((role) => !r.roles.includes(role)).map((role) => ({ ...r, role, name: label(r) })));
  it.each(denied)('$name: 403 FORBIDDEN_ROLE for $role', async (r) => {
    const res = await t.app.inject({ method: r.method, url: r.url, payload: r.payload, headers: { ...r.headers, ...t.as(r.role) } });
    expect(res.statusCode).toBe(403);
    const { error } = res.json();
    expect(error.code).toBe('FORBIDDEN_ROLE');
    for (const role of r.roles) expect(error.message).toContain(role);
    expect(error.details).toEqual({ allowed: r.roles, role: r.role });
    expect(t.services.calls).toEqual([]);
  });

  const allowed = ROUTES.flatMap((r) => r.roles.map((role) => ({ ...r, role, name: label(r) })));
  it.each(allowed)('$name: $status for $role', async (r) => {
    const res = await t.app.inject({ method: r.method, url: r.url, payload: r.payload, headers: { ...r.headers, ...t.as(r.role) } });
    expect(res.statusCode, res.body).toBe(r.status);
    expect(t.services.calls).toHaveLength(1);
  });

  it('admin does not implicitly hold compliance or operator rights', async () => {
    for (const url of ['/v1/audit', '/v1/runs', '/v1/jobs']) {
      const res = await t.app.inject({ url, headers: t.as('admin') });
      expect(res.statusCode).toBe(403);
    }
  });

  it('the route table above covers every registered /v1 route', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const tested = ROUTES.map((r) => `${r.method} ${r.route}`);
    // Insight, tracking plan, analytics, alerts, journeys, template, consent and reach routes run against real services; their
    // roles are tested in node/api/insight.test.ts, tracking-plan.test.ts, analytics.test.ts, alerts.test.ts, journeys.test.ts,
    // journey-templates.test.ts, consent.test.ts, reach-local.test.ts (inbox, calls, tasks) and reach-reports.test.ts.
    const elsewhere = / \/v1\/(insight|alerts|analytics|reach)\/| \/v1\/(metrics|journeys|journey-templates|consent|frequency)\b| \/v1\/tracking-plan/;
    expect(documented.filter((d) => d.includes(' /v1/') && !elsewhere.test(d)).sort()).toEqual([...new Set(tested)].sort());
  });
});

describe('services are called with the actor and the validated input', () => {
  it('passes token:<id> and the role as the actor', async () => {
    await t.app.inject({ method: 'POST', url: '/v1/queries', payload: { operation: 'overlap', agreementId: AGREEMENT_ID }, headers: t.as('operator') });
    expect(t.services.calls[0]).toEqual({
      method: 'jobs.runQuery',
      args: [
        { operation: 'overlap', agreementId: AGREEMENT_ID },
        { id: 'token:operator-1', role: 'operator' },
      ],
    });
  });

  it('GET an agreement carries the floor issues and the disclosure summary that agreements show prints', async () => {
    const res = await t.app.inject({ url: `/v1/agreements/${AGREEMENT_ID}`, headers: t.as('compliance') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      policyIssues: [],
      disclosure: { operations: [{ operation: 'overlap', learns: ['the proposer learns the exact number of records in common'] }], warnings: [] },
    });
  });

  it("GET an agreement carries the querier's re-imports on the agreement and its pair against the cap", async () => {
    const res = await t.app.inject({ url: `/v1/agreements/${AGREEMENT_ID}`, headers: t.as('operator') });
    expect(res.statusCode).toBe(200);
    expect(res.json().pair.querierReimports).toEqual({ since: '2026-01-01T00:00:00.000Z', agreement: 1, pair: 2, limit: 4 });
  });

  it('POST accept takes an optional body whose overridePolicy reaches the service; anything else in it is refused', async () => {
    const accept = (payload?: object) => t.app.inject({ method: 'POST', url: `/v1/agreements/${AGREEMENT_ID}/accept`, payload, headers: t.as('admin') });
    expect((await accept()).statusCode).toBe(200);
    expect((await accept({ overridePolicy: true })).statusCode).toBe(200);
    const bad = await accept({ overridePolicy: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('REQUEST_INVALID');
    expect(t.services.calls.map((c) => c.args[2])).toEqual([{ overridePolicy: false }, { overridePolicy: true }]);
  });

  it('POST /v1/queries names the query as POST /v1/jobs does (kind, agreementIds); operation and agreementId are deprecated aliases', async () => {
    const post = (payload: object) => t.app.inject({ method: 'POST', url: '/v1/queries', payload, headers: t.as('operator') });
    const current = await post({ kind: 'enrich', agreementIds: [AGREEMENT_ID] });
    expect(current.statusCode, current.body).toBe(201);
    expect(current.headers.deprecation).toBeUndefined();
    const old = await post({ operation: 'enrich', agreementId: AGREEMENT_ID });
    expect(old.statusCode, old.body).toBe(201);
    expect(old.headers.deprecation).toBe('@1796515200'); // RFC 9745: the date of deprecation
    expect(t.services.calls.map((c) => c.args[0])).toEqual([
      { operation: 'enrich', agreementId: AGREEMENT_ID },
      { operation: 'enrich', agreementId: AGREEMENT_ID },
    ]);
  });

  it.each([
    ['both names', { kind: 'overlap', operation: 'overlap', agreementIds: [AGREEMENT_ID] }, 'body.kind: give kind or its deprecated alias operation, not both'],
    ['no kind', { agreementIds: [AGREEMENT_ID] }, 'body.kind: is required'],
    ['no agreement', { kind: 'overlap' }, 'body.agreementIds: is required'],
    ['two agreements', { kind: 'overlap', agreementIds: [AGREEMENT_ID, AGREEMENT_ID] }, 'body.agreementIds'],
    ['a job-only kind', { kind: 'intersect', agreementIds: [AGREEMENT_ID] }, 'body.kind'],
  ])('POST /v1/queries refuses %s with 400 REQUEST_INVALID naming the field', async (_name, payload, message) => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/queries', payload, headers: t.as('operator') });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'REQUEST_INVALID', message: expect.stringContaining(message) });
    expect(t.services.calls).toEqual([]);
  });

  it('passes the revoke reason', async () => {
    const res = await t.app.inject({ method: 'POST', url: `/v1/agreements/${AGREEMENT_ID}/revoke`, payload: { reason: 'breach' }, headers: t.as('admin') });
    expect(res.json()).toMatchObject({ status: 'revoked', revokedBy: 'token:admin-1', revokedReason: 'breach' });
    expect(t.services.calls[0].args.slice(0, 2)).toEqual([AGREEMENT_ID, 'breach']);
  });

  it('passes list filters from the query string, with defaults and types', async () => {
    await t.app.inject({ url: '/v1/audit?afterSeq=5&action=agreement.accept', headers: t.as('compliance') });
    await t.app.inject({ url: '/v1/runs?limit=7', headers: t.as('compliance') });
    await t.app.inject({ url: '/v1/agreements?status=pending', headers: t.as('operator') });
    expect(t.services.calls.map((c) => c.args[0])).toEqual([{ afterSeq: 5, limit: 100, action: 'agreement.accept' }, { limit: 7 }, { status: 'pending' }]);
  });

  it('serves responses through their schema: fields not in the schema are not disclosed', async () => {
    const run = t.services.runs.get('run-1');
    t.services.calls.length = 0;
    t.services.runs.get = () => ({ ...run, localIdentifiers: ['+8613800138000'] }) as typeof run;
    const res = await t.app.inject({ url: '/v1/runs/run-1', headers: t.as('operator') });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('8613800138000');
    expect(res.json()).toEqual(run);
  });
});

describe('errors', () => {
  it.each([
    ['a missing required field', '/v1/agreements', { ...propose, title: undefined }, 'body.title', 'admin'],
    ['a misspelt field', '/v1/agreements', { ...propose, minIntersecton: 5 }, 'body.minIntersecton', 'admin'],
    ['a wrong type', '/v1/agreements', { ...propose, minIntersection: 'lots' }, 'body.minIntersection', 'admin'],
    ['a value out of the enum', '/v1/queries', { operation: 'dump', agreementId: AGREEMENT_ID }, 'body.operation', 'operator'],
    ['an empty revoke reason', `/v1/agreements/${AGREEMENT_ID}/revoke`, { reason: '' }, 'body.reason', 'admin'],
    ['a blank revoke reason', `/v1/agreements/${AGREEMENT_ID}/revoke`, { reason: '   ' }, 'body.reason', 'admin'],
    ['a missing revoke body', `/v1/agreements/${AGREEMENT_ID}/revoke`, undefined, 'body:', 'admin'],
    ['a malformed path parameter', '/v1/agreements/not-a-uuid/accept', undefined, 'params.id', 'admin'],
  ] as const)('400 REQUEST_INVALID naming the field for %s', async (_name, url, payload, field, role) => {
    const res = await t.app.inject({ method: 'POST', url, payload, headers: t.as(role) });
    expect(res.statusCode, res.body).toBe(400);
    const { error } = res.json();
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message.startsWith(field)).toBe(true);
    expect(t.services.calls).toEqual([]);
  });

  it('400 REQUEST_INVALID naming a bad query parameter', async () => {
    const res = await t.app.inject({ url: '/v1/audit/export?format=xml', headers: t.as('compliance') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { in: 'querystring', field: 'format' } });
    expect(res.json().error.message).toContain('jsonl, csv');
  });

  it('400 REQUEST_INVALID for malformed JSON without quoting the body', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/queries',
      payload: '{"agreementId": "+8613800138000"',
      headers: { ...t.as('operator'), 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('REQUEST_INVALID');
    expect(res.body).not.toContain('8613800138000');
  });

  it('415 MEDIA_TYPE_UNSUPPORTED for a body type the route does not take', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/queries',
      payload: 'operation=overlap',
      headers: { ...t.as('operator'), 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('MEDIA_TYPE_UNSUPPORTED');
  });

  it('413 LIMIT_EXCEEDED for a JSON body over the limit', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/v1/agreements/${AGREEMENT_ID}/revoke`,
      payload: { reason: 'x'.repeat(2 * 1024 ** 2) },
      headers: t.as('admin'),
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 1024 ** 2 } });
  });

  it('404 NOT_FOUND for an unknown route, with or without a token', async () => {
    for (const headers of [{}, t.as('admin')]) {
      const res = await t.app.inject({ url: '/v1/nope', headers });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await t.app.inject({ method: 'DELETE', url: '/health' })).json().error.code).toBe('NOT_FOUND');
  });

  it.each([
    ['AGREEMENT_NOT_FOUND', 404],
    ['AGREEMENT_STATE', 409],
    ['PEER_UNREACHABLE', 502],
    ['RESULT_BELOW_MINIMUM', 422],
  ] as const)('a MofangError %s from services keeps its code and catalogued status %i', async (code, status) => {
    t.services.failNext('agreements.get', new MofangError(code, `${code} happened`, { field: 'x' }));
    const res = await t.app.inject({ url: `/v1/agreements/${AGREEMENT_ID}`, headers: t.as('operator') });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error: { code, message: `${code} happened`, details: { field: 'x' } } });
  });

  it('an unknown error becomes 500 INTERNAL with a generic message; the details go to the log only', async () => {
    t.services.failNext('runs.list', new Error('SQLITE_CORRUPT at /srv/mofang/node.db while reading +8613800138000'));
    const res = await t.app.inject({ url: '/v1/runs', headers: t.as('operator') });
    expect(res.statusCode).toBe(500);
    const { error } = res.json();
    expect(error.code).toBe('INTERNAL');
    expect(error.details).toBeUndefined();
    expect(res.body).not.toMatch(/SQLITE|srv|8613800138000/);
    expect(error.message).toContain(res.headers['x-request-id']);
    const logged = t.log.lines().find((l) => l.msg === 'unexpected error');
    expect((logged!.err as { message: string }).message).toContain('SQLITE_CORRUPT');
  });

  it('an INTERNAL MofangError (e.g. from asMofangError) is not echoed either', async () => {
    t.services.failNext('datasets.list', new MofangError('INTERNAL', 'EACCES /secret/path'));
    const res = await t.app.inject({ url: '/v1/datasets', headers: t.as('operator') });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
  });
});

describe('route contract', () => {
  it('a route without roles or without a 2xx response schema is refused when it is added', async () => {
    const { buildApp } = await import('./app.js');
    const app = buildApp({ services: t.services, tokens: [], logger: t.log.logger, version: 'x' });
    const handler = async () => ({});
    expect(() => app.get('/open', { schema: { response: { 200: { type: 'object' } } } }, handler)).toThrow(/declare config.roles or config.public/);
    expect(() => app.get('/loose', { config: { roles: ['admin'] } }, handler)).toThrow(/declare a 2xx response schema/);
    await app.close();
  });

  it('sets no-store and a request id on every reply', async () => {
    for (const url of ['/health', '/v1/runs', '/nope']) {
      const res = await t.app.inject({ url });
      expect(res.headers['cache-control'], url).toBe('no-store');
      expect(res.headers['x-request-id'], url).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('public routes', () => {
  it('GET /health needs no token and tells an outsider only that the node is alive', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    // No name, node id, version or peer list: those are for token holders (GET /v1/health).
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.body).not.toContain('telco');
    expect(t.services.calls).toEqual([]);
  });

  it('GET /health/ready needs no token and reports readiness as booleans only (503 when not listening)', async () => {
    const res = await t.app.inject({ url: '/health/ready' });
    // inject() does not listen: the node is not ready to serve clients.
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not_ready', checks: { httpListening: false } });
  });

  it('GET /v1/health gives token holders the identity and each peer with its reachability', async () => {
    const res = await t.app.inject({ url: '/v1/health', headers: t.as('compliance') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'bank', peers: [{ name: 'telco', address: '10.0.0.7:7443', reachable: false, error: 'PEER_UNREACHABLE' }] });
  });

  it('GET /openapi.json: OpenAPI 3 with bearer security, the error schema and the roles per route', async () => {
    const res = await t.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.version).toBe('0.1.0-test');
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas.ErrorResponse.properties.error.properties.code.enum).toContain('FORBIDDEN_ROLE');
    expect(Object.keys(doc.paths)).toContain('/health');
    expect(Object.keys(doc.paths)).not.toContain('/openapi.json');
    expect(doc.paths['/health'].get.security).toEqual([]);
    const accept = doc.paths['/v1/agreements/{id}/accept'].post;
    expect(accept.security).toEqual([{ bearerAuth: [] }]);
    expect(accept.description).toContain('Roles: admin.');
    expect(JSON.stringify(accept.responses['4XX'] ?? accept.responses['4xx'])).toContain('ErrorResponse');
    const upload = doc.paths['/v1/datasets/{name}/import'].post.requestBody.content;
    expect(Object.keys(upload).sort()).toEqual(['application/json', 'application/x-ndjson', 'text/csv']);
  });
});

describe('request log', () => {
  beforeEach(async () => {
    t = await testApp();
  });
  afterEach(() => t.close());
  it('one line per request: method, route pattern, status, duration, actor — no token, body or ids from the URL', async () => {
    await t.app.inject({
      method: 'POST',
      url: `/v1/agreements/${AGREEMENT_ID}/revoke`,
      payload: { reason: 'phone +8613800138000 leaked' },
      headers: t.as('admin'),
    });
    await t.app.inject({ url: '/v1/audit', headers: t.as('admin') });
    const lines = t.log.lines().filter((l) => l.msg === 'request');
    expect(lines[0]).toMatchObject({ method: 'POST', route: '/v1/agreements/:id/revoke', status: 200, actor: 'token:admin-1', durationMs: expect.any(Number) });
    expect(lines[1]).toMatchObject({ route: '/v1/audit', status: 403, actor: 'token:admin-1', code: 'FORBIDDEN_ROLE' });
    const text = t.log.text();
    for (const secret of [t.tokens.admin, '8613800138000', AGREEMENT_ID]) expect(text).not.toContain(secret);
  });
});
