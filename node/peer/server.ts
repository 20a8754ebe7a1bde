/**
 * The peer gRPC server: mutual TLS, a pin check on every call (refusals reported for the audit
 * log), message size limits from the config, and the standard gRPC health service.
 */
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Duplex } from 'node:stream';
import type { NodeConfig } from '../config/schema.js';
import { MofangError } from '../errors.js';
import { duplexLink, type Link } from '../session/link.js';
import { runFrameCodec } from './codec.js';
import { callerFingerprint, serverCredentials } from './credentials.js';
import type { Peer, PeerDirectory } from './directory.js';
import { toGrpcStatus } from './status.js';
import {
  PEER_SERVICE_NAME, peerServiceDefinition,
  type AgreementAcceptance, type AgreementAck, type AgreementProposal, type AgreementRevocation,
  type CheckpointMsg, type HandshakeRequest, type HandshakeResponse,
} from './wire.js';

export interface PeerHandlers {
  handshake(peer: Peer, req: HandshakeRequest): HandshakeResponse;
  proposeAgreement(peer: Peer, req: AgreementProposal): AgreementAck | Promise<AgreementAck>;
  acceptAgreement(peer: Peer, req: AgreementAcceptance): AgreementAck | Promise<AgreementAck>;
  revokeAgreement(peer: Peer, req: AgreementRevocation): AgreementAck | Promise<AgreementAck>;
  getCheckpoint(peer: Peer): CheckpointMsg;
  run(peer: Peer, link: Link): Promise<void>;
  /** A caller whose certificate is not pinned was refused (to be audited). */
  refused(info: { fingerprint: string | null; method: string; address: string }): void;
}

export interface PeerServerOptions {
  listen: string;
  keyPem: string;
  certPem: string;
  peers: PeerDirectory;
  limits: NodeConfig['limits'];
  handlers: PeerHandlers;
}

export interface PeerServer {
  port: number;
  close(): Promise<void>;
}

export async function startPeerServer(opts: PeerServerOptions): Promise<PeerServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.limits.maxMessageBytes,
    'grpc.max_send_message_length': opts.limits.maxMessageBytes,
    'grpc.keepalive_time_ms': 60_000,
  });
  const { handlers, peers } = opts;

  const authorize = (call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>, method: string): Peer => {
    const fingerprint = callerFingerprint(call as never);
    const peer = fingerprint ? peers.byNodeId(fingerprint) : undefined;
    if (peer) return peer;
    handlers.refused({ fingerprint, method, address: call.getPeer() });
    // grpc-js only exposes certificates that verified against the pinned ones, so an unknown
    // certificate arrives here as "none": refused either way.
    throw new MofangError('PEER_NOT_PINNED', fingerprint ? `certificate ${fingerprint} is not pinned on this node` : 'the client certificate is not one this node has pinned');
  };

  const unary = <Req, Res>(method: string, fn: (peer: Peer, req: Req) => Res | Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      Promise.resolve()
        .then(() => fn(authorize(call, method), call.request))
        .then((res) => callback(null, res), (err) => callback(toGrpcStatus(err) as grpc.ServiceError));
    };

  server.addService(peerServiceDefinition(), {
    Handshake: unary('Handshake', handlers.handshake),
    ProposeAgreement: unary('ProposeAgreement', handlers.proposeAgreement),
    AcceptAgreement: unary('AcceptAgreement', handlers.acceptAgreement),
    RevokeAgreement: unary('RevokeAgreement', handlers.revokeAgreement),
    GetCheckpoint: unary('GetCheckpoint', (peer: Peer) => handlers.getCheckpoint(peer)),
    Run: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      let peer: Peer;
      try {
        peer = authorize(call, 'Run');
      } catch (err) {
        call.emit('error', toGrpcStatus(err));
        return;
      }
      const link = duplexLink(call as unknown as Duplex, { timeoutMs: opts.limits.peerTimeoutMs, sizeOf: runFrameCodec().sizeOf, peerName: peer.name });
      // runResponder reports its own failures to the peer and the audit log; nothing escapes.
      handlers.run(peer, link).catch(() => call.end());
    },
  });
  const health = new HealthImplementation({ '': 'SERVING', [PEER_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(opts.listen, serverCredentials(opts.keyPem, opts.certPem, peers.list().map((p) => p.certPem)), (err, p) =>
      err ? reject(new MofangError('CONFIG_INVALID', `grpc.listen: cannot listen on ${opts.listen}: ${err.message}`)) : resolve(p),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus('', 'NOT_SERVING');
        const timer = setTimeout(() => server.forceShutdown(), 2_000);
        server.tryShutdown(() => (clearTimeout(timer), resolve()));
      }),
  };
}
