/**
 * Group commit for audit entries: entries appended in the same turn of the event loop — the
 * batches of one event-store transaction, which all finish together — are written in one SQLite
 * transaction. Each caller's promise settles only after the transaction holding its entry
 * committed, so a caller that acknowledges after it still never acknowledges an unaudited action.
 * One commit and one anchor check then serve the whole group: appended one by one, they cost
 * about 12.5 ms each (docs/benchmarks.md, "Event ingestion"). The head anchor (a file written with
 * two fsyncs) follows at most `anchorEveryMs` later instead of after every group: a lagging anchor
 * is one verification accepts (docs/audit.md), and writing it per group took 14 % of the event
 * loop at a few hundred groups a second.
 */
import type { AppendInput } from './log.js';

/**
 * @example
 * const audited = auditGroupCommit(audit);
 * await audited({ actor: 'token:web', action: 'events.ingested', details: counts }); // then answer
 */
export function auditGroupCommit(
  audit: { appendAll(inputs: readonly AppendInput[], options: { deferAnchor: boolean }): unknown; flushHead(): unknown },
  anchorEveryMs = 1000,
): (input: AppendInput) => Promise<void> {
  let queued: { input: AppendInput; done: () => void; fail: (err: unknown) => void }[] = [];
  let anchorDue = false;
  const anchor = () => {
    anchorDue = false;
    try {
      audit.flushHead();
    } catch {
      // A contradicting anchor (AUDIT_TAMPERED) is left as evidence; the next append refuses on it.
    }
  };
  const flush = () => {
    const group = queued;
    queued = [];
    try {
      audit.appendAll(
        group.map((q) => q.input),
        { deferAnchor: true },
      );
    } catch (err) {
      for (const q of group) q.fail(err);
      return;
    }
    if (!anchorDue) {
      anchorDue = true;
      setTimeout(anchor, anchorEveryMs).unref();
    }
    for (const q of group) q.done();
  };
  return (input) =>
    new Promise<void>((done, fail) => {
      queued.push({ input, done, fail });
      // After every promise reaction of this turn, so batches that finished together share it.
      if (queued.length === 1) setImmediate(flush);
    });
}
