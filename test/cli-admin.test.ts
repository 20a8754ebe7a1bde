/**
 * The administrator's CLI beyond the tour: this node's identity, pinning/updating/removing
 * peers, API tokens (create, list, revoke, expiry — over the CLI and the admin API of a started
 * node), the operator name in audit entries, and the error messages that say what to do. Real
 * `mofang` processes against the built dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { BIN, mofang, waitForHealth } from './support/node-processes.js';
import { freePort } from './support/two-nodes.js';

describe('mofang administration commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-cli-admin-'));
  const cfg = { bank: join(dir, 'bank', 'mofang.yaml'), telco: join(dir, 'telco', 'mofang.yaml') };
  const init: Record<'bank' | 'telco', { nodeId: string; certificateFile: string; tokens: Record<string, string> }> = {} as never;
  const ports: Record<string, number> = {};
  let child: ChildProcess | null = null;
  const audit = (action: string) =>
    JSON.parse(mofang(cfg.bank, '--json', 'audit', 'list', '--action', action).out) as { actor: string; subject: string; details: Record<string, unknown> }[];

  beforeAll(async () => {
    for (const k of ['bankGrpc', 'bankHttp', 'telcoGrpc', 'telcoHttp', 'nowhere']) ports[k] = await freePort();
    for (const name of ['bank', 'telco'] as const) {
      const r = mofang(
        null,
        '--json',
        'init',
        '--name',
        name,
        '--dir',
        join(dir, name),
        '--template',
        join(packageRoot(), 'config', 'bank.yaml'),
        '--grpc',
        `127.0.0.1:${ports[`${name}Grpc`]}`,
        '--http',
        `127.0.0.1:${ports[`${name}Http`]}`,
      );
      expect(r.code, r.err).toBe(0);
      init[name] = JSON.parse(r.out);
    }
  });

  afterAll(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('node show prints the node id, name, listen addresses and version', () => {
    const r = mofang(cfg.bank, '--json', 'node', 'show');
    expect(r.code, r.err).toBe(0);
    const view = JSON.parse(r.out);
    expect(view).toMatchObject({
      name: 'bank',
      nodeId: init.bank.nodeId,
      fingerprint: init.bank.nodeId,
      grpcListen: `127.0.0.1:${ports.bankGrpc}`,
      httpListen: `127.0.0.1:${ports.bankHttp}`,
    });
    expect(view.version).toBe(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version);
    expect(mofang(cfg.bank, 'node', 'show').out).toContain(init.bank.nodeId);
  });

  it('peers list with none says how to add one', () => {
    const r = mofang(cfg.bank, 'peers', 'list');
    expect(r.code).toBe(0);
    expect(r.out).toContain('no peers pinned; add one with mofang peers add');
  });

  it('peers add names the flag that is wrong, and a fingerprint without sha256: says so', () => {
    const noPrefix = mofang(
      cfg.bank,
      'peers',
      'add',
      '--name',
      'telco',
      '--address',
      `127.0.0.1:${ports.telcoGrpc}`,
      '--certificate',
      init.telco.certificateFile,
      '--fingerprint',
      init.telco.nodeId.slice('sha256:'.length),
    );
    expect(noPrefix.code).toBe(1);
    expect(noPrefix.err).toContain('fingerprint must start with sha256:');
    const badAddress = mofang(
      cfg.bank,
      'peers',
      'add',
      '--name',
      'telco',
      '--address',
      'nowhere',
      '--certificate',
      init.telco.certificateFile,
      '--fingerprint',
      init.telco.nodeId,
    );
    expect(badAddress.code).toBe(1);
    expect(badAddress.err).toMatch(/CONFIG_INVALID: --address: .*host:port/);
    expect(badAddress.err).not.toContain('peers[');
    expect(readFileSync(cfg.bank, 'utf8')).not.toContain('telco');
  });

  it('peers add, update and remove change the config and are audited with the --as operator', () => {
    // Pinned at a port where nothing listens: the refusal below must name the peer and the fix.
    const add = mofang(
      cfg.bank,
      '--as',
      'alice',
      'peers',
      'add',
      '--name',
      'telco',
      '--address',
      `127.0.0.1:${ports.nowhere}`,
      '--certificate',
      init.telco.certificateFile,
      '--fingerprint',
      init.telco.nodeId,
    );
    expect(add.code, add.err).toBe(0);
    expect(audit('peer.pinned')).toEqual([expect.objectContaining({ actor: 'cli:alice', subject: init.telco.nodeId })]);

    const refused = mofang(
      cfg.bank,
      'agreements',
      'propose',
      '--peer',
      'telco',
      '--title',
      't',
      '--dataset',
      'x',
      '--peer-dataset',
      'y',
      '--id-kind',
      'phone',
      '--max-queries-per-day',
      '10',
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`PEER_UNREACHABLE: peer telco (127.0.0.1:${ports.nowhere}) refused the connection: is \`mofang start\` running there?`);
    expect(refused.err).not.toContain('Resolution note');

    const half = mofang(cfg.bank, 'peers', 'update', '--name', 'telco', '--certificate', init.telco.certificateFile);
    expect(half.code).toBe(1);
    expect(half.err).toContain('--certificate and --fingerprint go together');
    const unknown = mofang(cfg.bank, 'peers', 'update', '--name', 'nobody', '--address', '127.0.0.1:1');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('PEER_UNKNOWN: --name: no peer named "nobody" is pinned (pinned: telco)');
    const badAddress = mofang(cfg.bank, 'peers', 'update', '--name', 'telco', '--address', 'nowhere');
    expect(badAddress.err).toMatch(/CONFIG_INVALID: --address: /);

    const update = mofang(cfg.bank, '--as', 'bob', 'peers', 'update', '--name', 'telco', '--address', `127.0.0.1:${ports.telcoGrpc}`);
    expect(update.code, update.err).toBe(0);
    expect(JSON.parse(mofang(cfg.bank, '--json', 'peers', 'list').out)).toEqual([
      expect.objectContaining({ name: 'telco', address: `127.0.0.1:${ports.telcoGrpc}`, fingerprint: init.telco.nodeId }),
    ]);
    expect(audit('peer.updated')).toEqual([
      expect.objectContaining({
        actor: 'cli:bob',
        details: expect.objectContaining({ address: `127.0.0.1:${ports.telcoGrpc}`, previousAddress: `127.0.0.1:${ports.nowhere}` }),
      }),
    ]);

    const remove = mofang(cfg.bank, '--as', 'carol', 'peers', 'remove', '--name', 'telco');
    expect(remove.code, remove.err).toBe(0);
    expect(JSON.parse(mofang(cfg.bank, '--json', 'peers', 'list').out)).toEqual([]);
    expect(existsSync(join(dir, 'bank', 'peers', 'telco.pem'))).toBe(false);
    expect(audit('peer.removed')).toEqual([expect.objectContaining({ actor: 'cli:carol', subject: init.telco.nodeId })]);
    expect(mofang(cfg.bank, '--as', 'not a name', 'peers', 'list').code).toBe(0); // reads record nobody
    expect(mofang(cfg.bank, '--as', 'not a name', 'token', 'revoke', 'x').err).toContain('--as: expected a name');
  });

  it('audit list --action with an unknown action lists the actions instead of printing nothing', () => {
    const r = mofang(cfg.bank, 'audit', 'list', '--action', 'nope');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/REQUEST_INVALID: --action: no entry in this log has action "nope"; actions in the log: .*peer\.pinned/);
  });

  it('a missing @file argument is a user error naming the file', () => {
    const r = mofang(cfg.bank, 'segments', 'preview', '--dataset', 'customers', '--rule', '@missing.json');
    expect(r.code).toBe(1);
    expect(r.err).toContain('REQUEST_INVALID: --rule: missing.json: no such file');
    expect(r.err).not.toContain('INTERNAL');
  });

  it('a layering spec from the CLI is checked like the API checks it: the field, the allowed values, a missing field by name', () => {
    const csv = join(dir, 'tiny.csv');
    writeFileSync(csv, 'phone,age\n13800138000,30\n13800138001,31\n');
    expect(mofang(cfg.bank, 'import', csv, '--dataset', 'customers', '--id', 'phone:phone').code).toBe(0);
    const run = (spec: unknown) => mofang(cfg.bank, 'layering', 'run', '--dataset', 'customers', '--spec', JSON.stringify(spec));
    const split = { attr: 'age', by: 'bands', edges: [30] };
    expect(run({ root: { split: { ...split, by: 'bandz' } } }).err).toContain(
      'INSIGHT_INVALID: --spec: root.split.by: must be one of: values, bands, dateBands',
    );
    const noAttr = run({ root: { split }, metrics: [{ fn: 'mean' }] });
    expect(noAttr.err).toContain('--spec: metrics[0].attr: is required');
    expect(noAttr.err).not.toContain('undefined');
    expect(run({ root: { split }, metrics: [{ fn: 'avg', attr: 'age' }] }).err).toContain('metrics[0].fn: must be one of: count, mean, sum, min, max');
    expect(run({ root: { split } }).code).toBe(0);
  });

  it('a config value outside a fixed set lists the allowed values', () => {
    const broken = join(dir, 'bank', 'broken.yaml');
    const doc = parseDocument(readFileSync(cfg.bank, 'utf8'));
    doc.setIn(['log', 'level'], 'loud');
    writeFileSync(broken, doc.toString());
    const r = mofang(broken, 'peers', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toContain('log.level: must be one of: fatal, error, warn, info, debug, trace, silent');
    expect(r.err).not.toContain('constant');
  });

  it('tokens: create with expiry, list with last use, revoke — over the CLI and the admin API; revoked and expired get a distinct 401', async () => {
    const created = mofang(cfg.bank, '--as', 'alice', 'token', 'create', '--name', 'ops-2', '--role', 'operator', '--expires', '30d');
    expect(created.code, created.err).toBe(0);
    const ops2 = created.out.trim();
    expect(ops2).toMatch(/^mfg_operator_/);
    expect(audit('token.created')).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'cli:alice', subject: 'ops-2' })]));

    child = spawn(process.execPath, [BIN, '--config', cfg.bank, 'start'], { stdio: 'ignore' });
    const url = `http://127.0.0.1:${ports.bankHttp}`;
    await waitForHealth(url);
    const get = (path: string, token: string) => fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });

    expect((await get('/v1/datasets', ops2)).status).toBe(200);
    // Created while the node runs: it re-reads the token file.
    const soon = new Date(Date.now() + 10_000).toISOString();
    const short = mofang(cfg.bank, 'token', 'create', '--name', 'short', '--role', 'operator', '--expires', soon).out.trim();
    expect((await get('/v1/datasets', short)).status).toBe(200);
    const listed = JSON.parse(mofang(cfg.bank, '--json', 'token', 'list').out) as {
      id: string;
      status: string;
      expiresAt: string | null;
      lastUsedAt: string | null;
    }[];
    const row = listed.find((t) => t.id === 'ops-2')!;
    expect(row.status).toBe('active');
    expect(Date.parse(row.expiresAt!) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(row.lastUsedAt).not.toBeNull();
    expect(listed.find((t) => t.id === 'compliance')!.lastUsedAt).toBeNull();
    expect(JSON.stringify(listed)).not.toMatch(/sha256|mfg_/);

    expect(mofang(cfg.bank, 'token', 'revoke', 'ops-2').code).toBe(0);
    const revoked = await get('/v1/datasets', ops2);
    expect(revoked.status).toBe(401);
    expect((await revoked.json()).error.message).toMatch(/token "ops-2" was revoked at/);
    expect(mofang(cfg.bank, 'token', 'revoke', 'ops-2').err).toContain('NOT_FOUND');

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(soon) - Date.now() + 200)));
    const expired = await get('/v1/datasets', short);
    expect(expired.status).toBe(401);
    expect((await expired.json()).error.message).toMatch(/token "short" expired at/);
    expect(JSON.parse(mofang(cfg.bank, '--json', 'token', 'list').out).find((t: { id: string }) => t.id === 'short').status).toBe('expired');

    // The admin API: operators may not use it; an admin creates and revokes.
    expect((await get('/v1/tokens', init.bank.tokens.operator)).status).toBe(403);
    const post = await fetch(`${url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${init.bank.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'api-1', role: 'compliance' }),
    });
    expect(post.status).toBe(201);
    const { token: api1 } = await post.json();
    expect((await get('/v1/audit', api1)).status).toBe(200);
    const bad = await fetch(`${url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${init.bank.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'api-2', role: 'root' }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain('must be one of: admin, operator, compliance');
    expect(((await (await get('/v1/tokens', init.bank.tokens.admin)).json()).tokens as { id: string }[]).map((t) => t.id)).toContain('api-1');
    const del = await fetch(`${url}/v1/tokens/api-1`, { method: 'DELETE', headers: { authorization: `Bearer ${init.bank.tokens.admin}` } });
    expect(del.status).toBe(200);
    expect((await get('/v1/audit', api1)).status).toBe(401);
    expect(audit('token.revoked')).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'token:admin', subject: 'api-1' })]));
  }, 60_000);
});
