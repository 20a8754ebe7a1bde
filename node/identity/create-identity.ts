/**
 * Creates a node identity: a fresh ECDSA P-256 key (key.pem, PKCS#8, 0600) and its self-signed
 * certificate (cert.pem, 0644).
 */
import { createPrivateKey, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MofangError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { identityFromPem, type Identity } from './identity.js';
import { NODE_KEY_ALGORITHM, selfSignedCertificate } from './self-signed-cert.js';

const KEY_FILE = 'key.pem';
const CERT_FILE = 'cert.pem';

// The name is also a DNS SAN, so it must be a host name (RFC 1123 §2.1 labels, 253 chars at most).
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/**
 * Refuses with IDENTITY_EXISTS when `dir` already holds a key: replacing it would change the node
 * id that every peer has pinned.
 *
 * @example const identity = await createIdentity('/var/lib/mofang/identity', 'bank-a');
 */
export async function createIdentity(dir: string, name: string): Promise<Identity> {
  if (!DNS_NAME.test(name)) {
    throw new MofangError('IDENTITY_INVALID', `name: "${name}" is not a DNS host name (letters, digits, '-' and '.')`, { field: 'name' });
  }
  const keyFile = join(dir, KEY_FILE);
  if (existsSync(keyFile)) throw new MofangError('IDENTITY_EXISTS', `${keyFile}: a node key already exists`, { file: keyFile });
  mkdirSync(dir, { recursive: true, mode: 0o700 });

  const keys = (await webcrypto.subtle.generateKey(NODE_KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const keyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string;
  const certPem = await selfSignedCertificate(name, keys);

  // Key first and exclusively, so a concurrent `init` cannot pair its certificate with our key.
  try {
    writeFileAtomic(keyFile, keyPem, { mode: 0o600, exclusive: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new MofangError('IDENTITY_EXISTS', `${keyFile}: a node key already exists`, { file: keyFile });
    }
    throw err;
  }
  writeFileAtomic(join(dir, CERT_FILE), certPem, { mode: 0o644 });
  return identityFromPem(keyPem, certPem);
}
