/**
 * `mofang start`: the peer gRPC server and the HTTP API of one node, until stopped.
 *
 * All or nothing: everything that can be checked (addresses, token file, TLS files) is checked
 * before anything binds, and if a bind fails whatever was opened is closed again, so a failed
 * start never leaves a node serving peers without its API (or the reverse).
 */
import { errorText } from './text/untrusted.js';
import { createSecureContext } from 'node:tls';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildApp, type AppOptions } from './api/app.js';
import { tokenAdmin } from './api/token-admin.js';
import { TokenUsageRecorder } from './api/token-usage.js';
import { tokenFileSource, type TokenSource } from './api/tokens.js';
import { sweepStagedUploads } from './api/upload.js';
import { MofangError } from './errors.js';
import { assertSecretFileMode } from './fs/atomic-write.js';
import { exposedPaths } from './fs/private-files.js';
import type { MofangNode } from './node.js';
import { isLoopback } from './net/loopback.js';
import { packageRoot, packageVersion } from './paths.js';
import { startMetricsServer, type MetricsServer } from './metrics/server.js';
import { startPeerServer, type PeerServer } from './peer/server.js';

export interface RunningNode {
  grpcPort: number;
  httpPort: number;
  httpUrl: string;
  /** Port of the token-less metrics listener (`metrics.listen`), when configured. */
  metricsPort?: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  grpcListen?: string;
  httpListen?: string;
  /** The configuration file, checked for its mode with the data files. */
  configFile?: string;
}

interface ListenAddress {
  host: string;
  port: number;
}

/** Config shape is checked by the schema; this adds the port range the pattern cannot express. */
export function parseListen(field: string, listen: string): ListenAddress {
  const i = listen.lastIndexOf(':');
  const host = listen.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(listen.slice(i + 1));
  if (i <= 0 || !host || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MofangError('CONFIG_INVALID', `${field}: ${JSON.stringify(listen)} is not host:port with a port from 0 to 65535`, { field });
  }
  return { host, port };
}

/**
 * The API's TLS material, read and checked (key mode, certificate/key match, CA parses) before
 * any socket is bound. Messages name the file, never its content.
 */
function loadApiTls(tls: NonNullable<MofangNode['config']['http']['tls']>): NonNullable<AppOptions['tls']> {
  const read = (field: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new MofangError('TLS_INVALID', `${field}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { field, file });
    }
  };
  const cert = read('http.tls.certificate', tls.certificate);
  const key = read('http.tls.key', tls.key);
  assertSecretFileMode(tls.key);
  const ca = tls.clientCa ? read('http.tls.clientCa', tls.clientCa) : undefined;
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch (err) {
    // OpenSSL's reason (e.g. "key values mismatch"), never the PEM text.
    const reason = (err as { reason?: string; code?: string }).reason ?? (err as { code?: string }).code ?? 'unusable';
    throw new MofangError(
      'TLS_INVALID',
      `http.tls: the certificate ${tls.certificate}, key ${tls.key}${ca ? ` or client CA ${tls.clientCa}` : ''} cannot be used: ${reason}`,
      { field: 'http.tls' },
    );
  }
  return { cert, key, ...(ca ? { ca } : {}) };
}

interface StartPlan {
  grpc: ListenAddress & { listen: string };
  http: ListenAddress;
  metrics?: ListenAddress;
  tokens: TokenSource;
  tls?: AppOptions['tls'];
}

/** Every check that can fail before binding, in one place. */
function planStart(node: MofangNode, options: StartOptions): StartPlan {
  const grpcListen = options.grpcListen ?? node.config.grpc.listen;
  const grpc = { ...parseListen('grpc.listen', grpcListen), listen: grpcListen };
  const http = parseListen('http.listen', options.httpListen ?? node.config.http.listen);
  const { tls, allowInsecure } = node.config.http;
  if (!tls && !isLoopback(http.host)) {
    // Bearer tokens would cross the network in clear.
    if (!allowInsecure) {
      throw new MofangError(
        'CONFIG_INVALID',
        `http.listen: ${http.host} is not a loopback address and http.tls is not set; configure http.tls (certificate and key) or set http.allowInsecure: true`,
        { field: 'http.listen' },
      );
    }
    node.logger.warn(
      { host: http.host },
      'serving the HTTP API without TLS on a non-loopback address (http.allowInsecure: true): tokens cross the network in clear',
    );
  }
  const metrics = node.config.metrics.listen ? parseListen('metrics.listen', node.config.metrics.listen) : undefined;
  // Served without a token: the series name partners and show activity, so only this host may read them.
  if (metrics && !isLoopback(metrics.host)) {
    throw new MofangError(
      'CONFIG_INVALID',
      `metrics.listen: ${metrics.host} is not a loopback address; scrape from another host through GET /metrics on the API, with a token`,
      { field: 'metrics.listen' },
    );
  }
  const tokens = tokenFileSource(node.config.http.tokens);
  // Every reach channel's credential and endpoint: a node that cannot send refuses to start rather than failing each message.
  node.pipeline.reach.check();
  return { grpc, http, tokens, ...(metrics ? { metrics } : {}), ...(tls ? { tls: loadApiTls(tls) } : {}) };
}

/** One warning per data or config file that the group or others can read. */
function warnAboutExposedFiles(node: MofangNode, configFile: string | undefined): void {
  const dataDir = node.config.node.dataDir;
  const db = join(dataDir, 'mofang.db');
  const paths = [...(configFile ? [configFile] : []), dataDir, db, `${db}-wal`, `${db}-shm`, node.auditHeadFile];
  for (const e of exposedPaths(paths)) {
    node.logger.warn({ file: e.path, mode: e.mode, fix: e.fix }, `${e.path} has mode ${e.mode}: other users can read node data; run ${e.fix}`);
  }
}

function bindError(field: string, address: string, err: unknown): MofangError {
  if (err instanceof MofangError && err.code !== 'CONFIG_INVALID') return err;
  const text = `${(err as NodeJS.ErrnoException).code ?? ''} ${(err as Error).message ?? ''}`;
  if (/EADDRINUSE|address already in use/i.test(text)) {
    return new MofangError('ADDRESS_IN_USE', `${field}: ${address} is already in use by another process`, { field, address });
  }
  if (err instanceof MofangError) return err;
  return new MofangError('CONFIG_INVALID', `${field}: cannot listen on ${address}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
    field,
  });
}

