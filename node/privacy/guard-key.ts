/**
 * The node-local secret key of the differencing guard's fingerprints (set-codec.ts): 32 random
 * bytes in a file of mode 0600 under the data dir, created on first use. Without it the stored
 * fingerprints cannot be linked to identifiers, not even by hashing candidate phone numbers.
 *
 * A node that already stored fingerprints under the key earlier versions derived from its private
 * key (`fingerprintKey`) writes that key to the file instead, so those rows stay comparable.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { assertSecretFileMode, writeFileAtomic } from '../fs/atomic-write.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { fingerprintKey } from './set-codec.js';

const KEY_BYTES = 32;

/** @example guardKey(join(dataDir, 'privacy-guard.key'), db, identity.keyPem) */
export function guardKey(file: string, db: Db, nodeKeyPem: string): Buffer {
  if (!existsSync(file)) {
    const legacy = db.prepare('SELECT 1 FROM released_groups LIMIT 1').get() !== undefined;
    try {
      writeFileAtomic(file, legacy ? fingerprintKey(nodeKeyPem) : randomBytes(KEY_BYTES), { mode: 0o600, exclusive: true });
    } catch (err) {
      // Another run created it first: use theirs.
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
    }
  }
  assertSecretFileMode(file);
  const key = readFileSync(file);
  if (key.length !== KEY_BYTES)
    throw new MofangError('IDENTITY_INVALID', `${file}: the differencing guard's key must be ${KEY_BYTES} bytes, found ${key.length}`, { file });
  return key;
}
