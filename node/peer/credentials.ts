/**
 * Mutual TLS with pinned certificates.
 *
 * Server side: the TLS layer requests a client certificate but does not reject it, so that the
 * node itself checks the presented certificate's fingerprint against the pins in its config —
 * and can audit the refusal with the fingerprint it saw (a TLS-level rejection is invisible to
 * the application). The client proved possession of the certificate's key in the handshake.
 *
 * Client side: the peer's pinned certificate is the only trust anchor, and the server
 * identity check is replaced by a fingerprint comparison (names in self-signed node
 * certificates carry no authority).
 */
import * as grpc from '@grpc/grpc-js';
import { experimental } from '@grpc/grpc-js';
import type { PeerCertificate } from 'node:tls';
import { fingerprintOfDer } from './fingerprint.js';

class StaticCertificateProvider implements experimental.CertificateProvider {
  constructor(
    private readonly ca: Buffer | null,
    private readonly identity: { certificate: Buffer; privateKey: Buffer } | null,
  ) {}
  // Delivered on the next tick: grpc-js registers the server's watcher only after it has
  // subscribed to the provider, so a synchronous update would be lost.
  addCaCertificateListener(listener: experimental.CaCertificateUpdateListener): void {
    queueMicrotask(() => listener(this.ca ? { caCertificate: this.ca } : null));
  }
  removeCaCertificateListener(): void {}
  addIdentityCertificateListener(listener: experimental.IdentityCertificateUpdateListener): void {
    queueMicrotask(() => listener(this.identity));
  }
  removeIdentityCertificateListener(): void {}
}

export function serverCredentials(keyPem: string, certPem: string, pinnedCertPems: string[]): grpc.ServerCredentials {
  // The CA list only fills the CertificateRequest hint; acceptance is decided by the pin check.
  const ca = Buffer.from(pinnedCertPems.length > 0 ? pinnedCertPems.join('\n') : certPem);
  const identity = { certificate: Buffer.from(certPem), privateKey: Buffer.from(keyPem) };
  // One provider serves both roles: grpc-js 1.14 passes the two provider arguments to its
  // constructor in swapped order, so distinct providers would end up in each other's place.
  const provider = new StaticCertificateProvider(ca, identity);
  return experimental.createCertificateProviderServerCredentials(provider, provider, false);
}

/**
 * `onMismatch` is told the fingerprint the server presented when it is not the pinned one, so
 * the caller can audit the refusal.
 */
export function clientCredentials(
  keyPem: string,
  certPem: string,
  peer: { certificatePem: string; fingerprint: string },
  onMismatch: (presented: string) => void,
): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(peer.certificatePem), Buffer.from(keyPem), Buffer.from(certPem), {
    checkServerIdentity: (_host: string, cert: PeerCertificate) => {
      const presented = cert?.raw ? fingerprintOfDer(cert.raw) : 'none';
      if (presented === peer.fingerprint) return undefined;
      onMismatch(presented);
      return new Error(`server certificate ${presented} is not the pinned ${peer.fingerprint}`);
    },
  });
}

/** The fingerprint of the certificate the caller of a server call presented, if any. */
export function callerFingerprint(call: { getAuthContext?: () => { sslPeerCertificate?: PeerCertificate } | null }): string | null {
  const cert = call.getAuthContext?.()?.sslPeerCertificate;
  return cert?.raw && cert.raw.length > 0 ? fingerprintOfDer(cert.raw) : null;
}
