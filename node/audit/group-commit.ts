/**
 * Group commit for audit entries: entries appended in the same turn of the event loop — the
 * batches of one event-store transaction, which all finish together — are written in one SQLite
 * transaction. Each caller's promise settles only after the transaction holding its entry
 * committed, so a caller that acknowledges after it still never acknowledges an unaudited action.
 * One commit, one anchor check and one head-file write then serve the whole group: appended one by
 * one, they cost about 12.5 ms each (docs/benchmarks.md, "Event ingestion").
 */
import type { AppendInput } from './log.js';

/**
 * @example
 * const audited = auditGroupCommit(audit);
 * await audited({ actor: 'token:web', action: 'events.ingested', details: counts }); // then answer
 */
export function auditGroupCommit(audit: { appendAll(inputs: readonly AppendInput[]): unknown }): (input: AppendInput) => Promise<void> {
  let queued: { input: AppendInput; done: () => void; fail: (err: unknown) => void }[] = [];
  const flush = () => {
    const group = queued;
    queued = [];
    try {
      audit.appendAll(group.map((q) => q.input));
    } catch (err) {
      for (const q of group) q.fail(err);
      return;
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
