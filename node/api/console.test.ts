import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../../test/support/test-app.js';
import { CONSOLE_CSP, pickCoding } from './console.js';

// The console as the node serves it, over a directory shaped like a build (dist/console).
const SCRIPT = 'console.log(1)';

describe('the web console at /console/', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-console-'));
  const built = join(dir, 'built');
  let t: TestApp;
  let bare: TestApp;
  beforeAll(async () => {
    mkdirSync(built);
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>Mofang</title><script type="module" src="./main-ABCD1234.js"></script>');
    writeFileSync(join(built, 'main-ABCD1234.js'), SCRIPT);
    writeFileSync(join(built, 'main-WXYZ5678.css'), 'body{}');
    writeFileSync(join(built, 'echarts-QRST9012.js'), 'export const chart = 1;');
    // As the build writes them: compressed copies of the script, none of the style sheet here.
    writeFileSync(join(built, 'main-ABCD1234.js.br'), brotliCompressSync(SCRIPT));
    writeFileSync(join(built, 'main-ABCD1234.js.gz'), gzipSync(SCRIPT));
    t = await testApp({ consoleDir: built });
    bare = await testApp({ consoleDir: join(dir, 'missing') });
  });
  afterAll(async () => {
    await t.close();
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects / and /console to /console/', async () => {
    for (const url of ['/', '/console']) {
      const res = await t.app.inject({ url });
      expect([res.statusCode, res.headers.location]).toEqual([302, '/console/']);
    }
  });

  it('serves index.html never cached, under a strict Content-Security-Policy without inline script or eval', async () => {
    const res = await t.app.inject({ url: '/console/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).toContain('main-ABCD1234.js');
  });

  it('serves hashed assets with their type, cached for good', async () => {
    const js = await t.app.inject({ url: '/console/main-ABCD1234.js' });
    expect([js.statusCode, js.headers['content-type'], js.headers['cache-control'], js.body]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
      'console.log(1)',
    ]);
    const css = await t.app.inject({ url: '/console/main-WXYZ5678.css' });
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('serves the chunks the entry script imports on demand like the entry: cached for good, under the same policy', async () => {
    const chunk = await t.app.inject({ url: '/console/echarts-QRST9012.js' });
    expect([chunk.statusCode, chunk.headers['content-type'], chunk.headers['cache-control'], chunk.headers['content-security-policy']]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
      CONSOLE_CSP,
    ]);
  });

  it('serves the compressed copy the client accepts, with its Content-Encoding and length, and never one it did not ask for', async () => {
    const get = (acceptEncoding?: string) =>
      t.app.inject({ url: '/console/main-ABCD1234.js', headers: acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding } });
    const br = await get('gzip, deflate, br');
    expect([br.headers['content-encoding'], br.headers.vary, br.headers['content-type']]).toEqual(['br', 'Accept-Encoding', 'text/javascript; charset=utf-8']);
    expect(Number(br.headers['content-length'])).toBe(br.rawPayload.length);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);

    const gzip = await get('gzip');
    expect([gzip.headers['content-encoding'], gzip.headers.vary]).toEqual(['gzip', 'Accept-Encoding']);
    expect(Number(gzip.headers['content-length'])).toBe(gzip.rawPayload.length);
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(SCRIPT);

    for (const refused of [undefined, 'identity', 'br;q=0, gzip;q=0', 'deflate', '*;q=0']) {
      const plain = await get(refused);
      expect([plain.headers['content-encoding'], plain.headers.vary, plain.body], String(refused)).toEqual([undefined, 'Accept-Encoding', SCRIPT]);
      expect(Number(plain.headers['content-length'])).toBe(SCRIPT.length);
    }
    // The compressed copies are no URLs of their own, and a file without copies is sent as it is.
    expect((await t.app.inject({ url: '/console/main-ABCD1234.js.br' })).statusCode).toBe(404);
    const css = await t.app.inject({ url: '/console/main-WXYZ5678.css', headers: { 'accept-encoding': 'br' } });
    expect([css.headers['content-encoding'], css.body]).toEqual([undefined, 'body{}']);
  });

  it('weighs Accept-Encoding by q, preferring brotli on a tie', () => {
    const both = ['br', 'gzip'] as const;
    expect(pickCoding('br;q=0.5, gzip', both)).toBe('gzip');
    expect(pickCoding('gzip;q=1, br;q=1', both)).toBe('br');
    expect(pickCoding('*', both)).toBe('br');
    expect(pickCoding('br;q=0, *', both)).toBe('gzip');
    expect(pickCoding('x-gzip', both)).toBe('gzip');
    expect(pickCoding('br', ['gzip'])).toBeNull();
    expect(pickCoding('GZIP ; Q=0.2', both)).toBe('gzip');
  });

  it("answers the single-page app's routes with index.html, and a missing asset with 404", async () => {
    const route = await t.app.inject({ url: '/console/strategy/12' });
    expect([route.statusCode, route.headers['cache-control']]).toEqual([200, 'no-store']);
    expect(route.body).toContain('main-ABCD1234.js');
    expect((await t.app.inject({ url: '/console/main-00000000.js' })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/console/../package.json' })).statusCode).not.toBe(200);
  });

  it('says clearly on every console URL that a node without a build has no console, and how to build it', async () => {
    for (const url of ['/console/', '/console/overview']) {
      const res = await bare.app.inject({ url });
      expect(res.statusCode).toBe(503);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('console is not built');
      expect(res.body).toContain('npm run build');
    }
    // The API does not depend on the console.
    expect((await bare.app.inject({ url: '/v1/session', headers: bare.as('operator') })).statusCode).toBe(200);
  });

  it('stays out of the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/console') || p === '/')).toEqual([]);
  });
});

describe('GET /v1/session', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ identity: { nodeId: `sha256:${'c'.repeat(64)}`, name: 'bank-sz' } });
  });
  afterAll(() => t.close());

  it('tells each role who it is and which node it talks to, without a peer probe', async () => {
    for (const role of ['admin', 'operator', 'compliance', 'ingest'] as const) {
      const res = await t.app.inject({ url: '/v1/session', headers: t.as(role) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        actor: `token:${role}-1`,
        role,
        unit: null,
        node: { nodeId: `sha256:${'c'.repeat(64)}`, name: 'bank-sz', version: '0.1.0-test' },
      });
    }
    expect(t.services.calls.filter((c) => c.method === 'health')).toEqual([]);
  });

  it('refuses a missing or unknown token with AUTH_REQUIRED', async () => {
    const none = await t.app.inject({ url: '/v1/session' });
    expect([none.statusCode, none.json().error.code]).toEqual([401, 'AUTH_REQUIRED']);
    const bad = await t.app.inject({ url: '/v1/session', headers: { authorization: `Bearer mfg_operator_${'x'.repeat(43)}` } });
    expect([bad.statusCode, bad.json().error.code]).toEqual([401, 'AUTH_REQUIRED']);
  });
});
