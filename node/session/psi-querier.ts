/**
 * The querier's side of a joint PSI query (overlap or enrich): it is the PSI receiver and the
 * party that learns the result. Flow and what each side learns: docs/protocol-psi.md.
 */
import { randomUUID } from 'node:crypto';
import {
  LABEL_TAG_BYTES,
  createAsyncReceiver,
  decodeLabel,
  decryptLabels,
  digests,
  labelContext,
  labelLength,
  matchCount,
  matchPairs,
  type LabelColumn,
  type LabelValue,
  type MatchPairs,
} from '../../protocols/psi/index.js';
import { labelAttribute, oprfKeyEpochForRun } from '../agreements/model.js';
import { checkLabelsAllowed, checkQueryAllowed, checkResultReleasable } from '../agreements/policy.js';
import { getAgreement } from '../agreements/store.js';
import { writeJointAttribute } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import type { RunView } from './runs.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import { batches, digestContext, labelRunContext, POINT_BYTES, type JobHooks, type SessionEnv } from './env.js';
import { wireEpoch } from './sender-cache.js';
import type { Link } from './link.js';
import { ownSet } from './own-set.js';
import { acceptReceipt, makeReceipt } from './receipts.js';
import { checkRunRateLimits, finishRun, getRun, insertRun } from './runs.js';
import { Transcript } from './transcript.js';
import { querierCancelCheck, receiveAccept, transcribedSend } from './run-io.js';
import { psiProgress } from './psi-progress.js';

export interface QueryRequest {
  agreementId: string;
  operation: 'overlap' | 'enrich';
  actor: string;
  /** Enrich: the agreed label columns to receive; all of them when omitted. */
  labels?: string[];
  job?: JobHooks;
}

