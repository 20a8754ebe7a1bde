/**
 * CORS on POST /v1/events over real HTTP: the headers a browser reads, for a listed origin and an
 * unlisted one, the preflight, and nothing on other routes or when no origin is configured.
 */
import { Value } from '@sinclair/typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { ConfigSchema } from '../config/schema.js';

const PAGE = 'https://www.bank.example';
let t: TestApp;
let url: string;

beforeAll(async () => {
  t = await testApp({ eventOrigins: [PAGE, 'http://127.0.0.1:5173'] });
  url = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(() => t?.close());

const preflight = (origin: string, method = 'POST', path = '/v1/events') =>
  fetch(`${url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });
const post = (origin: string | null, headers: Record<string, string> = t.as('ingest')) =>
  fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ events: [] }),
  });

describe('CORS on POST /v1/events', () => {
  it('answers the preflight of a listed origin with the method, the headers and a max-age, without a token', async () => {
    const res = await preflight(PAGE);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(res.headers.get('access-control-allow-methods')).toBe('POST');
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/origin/i);
    expect(t.services.calls).toEqual([]);
  });

  it('lets a listed origin read the reply of a batch, and of a refusal (401)', async () => {
    const ok = await post(PAGE);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(PAGE);
    const refused = await post(PAGE, { authorization: 'Bearer mfg_ingest_nope' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(PAGE);
  });

  it('gives an unlisted origin no CORS header at all (logged at debug, not audited), and matches origins exactly', async () => {
    for (const origin of ['https://evil.example', 'https://www.bank.example.evil.example', 'http://www.bank.example', 'https://www.bank.example:8443']) {
      const pre = await preflight(origin);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(pre.headers.get('access-control-allow-methods')).toBeNull();
      expect((await post(origin)).headers.get('access-control-allow-origin')).toBeNull();
    }
    const logged = t.log.lines().filter((l) => l.msg === 'CORS: origin not in events.cors.allowedOrigins; no CORS headers');
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((l) => l.level === 'debug')).toBe(true);
    expect(t.services.calls.every((c) => c.method === 'events.ingest')).toBe(true);
  });

  it('allows only POST, and no other route', async () => {
    expect((await preflight(PAGE, 'DELETE')).headers.get('access-control-allow-origin')).toBeNull();
    const other = await preflight(PAGE, 'POST', '/v1/events/import');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const datasets = await fetch(`${url}/v1/datasets`, { headers: { ...t.as('admin'), origin: PAGE } });
    expect(datasets.status).toBe(200);
    expect(datasets.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('without configured origins, sends no CORS header and has no preflight route', async () => {
    const plain = await testApp();
    try {
      const base = await plain.app.listen({ host: '127.0.0.1', port: 0 });
      const pre = await fetch(`${base}/v1/events`, { method: 'OPTIONS', headers: { origin: PAGE, 'access-control-request-method': 'POST' } });
      expect(pre.status).toBe(404);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const res = await fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { ...plain.as('ingest'), 'content-type': 'application/json', origin: PAGE },
        body: JSON.stringify({ events: [] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe('events.cors.allowedOrigins', () => {
  const origin = ConfigSchema.properties.events.properties.cors.properties.allowedOrigins.items;
  it('takes origins as browsers send them, and nothing a browser never sends', () => {
    for (const ok of [PAGE, 'http://127.0.0.1:5173', 'http://[::1]:8080']) expect(Value.Check(origin, ok), ok).toBe(true);
    for (const bad of ['*', 'https://www.bank.example/', 'https://www.bank.example/shop', 'www.bank.example', 'https://*.bank.example', 'file://x'])
      expect(Value.Check(origin, bad), bad).toBe(false);
  });
});
