/**
 * What a `mofang` process loads before it does anything (docs/benchmarks.md, "CLI start-up"):
 * real processes of the built CLI, with a loader hook that lists every module they load. Each
 * library named here costs 0.1–0.3 s of CPU at start-up, paid by every command that loads it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, mofang } from './support/node-processes.js';

const HOOK = pathToFileURL(join(import.meta.dirname, 'support', 'module-log.mjs')).href;

/** The packages (under node_modules) a `mofang` command loaded, and its result. */
function packagesLoadedBy(config: string | null, ...args: string[]) {
  const log = join(dir, `modules-${args[0]}.txt`);
  const r = spawnSync(process.execPath, ['--import', HOOK, BIN, ...(config ? ['--config', config] : []), ...args], {
    encoding: 'utf8',
    env: { ...process.env, MODULE_LOG: log },
    timeout: 120_000,
  });
  const files = readFileSync(log, 'utf8').split('\n');
  // ajv's compiler; the generated config validator needs only its runtime helpers (ajv/dist/runtime).
  const packages = new Set(
    files.flatMap((f) => (/node_modules\/ajv\/dist\/runtime\//.test(f) ? [] : (f.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//)?.[1] ?? []))),
  );
  return { code: r.status, err: r.stderr, packages };
}

const dir = mkdtempSync(join(tmpdir(), 'mofang-startup-'));
let config: string;

beforeAll(() => {
  const r = mofang(null, '--json', 'init', '--name', 'bank', '--dir', join(dir, 'bank'));
  expect(r.code, r.err).toBe(0);
  config = JSON.parse(r.out).configFile;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mofang start-up loads what the command needs', () => {
  it('--version loads commander and nothing else', () => {
    const r = packagesLoadedBy(null, '--version');
    expect(r.code).toBe(0);
    expect([...r.packages]).toEqual(['commander']);
  });

  it('a local read (datasets) loads neither gRPC nor the node services', () => {
    const r = packagesLoadedBy(config, 'datasets');
    expect(r.code, r.err).toBe(0);
    for (const p of ['@grpc/grpc-js', 'ajv', '@sinclair/typebox', 'prom-client', 'libphonenumber-js', 'node-seal', 'fastify'])
      expect(r.packages).not.toContain(p);
  });

  it('opening the node for a query compiles no schema and loads no gRPC, metrics, phone or HE library', () => {
    const r = packagesLoadedBy(config, 'query', 'enrich', '--agreement', 'no-such-agreement');
    expect(r.code).toBe(1);
    expect(r.err).toContain('AGREEMENT_NOT_FOUND');
    // Loaded, so the hook saw the node open: the config parser, SQLite, the logger.
    for (const p of ['yaml', 'better-sqlite3', 'pino']) expect(r.packages).toContain(p);
    // gRPC: only a process that talks to a peer (the running node's runner does); ajv: the config
    // is checked by generated code; prom-client: nothing in a one-shot process serves /metrics;
    // libphonenumber-js: only an import of foreign numbers needs it.
    for (const p of ['@grpc/grpc-js', '@grpc/proto-loader', 'ajv', 'prom-client', 'libphonenumber-js', 'node-seal', 'fastify'])
      expect(r.packages).not.toContain(p);
  });

  it('the generated config validator still names the field and its expected form', () => {
    const bad = join(dir, 'bank', 'bad.yaml');
    writeFileSync(bad, readFileSync(config, 'utf8').replace(/listen: "?127\.0\.0\.1:\d+"?/, 'listen: nowhere'));
    const r = packagesLoadedBy(bad, 'peers', 'list');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/CONFIG_INVALID: .*bad\.yaml: grpc\.listen: .*127\.0\.0\.1:7443/);
  });
});