export async function runQuerier(env: SessionEnv, link: Link, req: QueryRequest): Promise<RunView> {
  const now = env.now?.() ?? new Date();
  const agreement = getAgreement(env.db, req.agreementId);
  const terms = agreement.terms;
  const dataset = terms.parties[agreement.localParty].dataset;
  checkQueryAllowed(agreement, { operation: req.operation, localRole: 'querier', peerNodeId: env.peer.nodeId, localDataset: dataset, now });
  checkRunRateLimits(env.db, agreement, env.limits, now);
  const columns = req.operation === 'enrich' ? checkLabelsAllowed(agreement, req.labels ?? (terms.labels ?? []).map((l) => l.column)) : [];
  const expectedEpoch = wireEpoch(oprfKeyEpochForRun(terms, req.operation, agreement.localParty, now));
  const own = ownSet(env.db, env.group, dataset);
  const n = own.rows.length;
  if (n < terms.minIntersection) {
    throw new MofangError('INPUT_BELOW_MINIMUM', `dataset ${dataset} has fewer records than the agreement's minimum of ${terms.minIntersection}`);
  }
  const maxBatch = env.limits.maxBatch;
  const runId = randomUUID();
  insertRun(env.db, {
    id: runId,
    jobId: req.job?.jobId,
    agreementId: agreement.id,
    operation: req.operation,
    role: 'querier',
    peerNodeId: env.peer.nodeId,
    dataset,
    localSize: n,
    startedAt: now,
  });
  env.audit.append({
    actor: req.actor,
    action: 'run.started',
    subject: runId,
    details: {
      agreementId: agreement.id,
      operation: req.operation,
      role: 'querier',
      peer: env.peer.nodeId,
      dataset,
      localSize: n,
      jobId: req.job?.jobId ?? null,
    },
  });

  const transcript = new Transcript();
  const send = transcribedSend(link, transcript, 'querier');
  const checkCancelled = querierCancelCheck(req.job);
  const progress = psiProgress(req.job, n);
  let peerSize: number | null = null;
  try {
    await send({
      frame: 'start',
      start: {
        runId,
        agreementId: agreement.id,
        operation: req.operation,
        receiverSetSize: n,
        suite: env.group.suite,
        maxBatch,
        labelColumns: columns.map((c) => c.column),
      },
    });
    const { accept, m, length } = await receiveAccept(link, env, transcript, { sent: n, minSetSize: 0, expectedEpoch, onProgress: progress.peer });
    peerSize = m;
    progress.accepted(m);

    const receiver = createAsyncReceiver({ group: env.group, multiply: env.multiply });
    const fx = new Uint8Array(n * POINT_BYTES);
    const sendBlinded = async () => {
      for (const b of batches(own.points, POINT_BYTES, maxBatch)) {
        checkCancelled();
        await send({ frame: 'blinded', blinded: { index: b.index, points: Buffer.from(await receiver.blind(b.bytes)) } });
        progress.blinded(b.bytes.length / POINT_BYTES);
      }
    };
    const receiveEvaluated = async () => {
      for (let offset = 0, index = 0; offset < fx.length; index++) {
        const batch = await expectFrame(link, 'evaluated', env.peer.name, progress.peer);
        transcript.add('responder', { frame: 'evaluated', evaluated: batch });
        requireField(batch.index === index, 'evaluated.index', `must be ${index}`);
        requireField(
          batch.points.length > 0 && batch.points.length % POINT_BYTES === 0 && batch.points.length <= maxBatch * POINT_BYTES,
          'evaluated.points',
          `must hold 1 to ${maxBatch} points of ${POINT_BYTES} bytes`,
        );
        requireField(offset + batch.points.length <= fx.length, 'evaluated.points', `more points than the ${n} sent`);
        fx.set(await receiver.finalize(batch.points), offset);
        offset += batch.points.length;
        progress.unblinded(batch.points.length / POINT_BYTES);
      }
    };
    // Send and receive concurrently: the responder answers enrich batches as they arrive, and
    // flow control would stall both sides if we only read after sending everything.
    await Promise.all([sendBlinded(), receiveEvaluated()]);

    const senderDigests = new Uint8Array(m * length);
    const sealedLength = columns.length > 0 ? labelLength(columns) + LABEL_TAG_BYTES : 0;
    const sealed = new Uint8Array(m * sealedLength);
    for (let offset = 0, index = 0, last = false; !last; index++) {
      checkCancelled();
      const batch = await expectFrame(link, 'senderDigests', env.peer.name, progress.peer);
      transcript.add('responder', { frame: 'senderDigests', senderDigests: batch });
      requireField(batch.index === index, 'senderDigests.index', `must be ${index}`);
      requireField(
        batch.digests.length % length === 0 && batch.digests.length <= maxBatch * length,
        'senderDigests.digests',
        `must hold at most ${maxBatch} digests of ${length} bytes`,
      );
      requireField(offset + batch.digests.length <= senderDigests.length, 'senderDigests.digests', `more digests than the announced ${m}`);
      requireField(
        batch.labels.length === (batch.digests.length / length) * sealedLength,
        'senderDigests.labels',
        `must hold one sealed label of ${sealedLength} bytes per digest`,
      );
      senderDigests.set(batch.digests, offset);
      sealed.set(batch.labels, (offset / length) * sealedLength);
      offset += batch.digests.length;
      last = batch.last;
      if (last) requireField(offset === senderDigests.length, 'senderDigests.last', `only ${offset / length} of ${m} digests arrived`);
      progress.digests(batch.digests.length / length);
    }

    const mine = digests(fx, digestContext(agreement.id, accept.keyEpoch, runId), length);
    const pairs = req.operation === 'enrich' ? matchPairs(mine, senderDigests, length) : null;
    const count = pairs ? pairs.receiverIndices.length : matchCount(mine, senderDigests, length);
    let withheld: MofangError | null = null;
    try {
      checkResultReleasable(agreement, count);
    } catch (err) {
      withheld = asMofangError(err);
    }
    checkCancelled();
    const responderReceives = req.operation === 'overlap' && terms.outputs.overlap.includes(agreement.localParty === 'proposer' ? 'acceptor' : 'proposer');
    const transcriptHash = transcript.digest();
    await link.send({ frame: 'finish', finish: { released: !withheld, count: responderReceives && !withheld ? count : 0, transcriptHash } });

    const attribute = req.operation === 'enrich' ? terms.enrichAttribute! : null;
    if (pairs && !withheld) {
      let labels: LabelValue[][] = [];
      try {
        labels = openLabels({ agreement, runId, columns, fx, pairs, sealed });
      } catch (err) {
        // Labels that do not open mean a broken or cheating partner. We fail here, but finish the
        // run normally with the partner: an abort now would tell it which of its labels (and so
        // which of its records) matched ours.
        withheld = new MofangError(
          'PEER_MESSAGE_INVALID',
          `sealed labels from ${env.peer.name} do not open: ${asMofangError(err).message}; nothing was stored`,
        );
      }
      if (!withheld) {
        try {
          storeEnrichResult(env, { dataset, own, matched: pairs.receiverIndices, attribute: attribute!, agreement, runId, columns, labels });
        } catch (err) {
          // E.g. a re-import during the run: finish with the partner all the same, store nothing.
          withheld = asMofangError(err);
        }
      }
    }
    const peerReceipt = await expectFrame(link, 'receipt', env.peer.name);
    acceptReceipt(env.db, env.audit, env.peer, { runId, transcriptHash }, peerReceipt);
    finishRun(env.db, runId, {
      status: withheld ? 'failed' : 'succeeded',
      peerSize,
      resultCount: withheld ? null : count,
      attribute: withheld ? null : attribute,
      transcriptHash,
      errorCode: withheld?.code,
      errorMessage: withheld?.message,
      stats: link.stats,
    });
    env.audit.append({
      actor: req.actor,
      action: withheld ? 'run.withheld' : 'run.completed',
      subject: runId,
      details: {
        agreementId: agreement.id,
        operation: req.operation,
        role: 'querier',
        released: !withheld,
        resultCount: withheld ? null : count,
        attribute: withheld ? null : attribute,
        labels: columns.map((c) => c.column),
        keyEpoch: accept.keyEpoch,
        transcriptHash,
        ...link.stats,
      },
    });
    await link.send({ frame: 'receipt', receipt: makeReceipt(env.identity, env.audit, runId, transcriptHash) });
    link.end();
    await link.closed();
    if (withheld) throw withheld;
    return getRun(env.db, runId);
  } catch (err) {
    const e = asMofangError(err);
    if (getRun(env.db, runId).status === 'running') {
      await sendAbort(link, e);
      link.end();
      // Let the abort reach the peer before the caller closes the channel.
      await link.closed();
      finishRun(env.db, runId, { status: 'failed', peerSize, errorCode: e.code, errorMessage: e.message, stats: link.stats });
      env.audit.append({
        actor: req.actor,
        action: e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed',
        subject: runId,
        details: { agreementId: agreement.id, operation: req.operation, role: 'querier', code: e.code, reason: e.message, ...link.stats },
        outsider: ['reason'],
      });
    }
    throw e;
  }
}

