/**
 * Carrying catalogued errors across gRPC: the status code comes from the catalogue and the
 * details start with our stable code (`AGREEMENT_REVOKED: …`), so the calling node can report
 * the peer's reason with the same code.
 *
 * What a peer says about why it stopped is its text, not ours: every message and unknown code
 * from a peer enters the node here, through `untrustedText`, before it can be stored as a run's
 * error, served by the API or quoted in an audit entry.
 */
import type { ServiceError, StatusObject } from '@grpc/grpc-js';
import { ERRORS, GrpcStatus, MofangError, asMofangError, type ErrorCode } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';

/** A peer's own code, when it is not one of ours, is kept only if it looks like a code. */
const PEER_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const e = asMofangError(err);
  return { code: e.grpcStatus, details: `${e.code}: ${e.message}` };
}

/** Turns a peer's coded message into our error; prefixing which peer said it. */
export function fromPeerCode(peerName: string, code: unknown, message: unknown): MofangError {
  const text = `peer ${peerName}: ${untrustedText(message)}`;
  if (typeof code === 'string' && Object.hasOwn(ERRORS, code)) return new MofangError(code as ErrorCode, text, { peer: peerName });
  const peerCode = typeof code === 'string' && PEER_CODE.test(code) ? code : untrustedText(code, 64);
  return new MofangError('PEER_REFUSED', text, { peer: peerName, peerCode });
}

export function fromGrpcError(peerName: string, err: ServiceError | Error): MofangError {
  const se = err as ServiceError;
  const text = se.details ?? err.message;
  const coded = /^([A-Z][A-Z_]+): (.*)$/s.exec(text);
  if (coded) return fromPeerCode(peerName, coded[1], coded[2]);
  const said = untrustedText(text);
  if (se.code === GrpcStatus.UNAVAILABLE || se.code === GrpcStatus.DEADLINE_EXCEEDED) {
    return new MofangError('PEER_UNREACHABLE', `peer ${peerName}: ${said}`, { peer: peerName });
  }
  if (se.code === GrpcStatus.RESOURCE_EXHAUSTED) return new MofangError('LIMIT_EXCEEDED', `peer ${peerName}: ${said}`, { peer: peerName });
  return new MofangError('PEER_REFUSED', `peer ${peerName}: ${said}`, { peer: peerName });
}
