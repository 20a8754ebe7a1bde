import { parse } from 'csv-parse/sync';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from '../identity/create-identity.js';
import { openNodeDatabase } from '../database.js';
import type { Db } from '../store/db.js';
import { AUDIT_COLUMNS } from './chain.js';
import { exportAudit } from './export.js';
import { listAudit } from './list.js';
import { AuditLog } from './log.js';

let root: string;
let db: Db;
let rows: Record<string, unknown>[];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mofang-export-'));
  const identity = await createIdentity(join(root, 'identity'), 'bank-a');
  db = openNodeDatabase(join(root, 'node.db'));
  let t = Date.parse('2025-03-01T23:59:57.000Z');
  const audit = new AuditLog(db, identity, { headFile: join(root, 'audit-head.json'), now: () => new Date((t += 1000)) });
  audit.append({ actor: 'alice', action: 'dataset.imported', subject: 'customers, 2025', details: { rows: 3, note: 'said "ok",\r\nthen left' } });
  audit.append({ actor: 'system', action: 'node.started' });
  audit.append({ actor: 'bob', action: 'run.completed', subject: 'run-1', details: { unicode: '数据协作' } });
  for (let i = 0; i < 1200; i++) audit.append({ actor: 'bob', action: 'run.started', subject: `run-${i + 2}` });
  audit.append({ actor: 'token:adm-1', action: 'agreement.accepted', subject: 'agr-9' });
  audit.append({ actor: 'token:ops-1', action: 'job.submitted', subject: 'job-1', details: { agreementId: 'agr-9' } });
  audit.append({ actor: 'token:ops-1', action: 'job.submitted', subject: 'job-2', details: { agreementId: 'agr-8' } });
  rows = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<string, unknown>[];
});
afterAll(() => {
  db.close();
  rmSync(root, { recursive: true, force: true });
});

async function exported(format: 'jsonl' | 'csv', filter?: Parameters<typeof exportAudit>[3]): Promise<{ text: string; count: number }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const count = await exportAudit(db, format, out, filter);
  return { text: Buffer.concat(chunks).toString('utf8'), count };
}

describe('exportAudit', () => {
  it('jsonl: every column of every entry, exactly as stored', async () => {
    const { text, count } = await exported('jsonl');
    expect(count).toBe(rows.length);
    const lines = text.trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l))).toEqual(rows);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual([...AUDIT_COLUMNS]);
  });

  it('csv: RFC 4180 quoting round-trips commas, quotes, CRLF and UTF-8; NULL becomes empty', async () => {
    const { text } = await exported('csv');
    expect(text.startsWith('seq,at,actor,action,subject,details,prev_hash,hash,signature\r\n')).toBe(true);
    expect(text).toContain('"customers, 2025"');
    const parsed = parse(text, { columns: true }) as Record<string, string>[];
    expect(parsed).toEqual(rows.map((r) => Object.fromEntries(AUDIT_COLUMNS.map((c) => [c, r[c] === null ? '' : String(r[c])]))));
  });

  it('filters by time (from inclusive, to exclusive, any ISO form) and action', async () => {
    expect((await exported('jsonl', { action: 'run.completed' })).count).toBe(1);
    // Entry 1 is at 2025-03-01T23:59:59Z; later ones on 2025-03-02 (UTC).
    expect((await exported('jsonl', { to: '2025-03-02' })).count).toBe(1);
    const window = rows.filter((r) => (r.at as string) >= '2025-03-02T00:00:00.000Z' && (r.at as string) < '2025-03-02T00:00:05.000Z');
    expect(window.length).toBeGreaterThan(1);
    const { text, count } = await exported('jsonl', { from: '2025-03-02T08:00:00+08:00', to: '2025-03-02T00:00:05Z' });
    expect(count).toBe(window.length);
    expect(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).seq),
    ).toEqual(window.map((r) => r.seq));
    await expect(exported('jsonl', { from: 'yesterday' })).rejects.toMatchObject({ code: 'REQUEST_INVALID', details: { field: 'filter.from' } });
  });

  it('rejects an unknown format before writing anything', async () => {
    const out = new PassThrough();
    await expect(exportAudit(db, 'xml' as 'csv', out)).rejects.toMatchObject({ code: 'AUDIT_EXPORT_FORMAT' });
    expect(out.read()).toBeNull();
  });

  it('waits for a slow consumer (backpressure) and leaves the connection usable meanwhile', async () => {
    let bytes = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        // The node keeps querying while the export waits for 'drain'.
        expect(listAudit(db, { limit: 1 })).toHaveLength(1);
        setTimeout(done, 5);
      },
    });
    expect(await exportAudit(db, 'csv', slow)).toBe(rows.length);
    await new Promise((resolve) => slow.end(resolve));
    expect(bytes).toBeGreaterThan(rows.length * 200);
  });
});

describe('listAudit', () => {
  it('pages by seq and filters by action', () => {
    const page1 = listAudit(db, { limit: 2 });
    expect(page1.map((e) => e.seq)).toEqual([1, 2]);
    expect(page1[0]).toMatchObject({ actor: 'alice', subject: 'customers, 2025', details: { rows: 3 }, prevHash: '0'.repeat(64) });
    expect(listAudit(db, { afterSeq: 2, limit: 1 }).map((e) => e.seq)).toEqual([3]);
    expect(listAudit(db, { action: 'run.completed' }).map((e) => e.seq)).toEqual([3]);
    expect(listAudit(db)).toHaveLength(100);
  });

  it('filters by actor, by agreement (the subject or the agreementId in the details) and by time, as the export does', async () => {
    const seqOf = (action: string, subject: string) => rows.find((r) => r.action === action && r.subject === subject)?.seq;
    expect(listAudit(db, { actor: 'token:ops-1' }).map((e) => e.subject)).toEqual(['job-1', 'job-2']);
    expect(listAudit(db, { agreement: 'agr-9' }).map((e) => e.seq)).toEqual([seqOf('agreement.accepted', 'agr-9'), seqOf('job.submitted', 'job-1')]);
    expect(listAudit(db, { agreement: 'agr-9', actor: 'token:ops-1', action: 'job.submitted' }).map((e) => e.subject)).toEqual(['job-1']);
    expect(listAudit(db, { to: '2025-03-02' }).map((e) => e.actor)).toEqual(['alice']);
    expect(listAudit(db, { actor: 'nobody' })).toEqual([]);
    expect((await exported('jsonl', { agreement: 'agr-9' })).count).toBe(2);
    expect(() => listAudit(db, { from: 'last week' })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', details: { field: 'filter.from' } }));
  });

  it('validates limit and afterSeq', () => {
    expect(() => listAudit(db, { limit: 0 })).toThrow(
      expect.objectContaining({ code: 'REQUEST_INVALID', details: expect.objectContaining({ field: 'limit' }) }),
    );
    expect(() => listAudit(db, { limit: 1001 })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    expect(() => listAudit(db, { afterSeq: -1 })).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID', details: { field: 'afterSeq' } }));
  });
});
