/**
 * A PSI query's progress as the querier's job reports it, so the bar rises steadily through the
 * whole exchange instead of sitting at 0 % while the responder works. After the responder's
 * accept, one total covers every step the query waits for, in records:
 *
 *   blinded and sent (n) + evaluated by the responder (n) + unblinded here (n) + responder digests received (m)
 *
 * Before the accept the responder computes its own evaluated set (unless cached), and for overlap
 * it evaluates every blinded point before sending any back: both are only visible through its
 * `progress` frames. Those are the peer's claims, used for display only, and only as numbers:
 * clamped to what we know (never beyond our n), phase names never taken from the peer.
 */
import type { RunProgress } from '../wire/messages.js';
import type { JobHooks } from './env.js';

export interface PsiProgress {
  /** A progress frame from the responder. */
  peer(p: RunProgress): void;
  /** The responder accepted and announced its set size. */
  accepted(m: number): void;
  blinded(count: number): void;
  unblinded(count: number): void;
  digests(count: number): void;
}

/** @example const progress = psiProgress(req.job, n); progress.accepted(m); progress.blinded(4096); */
export function psiProgress(job: JobHooks | undefined, n: number): PsiProgress {
  let m = -1;
  let blinded = 0;
  let peerEvaluated = 0;
  let unblinded = 0;
  let digests = 0;
  const report = (phase: string) => {
    // A point we unblinded was evaluated by the responder, whatever its progress frames said.
    const evaluated = Math.max(peerEvaluated, unblinded);
    job?.progress(phase, blinded + evaluated + unblinded + digests, 3 * n + m);
  };
  return {
    peer(p) {
      if (!job || !validCounts(p)) return;
      if (m < 0) {
        // Before the accept: the responder evaluating its own set; its own total, not ours.
        job.progress('partner-preparing', p.done, p.total);
      } else if (p.total === n) {
        peerEvaluated = Math.min(p.done, n, blinded);
        report('exchange');
      }
    },
    accepted(size) {
      m = size;
      report('exchange');
    },
    blinded(count) {
      blinded += count;
      report('exchange');
    },
    unblinded(count) {
      unblinded += count;
      report('exchange');
    },
    digests(count) {
      digests += count;
      report('matching');
    },
  };
}

function validCounts(p: RunProgress): boolean {
  return Number.isSafeInteger(p?.done) && Number.isSafeInteger(p?.total) && p.done >= 0 && p.total > 0 && p.done <= p.total;
}
