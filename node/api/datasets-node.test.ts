/**
 * The import routes over a real node (identity, SQLite, audit log, config): what an admin token
 * can and cannot make the node read, what comes back, and what the audit log keeps forever.
 */
import iconv from 'iconv-lite';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNode, type InitResult } from '../init.js';
import { captureLogger } from '../../test/support/capture-logger.js';
import { MofangNode } from '../node.js';
import { packageRoot } from '../paths.js';
import { buildApp } from './app.js';
import { tokenFileSource } from './tokens.js';

const SHADOW = 'root:$6$Zr8Lq$Tr0ub4dorSecretHash:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n';
const SECRETS = ['$6$', 'Tr0ub4dor', 'daemon', 'BEGIN', 'PRIVATE', 'MOFANG_TEST_SECRET', 'root:'];

let root: string;
let init: InitResult;
let node: MofangNode;
let app: FastifyInstance;
let allowed: string;
let outside: string;

beforeAll(async () => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'mofang-import-api-')));
  allowed = join(root, 'exports');
  outside = join(root, 'elsewhere');
  mkdirSync(allowed);
  mkdirSync(outside);
  init = await initNode({ dir: join(root, 'bank'), name: 'bank', template: join(packageRoot(), 'config', 'bank.yaml') });
  // The operator lists the export directory, and — carelessly — the node's own directory.
  const doc = parseDocument(readFileSync(init.configFile, 'utf8'));
  doc.setIn(['imports', 'allowedDirs'], [allowed, dirname(init.configFile)]);
  writeFileSync(init.configFile, doc.toString());
  writeFileSync(join(outside, 'shadow'), SHADOW);
  writeFileSync(join(allowed, 'shadow-copy.csv'), SHADOW);
  symlinkSync(join(outside, 'shadow'), join(allowed, 'customers.csv'));
  writeFileSync(join(allowed, 'good.csv'), 'phone,segment\n+8613800138000,gold\n+8613900139000,silver\n');
  process.env.MOFANG_TEST_SECRET = 'MOFANG_TEST_SECRET_VALUE';
  node = MofangNode.open(init.configFile, { quietLogs: true });
  const tokensFile = join(dirname(init.configFile), 'secrets', 'tokens.json');
  app = buildApp({ services: node, tokens: tokenFileSource(tokensFile), logger: captureLogger().logger, version: 'test' });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  node?.close();
  rmSync(root, { recursive: true, force: true });
});

const admin = () => ({ authorization: `Bearer ${init.tokens.admin}` });
const importPath = (path: string, extra: Record<string, unknown> = {}) =>
  app.inject({ method: 'POST', url: '/v1/datasets/customers/import', payload: { path, idColumn: 'phone', idKind: 'phone', ...extra }, headers: admin() });
const failures = () => node.audit.list({ action: 'dataset.import_failed', limit: 1000 });
const expectNoSecrets = (text: string) => {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
};

describe('POST /v1/datasets/:name/import — a path on the node', () => {
  it('403 IMPORT_PATH_FORBIDDEN for a file outside imports.allowedDirs, /etc/shadow and /proc/self/environ included', async () => {
    for (const path of [join(outside, 'shadow'), '/etc/shadow', '/proc/self/environ', '/etc/passwd']) {
      const res = await importPath(path);
      expect(res.statusCode, path).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN' });
      expectNoSecrets(res.body);
    }
  });

  it('403 for a symbolic link inside an allowed directory that points outside', async () => {
    const res = await importPath(join(allowed, 'customers.csv'));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'outside-allowed-dirs' } });
    expectNoSecrets(res.body);
  });

  it("403 for the node's key, config and database even though an allowed directory holds them", async () => {
    const nodeDir = dirname(init.configFile);
    for (const path of [join(nodeDir, 'identity', 'key.pem'), init.configFile, join(nodeDir, 'data', 'mofang.db'), join(nodeDir, 'secrets', 'tokens.json')]) {
      const res = await importPath(path);
      expect(res.statusCode, path).toBe(403);
      expect(res.json().error).toMatchObject({ code: 'IMPORT_PATH_FORBIDDEN', details: { reason: 'node-dir' } });
      expectNoSecrets(res.body);
    }
    expect(await node.datasets.list()).toEqual([]);
  });

  it('400 for an allowed file whose first line is not a header, without quoting a byte of it', async () => {
    const res = await importPath(join(allowed, 'shadow-copy.csv'));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'IMPORT_FILE_UNREADABLE', details: { line: 1, field: 1 } });
    expect(res.json().error.message).toContain('line 1 does not look like a header');
    expectNoSecrets(res.body);
  });

  it('imports a good file inside an allowed directory', async () => {
    const res = await importPath(join(allowed, 'good.csv'));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ dataset: 'customers', imported: 2 });
  });

  it('keeps codes and counts in dataset.import_failed entries, never the message or file text', async () => {
    const entries = failures();
    expect(entries.length).toBeGreaterThanOrEqual(9);
    for (const e of entries) {
      expect(e.details).not.toHaveProperty('reason', expect.stringContaining(' '));
      expect(e.details).not.toHaveProperty('message');
      expectNoSecrets(JSON.stringify(e));
    }
    expect(entries.map((e) => e.details.code)).toContain('IMPORT_FILE_UNREADABLE');
    expect(entries.find((e) => e.details.code === 'IMPORT_FILE_UNREADABLE')?.details).toMatchObject({ line: 1, field: 1, origin: 'request' });
  });

  it('the CLI path (operator) may read outside allowedDirs, but its errors never echo the file either', async () => {
    const err = await node.datasets
      .import(
        { file: join(outside, 'shadow'), origin: 'operator', format: 'csv', dataset: 'x', idColumn: 'phone', idKind: 'phone' },
        { id: 'cli:test', role: 'admin' },
      )
      .catch((e: Error & { details?: unknown }) => e);
    expect(err).toMatchObject({ code: 'IMPORT_FILE_UNREADABLE' });
    expectNoSecrets(`${(err as Error).message} ${JSON.stringify((err as { details?: unknown }).details)}`);
  });
});

