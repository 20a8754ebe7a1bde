import { existsSync, readdirSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let t: TestApp;
afterEach(() => t.close());

const csv = 'msisdn,segment\n+8613800138000,gold\n+8613900139000,silver\n';
const url = '/v1/datasets/customers/import';
/** Files left in the upload directory besides the token file. */
const leftovers = () => readdirSync(t.dir).filter((f) => f !== 'tokens.json');
/** A body in many chunks with no Content-Length, as a streaming client sends it. */
const chunked = (chunk: string, count: number) => Readable.from(Array.from({ length: count }, () => Buffer.from(chunk)));

describe('POST /v1/datasets/:name/import — upload', () => {
  it('streams a CSV upload to a private temp file, imports it, then deletes it', async () => {
    t = await testApp();
    let mode = 0;
    const importDataset = t.services.datasets.import.bind(t.services);
    t.services.datasets.import = async (input, actor) => {
      mode = statSync(input.file).mode & 0o777;
      return importDataset(input, actor);
    };
    const res = await t.app.inject({
      method: 'POST',
      url: `${url}?id=msisdn:phone&skipBad=true`,
      payload: csv,
      headers: { ...t.as('admin'), 'content-type': 'text/csv; charset=utf-8' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ dataset: 'customers', imported: 2 });
    const [call] = t.services.calls;
    expect(call.method).toBe('datasets.import');
    expect(call.args[0]).toEqual({
      file: expect.stringMatching(/upload\.csv$/),
      origin: 'upload',
      encoding: undefined,
      format: 'csv',
      dataset: 'customers',
      idColumn: 'msisdn',
      idKind: 'phone',
      skipBad: true,
    });
    expect(call.args[1]).toEqual({ id: 'token:admin-1', role: 'admin' });
    expect(t.services.imported[0].content).toBe(csv);
    expect(mode).toBe(0o600);
    expect(existsSync(t.services.imported[0].file)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('streams NDJSON to a .jsonl file', async () => {
    t = await testApp();
    const ndjson = '{"email":"a@example.com"}\n{"email":"b@example.com"}\n';
    const res = await t.app.inject({
      method: 'POST',
      url: `${url}?id=email:email`,
      payload: ndjson,
      headers: { ...t.as('admin'), 'content-type': 'application/x-ndjson' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(t.services.calls[0].args[0]).toMatchObject({ format: 'jsonl', idColumn: 'email', idKind: 'email', file: expect.stringMatching(/upload\.jsonl$/) });
    expect(t.services.imported[0].content).toBe(ndjson);
  });

  it('takes uploads far above the JSON body limit, chunk by chunk', async () => {
    t = await testApp({ jsonBodyLimit: 1024 });
    const row = '+8613800138000,gold\n';
    const res = await t.app.inject({
      method: 'POST',
      url: `${url}?id=msisdn:phone`,
      payload: chunked(row, 5000),
      headers: { ...t.as('admin'), 'content-type': 'text/csv' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(t.services.imported[0].content).toHaveLength(row.length * 5000);
    expect(leftovers()).toEqual([]);
  });

  it('413 LIMIT_EXCEEDED once a streamed upload passes the limit; nothing imported or left behind', async () => {
    t = await testApp({ importBodyLimit: 10_000 });
    const res = await t.app.inject({
      method: 'POST',
      url: `${url}?id=msisdn:phone`,
      payload: chunked('x'.repeat(1000), 50),
      headers: { ...t.as('admin'), 'content-type': 'text/csv' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { limit: 10_000 } });
    expect(t.services.calls).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('413 LIMIT_EXCEEDED at once when Content-Length is over the limit', async () => {
    t = await testApp({ importBodyLimit: 100 });
    const res = await t.app.inject({
      method: 'POST',
      url: `${url}?id=msisdn:phone`,
      payload: 'x'.repeat(101),
      headers: { ...t.as('admin'), 'content-type': 'text/csv' },
    });
    expect(res.statusCode).toBe(413);
    expect(leftovers()).toEqual([]);
  });

  it('400 REQUEST_INVALID naming querystring.id when it is missing or malformed', async () => {
    t = await testApp();
    for (const query of ['', '?id=msisdn', '?id=:phone', '?id=msisdn:Phone!']) {
      const res = await t.app.inject({ method: 'POST', url: `${url}${query}`, payload: csv, headers: { ...t.as('admin'), 'content-type': 'text/csv' } });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { in: 'querystring', field: 'id' } });
    }
    expect(t.services.calls).toEqual([]);
  });

  it('deletes the temp file when the import fails, and keeps the catalogued error', async () => {
    t = await testApp();
    t.services.datasets.import = async (input) => {
      t.services.imported.push({ file: input.file, content: null });
      throw new MofangError('IMPORT_BAD_ROW', 'line 2: msisdn: not a phone number', { line: 2, column: 'msisdn' });
    };
    const res = await t.app.inject({ method: 'POST', url: `${url}?id=msisdn:phone`, payload: csv, headers: { ...t.as('admin'), 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().error).toEqual({ code: 'IMPORT_BAD_ROW', message: 'line 2: msisdn: not a phone number', details: { line: 2, column: 'msisdn' } });
    expect(existsSync(t.services.imported[0].file)).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});

describe('POST /v1/datasets/:name/import — file on the node', () => {
  it('passes the path and options from a JSON body', async () => {
    t = await testApp();
    const res = await t.app.inject({
      method: 'POST',
      url,
      payload: { path: '/srv/in/customers.jsonl', idColumn: 'email', idKind: 'email', format: 'jsonl', skipBad: false },
      headers: t.as('admin'),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(t.services.calls[0].args[0]).toEqual({
      file: '/srv/in/customers.jsonl',
      origin: 'request',
      encoding: undefined,
      format: 'jsonl',
      dataset: 'customers',
      idColumn: 'email',
      idKind: 'email',
      skipBad: false,
    });
  });

  it('400 REQUEST_INVALID naming the missing field', async () => {
    t = await testApp();
    const res = await t.app.inject({ method: 'POST', url, payload: { path: '/srv/in/c.csv', idKind: 'phone' }, headers: t.as('admin') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { in: 'body', field: 'idColumn' } });
  });

  it('415 MEDIA_TYPE_UNSUPPORTED for other body types or none', async () => {
    t = await testApp();
    for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/octet-stream' }, {}]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `${url}?id=msisdn:phone`,
        payload: headers['content-type'] ? csv : undefined,
        headers: { ...t.as('admin'), ...headers },
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(415);
      expect(res.json().error.code).toBe('MEDIA_TYPE_UNSUPPORTED');
    }
    expect(t.services.calls).toEqual([]);
  });

  it('CSV and NDJSON are refused on other routes', async () => {
    t = await testApp();
    const res = await t.app.inject({ method: 'POST', url: '/v1/queries', payload: csv, headers: { ...t.as('operator'), 'content-type': 'text/csv' } });
    expect(res.statusCode).toBe(415);
  });
});

describe('over a real socket', () => {
  async function listen(): Promise<number> {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    return (t.app.server.address() as AddressInfo).port;
  }

  it('a client still streaming past the limit receives the 413', async () => {
    t = await testApp({ importBodyLimit: 64 * 1024 });
    const port = await listen();
    const { status, body, connection } = await new Promise<{ status: number; body: string; connection?: string }>((resolve, reject) => {
      const req = httpRequest({ port, method: 'POST', path: `${url}?id=msisdn:phone`, headers: { ...t.as('admin'), 'content-type': 'text/csv' } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(16 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe('LIMIT_EXCEEDED');
    expect(connection).toBe('close'); // not drained: the client stops sending
    expect(t.services.calls).toEqual([]);
    expect(leftovers()).toEqual([]);
  });

  it('a client that disconnects mid-upload leaves no temp file and no import', async () => {
    t = await testApp();
    const port = await listen();
    const req = httpRequest({ port, method: 'POST', path: `${url}?id=msisdn:phone`, headers: { ...t.as('admin'), 'content-type': 'text/csv' } });
    req.on('error', () => {});
    req.write(csv);
    await new Promise((r) => setTimeout(r, 100));
    expect(leftovers()).toHaveLength(1); // staged while the upload is in flight
    req.destroy();
    await expect.poll(leftovers, { timeout: 2000 }).toEqual([]);
    expect(t.services.calls).toEqual([]);
  });
});
