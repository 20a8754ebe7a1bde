/**
 * POST /v1/events over a real node (SQLite, audit log, tracking plan, DuckDB store): what each role
 * may do, what a batch answers, and what the audit log keeps of it.
 */
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger } from '../../test/support/capture-logger.js';
import { initNode, type InitResult } from '../init.js';
import { MofangNode } from '../node.js';
import { packageRoot } from '../paths.js';
import { buildApp } from './app.js';
import { createToken, tokenFileSource } from './tokens.js';

let root: string;
let init: InitResult;
let node: MofangNode;
let app: FastifyInstance;
let ingestToken: string;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'mofang-events-api-')));
  init = await initNode({ dir: join(root, 'bank'), name: 'bank', template: join(packageRoot(), 'config', 'bank.yaml') });
  node = MofangNode.open(init.configFile, { quietLogs: true });
  node.trackingPlan.apply(
    { undeclared: 'reject', events: { 'card.paid': { properties: { amount: { type: 'number', required: true, min: 0 } } } } },
    { id: 'cli:test', role: 'admin' },
  );
  const tokensFile = join(dirname(init.configFile), 'secrets', 'tokens.json');
  ingestToken = createToken(tokensFile, { id: 'web-app', role: 'ingest' });
  app = buildApp({ services: node, tokens: tokenFileSource(tokensFile), logger: captureLogger().logger, version: 'test' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  node?.close();
  rmSync(root, { recursive: true, force: true });
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const paid = (eventId: string, amount: unknown = 12.5) => ({
  eventId,
  customerId: 'C-0001',
  name: 'card.paid',
  time: new Date(Date.now() - 60_000).toISOString(),
  properties: { amount },
});
const send = (payload: unknown, token = ingestToken) => app.inject({ method: 'POST', url: '/v1/events', payload: payload as object, headers: bearer(token) });

describe('POST /v1/events', () => {
  it('stores a batch, answers per event, and a re-sent batch adds nothing', async () => {
    const batch = [paid('h1'), paid('h2', -1), paid('h3')];
    const first = await send({ events: batch });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({
      accepted: 2,
      duplicates: 0,
      quarantined: 0,
      paused: 0,
      rejected: [{ index: 1, field: 'properties.amount', reason: 'properties.amount is below the minimum 0' }],
    });
    const again = await send({ events: batch });
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2, rejected: [{ index: 1 }] });
    const entries = node.audit.list({ action: 'events.ingested', limit: 10 });
    expect(JSON.stringify(entries)).toContain('token:web-app');
    expect(JSON.stringify(entries)).not.toMatch(/C-0001|h1|12\.5/);
    const { body } = await node.metrics.render();
    expect(body).toMatch(/mofang_events_total\{outcome="accepted"\} 2\n/);
    expect(body).toMatch(/mofang_events_total\{outcome="duplicate"\} 2\n/);
    expect(body).toMatch(/mofang_events_total\{outcome="rejected"\} 2\n/);
  });

  it('refuses an atomic batch with a rejected event (422, each named) and stores none of it', async () => {
    const res = await send({ events: [paid('a1'), paid('a2', 'twelve')], atomic: true });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'EVENT_BATCH_REJECTED',
      details: { rejected: [{ index: 1, field: 'properties.amount', reason: 'properties.amount must be a finite number' }] },
    });
    expect((await send({ events: [paid('a1')] })).json()).toMatchObject({ accepted: 1, duplicates: 0 });
  });

  it('refuses an oversize batch with 413 naming the limit, and malformed JSON with 400', async () => {
    const big = Array.from({ length: node.config.events.maxBatch + 1 }, (_, i) => paid(`big-${i}`));
    const res = await send({ events: big });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'EVENT_BATCH_TOO_LARGE', details: { limit: 1000, size: 1001 } });
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: '{"events": [',
      headers: { ...bearer(ingestToken), 'content-type': 'application/json' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('REQUEST_INVALID');
    expect(bad.json().error.message).toMatch(/JSON/);
    const noEvents = await send({ event: [] });
    expect(noEvents.statusCode).toBe(400);
    expect(noEvents.json().error.message).toMatch(/events/);
  });

  it('lets the ingest role send events and nothing else; staff roles keep their own routes', async () => {
    for (const [method, url] of [
      ['GET', '/v1/health'],
      ['GET', '/v1/datasets'],
      ['GET', '/v1/audit'],
      ['GET', '/v1/jobs'],
      ['GET', '/v1/runs'],
    ] as const) {
      const res = await app.inject({ method, url, headers: bearer(ingestToken) });
      expect(res.statusCode, `${method} ${url}`).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN_ROLE');
    }
    expect((await send({ events: [paid('op-1')] }, init.tokens.operator)).statusCode).toBe(200);
    expect((await send({ events: [paid('cp-1')] }, init.tokens.compliance)).statusCode).toBe(403);
    expect((await app.inject({ method: 'GET', url: '/v1/audit', headers: bearer(init.tokens.compliance) })).statusCode).toBe(200);
  });
});

