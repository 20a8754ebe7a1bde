/**
 * The peer gRPC server: a limit on connections per remote address before TLS
 * (connection-limit.ts), mutual TLS, a pin check on every call, a rate limit per source before
 * any work (RESOURCE_EXHAUSTED), refusals counted and audited in summary (refusals.ts), message
 * size limits from the config, and the standard gRPC health service.
 *
 * grpc-js offers no hook between accepting a TCP connection and starting TLS, so the node owns the
 * listening socket (a `net.Server`) and hands each connection it admits to grpc-js through a
 * connection injector; grpc-js then runs TLS, HTTP/2, keepalive and channelz on it as on a port it
 * bound itself, and closes its sessions on shutdown.
 *
 * Sources: a pinned peer is its certificate; anyone else is its remote host, since a throwaway
 * certificate costs nothing to replace. See docs/peering.md, Security hardening.
 */
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { NodeConfig } from '../config/schema.js';
import { MofangError } from '../errors.js';
import { duplexLink, type Link } from '../session/link.js';
import { runFrameCodec } from '../wire/codec.js';
import { PEER_SERVICE_NAME, peerServiceDefinition } from '../wire/contract.js';
import type {
  AgreementAcceptance,
  AgreementAck,
  AgreementProposal,
  AgreementRevocation,
  CheckpointMsg,
  HandshakeRequest,
  HandshakeResponse,
  RunFrame,
} from '../wire/messages.js';
import { connectionGate, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-limit.js';
import { callerFingerprint, serverCredentials } from './credentials.js';
import type { Peer, PeerDirectory } from './directory.js';
import { tokenBuckets, type RateLimit } from './rate-limit.js';
import { refusalWindow, type RefusalCounters, type RefusalSummary } from './refusals.js';
import { fromGrpcError, toGrpcStatus } from './status.js';

export interface PeerHandlers {
  handshake(peer: Peer, req: HandshakeRequest): HandshakeResponse;
  proposeAgreement(peer: Peer, req: AgreementProposal): AgreementAck | Promise<AgreementAck>;
  acceptAgreement(peer: Peer, req: AgreementAcceptance): AgreementAck | Promise<AgreementAck>;
  revokeAgreement(peer: Peer, req: AgreementRevocation): AgreementAck | Promise<AgreementAck>;
  getCheckpoint(peer: Peer): CheckpointMsg;
  run(peer: Peer, link: Link): Promise<void>;
  /**
   * Calls were refused (unpinned, or over a rate limit): the first of a window at once, the rest
   * summed when the window closes. To be audited; must not throw.
   */
  refused(summary: RefusalSummary): void;
}

/** Calls per source: pinned peers by certificate, everyone else by remote host. */
interface CallLimits {
  pinned: RateLimit;
  unpinned: RateLimit;
}

/**
 * A pinned peer's job makes two calls per run (Handshake, Run); agreements add a few more. An
 * unpinned caller can only ever be refused, so it gets just enough to read why.
 */
const DEFAULT_CALL_LIMITS: Readonly<CallLimits> = Object.freeze({
  pinned: Object.freeze({ burst: 200, perSecond: 50 }),
  unpinned: Object.freeze({ burst: 10, perSecond: 1 }),
});

export const REFUSAL_REASONS = Object.freeze({
  notPinned: 'client certificate not pinned',
  noCertificate: 'no certificate of a pinned peer was presented',
  rateLimited: 'rate limited',
});

export interface PeerServerOptions {
  listen: string;
  keyPem: string;
  certPem: string;
  peers: PeerDirectory;
  limits: NodeConfig['limits'];
  handlers: PeerHandlers;
  /** Defaults: DEFAULT_CALL_LIMITS. */
  callLimits?: Partial<CallLimits>;
  /** How long refusals from one source are summed into one audit entry (default 60 000 ms). */
  refusalWindowMs?: number;
  /** Connections per remote address. Defaults: `limits.connections`, else DEFAULT_CONNECTION_LIMITS. */
  connectionLimits?: Partial<ConnectionLimits>;
}

export interface PeerServer {
  port: number;
  /** Refused and rate-limited calls and refused connections since start, for metrics. */
  counters(): RefusalCounters;
  /** Reports the refusals of the open window now (tests and shutdown). */
  flushRefusals(): void;
  close(): Promise<void>;
}

export async function startPeerServer(opts: PeerServerOptions): Promise<PeerServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.limits.maxMessageBytes,
    'grpc.max_send_message_length': opts.limits.maxMessageBytes,
    // Pings find a querier whose host vanished without closing the connection, so its run stops
    // (and frees the cores) within about a peer timeout rather than whenever TCP gives up.
    'grpc.keepalive_time_ms': Math.min(60_000, opts.limits.peerTimeoutMs),
    'grpc.keepalive_timeout_ms': Math.min(20_000, opts.limits.peerTimeoutMs),
  });
  const { handlers, peers } = opts;
  const limits = { ...DEFAULT_CALL_LIMITS, ...opts.callLimits };
  const pinnedCalls = tokenBuckets(limits.pinned);
  const unpinnedCalls = tokenBuckets(limits.unpinned);
  const refusals = refusalWindow({ report: handlers.refused, windowMs: opts.refusalWindowMs });

  // Everything here is in memory: a refused or rate-limited call costs no database or signing work.
  const authorize = (call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>, method: string): Peer => {
    const fingerprint = callerFingerprint(call);
    const peer = fingerprint ? peers.byNodeId(fingerprint) : undefined;
    const host = hostOf(call.getPeer());
    if (peer) {
      if (pinnedCalls.take(peer.nodeId)) return peer;
      refusals.countRateLimited();
      refusals.record({ source: peer.nodeId, fingerprint, host, method, reason: REFUSAL_REASONS.rateLimited, rateLimited: true });
      throw new MofangError(
        'PEER_RATE_LIMITED',
        `more than ${limits.pinned.burst} calls at once or ${limits.pinned.perSecond} a second from peer ${peer.name}; try again later`,
        { limit: limits.pinned.perSecond },
      );
    }
    const limited = !unpinnedCalls.take(host);
    if (limited) refusals.countRateLimited();
    refusals.record({
      source: host,
      fingerprint,
      host,
      method,
      reason: fingerprint ? REFUSAL_REASONS.notPinned : REFUSAL_REASONS.noCertificate,
      rateLimited: limited,
    });
    if (limited) throw new MofangError('PEER_RATE_LIMITED', 'too many refused calls from this address; try again later', { limit: limits.unpinned.perSecond });
    // grpc-js only exposes certificates that verified against the pinned ones, so an unknown
    // certificate arrives here as "none": refused either way.
    throw new MofangError(
      'PEER_NOT_PINNED',
      fingerprint ? `certificate ${fingerprint} is not pinned on this node` : 'the client certificate is not one this node has pinned',
    );
  };

  const unary =
    <Req, Res>(method: string, fn: (peer: Peer, req: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      Promise.resolve()
        .then(() => fn(authorize(call, method), call.request))
        .then(
          (res) => callback(null, res),
          (err) => callback(toGrpcStatus(err)),
        );
    };

  server.addService(peerServiceDefinition(), {
    Handshake: unary('Handshake', handlers.handshake),
    ProposeAgreement: unary('ProposeAgreement', handlers.proposeAgreement),
    AcceptAgreement: unary('AcceptAgreement', handlers.acceptAgreement),
    RevokeAgreement: unary('RevokeAgreement', handlers.revokeAgreement),
    GetCheckpoint: unary('GetCheckpoint', (peer: Peer) => handlers.getCheckpoint(peer)),
    Run: (call: grpc.ServerDuplexStream<RunFrame, RunFrame>) => {
      let peer: Peer;
      try {
        peer = authorize(call, 'Run');
      } catch (err) {
        call.emit('error', toGrpcStatus(err));
        return;
      }
      const link = duplexLink(call, {
        timeoutMs: opts.limits.peerTimeoutMs,
        sizeOf: runFrameCodec().sizeOf,
        peerName: peer.name,
        streamError: (err) => fromGrpcError(peer.name, err),
      });
      // runResponder reports its own failures to the peer and the audit log; nothing escapes.
      handlers.run(peer, link).catch(() => call.end());
    },
  });
  const health = new HealthImplementation({ '': 'SERVING', [PEER_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);

  const injector = server.createConnectionInjector(
    serverCredentials(
      opts.keyPem,
      opts.certPem,
      peers.list().map((p) => p.certPem),
    ),
  );
  const connectionLimits = { ...DEFAULT_CONNECTION_LIMITS, ...opts.limits.connections, ...opts.connectionLimits };
  const gate = connectionGate(connectionLimits);
  const sockets = new Set<Socket>();
  const front = createServer((socket) => {
    const host = socket.remoteAddress;
    if (!host) return void socket.destroy(); // already gone
    const refusal = gate.admit(host);
    if (refusal) {
      // Before TLS: the caller has spent a TCP handshake, we spend no TLS or HTTP/2 work.
      socket.destroy();
      refusals.record({ source: host, fingerprint: null, host, method: 'connection', reason: refusal, rateLimited: true, connection: true });
      return;
    }
    sockets.add(socket);
    socket.once('close', () => (sockets.delete(socket), gate.release(host)));
    // grpc-js handles the errors of the TLS socket it wraps this one in; a reset that surfaces on
    // the raw socket too must not become an uncaught exception.
    socket.on('error', () => {});
    injector.injectConnection(socket);
  });
  let port: number;
  try {
    port = await listen(front, opts.listen);
  } catch (err) {
    refusals.close();
    server.forceShutdown();
    throw err;
  }
  return {
    port,
    counters: refusals.counters,
    flushRefusals: refusals.flush,
    close: () =>
      new Promise<void>((resolve) => {
        refusals.close();
        health.setStatus('', 'NOT_SERVING');
        front.close();
        const finish = () => {
          // Sockets still in their TLS handshake belong to no gRPC session: nothing else closes them.
          for (const socket of sockets) socket.destroy();
          resolve();
        };
        const timer = setTimeout(() => (server.forceShutdown(), finish()), 2_000);
        server.tryShutdown(() => (clearTimeout(timer), finish()));
      }),
  };
}

/** Listens on `host:port` (as in `grpc.listen`) and resolves with the port bound. */
function listen(front: NetServer, address: string): Promise<number> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(i + 1));
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => reject(new MofangError('CONFIG_INVALID', `grpc.listen: cannot listen on ${address}: ${err.message}`));
    if (i <= 0 || !host || !Number.isInteger(port)) return fail(new Error('not host:port'));
    front.once('error', fail);
    front.listen({ host, port }, () => {
      front.off('error', fail);
      const bound = front.address();
      resolve(typeof bound === 'object' && bound ? bound.port : port);
    });
  });
}

/** 'ipv4:127.0.0.1:5000', '[::1]:5000' → the host: a new connection must not make a new source. */
function hostOf(peer: string): string {
  return peer
    .replace(/^ipv[46]:/, '')
    .replace(/:\d+$/, '')
    .replace(/^\[(.*)\]$/, '$1');
}