export async function startNode(node: MofangNode, options: StartOptions = {}): Promise<RunningNode> {
  const plan = planStart(node, options);
  sweepStagedUploads(node.config.node.dataDir); // uploads a crash or kill -9 left behind hold customer identifiers
  warnAboutExposedFiles(node, options.configFile);
  node.runs.failOrphaned();
  // The running node owns the event store from the start (retention runs on it), so a CLI import
  // meanwhile is told to send its events over HTTP rather than racing the node for the lock.
  await node.pipeline.eventStore();
  // Outcomes recorded just before a crash get their events now (stored once: ids come from key and outcome).
  await node.pipeline.feedback
    .redrive()
    .catch((err: unknown) => node.logger.warn({ err: errorText(err) }, 'reach feedback: re-drive of events failed; the next outcome retries'));

  const handlers = node.peerHandlers();
  const opened: { grpc: PeerServer | null; metrics: MetricsServer | null } = { grpc: null, metrics: null };
  const tokenFile = node.config.http.tokens;
  const usage = new TokenUsageRecorder(tokenFile);
  const app = buildApp({
    services: node,
    tokens: plan.tokens,
    logger: node.logger,
    version: packageVersion(),
    metrics: node.metrics,
    tokenAdmin: tokenAdmin(tokenFile, (e) => node.audit.record(e)),
    onTokenUse: (id) => usage.touch(id),
    eventOrigins: node.config.events.cors.allowedOrigins,
    identity: { nodeId: node.identity.nodeId, name: node.config.node.name },
    consoleDir: join(packageRoot(), 'dist', 'console'),
    ...(plan.tls ? { tls: plan.tls } : {}),
    readiness: () => ({ database: node.databaseOpen(), peerServerListening: opened.grpc !== null }),
    reachFeedback: node.pipeline.reach.feedbackRoutes(),
  });
  const httpAddress = `${plan.http.host}:${plan.http.port}`;
  try {
    try {
      opened.grpc = await startPeerServer({
        listen: plan.grpc.listen,
        keyPem: node.identity.keyPem,
        certPem: node.identity.certPem,
        peers: node.peers,
        limits: node.config.limits,
        handlers,
      });
    } catch (err) {
      throw bindError('grpc.listen', plan.grpc.listen, err);
    }
    try {
      await app.listen({ host: plan.http.host, port: plan.http.port });
    } catch (err) {
      throw bindError('http.listen', httpAddress, err);
    }
    if (plan.metrics) {
      try {
        opened.metrics = await startMetricsServer(node.metrics, plan.metrics);
      } catch (err) {
        throw bindError('metrics.listen', `${plan.metrics.host}:${plan.metrics.port}`, err);
      }
    }
  } catch (err) {
    await app.close().catch(() => {});
    usage.close();
    await opened.grpc?.close();
    throw err;
  }
  const metricsServer = opened.metrics;
  const peerServer = opened.grpc;
  const address = app.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : plan.http.port;
  node.metrics.setSources({ peerCalls: () => peerServer.counters() });
  const runner = node.jobs.runner();
  const shutdown = async () => {
    await runner.stop();
    await node.agreements.deliverer.stop();
    await node.insight.stopScheduler();
    await node.pipeline.retention.stop();
    node.pipeline.frequency.stop();
    await node.pipeline.alerts.stopScheduler();
    await node.pipeline.journeyEngine.stopScheduler();
    await node.pipeline.reach.stop();
    await app.close();
    usage.close();
    await peerServer.close();
    await metricsServer?.close();
    node.metrics.stop();
  };
  try {
    // The start entry first: a log that refuses appends (tampered anchor) must not leave servers up.
    node.audit.record({
      actor: 'system',
      action: 'node.started',
      subject: node.identity.nodeId,
      details: { grpcPort: peerServer.port, httpPort, version: packageVersion(), tls: !!plan.tls },
    });
    node.metrics.start();
    runner.start();
    node.insight.startScheduler();
    node.pipeline.retention.start();
    node.pipeline.frequency.start();
    node.pipeline.alerts.startScheduler();
    node.pipeline.journeyEngine.startScheduler(node.config.journeys.tickMs);
    node.pipeline.reach.start();
    node.agreements.deliverer.start();
  } catch (err) {
    await shutdown();
    throw err;
  }
  node.logger.info({ grpcPort: peerServer.port, httpPort, nodeId: node.identity.nodeId, tls: !!plan.tls }, 'node started');
  const host = plan.http.host;
  let stopping: Promise<void> | null = null;
  return {
    grpcPort: peerServer.port,
    httpPort,
    httpUrl: `${plan.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${httpPort}`,
    ...(metricsServer ? { metricsPort: metricsServer.port } : {}),
    // Once: a second stop (a signal during shutdown, a test's cleanup) waits for the first.
    stop() {
      stopping ??= shutdown().then(() => {
        node.audit.record({ actor: 'system', action: 'node.stopped', subject: node.identity.nodeId, details: {} });
      });
      return stopping;
    },
  };
}