describe('POST /v1/events/import', () => {
  const upload = (body: string, query = '', type = 'application/x-ndjson') =>
    app.inject({ method: 'POST', url: `/v1/events/import${query}`, payload: body, headers: { ...bearer(init.tokens.operator), 'content-type': type } });
  const line = (id: string, amount: unknown) => JSON.stringify(paid(id, amount));

  it('imports an uploaded file as `mofang events import` does, audited as events.imported, and leaves no staged copy', async () => {
    const res = await upload(`${line('u1', 1)}\n${line('u2', 'SECRET')}\n`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      format: 'jsonl',
      rows: 2,
      accepted: 1,
      duplicates: 0,
      quarantined: 0,
      paused: 0,
      rejected: 1,
      firstRejected: [{ line: 2, field: 'properties.amount', reason: 'properties.amount must be a finite number' }],
    });
    const [entry] = node.audit.list({ action: 'events.imported', limit: 10 }).slice(-1);
    expect(entry).toMatchObject({ actor: 'token:operator', details: { format: 'jsonl', rows: 2 } });
    expect(readdirSync(join(node.config.node.dataDir, 'uploads'))).toEqual([]);
  });

  it('with atomic, refuses a file with a rejected row naming it as the sender did, and stores none of it', async () => {
    const csv = `eventId,customerId,name,time,prop.amount\nv1,C-1,card.paid,${new Date().toISOString()},1\nv2,C-2,card.paid,${new Date().toISOString()},x\n`;
    const res = await upload(csv, '?atomic=true&name=exports%2Fpaid.csv', 'text/csv');
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toMatchObject({
      code: 'EVENT_BATCH_REJECTED',
      message: '1 of 2 rows of exports/paid.csv were rejected; with --atomic nothing was stored',
    });
    expect((await send({ events: [{ ...paid('v1'), eventId: 'v1' }] })).json()).toMatchObject({ accepted: 1, duplicates: 0 });
    // A name carrying a bidi override and a phone number comes back filtered, like any outsider text.
    const hostile = await upload(csv, `?atomic=true&name=${encodeURIComponent('\u202eexport 13800138000 paid.csv')}`, 'text/csv');
    expect(hostile.statusCode).toBe(422);
    expect(hostile.json().error.message).not.toMatch(/\u202e|13800138000/);
  });

  it('takes CSV and JSONL only, and not from the ingest role', async () => {
    const json = await app.inject({ method: 'POST', url: '/v1/events/import', payload: { events: [] }, headers: bearer(init.tokens.operator) });
    expect(json.statusCode).toBe(415);
    expect(json.json().error.code).toBe('MEDIA_TYPE_UNSUPPORTED');
    const ingest = await app.inject({
      method: 'POST',
      url: '/v1/events/import',
      payload: `${line('i1', 1)}\n`,
      headers: { ...bearer(ingestToken), 'content-type': 'application/x-ndjson' },
    });
    expect(ingest.statusCode).toBe(403);
  });
});
