/**
 * The plumbing every protocol session shares, whatever it computes: sending a frame through the
 * transcript, liveness frames during long local work, the two ways a run is cancelled, and the
 * querier's check of the responder's key epoch.
 */
import { MofangError } from '../errors.js';
import { digestLength } from '../../protocols/psi/index.js';
import type { RunAccept, RunFrame, RunProgress } from '../wire/messages.js';
import { acceptReceipt, makeReceipt } from './receipts.js';
import type { JobHooks, SessionEnv } from './env.js';
import { expectFrame, requireField } from './frames.js';
import type { Link } from './link.js';
import { runCancelRequested } from './runs.js';
import type { Transcript } from './transcript.js';

/**
 * The fields of a responder's run.failed / run.refused entry that quote the querier: the
 * agreement id it sent, and our error message about what it sent (audit/outsider-fields.ts).
 */
export const RESPONDER_OUTSIDER_FIELDS = ['subject', 'agreementId', 'reason'] as const;

/** Sends a frame after adding it to the transcript as `sender`'s. */
export function transcribedSend(link: Link, transcript: Transcript, sender: 'querier' | 'responder'): (frame: RunFrame) => Promise<void> {
  return async (frame) => {
    transcript.add(sender, frame);
    await link.send(frame);
  };
}

/** While we compute without sending, tell the peer we are alive (at most once a second). */
export function heartbeat(link: Link, limits: SessionEnv['limits']): (phase: string, done: number, total: number) => Promise<void> {
  let lastBeat = Date.now();
  return async (phase, done, total) => {
    if (Date.now() - lastBeat < Math.min(1000, limits.peerTimeoutMs / 5)) return;
    lastBeat = Date.now();
    await link.send({ frame: 'progress', progress: { phase, done, total } });
  };
}

/** The responder stops when its own operator cancelled the run (`mofang runs cancel`). */
export function responderCancelCheck(env: SessionEnv, runId: string): () => void {
  return () => {
    if (runCancelRequested(env.db, runId)) throw new MofangError('JOB_CANCELLED', `cancelled by ${env.identity.name}'s operator`);
  };
}

/** The querier stops when its job was cancelled. */
export function querierCancelCheck(job: JobHooks | undefined): () => void {
  return () => {
    const reason = job?.cancelled();
    if (reason) throw new MofangError('JOB_CANCELLED', `cancelled on this node: ${reason}`);
  };
}

/** The responder's clock may sit across an epoch boundary from ours: one epoch either way. */
function checkKeyEpoch(announced: number, expected: number): void {
  requireField(
    expected === 0 ? announced === 0 : Number.isInteger(announced) && announced >= 1 && Math.abs(announced - expected) <= 1,
    'accept.keyEpoch',
    expected === 0 ? 'must be 0: this query needs a key of its own' : `must be within one of epoch ${expected}`,
  );
}

/**
 * The querier reads the responder's accept: its set size, the digest length both derive from the
 * two sizes, and its key epoch; returns the size and the digest length.
 */
export async function receiveAccept(
  link: Link,
  env: SessionEnv,
  transcript: Transcript,
  o: { sent: number; minSetSize: number; expectedEpoch: number; onProgress?: (p: RunProgress) => void },
): Promise<{ accept: RunAccept; m: number; length: number }> {
  const accept = await expectFrame(link, 'accept', env.peer.name, o.onProgress);
  transcript.add('responder', { frame: 'accept', accept });
  const m = accept.senderSetSize;
  requireField(
    Number.isSafeInteger(m) && m >= o.minSetSize && m <= env.limits.maxSetSize,
    'accept.senderSetSize',
    `must be an integer from ${o.minSetSize} to ${env.limits.maxSetSize}`,
  );
  const length = digestLength(o.sent, m);
  requireField(accept.digestLength === length, 'accept.digestLength', `must be ${length} bytes for sets of ${o.sent} and ${m}`);
  checkKeyEpoch(accept.keyEpoch, o.expectedEpoch);
  return { accept, m, length };
}

/** The responder's end of a run: its receipt, then the querier's, verified and stored. */
export async function responderReceipts(link: Link, env: SessionEnv, runId: string, transcriptHash: string): Promise<void> {
  await link.send({ frame: 'receipt', receipt: makeReceipt(env.identity, env.audit, runId, transcriptHash) });
  const peerReceipt = await expectFrame(link, 'receipt', env.peer.name);
  acceptReceipt(env.db, env.audit, env.peer, { runId, transcriptHash }, peerReceipt);
}
