/**
 * `mofang start` as an administrator runs it (real processes, built dist/): it starts everything
 * or exits non-zero leaving nothing listening; it stops cleanly on SIGTERM; the files it keeps are
 * owner-only, and it warns about those that are not.
 */
import { spawn } from 'node:child_process';
import { chmodSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, createNodes, mofang, waitForHealth, type NodeProcess } from './support/node-processes.js';

/** Starts `mofang start` with its output captured; `exited` resolves with the exit code. */
function startProcess(config: string) {
  const child = spawn(process.execPath, [BIN, '--config', config, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

/** Resolves with the exit code, or null if the process is still running after `ms` (then kills it). */
async function exitWithin(p: ReturnType<typeof startProcess>, ms: number): Promise<number | null> {
  const code = await Promise.race([p.exited, new Promise<'running'>((r) => setTimeout(() => r('running'), ms))]);
  if (code !== 'running') return code;
  p.child.kill('SIGKILL');
  return null;
}

function listening(address: string): Promise<boolean> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)) });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

function occupy(address: string): Promise<Server> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(Number(address.slice(i + 1)), address.slice(0, i), () => resolve(srv));
  });
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('mofang start: all or nothing', () => {
  let env: Awaited<ReturnType<typeof createNodes>>;
  let node: NodeProcess;
  const dir = () => join(node.config, '..');

  beforeAll(async () => {
    env = await createNodes(['solo']);
    node = env.nodes[0];
  });
  afterAll(() => env?.cleanup());

  it('a token file readable by others: exits non-zero with SECRET_FILE_MODE and leaves no gRPC server behind', async () => {
    const tokens = join(dir(), 'secrets', 'tokens.json');
    chmodSync(tokens, 0o644);
    try {
      const p = startProcess(node.config);
      expect(await exitWithin(p, 30_000)).toBeGreaterThan(0); // null (still running) fails too
      expect(p.err()).toContain('SECRET_FILE_MODE');
      expect(p.err()).toContain(tokens);
      expect(await listening(node.grpcAddress)).toBe(false);
      expect(await listening(node.httpUrl.replace('http://', ''))).toBe(false);
    } finally {
      chmodSync(tokens, 0o600);
    }
  });

  it('an HTTP address in use: exits non-zero with ADDRESS_IN_USE naming it, and closes the gRPC server it had opened', async () => {
    const httpAddress = node.httpUrl.replace('http://', '');
    const blocker = await occupy(httpAddress);
    try {
      const p = startProcess(node.config);
      expect(await exitWithin(p, 30_000)).toBeGreaterThan(0); // null (still running) fails too
      expect(p.err()).toContain(`ADDRESS_IN_USE: http.listen: ${httpAddress}`);
      expect(await listening(node.grpcAddress)).toBe(false);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('a started node is ready; init created the config, database, WAL and audit anchor owner-only', async () => {
    const p = startProcess(node.config);
    try {
      await waitForHealth(node.httpUrl);
      const ready = await fetch(`${node.httpUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { database: true, peerServerListening: true, httpListening: true } });
      const db = join(dir(), 'data', 'mofang.db');
      for (const file of [node.config, db, `${db}-wal`, join(dir(), 'data', 'audit-head.json')]) {
        expect(mode(file) & 0o077, file).toBe(0);
      }
      expect(mode(join(dir(), 'data')) & 0o077).toBe(0);
    } finally {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  });

  it('warns about each readable data file with the chmod that fixes it; SIGTERM logs a shutdown line and exits 0', async () => {
    const db = join(dir(), 'data', 'mofang.db');
    chmodSync(db, 0o644);
    chmodSync(node.config, 0o640);
    try {
      const p = startProcess(node.config);
      await waitForHealth(node.httpUrl);
      const lines = p
        .out()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const warnings = lines.filter((l) => l.level === 'warn' && l.fix);
      expect(warnings).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ file: db, mode: '0644', fix: `chmod 600 ${db}` }),
          expect.objectContaining({ file: node.config, mode: '0640', fix: `chmod 600 ${node.config}` }),
        ]),
      );
      p.child.kill('SIGTERM');
      expect(await exitWithin(p, 30_000)).toBe(0);
      expect(p.out()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
      expect(await listening(node.grpcAddress)).toBe(false);
    } finally {
      chmodSync(db, 0o600);
      chmodSync(node.config, 0o600);
    }
  });

  it('a second signal forces the exit while the graceful stop still waits (here: for an upload in progress)', async () => {
    const created = mofang(node.config, 'token', 'create', '--name', 'uploader', '--role', 'admin');
    expect(created.code).toBe(0);
    const token = created.out.trim();
    const p = startProcess(node.config);
    await waitForHealth(node.httpUrl);
    // An upload that never finishes: the graceful stop waits for in-flight requests.
    const upload = request(`${node.httpUrl}/v1/datasets/slow/import?id=phone:phone`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv', 'content-length': '1000000' },
    });
    upload.on('error', () => {});
    upload.write('phone\n13800138000\n');
    await until(() => p.out().includes('"route":"/health"'));
    p.child.kill('SIGTERM');
    await until(() => p.out().includes('shutting down'));
    expect(p.child.exitCode).toBeNull();
    p.child.kill('SIGTERM');
    expect(await exitWithin(p, 30_000)).toBe(1);
    expect(p.out()).toContain('second signal: forcing exit');
    upload.destroy();
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !condition(); i++) await new Promise((r) => setTimeout(r, 100));
  expect(condition()).toBe(true);
}
