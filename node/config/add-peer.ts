/**
 * `mofang peers add`: pins a partner. The administrator receives the partner's certificate and,
 * over a second channel (phone, signed letter), its fingerprint; the two must match or nothing
 * is written.
 */
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { MofangError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { fingerprintOfPem } from '../peer/credentials.js';
import { loadConfig, validateConfig } from './load.js';

export interface AddPeerInput {
  name: string;
  address: string;
  certificateFile: string;
  fingerprint: string;
}

export function addPeer(configFile: string, input: AddPeerInput): { fingerprint: string } {
  let actual: string;
  try {
    actual = fingerprintOfPem(readFileSync(input.certificateFile, 'utf8'));
  } catch (err) {
    throw new MofangError('CONFIG_INVALID', `--certificate: ${input.certificateFile} is not a readable PEM certificate (${(err as Error).message})`);
  }
  if (actual !== input.fingerprint.toLowerCase()) {
    throw new MofangError('PEER_NOT_PINNED', `--fingerprint: the certificate's fingerprint is ${actual}, not ${input.fingerprint}; check with the partner before pinning`);
  }
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  const peers = (doc.toJS().peers ?? []) as { name: string }[];
  if (peers.some((p) => p.name === input.name)) throw new MofangError('CONFIG_INVALID', `peers: a peer named "${input.name}" already exists`);
  const certRelative = `./peers/${input.name}.pem`;
  const next = [...peers, { name: input.name, address: input.address, fingerprint: actual, certificate: certRelative }];
  doc.set('peers', next);
  validateConfig(doc.toJS(), configFile);
  copyFileSync(input.certificateFile, join(dirname(configFile), certRelative));
  writeFileAtomic(configFile, doc.toString(), { mode: 0o600 });
  loadConfig(configFile);
  return { fingerprint: actual };
}
