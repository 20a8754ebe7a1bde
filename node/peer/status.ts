/**
 * Carrying catalogued errors across gRPC: the status code comes from the catalogue and the
 * details start with our stable code (`AGREEMENT_REVOKED: …`), so the calling node can report
 * the peer's reason with the same code.
 */
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { ERRORS, GrpcStatus, MofangError, asMofangError, type ErrorCode } from '../errors.js';

export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const e = asMofangError(err);
  return { code: e.grpcStatus, details: `${e.code}: ${e.message}` };
}

/** Turns a peer's coded message into our error; prefixing which peer said it. */
export function fromPeerCode(peerName: string, code: string, message: string): MofangError {
  if (code in ERRORS) return new MofangError(code as ErrorCode, `peer ${peerName}: ${message}`, { peer: peerName });
  return new MofangError('PEER_REFUSED', `peer ${peerName}: ${message}`, { peer: peerName, peerCode: code });
}

export function fromGrpcError(peerName: string, err: ServiceError | Error): MofangError {
  const se = err as ServiceError;
  const text = se.details ?? err.message;
  const coded = /^([A-Z][A-Z_]+): (.*)$/s.exec(text);
  if (coded) return fromPeerCode(peerName, coded[1], coded[2]);
  if (se.code === GrpcStatus.UNAVAILABLE || se.code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new MofangError('PEER_UNREACHABLE', `peer ${peerName}: ${text}`, { peer: peerName });
  }
  if (se.code === GrpcStatus.RESOURCE_EXHAUSTED) return new MofangError('LIMIT_EXCEEDED', `peer ${peerName}: ${text}`, { peer: peerName });
  return new MofangError('PEER_REFUSED', `peer ${peerName}: ${text}`, { peer: peerName });
}
