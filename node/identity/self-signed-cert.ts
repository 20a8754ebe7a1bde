/**
 * The node's self-signed certificate. Peers pin it by fingerprint and use it as the only trust
 * anchor for mutual TLS, so it is a leaf and its own CA at once.
 */
import './reflect-shim.js';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';

export const NODE_KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_YEARS = 5;
// Peers' clocks differ a little; a certificate "not yet valid" for a few minutes fails handshakes.
const BACKDATE_MS = 5 * 60_000;

/** Builds a self-signed certificate for `keys` (an ECDSA P-256 WebCrypto key pair); returns PEM. */
export async function selfSignedCertificate(name: string, keys: CryptoKeyPair, now: Date = new Date()): Promise<string> {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + VALIDITY_YEARS);
  const serial = randomBytes(16);
  serial[0] = (serial[0] & 0x7f) | 0x01; // RFC 5280 §4.1.2.2: positive, at most 20 octets, no leading zero
  const crypto = webcrypto as unknown as Crypto;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: [{ CN: [name] }, { O: ['Mofang node'] }],
      notBefore,
      notAfter,
      keys,
      signingAlgorithm: NODE_KEY_ALGORITHM,
      extensions: [
        // CA:true lets the certificate be its own trust anchor; pathLen 0: it may issue nothing.
        new x509.BasicConstraintsExtension(true, 0, true),
        // No keyCertSign: the pinned certificate can anchor itself (OpenSSL trusts a leaf found in
        // the trust store) but can never act as the issuer of another certificate. RFC 5280
        // §4.2.1.9 allows cA without keyCertSign; Node's X509Certificate.ca then reports false.
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'dns', value: name },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return cert.toString('pem');
}
