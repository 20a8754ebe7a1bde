/**
 * The HTTP API over TLS (a real HTTPS server with certificates made by the node identity code),
 * client-certificate authentication, and the refusal of plain HTTP on a non-loopback address —
 * all checked before anything binds.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initNode, type InitResult } from '../node/init.js';
import { createIdentity } from '../node/identity/index.js';
import { captureLogger } from './support/capture-logger.js';
import { MofangNode } from '../node/node.js';
import { freePort } from '../node/net/free-port.js';
import { packageRoot } from '../node/paths.js';
import { startNode } from '../node/runtime.js';
import { mofangAsync } from './support/node-processes.js';

interface Pem {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

async function identity(dir: string, name: string): Promise<Pem> {
  await createIdentity(dir, name);
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

/** GET over HTTPS, trusting only `ca`; rejects when the TLS handshake is refused. */
function get(port: number, path: string, tls: { ca: string; cert?: string; key?: string }, token?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        servername: 'localhost',
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.once('error', reject);
    req.end();
  });
}

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

describe('HTTP API over TLS', () => {
  let dir: string;
  let init: InitResult;
  let server: Pem;
  let client: Pem;
  let stranger: Pem;
  let grpcPort: number;

  /** Rewrites the node's http section, then opens the node with a captured log. */
  const openWith = (http: Record<string, unknown>) => {
    const doc = parseDocument(readFileSync(init.configFile, 'utf8'));
    for (const [k, v] of Object.entries(http)) doc.setIn(['http', k], v);
    for (const k of ['tls', 'allowInsecure']) if (!(k in http)) doc.deleteIn(['http', k]);
    writeFileSync(init.configFile, doc.toString());
    const log = captureLogger();
    return { node: MofangNode.open(init.configFile, { logger: log.logger }), log };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mofang-tls-'));
    grpcPort = await freePort();
    init = await initNode({
      dir: join(dir, 'bank'),
      name: 'bank',
      template: join(packageRoot(), 'config', 'bank.yaml'),
      grpcListen: `127.0.0.1:${grpcPort}`,
      httpListen: `127.0.0.1:${await freePort()}`,
    });
    server = await identity(join(dir, 'api'), 'localhost');
    client = await identity(join(dir, 'client'), 'monitoring');
    stranger = await identity(join(dir, 'stranger'), 'stranger');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS; with a client CA, a client without a certificate or with another one is refused in the handshake', async () => {
    const port = await freePort();
    const { node } = openWith({ listen: `127.0.0.1:${port}`, tls: { certificate: server.certFile, key: server.keyFile, clientCa: client.certFile } });
    const running = await startNode(node);
    try {
      expect(running.httpUrl).toBe(`https://127.0.0.1:${port}`);
      const ok = await get(port, '/v1/health', { ca: server.cert, cert: client.cert, key: client.key }, init.tokens.admin);
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({ name: 'bank', peers: [] });
      // The certificate admits the client to TLS; the API still wants a token.
      expect((await get(port, '/v1/health', { ca: server.cert, cert: client.cert, key: client.key })).status).toBe(401);
      await expect(get(port, '/health', { ca: server.cert })).rejects.toThrow();
      await expect(get(port, '/health', { ca: server.cert, cert: stranger.cert, key: stranger.key })).rejects.toThrow();
    } finally {
      await running.stop();
      node.close();
    }
  });

  it('serves HTTPS without client certificates when no client CA is set', async () => {
    const port = await freePort();
    const { node } = openWith({ listen: `127.0.0.1:${port}`, tls: { certificate: server.certFile, key: server.keyFile } });
    const running = await startNode(node);
    try {
      expect(await get(port, '/health', { ca: server.cert })).toEqual({ status: 200, body: '{"status":"ok"}' });
    } finally {
      await running.stop();
      node.close();
    }
  });

  it('the CLI reaches it while it holds the event store, pinning the configured certificate; with a client CA it says why it cannot', async () => {
    const day = new Date().toISOString().slice(0, 10);
    const analytics = ['--json', 'analytics', 'event', '--event', 'card.paid', '--from', day, '--to', day];
    const port = await freePort();
    const { node } = openWith({ listen: `127.0.0.1:${port}`, tls: { certificate: server.certFile, key: server.keyFile } });
    const running = await startNode(node);
    try {
      const r = await mofangAsync(init.configFile, ...analytics);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ model: 'event', result: { total: { current: { count: 0 } } } });
      // The config now names another certificate than the one served: the CLI sends no token to this server.
      const doc = parseDocument(readFileSync(init.configFile, 'utf8'));
      doc.setIn(['http', 'tls', 'certificate'], stranger.certFile);
      writeFileSync(init.configFile, doc.toString());
      const other = await mofangAsync(init.configFile, ...analytics);
      expect(other.code).toBe(1);
      expect(other.err).toMatch(/^mofang: NODE_API_UNREACHABLE: the running node's API at https:\/\/127\.0\.0\.1:\d+: /);
      const tokens = JSON.parse(readFileSync(join(dirname(init.configFile), 'secrets', 'tokens.json'), 'utf8')).tokens as { id: string }[];
      expect(tokens.filter((t) => t.id.startsWith('cli.'))).toEqual([]);
    } finally {
      await running.stop();
      node.close();
    }
    const mutual = openWith({ listen: `127.0.0.1:${port}`, tls: { certificate: server.certFile, key: server.keyFile, clientCa: client.certFile } });
    const withClientCa = await startNode(mutual.node);
    try {
      const r = await mofangAsync(init.configFile, ...analytics);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^mofang: EVENT_STORE_BUSY: .*http\.tls\.clientCa/);
    } finally {
      await withClientCa.stop();
      mutual.node.close();
    }
  }, 60_000);

  describe('checked before anything binds (the gRPC port is taken, yet the error is about the check)', () => {
    let blocker: Server;
    beforeAll(async () => {
      blocker = await occupy(grpcPort);
    });
    afterAll(() => new Promise((r) => blocker.close(r)));

    const refusal = async (http: Record<string, unknown>) => {
      const { node } = openWith(http);
      try {
        return await startNode(node).then(
          async (r) => (await r.stop(), null),
          (err) => err,
        );
      } finally {
        node.close();
      }
    };

    it('plain HTTP on 0.0.0.0 is refused: CONFIG_INVALID naming http.tls and http.allowInsecure', async () => {
      const err = await refusal({ listen: `0.0.0.0:${await freePort()}` });
      expect(err).toMatchObject({ code: 'CONFIG_INVALID', details: { field: 'http.listen' } });
      expect(err.message).toMatch(/http\.tls.*http\.allowInsecure: true/);
    });

    it('a TLS key that does not match the certificate: TLS_INVALID naming the files, not their content', async () => {
      const err = await refusal({ listen: `127.0.0.1:${await freePort()}`, tls: { certificate: server.certFile, key: client.keyFile } });
      expect(err).toMatchObject({ code: 'TLS_INVALID' });
      expect(err.message).toContain(server.certFile);
      expect(err.message).not.toContain('BEGIN');
    });

    it('a TLS key readable by others: SECRET_FILE_MODE', async () => {
      chmodSync(server.keyFile, 0o644);
      try {
        const err = await refusal({ listen: `127.0.0.1:${await freePort()}`, tls: { certificate: server.certFile, key: server.keyFile } });
        expect(err).toMatchObject({ code: 'SECRET_FILE_MODE', details: { file: server.keyFile } });
      } finally {
        chmodSync(server.keyFile, 0o600);
      }
    });

    it('the gRPC address in use is reported as ADDRESS_IN_USE once the checks pass', async () => {
      const err = await refusal({ listen: `127.0.0.1:${await freePort()}` });
      expect(err).toMatchObject({ code: 'ADDRESS_IN_USE', details: { field: 'grpc.listen', address: `127.0.0.1:${grpcPort}` } });
    });
  });

  it('plain HTTP on 0.0.0.0 with http.allowInsecure: true starts, with a warning', async () => {
    const port = await freePort();
    const { node, log } = openWith({ listen: `0.0.0.0:${port}`, allowInsecure: true });
    const running = await startNode(node);
    try {
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      expect(log.lines().some((l) => l.level === 'warn' && /without TLS on a non-loopback address/.test(String(l.msg)))).toBe(true);
    } finally {
      await running.stop();
      node.close();
    }
  });
});
