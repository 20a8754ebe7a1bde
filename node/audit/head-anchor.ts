/**
 * The head anchor: our latest signed checkpoint, kept in a file outside SQLite
 * (`<dataDir>/audit-head.json`). Cutting entries off the end of the log leaves a valid chain; the
 * anchor is what shows that entries are missing.
 *
 * Invariant: the file only ever names a COMMITTED entry. It is written from the committed head
 * (never inside a transaction that could still roll back) while holding SQLite's write lock, so
 * concurrent writers (node and CLI) write it in commit order and it never moves backwards.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { checkpointContradiction, checkpointSignatureValid, parseCheckpoint, type AuditCheckpoint, type LogView } from './checkpoint.js';

export function writeHeadFile(file: string, cp: AuditCheckpoint): void {
  // Owner-only like the database: it reveals how much the node has done and when.
  writeFileAtomic(file, `${JSON.stringify(cp, null, 2)}\n`, { mode: 0o600 });
}

export type HeadFileState = { kind: 'missing' } | { kind: 'invalid'; reason: string } | { kind: 'valid'; checkpoint: AuditCheckpoint };

/** Reads and authenticates the head file against the owner's verifier and node id. */
export function readHeadFile(file: string, nodeId: string, verify: (data: Uint8Array, sig: Uint8Array) => boolean): HeadFileState {
  if (!existsSync(file)) return { kind: 'missing' };
  let cp: AuditCheckpoint;
  try {
    cp = parseCheckpoint(JSON.parse(readFileSync(file, 'utf8')), 'head', 'REQUEST_INVALID');
  } catch (err) {
    return { kind: 'invalid', reason: `unreadable: ${(err as Error).message}` };
  }
  if (cp.nodeId !== nodeId) return { kind: 'invalid', reason: `signed for node ${cp.nodeId}, not ${nodeId}` };
  if (!checkpointSignatureValid(verify, cp)) return { kind: 'invalid', reason: 'signature does not verify' };
  return { kind: 'valid', checkpoint: cp };
}

/**
 * What the head file says about the log: null when consistent (equal, or lagging behind an
 * append made inside a caller's transaction), else the first seq it shows to be missing or changed.
 * A missing or forged file on a non-empty log is a problem too: it is how a cut would be hidden
 * (AuditLog anchors the empty log at seq 0 first, so a missing file is never "not yet written").
 */
export function headFileContradiction(state: HeadFileState, log: LogView, file: string): { seq: number; reason: string } | null {
  switch (state.kind) {
    case 'valid':
      return checkpointContradiction(state.checkpoint, log, `the head anchor ${file}`);
    case 'missing':
      return log.lastSeq === 0 ? null : { seq: log.lastSeq + 1, reason: `head anchor ${file} is missing: a cut tail cannot be ruled out` };
    case 'invalid':
      return { seq: log.lastSeq + 1, reason: `head anchor ${file} is invalid (${state.reason}): a cut tail cannot be ruled out` };
  }
}
