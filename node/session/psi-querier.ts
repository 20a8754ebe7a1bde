/**
 * The querier's side of a joint PSI query (overlap or enrich): it is the PSI receiver and the
 * party that learns the result. Flow and what each side learns: docs/protocol-psi.md.
 */
import { randomUUID } from 'node:crypto';
import {
  LABEL_TAG_BYTES, createAsyncReceiver, decodeLabel, decryptLabels, digests, labelContext, labelLength, matchCount, matchPairs,
  type LabelColumn, type MatchPairs,
} from '../../protocols/psi/index.js';
import { labelAttribute, oprfKeyEpochForRun } from '../agreements/model.js';
import { checkDailyQueryLimit, checkLabelsAllowed, checkQueryAllowed, checkResultReleasable } from '../agreements/policy.js';
import { getAgreement } from '../agreements/store.js';
import { writeJointAttribute } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import type { RunView } from '../api/services.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import { batches, digestContext, labelRunContext, POINT_BYTES, type JobHooks, type SessionEnv } from './env.js';
import { wireEpoch } from './sender-cache.js';
import type { Link } from './link.js';
import { ownSet } from './own-set.js';
import { acceptReceipt, makeReceipt } from './receipts.js';
import { finishRun, getRun, insertRun, runsInLastDay } from './runs.js';
import { Transcript } from './transcript.js';
import { querierCancelCheck, receiveAccept, transcribedSend } from './run-io.js';

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
  checkDailyQueryLimit(agreement, runsInLastDay(env.db, agreement.id, now));
  const columns = req.operation === 'enrich' ? checkLabelsAllowed(agreement, req.labels ?? (terms.labels ?? []).map((l) => l.column)) : [];
  const expectedEpoch = wireEpoch(oprfKeyEpochForRun(terms, req.operation, agreement.localParty, now));
  const own = ownSet(env.db, env.group, dataset);
  const n = own.rows.length;
  if (n < terms.minIntersection) {
    throw new MofangError('INPUT_BELOW_MINIMUM', `dataset ${dataset} has fewer records than the agreement's minimum of ${terms.minIntersection}`);
  }
  const maxBatch = env.limits.maxBatch;
  const runId = randomUUID();
  insertRun(env.db, { id: runId, jobId: req.job?.jobId, agreementId: agreement.id, operation: req.operation, role: 'querier', peerNodeId: env.peer.nodeId, dataset, localSize: n });
  env.audit.append({ actor: req.actor, action: 'run.started', subject: runId, details: { agreementId: agreement.id, operation: req.operation, role: 'querier', peer: env.peer.nodeId, dataset, localSize: n, jobId: req.job?.jobId ?? null } });

  const transcript = new Transcript();
  const send = transcribedSend(link, transcript, 'querier');
  const checkCancelled = querierCancelCheck(req.job);
  let peerSize: number | null = null;
  try {
    await send({ frame: 'start', start: { runId, agreementId: agreement.id, operation: req.operation, receiverSetSize: n, suite: env.group.suite, maxBatch, labelColumns: columns.map((c) => c.column) } });
    const { accept, m, length } = await receiveAccept(link, env, transcript, { sent: n, minSetSize: 0, expectedEpoch });
    peerSize = m;
    const total = n + m;
    req.job?.progress('exchange', 0, total);

    const receiver = createAsyncReceiver({ group: env.group, multiply: env.multiply });
    const fx = new Uint8Array(n * POINT_BYTES);
    const sendBlinded = async () => {
      for (const b of batches(own.points, POINT_BYTES, maxBatch)) {
        checkCancelled();
        await send({ frame: 'blinded', blinded: { index: b.index, points: Buffer.from(await receiver.blind(b.bytes)) } });
      }
    };
    const receiveEvaluated = async () => {
      for (let offset = 0, index = 0; offset < fx.length; index++) {
        const batch = await expectFrame(link, 'evaluated', env.peer.name);
        transcript.add('responder', { frame: 'evaluated', evaluated: batch });
        requireField(batch.index === index, 'evaluated.index', `must be ${index}`);
        requireField(batch.points.length > 0 && batch.points.length % POINT_BYTES === 0 && batch.points.length <= maxBatch * POINT_BYTES, 'evaluated.points', `must hold 1 to ${maxBatch} points of ${POINT_BYTES} bytes`);
        requireField(offset + batch.points.length <= fx.length, 'evaluated.points', `more points than the ${n} sent`);
        fx.set(await receiver.finalize(batch.points), offset);
        offset += batch.points.length;
        req.job?.progress('exchange', offset / POINT_BYTES, total);
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
      const batch = await expectFrame(link, 'senderDigests', env.peer.name);
      transcript.add('responder', { frame: 'senderDigests', senderDigests: batch });
      requireField(batch.index === index, 'senderDigests.index', `must be ${index}`);
      requireField(batch.digests.length % length === 0 && batch.digests.length <= maxBatch * length, 'senderDigests.digests', `must hold at most ${maxBatch} digests of ${length} bytes`);
      requireField(offset + batch.digests.length <= senderDigests.length, 'senderDigests.digests', `more digests than the announced ${m}`);
      requireField(batch.labels.length === (batch.digests.length / length) * sealedLength, 'senderDigests.labels', `must hold one sealed label of ${sealedLength} bytes per digest`);
      senderDigests.set(batch.digests, offset);
      sealed.set(batch.labels, (offset / length) * sealedLength);
      offset += batch.digests.length;
      last = batch.last;
      if (last) requireField(offset === senderDigests.length, 'senderDigests.last', `only ${offset / length} of ${m} digests arrived`);
      req.job?.progress('matching', n + offset / length, total);
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
      try {
        storeMatches(env, { dataset, rows: Array.from(pairs.receiverIndices, (i) => own.rows[i]), attribute: attribute!, agreement, runId, columns, fx, pairs, sealed });
      } catch (err) {
        // Labels that do not open mean a broken or cheating partner. We fail here, but finish the
        // run normally with the partner: an abort now would tell it which of its labels (and so
        // which of its records) matched ours.
        withheld = new MofangError('PEER_MESSAGE_INVALID', `sealed labels from ${env.peer.name} do not open: ${asMofangError(err).message}; nothing was stored`);
      }
    }
    const peerReceipt = await expectFrame(link, 'receipt', env.peer.name);
    acceptReceipt(env.db, env.audit, env.peer, { runId, transcriptHash }, peerReceipt);
    finishRun(env.db, runId, {
      status: withheld ? 'failed' : 'succeeded', peerSize, resultCount: withheld ? null : count,
      attribute: withheld ? null : attribute, transcriptHash, errorCode: withheld?.code, errorMessage: withheld?.message, stats: link.stats,
    });
    env.audit.append({
      actor: req.actor, action: withheld ? 'run.withheld' : 'run.completed', subject: runId,
      details: { agreementId: agreement.id, operation: req.operation, role: 'querier', released: !withheld, resultCount: withheld ? null : count, attribute: withheld ? null : attribute, labels: columns.map((c) => c.column), keyEpoch: accept.keyEpoch, transcriptHash, ...link.stats },
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
      env.audit.append({ actor: req.actor, action: e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed', subject: runId, details: { agreementId: agreement.id, operation: req.operation, role: 'querier', code: e.code, reason: e.message, ...link.stats }, outsider: ['reason'] });
    }
    throw e;
  }
}

/**
 * Marks the matched records and stores their labels, all or nothing. Labels are opened only
 * after `finish` was sent (docs/protocol-psi.md, Labels).
 */
function storeMatches(
  env: SessionEnv,
  o: {
    dataset: string; rows: number[]; attribute: string; agreement: ReturnType<typeof getAgreement>; runId: string;
    columns: LabelColumn[]; fx: Uint8Array; pairs: MatchPairs; sealed: Uint8Array;
  },
): void {
  const width = o.columns.length > 0 ? labelLength(o.columns) : 0;
  const labels = o.columns.length > 0
    ? decryptLabels(o.fx, o.pairs, o.sealed, width, labelContext(labelRunContext(o.agreement.id, o.runId), o.columns))
    : null;
  const decoded = labels ? o.rows.map((_, i) => decodeLabel(o.columns, labels.subarray(i * width, (i + 1) * width))) : [];
  env.db.transaction(() => {
    const base = { dataset: o.dataset, rows: o.rows, agreementId: o.agreement.id, runId: o.runId };
    writeJointAttribute(env.db, { ...base, name: o.attribute, value: 'true' });
    o.columns.forEach((column, c) => {
      writeJointAttribute(env.db, { ...base, name: labelAttribute(o.agreement.terms, column.column), value: decoded.map((d) => JSON.stringify(d[c])) });
    });
  })();
}
