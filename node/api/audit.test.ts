import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MofangError } from '../errors.js';
import { sampleAudit } from '../../test/support/fake-services.js';
import { testApp, type TestApp } from '../../test/support/test-app.js';

let t: TestApp;
beforeEach(async () => {
  t = await testApp();
});
afterEach(() => t.close());

describe('GET /v1/audit/export', () => {
  it('streams JSON lines with the filter passed through', async () => {
    const res = await t.app.inject({
      url: '/v1/audit/export?format=jsonl&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&action=dataset.import',
      headers: t.as('compliance'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-ndjson');
    expect(res.headers['content-disposition']).toBe('attachment; filename="audit.jsonl"');
    expect(
      res.body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(sampleAudit);
    expect(t.services.calls[0].args[0]).toBe('jsonl');
    expect(t.services.calls[0].args[2]).toEqual({ from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z', action: 'dataset.import' });
  });

  it('streams CSV as text/csv; jsonl is the default', async () => {
    const csv = await t.app.inject({ url: '/v1/audit/export?format=csv', headers: t.as('compliance') });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body.trim().split('\n')).toHaveLength(3);
    const dflt = await t.app.inject({ url: '/v1/audit/export', headers: t.as('compliance') });
    expect(dflt.headers['content-type']).toBe('application/x-ndjson');
  });

  it('sends the first entries before the export has finished', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    t.services.audit.export = async (_format, out) => {
      out.write('{"seq":1}\n');
      await gate; // held until the client has seen the first line
      out.write('{"seq":2}\n');
      out.end();
    };
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const body = await new Promise<string>((resolve, reject) => {
      get({ port, path: '/v1/audit/export', headers: t.as('compliance') }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
          if (text === '{"seq":1}\n') release();
        });
        res.on('end', () => resolve(text)).on('error', reject);
      }).on('error', reject);
    });
    expect(body).toBe('{"seq":1}\n{"seq":2}\n');
  });

  it('an error before any output is a normal catalogued error reply', async () => {
    t.services.failNext('audit.export', new MofangError('AUDIT_TAMPERED', 'entry 2: hash mismatch', { seq: 2 }));
    const res = await t.app.inject({ url: '/v1/audit/export', headers: t.as('compliance') });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({ code: 'AUDIT_TAMPERED', message: 'entry 2: hash mismatch', details: { seq: 2 } });
  });

  it('an error after output began aborts the connection, so a partial export cannot pass as complete', async () => {
    t.services.audit.export = async (_format, out) => {
      out.write('{"seq":1}\n');
      await new Promise((r) => setImmediate(r));
      throw new Error('disk read failed');
    };
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const outcome = await new Promise<string>((resolve) => {
      get({ port, path: '/v1/audit/export', headers: t.as('compliance') }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve('complete'));
        res.on('error', () => resolve('aborted'));
        res.on('aborted', () => resolve('aborted'));
      }).on('error', () => resolve('aborted'));
    });
    expect(outcome).toBe('aborted');
    expect(t.log.lines().some((l) => String(l.msg).includes('audit export failed after it started'))).toBe(true);
  });
});

describe('GET /v1/audit and POST /v1/audit/verify', () => {
  it('lists entries and verifies the chain', async () => {
    const list = await t.app.inject({ url: '/v1/audit?limit=2', headers: t.as('compliance') });
    expect(list.json()).toEqual({ entries: sampleAudit });
    const verify = await t.app.inject({ method: 'POST', url: '/v1/audit/verify', headers: t.as('compliance') });
    expect(verify.json()).toEqual({ ok: true, entries: 3, head: { seq: 3, hash: '3'.repeat(64) }, checked: ['chain', 'signatures'] });
  });
});

describe('GET /v1/audit filters', () => {
  it('passes actor, agreement, time and action through to the audit service, and refuses an unknown filter by name', async () => {
    const url = '/v1/audit?actor=token:ops-1&agreement=agr-9&from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z&action=job.submitted&limit=5';
    const res = await t.app.inject({ url, headers: t.as('compliance') });
    expect(res.statusCode).toBe(200);
    expect(t.services.calls[0].args[0]).toEqual({
      actor: 'token:ops-1',
      agreement: 'agr-9',
      from: '2026-01-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
      action: 'job.submitted',
      limit: 5,
    });
    const bad = await t.app.inject({ url: '/v1/audit?peer=telco', headers: t.as('compliance') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('peer');
  });
});
