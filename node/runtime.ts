/** `mofang start`: the peer gRPC server and the HTTP API of one node, until stopped. */
import { buildApp } from './api/app.js';
import { tokenAdmin } from './api/token-admin.js';
import { TokenUsageRecorder } from './api/token-usage.js';
import { tokenFileSource } from './api/tokens.js';
import type { MofangNode } from './node.js';
import { packageVersion } from './paths.js';
import { startPeerServer } from './peer/server.js';
import { failOrphanedResponderRuns } from './session/runs.js';

export interface RunningNode {
  grpcPort: number;
  httpPort: number;
  httpUrl: string;
  stop(): Promise<void>;
}

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

export async function startNode(node: MofangNode, overrides: { grpcListen?: string; httpListen?: string } = {}): Promise<RunningNode> {
  const orphaned = failOrphanedResponderRuns(node.db);
  if (orphaned > 0) node.audit.append({ actor: 'system', action: 'run.orphans_failed', details: { runs: orphaned, reason: 'interrupted: the node restarted' } });
  const grpc = await startPeerServer({
    listen: overrides.grpcListen ?? node.config.grpc.listen,
    keyPem: node.identity.keyPem,
    certPem: node.identity.certPem,
    peers: node.peers,
    limits: node.config.limits,
    handlers: node.peerHandlers(),
  });
  const tokenFile = node.config.http.tokens;
  const usage = new TokenUsageRecorder(tokenFile);
  const app = buildApp({
    services: node, tokens: tokenFileSource(tokenFile), logger: node.logger, version: packageVersion(),
    tokenAdmin: tokenAdmin(tokenFile, (e) => node.audit.append(e)), onTokenUse: (id) => usage.touch(id),
  });
  const { host, port } = splitHostPort(overrides.httpListen ?? node.config.http.listen);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await grpc.close();
    throw err;
  }
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : port;
  const runner = node.jobRunner();
  runner.start();
  node.insight.startScheduler();
  node.audit.append({ actor: 'system', action: 'node.started', subject: node.identity.nodeId, details: { grpcPort: grpc.port, httpPort, version: packageVersion() } });
  node.logger.info({ grpcPort: grpc.port, httpPort, nodeId: node.identity.nodeId }, 'node started');
  return {
    grpcPort: grpc.port,
    httpPort,
    httpUrl: `http://${host.includes(':') ? `[${host}]` : host}:${httpPort}`,
    async stop() {
      await runner.stop();
      await node.insight.stopScheduler();
      await app.close();
      usage.close();
      await grpc.close();
      node.audit.append({ actor: 'system', action: 'node.stopped', subject: node.identity.nodeId, details: {} });
    },
  };
}
