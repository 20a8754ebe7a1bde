/**
 * Prometheus metrics scraped from two real started nodes in one process, after an import and a
 * joint query: each node has its own series (no shared registry), and /metrics needs a token.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNode } from '../node/init.js';
import { MofangNode } from '../node/node.js';
import { freePort } from '../node/net/free-port.js';
import { packageRoot } from '../node/paths.js';
import { startNode } from '../node/runtime.js';
import { createIdentity } from '../node/identity/index.js';
import { PeerClient } from '../node/peer/client.js';
import { PROTOCOL_VERSION } from '../node/wire/messages.js';
import { agree, operator, startTwoNodes, type TwoNodes } from './support/two-nodes.js';

/** The value of one series, e.g. `mofang_runs_total{peer="telco",…}`; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('GET /metrics', () => {
  let nodes: TwoNodes;
  let bankText: string;
  let telcoText: string;

  const scrape = async (url: string, token?: string) => fetch(`${url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  beforeAll(async () => {
    nodes = await startTwoNodes();
    const agreementId = await agree(nodes, { operations: ['overlap'] });
    const job = await nodes.bank.jobs.wait(nodes.bank.jobs.submit({ kind: 'overlap', agreementIds: [agreementId] }, operator).id);
    expect(job.status).toBe('succeeded');
    await fetch(`${nodes.running.bank.httpUrl}/health`);
    // An unpinned caller knocks on the bank's peer port once.
    const mallory = await createIdentity(join(mkdtempSync(join(tmpdir(), 'mallory-')), 'identity'), 'mallory');
    const intruder = new PeerClient({
      peer: nodes.telco.peers.byName('bank'),
      keyPem: mallory.keyPem,
      certPem: mallory.certPem,
      limits: nodes.telco.config.limits,
      onPinMismatch: () => {},
    });
    await intruder.handshake({ nodeId: mallory.nodeId, nodeName: 'mallory', protocolVersion: PROTOCOL_VERSION, suites: [], software: 'test' }).catch(() => {});
    intruder.close();
    const bank = await scrape(nodes.running.bank.httpUrl, nodes.bankInit.tokens.compliance);
    expect(bank.status).toBe(200);
    expect(bank.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    bankText = await bank.text();
    telcoText = await (await scrape(nodes.running.telco.httpUrl, nodes.telcoInit.tokens.admin)).text();
  }, 180_000);
  afterAll(() => nodes?.stop());

  it('needs a token', async () => {
    const res = await scrape(nodes.running.bank.httpUrl);
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe('AUTH_REQUIRED');
  });

  it('counts the import, per node (one registry each)', () => {
    expect(sample(bankText, 'mofang_imports_total', { status: 'succeeded' })).toBe(1);
    expect(sample(telcoText, 'mofang_imports_total', { status: 'succeeded' })).toBe(1);
    expect(sample(bankText, 'mofang_import_rows_total')).toBe(1500);
    expect(sample(telcoText, 'mofang_import_rows_total')).toBe(800);
    expect(sample(bankText, 'mofang_import_duration_seconds_count')).toBe(1);
  });

  it('shows jobs by kind and status', () => {
    expect(sample(bankText, 'mofang_jobs', { kind: 'overlap', status: 'succeeded' })).toBe(1);
  });

  it('records the run per peer on both sides: count, bytes each way, duration', () => {
    expect(sample(bankText, 'mofang_runs_total', { peer: 'telco', operation: 'overlap', role: 'querier', status: 'succeeded' })).toBe(1);
    expect(sample(telcoText, 'mofang_runs_total', { peer: 'bank', operation: 'overlap', role: 'responder', status: 'succeeded' })).toBe(1);
    const sent = sample(bankText, 'mofang_run_bytes_total', { peer: 'telco', direction: 'sent' })!;
    const received = sample(bankText, 'mofang_run_bytes_total', { peer: 'telco', direction: 'received' })!;
    // The querier sends its 1500 blinded points and gets at least the telco's 800 back (32 bytes each).
    expect(sent).toBeGreaterThan(1500 * 32);
    expect(received).toBeGreaterThan(800 * 32);
    // The responder saw the same blinded points arrive.
    expect(sample(telcoText, 'mofang_run_bytes_total', { peer: 'bank', direction: 'received' })).toBeGreaterThan(1500 * 32);
    expect(sample(bankText, 'mofang_run_duration_seconds_count', { peer: 'telco', operation: 'overlap' })).toBe(1);
    expect(sample(bankText, 'mofang_run_duration_seconds_sum', { peer: 'telco', operation: 'overlap' })).toBeGreaterThan(0);
  });

  it('counts audit appends by action, HTTP requests by route pattern, refused peer calls and event-loop lag', () => {
    expect(sample(bankText, 'mofang_audit_appends_total', { action: 'dataset.imported' })).toBe(1);
    expect(sample(bankText, 'mofang_audit_appends_total', { action: 'node.started' })).toBe(1);
    expect(sample(bankText, 'mofang_http_request_duration_seconds_count', { method: 'GET', route: '/health', status: '200' })).toBe(1);
    expect(sample(bankText, 'mofang_peer_refused_calls_total')).toBe(1);
    expect(sample(telcoText, 'mofang_peer_refused_calls_total')).toBe(0);
    expect(sample(bankText, 'mofang_peer_refused_connections_total')).toBe(0);
    expect(sample(bankText, 'mofang_event_loop_lag_seconds', { stat: 'max' })).toBeGreaterThanOrEqual(0);
  });
});

describe('metrics.listen: token-less /metrics on loopback only', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mofang-metrics-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const nodeWithMetricsAt = async (name: string, host: string) => {
    const init = await initNode({
      dir: join(dir, name),
      name,
      template: join(packageRoot(), 'config', 'bank.yaml'),
      grpcListen: `127.0.0.1:${await freePort()}`,
      httpListen: `127.0.0.1:${await freePort()}`,
    });
    const port = await freePort();
    const doc = parseDocument(readFileSync(init.configFile, 'utf8'));
    doc.setIn(['metrics', 'listen'], `${host}:${port}`);
    writeFileSync(init.configFile, doc.toString());
    return { node: MofangNode.open(init.configFile, { quietLogs: true }), port };
  };

  it('serves GET /metrics there without a token, and nothing else', async () => {
    const { node, port } = await nodeWithMetricsAt('local', '127.0.0.1');
    const running = await startNode(node);
    try {
      expect(running.metricsPort).toBe(port);
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(sample(await res.text(), 'mofang_audit_appends_total', { action: 'node.started' })).toBe(1);
      expect((await fetch(`http://127.0.0.1:${port}/v1/health`)).status).toBe(404);
    } finally {
      await running.stop();
      node.close();
    }
  });

  it('refuses a non-loopback metrics.listen before binding anything', async () => {
    const { node } = await nodeWithMetricsAt('remote', '0.0.0.0');
    try {
      await expect(startNode(node)).rejects.toMatchObject({ code: 'CONFIG_INVALID', details: { field: 'metrics.listen' } });
    } finally {
      node.close();
    }
  });
});
