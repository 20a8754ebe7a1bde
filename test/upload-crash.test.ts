/**
 * A node killed (SIGKILL) in the middle of an upload: the half-written file of customer
 * identifiers stays inside the node's data directory — never in the shared /tmp — and is gone once
 * the node starts again. Real `mofang` processes (the built dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../node/paths.js';
import { BIN, mofang, waitForHealth } from './support/node-processes.js';
import { freePort } from './support/two-nodes.js';

const dir = mkdtempSync(join(tmpdir(), 'mofang-upload-crash-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const start = async (config: string, httpUrl: string) => {
  child = spawn(process.execPath, [BIN, '--config', config, 'start'], { stdio: 'ignore' });
  await waitForHealth(httpUrl);
};

/** Staged upload files, as paths relative to the staging directory. */
const staged = (uploads: string) => (existsSync(uploads) ? readdirSync(uploads, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.csv')) : []);

describe('an upload interrupted by kill -9', () => {
  it('leaves its file only inside the data directory, and the next start removes it', async () => {
    const [grpc, http] = [await freePort(), await freePort()];
    const r = mofang(
      null,
      '--json',
      'init',
      '--name',
      'bank',
      '--dir',
      join(dir, 'bank'),
      '--template',
      join(packageRoot(), 'config', 'bank.yaml'),
      '--grpc',
      `127.0.0.1:${grpc}`,
      '--http',
      `127.0.0.1:${http}`,
    );
    expect(r.code, r.err).toBe(0);
    const init = JSON.parse(r.out) as { configFile: string; tokens: { admin: string } };
    const httpUrl = `http://127.0.0.1:${http}`;
    const uploads = join(dir, 'bank', 'data', 'uploads');
    await start(init.configFile, httpUrl);

    // A streaming upload that never ends: the node is killed while it is being written.
    const req = request(`${httpUrl}/v1/datasets/customers/import?id=phone:phone`, {
      method: 'POST',
      headers: { authorization: `Bearer ${init.tokens.admin}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => undefined); // the connection dies with the node
    req.write('phone,segment\n');
    for (let i = 0; i < 2000; i++) req.write(`+86138${String(i).padStart(8, '0')},gold\n`);
    for (let i = 0; i < 200 && !staged(uploads).some((f) => statSync(join(uploads, f)).size > 0); i++) await new Promise((r) => setTimeout(r, 50));
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child?.kill('SIGKILL');
    await exited;
    req.destroy();

    const left = staged(uploads);
    expect(left, 'the interrupted upload is staged in <dataDir>/uploads').toHaveLength(1);
    expect(statSync(uploads).mode & 0o777).toBe(0o700);
    expect(statSync(join(uploads, left[0])).mode & 0o777).toBe(0o600);

    await start(init.configFile, httpUrl);
    expect(staged(uploads)).toEqual([]);
  });
});
