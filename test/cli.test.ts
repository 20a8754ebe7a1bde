/**
 * The CLI as an administrator uses it: real `mofang` processes (the built dist/), two nodes run
 * by `mofang start`, and the commands of the README tour, including their failure paths.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSyntheticPair } from '../node/demo/synthetic.js';
import { packageRoot } from '../node/paths.js';
import { BIN, mofang, waitForHealth } from './support/node-processes.js';
import { permitWeakTerms } from './support/policy.js';
import { freePort } from './support/two-nodes.js';

describe('mofang CLI with two node processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-cli-'));
  const cfg = { bank: join(dir, 'bank', 'mofang.yaml'), telco: join(dir, 'telco', 'mofang.yaml') };
  const processes: ChildProcess[] = [];
  const init: Record<'bank' | 'telco', { nodeId: string; certificateFile: string; tokens: Record<string, string> }> = {} as never;
  let ports: number[];
  let expectedOverlap: number;
  let agreementId: string;

  beforeAll(async () => {
    ports = [await freePort(), await freePort(), await freePort(), await freePort()];
    for (const [name, template, g, h] of [
      ['bank', 'bank.yaml', ports[0], ports[1]],
      ['telco', 'partner.yaml', ports[2], ports[3]],
    ] as const) {
      const r = mofang(
        null,
        '--json',
        'init',
        '--name',
        name,
        '--dir',
        join(dir, name),
        '--template',
        join(packageRoot(), 'config', template),
        '--grpc',
        `127.0.0.1:${g}`,
        '--http',
        `127.0.0.1:${h}`,
      );
      expect(r.code, r.err).toBe(0);
      init[name] = JSON.parse(r.out);
      permitWeakTerms(cfg[name]);
    }
    const data = writeSyntheticPair({ dir: join(dir, 'data'), bankRows: 1200, partnerRows: 700, overlap: 250, seed: 3 });
    expectedOverlap = data.expectedOverlap;
    expect(mofang(cfg.bank, 'import', data.bankFile, '--dataset', 'customers', '--id', 'phone:phone').code).toBe(0);
    expect(mofang(cfg.telco, 'import', data.partnerFile, '--dataset', 'subscribers', '--id', 'phone:phone').code).toBe(0);
  });

  afterAll(() => {
    for (const p of processes) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('init writes the key and the token file with mode 0600 and refuses to overwrite a node', () => {
    expect(statSync(join(dir, 'bank', 'identity', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'bank', 'secrets', 'tokens.json')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'bank', 'secrets', 'tokens.json'), 'utf8')).not.toContain(init.bank.tokens.admin);
    const again = mofang(null, 'init', '--name', 'bank', '--dir', join(dir, 'bank'));
    expect(again.code).toBe(1);
    expect(again.err).toContain('IDENTITY_EXISTS');
  });

  it('peers add refuses a fingerprint that does not match the certificate, then pins the right one', () => {
    const wrong = mofang(
      cfg.bank,
      'peers',
      'add',
      '--name',
      'telco',
      '--address',
      `127.0.0.1:${ports[2]}`,
      '--certificate',
      init.telco.certificateFile,
      '--fingerprint',
      init.bank.nodeId,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain('PEER_NOT_PINNED');
    expect(readFileSync(cfg.bank, 'utf8')).not.toContain('telco');
    expect(
      mofang(
        cfg.bank,
        'peers',
        'add',
        '--name',
        'telco',
        '--address',
        `127.0.0.1:${ports[2]}`,
        '--certificate',
        init.telco.certificateFile,
        '--fingerprint',
        init.telco.nodeId,
      ).code,
    ).toBe(0);
    expect(
      mofang(
        cfg.telco,
        'peers',
        'add',
        '--name',
        'bank',
        '--address',
        `127.0.0.1:${ports[0]}`,
        '--certificate',
        init.bank.certificateFile,
        '--fingerprint',
        init.bank.nodeId,
      ).code,
    ).toBe(0);
  });

  it('a config with a wrong field names the field and the expected form, and the node does not start', () => {
    const broken = join(dir, 'bank', 'broken.yaml');
    writeFileSync(broken, readFileSync(cfg.bank, 'utf8').replace(/listen: 127\.0\.0\.1:\d+\n/, 'listen: nowhere\n'));
    const r = mofang(broken, 'start');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CONFIG_INVALID: .*grpc\.listen: .*host:port/);
  });

  it('an import with a bad row names its line and leaves the dataset as it was', () => {
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'phone,age\n13800138000,30\n13800138001,31\nnot-a-phone,32\n');
    const before = JSON.parse(mofang(cfg.bank, '--json', 'datasets').out);
    const r = mofang(cfg.bank, 'import', bad, '--dataset', 'customers', '--id', 'phone:phone');
    expect(r.code).toBe(1);
    expect(r.err).toContain('line 4');
    expect(r.err).not.toContain('not-a-phone');
    expect(JSON.parse(mofang(cfg.bank, '--json', 'datasets').out)).toEqual(before);
  });

  it('two started nodes agree, and the bank queries over gRPC and over HTTP', async () => {
    for (const name of ['bank', 'telco'] as const) {
      const child = spawn(process.execPath, [BIN, '--config', cfg[name], 'start'], { stdio: ['ignore', 'ignore', 'pipe'] });
      processes.push(child);
    }
    await waitForHealth(`http://127.0.0.1:${ports[1]}`);
    await waitForHealth(`http://127.0.0.1:${ports[3]}`);

    const proposed = mofang(
      cfg.bank,
      '--json',
      'agreements',
      'propose',
      '--peer',
      'telco',
      '--title',
      'cli-test',
      '--dataset',
      'customers',
      '--peer-dataset',
      'subscribers',
      '--id-kind',
      'phone',
      '--min-intersection',
      '50',
      '--max-queries-per-day',
      '1000',
      '--expires',
      '30d',
      // The exact intersection is the point: exact counts, which the test nodes' policy allows.
      '--exact-counts',
    );
    expect(proposed.code, proposed.err).toBe(0);
    agreementId = JSON.parse(proposed.out).id;
    expect(JSON.parse(mofang(cfg.telco, '--json', 'agreements', 'list', '--status', 'pending').out).map((a: { id: string }) => a.id)).toEqual([agreementId]);
    const accepted = mofang(cfg.telco, 'agreements', 'accept', agreementId);
    expect(accepted.code, accepted.err).toBe(0);
    expect(JSON.parse(mofang(cfg.bank, '--json', 'agreements', 'show', agreementId).out).status).toBe('accepted');

    const overlap = mofang(cfg.bank, '--json', 'query', 'overlap', '--agreement', agreementId);
    expect(overlap.code, overlap.err).toBe(0);
    expect(JSON.parse(overlap.out)).toMatchObject({ resultCount: expectedOverlap, count: { value: expectedOverlap, exact: true } });
    const shown = mofang(cfg.bank, 'runs', 'show', JSON.parse(overlap.out).id);
    expect(shown.out).toContain(`result:     exact count ${expectedOverlap} (agreement allows exact counts) customers in common`);

    const url = `http://127.0.0.1:${ports[1]}/v1/queries`;
    const body = JSON.stringify({ operation: 'enrich', agreementId });
    const asRole = (role: string | null) =>
      fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', ...(role ? { authorization: `Bearer ${init.bank.tokens[role]}` } : {}) },
      });
    expect((await asRole(null)).status).toBe(401);
    const forbidden = await asRole('compliance');
    expect(forbidden.status).toBe(403);
    expect((await forbidden.json()).error.code).toBe('FORBIDDEN_ROLE');
    const enrich = await asRole('operator');
    expect(enrich.status).toBe(201);
    expect((await enrich.json()).resultCount).toBe(expectedOverlap);
  });

  it('an aggregate agreement from propose flags, then a grouped aggregate query and the budget, from the CLI', () => {
    const bad = mofang(
      cfg.bank,
      'agreements',
      'propose',
      '--peer',
      'telco',
      '--title',
      'spend',
      '--dataset',
      'customers',
      '--peer-dataset',
      'subscribers',
      '--id-kind',
      'phone',
      '--operations',
      'overlap,aggregate',
      '--aggregate-column',
      'monthly_spend:0:x',
      '--epsilon-per-query',
      '1',
      '--budget-epsilon',
      '5',
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('AGREEMENT_INVALID: --aggregate-column: max must be a number, got "x"');
    const proposed = mofang(
      cfg.bank,
      '--json',
      'agreements',
      'propose',
      '--peer',
      'telco',
      '--title',
      'spend',
      '--dataset',
      'customers',
      '--peer-dataset',
      'subscribers',
      '--id-kind',
      'phone',
      '--operations',
      'overlap,aggregate',
      '--min-intersection',
      '10',
      '--max-queries-per-day',
      '1000',
      '--aggregate-column',
      'monthly_spend:0:500:2:100,300',
      '--epsilon-per-query',
      '1',
      '--budget-epsilon',
      '5',
      '--min-group-size',
      '5',
      '--min-input-size',
      '40',
      '--max-groups',
      '16',
      '--count-epsilon',
      '0.5',
    );
    expect(proposed.code, proposed.err).toBe(0);
    const terms = JSON.parse(proposed.out).terms;
    expect(terms).toMatchObject({
      version: 3,
      // The named ε, and the budget from the test nodes' (permissive) policy: ε 1000 per day.
      countNoise: { epsilonPerQuery: 0.5, budget: { epsilon: 1000, periodDays: 1 } },
      outputs: { aggregate: ['proposer'] },
      aggregate: { valueHolder: 'acceptor', columns: [{ column: 'monthly_spend', min: 0, max: 500, scale: 2, buckets: [100, 300] }] },
    });
    expect(mofang(cfg.telco, 'agreements', 'accept', terms.id).code).toBe(0);

    const query = mofang(cfg.bank, '--json', 'query', 'aggregate', '--agreement', terms.id, '--column', 'monthly_spend', '--histogram', '--group-by', 'city');
    expect(query.code, query.err).toBe(0);
    const set = JSON.parse(query.out);
    expect(set).toMatchObject({ agreementId: terms.id, grouping: 'group-by:city', histogram: true, epsilon: '1' });
    expect(set.groups.length).toBeGreaterThan(1);
    const shown = mofang(cfg.bank, 'scores', 'show', set.runId);
    expect(shown.out).toMatch(/count -?\d+ \[95% /);
    const budget = mofang(cfg.telco, 'agreements', 'budget', terms.id);
    expect(budget.out).toContain('ε spent 1 of 5; 4 more queries at ε 1 each');
  });

  it('an administrator imports over HTTP by uploading a CSV; the operator token may not', async () => {
    const csv = 'phone,plan\n13900000001,a\n13900000002,b\nbad-phone,c\n';
    const upload = (role: string, skipBad: boolean) =>
      fetch(`http://127.0.0.1:${ports[1]}/v1/datasets/uploaded/import?id=phone:phone${skipBad ? '&skipBad=true' : ''}`, {
        method: 'POST',
        body: csv,
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${init.bank.tokens[role]}` },
      });
    expect((await upload('operator', true)).status).toBe(403);
    const refused = await upload('admin', false);
    expect(refused.status).toBe(422);
    expect((await refused.json()).error).toMatchObject({ code: 'IMPORT_BAD_ROW', message: expect.stringContaining('line 4') });
    const ok = await upload('admin', true);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ dataset: 'uploaded', imported: 2, rejected: 1 });
    const imports = JSON.parse(mofang(cfg.bank, '--json', 'audit', 'list', '--action', 'dataset.imported', '--limit', '1000').out) as {
      subject: string;
      actor: string;
    }[];
    expect(imports.some((e) => e.subject === 'uploaded' && e.actor.startsWith('token:'))).toBe(true);
  });

  it('audit verify passes on both nodes and export writes CSV for compliance', () => {
    for (const name of ['bank', 'telco'] as const) {
      const r = mofang(cfg[name], 'audit', 'verify', '--peers');
      expect(r.code, r.out + r.err).toBe(0);
      expect(r.out).toContain('Audit log OK');
    }
    const out = join(dir, 'audit.csv');
    expect(mofang(cfg.bank, 'audit', 'export', '--format', 'csv', '--out', out).code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toContain('seq');
    expect(lines.some((l) => l.includes('run.completed'))).toBe(true);
  });

  it('audit verify names the first edited entry of a tampered copy', () => {
    const copy = join(dir, 'bank-copy');
    cpSync(join(dir, 'bank'), copy, { recursive: true });
    const db = new Database(join(copy, 'data', 'mofang.db'));
    db.exec('DROP TRIGGER IF EXISTS audit_log_no_update');
    for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").pluck().all() as string[])
      db.exec(`DROP TRIGGER "${t}"`);
    db.prepare('UPDATE audit_log SET details = \'{"rowsRead":1}\' WHERE seq = 2').run();
    db.close();
    const r = mofang(join(copy, 'mofang.yaml'), 'audit', 'verify');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/FAILED verification at entry 2/);
  });

  it('a started node stops cleanly on SIGTERM', async () => {
    const child = processes[0];
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
