/**
 * The node identity: an ECDSA P-256 key and its self-signed certificate. The node id is the
 * certificate fingerprint, which peers pin in their configuration.
 *
 * Signatures are IEEE P1363 (r || s, exactly 64 bytes) over SHA-256 — fixed length, so they fit
 * fixed-size wire fields and never need DER parsing on the verifying side.
 */
import { createHash, createPrivateKey, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { MofangError } from '../errors.js';
import { assertSecretFileMode } from '../fs/atomic-write.js';

export interface Identity {
  /** The certificate's CN, the node's name in logs and SANs. */
  name: string;
  /** 'sha256:' + lowercase hex of SHA-256 over the certificate DER. */
  nodeId: string;
  certPem: string;
  keyPem: string;
  /** ECDSA P-256 / SHA-256 over `data`; 64-byte IEEE P1363 signature. */
  sign(data: Uint8Array): Buffer;
}

const SIGNATURE_BYTES = 64;

/** @example fingerprintOf(certPem) // 'sha256:3f1c…' (64 hex digits) */
export function fingerprintOf(certPem: string): string {
  return fingerprintOfCert(parseCertificate(certPem));
}

/**
 * True when `signature` is a valid P1363 signature by the key in `certPem` over `data`.
 * Returns false (never throws) on a malformed certificate, a non-P-256 key or a bad length:
 * callers verify untrusted peer input with it.
 *
 * @example verifySignature(peer.certPem, body, receipt.signature)
 */
export function verifySignature(certPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return signatureVerifier(certPem)(data, signature);
  } catch {
    return false;
  }
}

/**
 * Parses the certificate once and returns a verifier; for checking many signatures (an audit log).
 * Throws IDENTITY_INVALID if the certificate is not a P-256 certificate.
 */
export function signatureVerifier(certPem: string): (data: Uint8Array, signature: Uint8Array) => boolean {
  const cert = parseCertificate(certPem);
  assertP256(cert.publicKey, 'certificate');
  const key = cert.publicKey;
  return (data, signature) => {
    if (signature.length !== SIGNATURE_BYTES) return false;
    try {
      return verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    } catch {
      return false;
    }
  };
}

/**
 * Loads the identity created by `createIdentity`. The key file must not be readable by others
 * (SECRET_FILE_MODE) and must be the certificate's key (IDENTITY_INVALID).
 *
 * @example const identity = loadIdentity(config.identity.key, config.identity.certificate);
 */
export function loadIdentity(keyFile: string, certFile: string): Identity {
  for (const file of [keyFile, certFile]) {
    if (!existsSync(file)) throw new MofangError('IDENTITY_INVALID', `${file}: does not exist (run mofang init to create an identity)`, { file });
  }
  assertSecretFileMode(keyFile);
  return identityFromPem(readFileSync(keyFile, 'utf8'), readFileSync(certFile, 'utf8'));
}

/** Builds an identity from PEM text, checking that the key is P-256 and belongs to the certificate. */
export function identityFromPem(keyPem: string, certPem: string): Identity {
  const cert = parseCertificate(certPem);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new MofangError('IDENTITY_INVALID', 'key: not a PEM private key');
  }
  assertP256(key, 'key');
  if (!cert.checkPrivateKey(key)) throw new MofangError('IDENTITY_INVALID', 'key: does not match the certificate');
  return {
    name: commonName(cert),
    nodeId: fingerprintOfCert(cert),
    certPem,
    keyPem,
    sign: (data) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' }),
  };
}

function parseCertificate(certPem: string): X509Certificate {
  try {
    return new X509Certificate(certPem);
  } catch {
    throw new MofangError('IDENTITY_INVALID', 'certificate: not a PEM X.509 certificate');
  }
}

function fingerprintOfCert(cert: X509Certificate): string {
  return `sha256:${createHash('sha256').update(cert.raw).digest('hex')}`;
}

function assertP256(key: KeyObject, field: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new MofangError('IDENTITY_INVALID', `${field}: must be an ECDSA P-256 key`);
  }
}

function commonName(cert: X509Certificate): string {
  // Node renders the subject one attribute per line ("CN=bank-a\nO=Mofang node").
  const cn = /^CN=(.*)$/m.exec(cert.subject)?.[1];
  if (!cn) throw new MofangError('IDENTITY_INVALID', 'certificate: subject has no CN');
  return cn;
}