/** The matched records' labels, opened only after `finish` was sent (docs/protocol-psi.md, Labels). */
function openLabels(o: {
  agreement: ReturnType<typeof getAgreement>;
  runId: string;
  columns: LabelColumn[];
  fx: Uint8Array;
  pairs: MatchPairs;
  sealed: Uint8Array;
}): LabelValue[][] {
  if (o.columns.length === 0) return [];
  const width = labelLength(o.columns);
  const labels = decryptLabels(o.fx, o.pairs, o.sealed, width, labelContext(labelRunContext(o.agreement.id, o.runId), o.columns));
  return Array.from(o.pairs.receiverIndices, (_, i) => decodeLabel(o.columns, labels.subarray(i * width, (i + 1) * width)));
}

/**
 * Writes the enrich result, all or nothing: the membership attribute on every record of the input
 * set — `true` if matched, `false` if not, so "not a partner customer" is a value a segment or a
 * tree can use — and the labels of the matched records. Records the run did not see (a later
 * re-import's new customers) get no value: unknown, not false.
 */
function storeEnrichResult(
  env: SessionEnv,
  o: {
    dataset: string;
    own: { rows: Uint32Array; generation: number };
    matched: ArrayLike<number>;
    attribute: string;
    agreement: ReturnType<typeof getAgreement>;
    runId: string;
    columns: LabelColumn[];
    labels: LabelValue[][];
  },
): void {
  const isMatched = new Uint8Array(o.own.rows.length);
  for (let k = 0; k < o.matched.length; k++) isMatched[o.matched[k]] = 1;
  const matchedRows = Array.from(o.matched, (i) => o.own.rows[i]);
  env.db.transaction(() => {
    const base = { dataset: o.dataset, generation: o.own.generation, agreementId: o.agreement.id, runId: o.runId };
    writeJointAttribute(env.db, { ...base, rows: o.own.rows, name: o.attribute, value: Array.from(isMatched, (m) => (m ? 'true' : 'false')) });
    o.columns.forEach((column, c) => {
      writeJointAttribute(env.db, {
        ...base,
        rows: matchedRows,
        name: labelAttribute(o.agreement.terms, column.column),
        value: o.labels.map((d) => JSON.stringify(d[c])),
      });
    });
  })();
}
