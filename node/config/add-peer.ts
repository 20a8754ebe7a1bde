/**
 * `mofang peers add | update | remove`: changes the pinned partners in the config file. The
 * administrator receives the partner's certificate and, over a second channel (phone, signed
 * letter), its fingerprint; the two must match or nothing is written. Each change validates the
 * whole new config before it replaces the old one by atomic rename; validation errors name the
 * flag the user typed (`--address`), not the config path (`peers[0].address`).
 */
import { copyFileSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from 'yaml';
import { MofangError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { fingerprintOf } from '../identity/identity.js';
import { loadConfig, validateConfig } from './load.js';

export interface AddPeerInput {
  name: string;
  address: string;
  certificateFile: string;
  fingerprint: string;
}

export interface UpdatePeerInput {
  name: string;
  address?: string;
  /** Both or neither: a new certificate is pinned only with the fingerprint heard out of band. */
  certificateFile?: string;
  fingerprint?: string;
}

interface StoredPeer {
  name: string;
  address: string;
  fingerprint: string;
  certificate: string;
}

/** Config field of a peer → the flag that sets it. */
const FLAG_OF: Record<string, string> = { name: '--name', address: '--address', fingerprint: '--fingerprint', certificate: '--certificate' };

/** @example addPeer('mofang.yaml', { name: 'telco', address: '10.0.0.2:7443', certificateFile: 'telco.pem', fingerprint: 'sha256:…' }) */
export function addPeer(configFile: string, input: AddPeerInput): { fingerprint: string } {
  const fingerprint = checkedFingerprint(input.certificateFile, input.fingerprint);
  return changePeers(configFile, (peers) => {
    if (peers.some((p) => p.name === input.name))
      throw new MofangError('CONFIG_INVALID', `--name: a peer named "${input.name}" already exists; use mofang peers update`, { field: '--name' });
    const certificate = `./peers/${input.name}.pem`;
    return {
      peers: [...peers, { name: input.name, address: input.address, fingerprint, certificate }],
      copy: { from: input.certificateFile, to: certificate },
      result: { fingerprint },
    };
  });
}

/** Changes a pinned peer's address and/or certificate; returns the peer before and after. */
export function updatePeer(configFile: string, input: UpdatePeerInput): { before: StoredPeer; after: StoredPeer } {
  if ((input.certificateFile === undefined) !== (input.fingerprint === undefined)) {
    throw new MofangError(
      'CONFIG_INVALID',
      '--certificate and --fingerprint go together: a new certificate is pinned only with the fingerprint the partner told you',
      { field: input.certificateFile ? '--fingerprint' : '--certificate' },
    );
  }
  if (input.address === undefined && input.certificateFile === undefined) {
    throw new MofangError('CONFIG_INVALID', 'nothing to update: give --address, or --certificate with --fingerprint', { field: '--address' });
  }
  const fingerprint = input.certificateFile !== undefined ? checkedFingerprint(input.certificateFile, input.fingerprint!) : undefined;
  return changePeers(configFile, (peers) => {
    const i = indexOf(peers, input.name);
    const before = peers[i];
    const certificate = fingerprint ? `./peers/${input.name}.pem` : before.certificate;
    const after = { ...before, ...(input.address !== undefined ? { address: input.address } : {}), ...(fingerprint ? { fingerprint, certificate } : {}) };
    return {
      peers: peers.map((p, j) => (j === i ? after : p)),
      copy: fingerprint ? { from: input.certificateFile!, to: certificate } : undefined,
      result: { before, after },
    };
  });
}

/** Unpins a peer; its certificate copy is deleted after the config no longer names it. */
export function removePeer(configFile: string, name: string): { removed: StoredPeer } {
  const r = changePeers(configFile, (peers) => {
    const i = indexOf(peers, name);
    return { peers: peers.filter((_, j) => j !== i), result: { removed: peers[i] } };
  });
  if (r.removed.certificate === `./peers/${name}.pem`) rmSync(join(dirname(configFile), r.removed.certificate), { force: true });
  return r;
}

function indexOf(peers: StoredPeer[], name: string): number {
  const i = peers.findIndex((p) => p.name === name);
  if (i < 0) {
    const known = peers.map((p) => p.name).join(', ');
    throw new MofangError('PEER_UNKNOWN', `--name: no peer named "${name}" is pinned${known ? ` (pinned: ${known})` : ''}`, { field: '--name' });
  }
  return i;
}

function checkedFingerprint(certificateFile: string, given: string): string {
  if (!given.toLowerCase().startsWith('sha256:')) {
    throw new MofangError(
      'CONFIG_INVALID',
      `--fingerprint: fingerprint must start with sha256: (the form is sha256:<64 hex digits>, as mofang node show prints it)`,
      { field: '--fingerprint' },
    );
  }
  let actual: string;
  try {
    actual = fingerprintOf(readFileSync(certificateFile, 'utf8'));
  } catch {
    throw new MofangError('CONFIG_INVALID', `--certificate: ${certificateFile} is not a readable PEM certificate`, { field: '--certificate' });
  }
  if (actual !== given.toLowerCase()) {
    throw new MofangError('PEER_NOT_PINNED', `--fingerprint: the certificate's fingerprint is ${actual}, not ${given}; check with the partner before pinning`, {
      field: '--fingerprint',
    });
  }
  return actual;
}

/**
 * Read, change, validate, write: the certificate copy is made before the config names it, and
 * the config replaces the old one only after the whole new document validates.
 */
function changePeers<R>(configFile: string, change: (peers: StoredPeer[]) => { peers: StoredPeer[]; copy?: { from: string; to: string }; result: R }): R {
  const doc = parseDocument(readFileSync(configFile, 'utf8'));
  const peers = ((doc.toJS() as { peers?: StoredPeer[] }).peers ?? []).map((p) => ({ ...p }));
  const next = change(peers);
  doc.set('peers', next.peers);
  try {
    validateConfig(doc.toJS(), configFile);
  } catch (err) {
    throw asFlagError(err, configFile);
  }
  if (next.copy) copyFileSync(next.copy.from, join(dirname(configFile), next.copy.to));
  writeFileAtomic(configFile, doc.toString(), { mode: 0o600 });
  loadConfig(configFile);
  return next.result;
}

/** `…/mofang.yaml: peers[1].address: …` → `--address: …`. */
function asFlagError(err: unknown, configFile: string): unknown {
  if (!(err instanceof MofangError) || err.code !== 'CONFIG_INVALID') return err;
  const field = (err.details as { field?: string } | undefined)?.field ?? '';
  const flag = FLAG_OF[/^peers\[\d+\]\.(\w+)$/.exec(field)?.[1] ?? ''];
  if (!flag) return err;
  const message = err.message.replace(`${configFile}: `, '').replace(/^peers\[\d+\]\.\w+:\s*/, '');
  return new MofangError('CONFIG_INVALID', `${flag}: ${message}`, { field: flag });
}
