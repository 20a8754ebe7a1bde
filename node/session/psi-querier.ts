/**
 * The querier's side of a joint PSI query (overlap or enrich): it is the PSI receiver and the
 * party that learns the result. Flow and what each side learns: docs/protocol-psi.md.
 */
import { randomUUID } from 'node:crypto';
import { createAsyncReceiver, digestLength, digests, matchCount, matchMembership } from '../../protocols/psi/index.js';
import { checkDailyQueryLimit, checkQueryAllowed, checkResultReleasable } from '../agreements/policy.js';
import { getAgreement } from '../agreements/store.js';
import { writeJointAttribute } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import type { RunView } from '../api/services.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import { batches, digestContext, POINT_BYTES, type JobHooks, type SessionEnv } from './env.js';
import type { Link } from './link.js';
import { ownSet } from './own-set.js';
import { acceptReceipt, makeReceipt } from './receipts.js';
import { finishRun, getRun, insertRun, runsInLastDay } from './runs.js';
import { Transcript } from './transcript.js';

export interface QueryRequest {
  agreementId: string;
  operation: 'overlap' | 'enrich';
  actor: string;
  job?: JobHooks;
}

export async function runQuerier(env: SessionEnv, link: Link, req: QueryRequest): Promise<RunView> {
  const now = env.now?.() ?? new Date();
  const agreement = getAgreement(env.db, req.agreementId);
  const terms = agreement.terms;
  const dataset = terms.parties[agreement.localParty].dataset;
  checkQueryAllowed(agreement, { operation: req.operation, localRole: 'querier', peerNodeId: env.peer.nodeId, localDataset: dataset, now });
  checkDailyQueryLimit(agreement, runsInLastDay(env.db, agreement.id, now));
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
  const send = async (frame: Parameters<Link['send']>[0]) => {
    transcript.add('querier', frame);
    await link.send(frame);
  };
  const checkCancelled = () => {
    const reason = req.job?.cancelled();
    if (reason) throw new MofangError('JOB_CANCELLED', `cancelled on this node: ${reason}`);
  };
  let peerSize: number | null = null;
  try {
    await send({ frame: 'start', start: { runId, agreementId: agreement.id, operation: req.operation, receiverSetSize: n, suite: env.group.suite, maxBatch } });
    const accept = await expectFrame(link, 'accept', env.peer.name);
    transcript.add('responder', { frame: 'accept', accept });
    const m = accept.senderSetSize;
    requireField(Number.isSafeInteger(m) && m >= 0 && m <= env.limits.maxSetSize, 'accept.senderSetSize', `must be an integer from 0 to ${env.limits.maxSetSize}`);
    peerSize = m;
    const length = digestLength(n, m);
    requireField(accept.digestLength === length, 'accept.digestLength', `must be ${length} bytes for sets of ${n} and ${m}`);
    requireField(Number.isInteger(accept.keyEpoch) && accept.keyEpoch >= 0, 'accept.keyEpoch', 'must be a non-negative integer');
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
    for (let offset = 0, index = 0, last = false; !last; index++) {
      checkCancelled();
      const batch = await expectFrame(link, 'senderDigests', env.peer.name);
      transcript.add('responder', { frame: 'senderDigests', senderDigests: batch });
      requireField(batch.index === index, 'senderDigests.index', `must be ${index}`);
      requireField(batch.digests.length % length === 0 && batch.digests.length <= maxBatch * length, 'senderDigests.digests', `must hold at most ${maxBatch} digests of ${length} bytes`);
      requireField(offset + batch.digests.length <= senderDigests.length, 'senderDigests.digests', `more digests than the announced ${m}`);
      senderDigests.set(batch.digests, offset);
      offset += batch.digests.length;
      last = batch.last;
      if (last) requireField(offset === senderDigests.length, 'senderDigests.last', `only ${offset / length} of ${m} digests arrived`);
      req.job?.progress('matching', n + offset / length, total);
    }

    const mine = digests(fx, digestContext(agreement.id, accept.keyEpoch), length);
    const matched = req.operation === 'enrich' ? matchMembership(mine, senderDigests, length) : null;
    const count = matched ? matched.length : matchCount(mine, senderDigests, length);
    let withheld: MofangError | null = null;
    try {
      checkResultReleasable(agreement, count);
    } catch (err) {
      withheld = asMofangError(err);
    }
    const responderReceives = req.operation === 'overlap' && terms.outputs.overlap.includes(agreement.localParty === 'proposer' ? 'acceptor' : 'proposer');
    const transcriptHash = transcript.digest();
    await link.send({ frame: 'finish', finish: { released: !withheld, count: responderReceives && !withheld ? count : 0, transcriptHash } });

    const attribute = req.operation === 'enrich' ? terms.enrichAttribute! : null;
    if (matched && !withheld) {
      writeJointAttribute(env.db, { dataset, rows: Array.from(matched, (i) => own.rows[i]), name: attribute!, value: 'true', agreementId: agreement.id, runId });
    }
    const peerReceipt = await expectFrame(link, 'receipt', env.peer.name);
    acceptReceipt(env.db, env.audit, env.peer, { runId, transcriptHash }, peerReceipt);
    finishRun(env.db, runId, {
      status: withheld ? 'failed' : 'succeeded', peerSize, resultCount: withheld ? null : count,
      attribute: withheld ? null : attribute, transcriptHash, errorCode: withheld?.code, errorMessage: withheld?.message, stats: link.stats,
    });
    env.audit.append({
      actor: req.actor, action: withheld ? 'run.withheld' : 'run.completed', subject: runId,
      details: { agreementId: agreement.id, operation: req.operation, role: 'querier', released: !withheld, resultCount: withheld ? null : count, attribute: withheld ? null : attribute, keyEpoch: accept.keyEpoch, transcriptHash, ...link.stats },
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
      env.audit.append({ actor: req.actor, action: e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed', subject: runId, details: { agreementId: agreement.id, operation: req.operation, role: 'querier', code: e.code, reason: e.message, ...link.stats } });
    }
    throw e;
  }
}
