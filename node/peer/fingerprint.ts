/**
 * Certificate fingerprints, the form in which peers are pinned (`sha256:` + hex of the DER).
 * Apart from the TLS credentials so that reading the peer directory does not load gRPC.
 */
import { createHash, X509Certificate } from 'node:crypto';

/** @example fingerprintOfDer(new X509Certificate(pem).raw) // 'sha256:3f…' */
export function fingerprintOfDer(der: Buffer): string {
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

export function fingerprintOfPem(pem: string): string {
  return fingerprintOfDer(new X509Certificate(pem).raw);
}
