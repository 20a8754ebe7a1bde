/**
 * A client for one pinned peer: mutual TLS with the peer's certificate as the only trust anchor,
 * promisified unary calls with deadlines, and Run streams as Links. The text fields of the
 * peer's answers are its text: they pass through `untrustedText` here, before the node compares,
 * stores or quotes them (errors are made safe in status.ts).
 */
import * as grpc from '@grpc/grpc-js';
import type { NodeConfig } from '../config/schema.js';
import { MofangError } from '../errors.js';
import { duplexLink, type Link } from '../session/link.js';
import { untrustedText } from '../text/untrusted.js';
import { runFrameCodec } from '../wire/codec.js';
import { type PeerService, peerServiceDefinition } from '../wire/contract.js';
import type {
  AgreementAcceptance,
  AgreementAck,
  AgreementProposal,
  AgreementRevocation,
  CheckpointMsg,
  HandshakeRequest,
  HandshakeResponse,
} from '../wire/messages.js';
import { clientCredentials } from './credentials.js';
import type { Peer } from './directory.js';
import { fromGrpcError } from './status.js';

export interface PeerClientOptions {
  peer: Peer;
  keyPem: string;
  certPem: string;
  limits: NodeConfig['limits'];
  /** The server presented a certificate other than the pinned one (to be audited). */
  onPinMismatch: (presented: string) => void;
}

/**
 * A peer we could not connect to, said so that the operator knows what to check. grpc-js's own
 * text ("No connection established. Last error: … Resolution note: …") names neither the peer
 * nor a remedy.
 */
export function connectionError(peer: { name: string; address: string }, err: { code?: number; details?: string; message?: string }): MofangError | null {
  if (err.code !== grpc.status.UNAVAILABLE) return null;
  const text = `${err.details ?? ''} ${err.message ?? ''}`;
  const where = `peer ${peer.name} (${peer.address})`;
  if (/ENOTFOUND|EAI_AGAIN|DNS resolution failed|Name resolution failed/i.test(text)) {
    return new MofangError(
      'PEER_UNREACHABLE',
      `${where}: its host name does not resolve; check the address (mofang peers update --name ${peer.name} --address <host:port>)`,
      { peer: peer.name },
    );
  }
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/i.test(text)) {
    return new MofangError('PEER_UNREACHABLE', `${where} is not reachable over the network: check the address and any firewall between the nodes`, {
      peer: peer.name,
    });
  }
  if (/ECONNREFUSED|ECONNRESET|No connection established|Connection dropped/i.test(text)) {
    return new MofangError('PEER_UNREACHABLE', `${where} refused the connection: is \`mofang start\` running there?`, { peer: peer.name });
  }
  return null;
}

export class PeerClient {
  private readonly client: grpc.Client;
  private readonly service: PeerService = peerServiceDefinition();
  private pinMismatch: string | null = null;

  constructor(private readonly opts: PeerClientOptions) {
    const creds = clientCredentials(opts.keyPem, opts.certPem, { certificatePem: opts.peer.certPem, fingerprint: opts.peer.nodeId }, (presented) => {
      this.pinMismatch = presented;
      opts.onPinMismatch(presented);
    });
    this.client = new grpc.Client(opts.peer.address, creds, {
      'grpc.max_receive_message_length': opts.limits.maxMessageBytes,
      'grpc.max_send_message_length': opts.limits.maxMessageBytes,
      // Our own certificate names carry no authority; the pin check replaces host name checks.
      'grpc.ssl_target_name_override': 'localhost',
      'grpc.default_authority': 'localhost',
    });
  }

  /** One unary call, made as grpc-js's generic client made it (same path, codec and options). */
  private call<Req, Res>(method: grpc.MethodDefinition<Req, Res>, req: Req): Promise<Res> {
    const deadline = new Date(Date.now() + this.opts.limits.peerTimeoutMs);
    return new Promise<Res>((resolve, reject) => {
      this.client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, req, { deadline }, (err, res) => {
        // grpc-js calls back with a value exactly when there is no error.
        if (!err) return resolve(res!);
        // A server certificate that does not chain to the pinned one fails TLS verification
        // before the fingerprint check runs: it is the same refusal. A coded answer came from
        // the server itself, past TLS, even when its text mentions a certificate.
        const answered = /^[A-Z][A-Z_]+: /.test(err.details ?? '');
        if (!answered && (this.pinMismatch || /certificate|unable to verify|self.signed/i.test(err.details ?? ''))) {
          this.pinMismatch ??= 'a certificate other than the pinned one';
          if (!/^sha256:/.test(this.pinMismatch)) this.opts.onPinMismatch(this.pinMismatch);
          return reject(
            new MofangError('PEER_NOT_PINNED', `peer ${this.opts.peer.name} presented ${this.pinMismatch}, not the pinned ${this.opts.peer.nodeId}`, {
              peer: this.opts.peer.name,
            }),
          );
        }
        reject(connectionError(this.opts.peer, err) ?? fromGrpcError(this.opts.peer.name, err));
      });
    });
  }

  async handshake(req: HandshakeRequest): Promise<HandshakeResponse> {
    const res = await this.call(this.service.Handshake, req);
    return {
      ...res,
      nodeId: untrustedText(res.nodeId, 80),
      nodeName: untrustedText(res.nodeName, 64),
      suite: untrustedText(res.suite, 64),
      software: untrustedText(res.software, 64),
    };
  }
  proposeAgreement(req: AgreementProposal): Promise<AgreementAck> {
    return this.ack(this.service.ProposeAgreement, req);
  }
  acceptAgreement(req: AgreementAcceptance): Promise<AgreementAck> {
    return this.ack(this.service.AcceptAgreement, req);
  }
  revokeAgreement(req: AgreementRevocation): Promise<AgreementAck> {
    return this.ack(this.service.RevokeAgreement, req);
  }

  private async ack<Req>(method: grpc.MethodDefinition<Req, AgreementAck>, req: Req): Promise<AgreementAck> {
    const res = await this.call(method, req);
    return { agreementId: untrustedText(res.agreementId, 64), status: untrustedText(res.status, 32) };
  }
  getCheckpoint(): Promise<CheckpointMsg> {
    return this.call(this.service.GetCheckpoint, {});
  }

  openRun(): Link {
    const run = this.service.Run;
    const stream = this.client.makeBidiStreamRequest(run.path, run.requestSerialize, run.responseDeserialize, {});
    const peerName = this.opts.peer.name;
    return duplexLink(stream, {
      timeoutMs: this.opts.limits.peerTimeoutMs,
      sizeOf: runFrameCodec().sizeOf,
      peerName,
      streamError: (err) => fromGrpcError(peerName, err),
    });
  }

  close(): void {
    this.client.close();
  }
}