describe('POST /v1/datasets/:name/import — uploads', () => {
  const gbk = iconv.encode('手机,姓名\n+8613800138000,张三\n+8613900139000,李四\n', 'gbk');
  const upload = (query: string, body: Buffer | string) =>
    app.inject({ method: 'POST', url: `/v1/datasets/people/import?id=手机:phone${query}`, payload: body, headers: { ...admin(), 'content-type': 'text/csv' } });

  it('refuses a GBK upload without an encoding, naming the line and the fix', async () => {
    const res = await upload('', gbk);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'IMPORT_ENCODING_INVALID', details: { line: 1 } });
    expect(res.json().error.message).toContain('gb18030');
  });

  it('imports it with encoding=gb18030: the names come through intact', async () => {
    const res = await upload('&encoding=gb18030', gbk);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ imported: 2, columns: [{ name: '姓名', type: 'string' }] });
  });

  it('stages uploads in a 0700 directory inside the data directory, and leaves nothing there', async () => {
    const staging = join(node.config.node.dataDir, 'uploads');
    let seen: { dir: string; dirMode: number; fileMode: number } | undefined;
    const original = node.datasets.import.bind(node.datasets);
    node.datasets.import = async (input, actor) => {
      seen = { dir: dirname(dirname(input.file)), dirMode: statSync(staging).mode & 0o777, fileMode: statSync(input.file).mode & 0o777 };
      return original(input, actor);
    };
    try {
      const res = await upload('', 'phone,segment\n+8613800138000,gold\n'.replace('phone', '手机'));
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      node.datasets.import = original;
    }
    expect(seen).toEqual({ dir: staging, dirMode: 0o700, fileMode: 0o600 });
    expect(readdirSync(staging)).toEqual([]);
  });
});

describe('GET /v1/datasets/:name/imports', () => {
  const send = (csv: string, query = '') =>
    app.inject({
      method: 'POST',
      url: `/v1/datasets/history/import?id=phone:phone${query}`,
      payload: csv,
      headers: { ...admin(), 'content-type': 'text/csv' },
    });

  it("lists a dataset's imports newest first, failed ones with their code, as counts only; operators read it, compliance may not", async () => {
    expect((await send('phone,plan\n+8613800138000,gold\nnot-a-phone,silver\n')).statusCode).toBe(422);
    const done = await send('phone,plan\n+8613800138000,gold\nnot-a-phone,silver\n+8613900139000,basic\n', '&skipBad=true');
    expect(done.statusCode, done.body).toBe(200);

    const res = await app.inject({ url: '/v1/datasets/history/imports', headers: { authorization: `Bearer ${init.tokens.operator}` } });
    expect(res.statusCode, res.body).toBe(200);
    const { imports } = res.json();
    expect(imports).toEqual([
      {
        seq: expect.any(Number),
        at: expect.any(String),
        actor: 'token:admin',
        outcome: 'imported',
        origin: 'upload',
        rowsRead: 3,
        imported: 2,
        rejected: 1,
        code: null,
      },
      {
        seq: expect.any(Number),
        at: expect.any(String),
        actor: 'token:admin',
        outcome: 'failed',
        origin: 'upload',
        rowsRead: expect.any(Number),
        imported: null,
        rejected: null,
        code: 'IMPORT_BAD_ROW',
      },
    ]);
    expect(imports[0].seq).toBeGreaterThan(imports[1].seq);
    expect(JSON.stringify(imports)).not.toMatch(/8613|not-a-phone|gold/);

    const one = await app.inject({ url: '/v1/datasets/history/imports?limit=1', headers: admin() });
    expect(one.json().imports.map((i: { outcome: string }) => i.outcome)).toEqual(['imported']);
    const tooMany = await app.inject({ url: '/v1/datasets/history/imports?limit=101', headers: admin() });
    expect(tooMany.json().error).toMatchObject({ code: 'REQUEST_INVALID', details: { in: 'querystring', field: 'limit' } });
    const compliance = await app.inject({ url: '/v1/datasets/history/imports', headers: { authorization: `Bearer ${init.tokens.compliance}` } });
    expect(compliance.statusCode).toBe(403);
  });
});
