/**
 * The responder's side of a joint PSI query: the PSI sender. It holds the OPRF key, learns the
 * querier's set size and — only if the agreement names it as a receiver of the overlap — the
 * count. With label columns (enrich), it seals each record's agreed labels under a key derived
 * from F(y), so the querier can open exactly the labels of matched records. Every field the
 * querier sends is checked against the agreement and the node's limits before it is used; any
 * violation aborts the run with a catalogued code, never a crash.
 */
import {
  LABEL_TAG_BYTES,
  assertDistinctF,
  createAsyncSender,
  digestLength,
  encodeLabels,
  encryptLabels,
  gather,
  labelContext,
  labelLength,
  shuffle,
  type LabelColumn,
} from '../../protocols/psi/index.js';
import { otherParty, oprfKeyEpochForRun } from '../agreements/model.js';
import { checkLabelColumnsAvailable, checkLabelsAllowed, checkQueryAllowed, checkResultReleasable } from '../agreements/policy.js';
import { getAgreement } from '../agreements/store.js';
import { getDataset } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import { batches, labelRunContext, POINT_BYTES, type SessionEnv } from './env.js';
import { labelValues } from './label-source.js';
import type { Link } from './link.js';
import { ownSetInfo } from './own-set.js';
import { checkRunRateLimits, finishRun, getRun, insertRun } from './runs.js';
import { heartbeat as beat, responderCancelCheck, responderReceipts, RESPONDER_OUTSIDER_FIELDS, transcribedSend } from './run-io.js';
import { wireEpoch } from './sender-cache.js';
import { Transcript } from './transcript.js';
import { runAggregateResponder } from './aggregate-responder.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_LABEL_REQUEST = 32;

export async function runResponder(env: SessionEnv, link: Link): Promise<void> {
  const actor = `peer:${env.peer.name}`;
  let runId: string | null = null;
  let agreementId: string | null = null;
  let operation: 'overlap' | 'enrich' | null = null;
  try {
    const now = env.now?.() ?? new Date();
    const start = await expectFrame(link, 'start', env.peer.name);
    const transcript = new Transcript();
    transcript.add('querier', { frame: 'start', start });
    // Aggregate runs share the stream's opening and closing; the value holder's side is its own module.
    if (start.operation === 'aggregate') return await runAggregateResponder(env, link, start, transcript);
    requireField(UUID.test(start.runId), 'start.runId', 'must be a lower-case UUID');
    requireField(start.operation === 'overlap' || start.operation === 'enrich', 'start.operation', 'must be overlap or enrich');
    requireField(
      Number.isSafeInteger(start.receiverSetSize) && start.receiverSetSize >= 1 && start.receiverSetSize <= env.limits.maxSetSize,
      'start.receiverSetSize',
      `must be an integer from 1 to ${env.limits.maxSetSize}`,
    );
    requireField(start.suite === env.group.suite, 'start.suite', `must be ${env.group.suite}`);
    requireField(Number.isInteger(start.maxBatch) && start.maxBatch >= 1, 'start.maxBatch', 'must be a positive integer');
    requireField(
      Array.isArray(start.labelColumns) && start.labelColumns.length <= MAX_LABEL_REQUEST,
      'start.labelColumns',
      `must list at most ${MAX_LABEL_REQUEST} columns`,
    );
    operation = start.operation as 'overlap' | 'enrich';
    // Peer text until the agreement is found: made safe before it is looked up, echoed or audited.
    agreementId = untrustedText(start.agreementId, 64);

    const agreement = getAgreement(env.db, agreementId);
    const terms = agreement.terms;
    const dataset = terms.parties[agreement.localParty].dataset;
    checkQueryAllowed(agreement, { operation, localRole: 'responder', peerNodeId: env.peer.nodeId, localDataset: dataset, now });
    checkRunRateLimits(env.db, agreement, env.limits, now);
    if (operation !== 'enrich' && start.labelColumns.length > 0) throw new MofangError('OPERATION_NOT_ALLOWED', 'labels are delivered by enrich only');
    const columns: LabelColumn[] = checkLabelsAllowed(agreement, start.labelColumns);
    if (columns.length > 0) checkLabelColumnsAvailable(agreement, getDataset(env.db, dataset).columns);
    const n = start.receiverSetSize;
    if (n < terms.minIntersection) {
      throw new MofangError('INPUT_BELOW_MINIMUM', `the querier's set is smaller than the agreement's minimum of ${terms.minIntersection}`);
    }
    const own = ownSetInfo(env.db, env.group, dataset);
    const m = own.size;
    if (m < terms.minIntersection) {
      throw new MofangError('INPUT_BELOW_MINIMUM', `the responder's dataset is smaller than the agreement's minimum of ${terms.minIntersection}`);
    }
    const maxBatch = Math.min(start.maxBatch, env.limits.maxBatch);
    // A cached epoch key only where the querier may learn membership anyway (docs/protocol-psi.md).
    const keyEpoch = wireEpoch(oprfKeyEpochForRun(terms, operation, otherParty(agreement.localParty), now));
    insertRun(env.db, {
      id: start.runId,
      agreementId: agreement.id,
      operation,
      role: 'responder',
      peerNodeId: env.peer.nodeId,
      dataset,
      localSize: m,
      startedAt: now,
    });
    runId = start.runId;
    env.audit.append({
      actor,
      action: 'run.started',
      subject: runId,
      details: {
        agreementId: agreement.id,
        operation,
        role: 'responder',
        peer: env.peer.nodeId,
        dataset,
        localSize: m,
        peerSize: n,
        keyEpoch,
        labels: columns.map((c) => c.column),
      },
    });

    const send = transcribedSend(link, transcript, 'responder');
    const checkCancelled = responderCancelCheck(env, runId);
    const heartbeat = beat(link, env.limits);
    const length = digestLength(n, m);
    const evaluated = await env.senderCache.evaluatedSet({
      agreementId: agreement.id,
      runId,
      epoch: keyEpoch,
      generation: own.generation,
      size: m,
      points: own.points,
      multiply: env.multiply,
      onProgress: (done, total) => heartbeat('own-set', done, total),
      signal: link.signal,
    });
    await send({ frame: 'accept', accept: { senderSetSize: m, digestLength: length, keyEpoch } });

    const sender = createAsyncSender({ group: env.group, multiply: env.multiply, key: evaluated.key });
    const shuffled = operation === 'overlap' ? new Uint8Array(n * POINT_BYTES) : null;
    for (let received = 0, index = 0; received < n; index++) {
      checkCancelled();
      const batch = await expectFrame(link, 'blinded', env.peer.name);
      transcript.add('querier', { frame: 'blinded', blinded: batch });
      requireField(batch.index === index, 'blinded.index', `must be ${index}`);
      const count = batch.points.length / POINT_BYTES;
      requireField(Number.isInteger(count) && count >= 1 && count <= maxBatch, 'blinded.points', `must hold 1 to ${maxBatch} points of ${POINT_BYTES} bytes`);
      requireField(received + count <= n, 'blinded.points', `more points than the announced ${n}`);
      const answer = await sender.evaluate(batch.points);
      received += count;
      if (shuffled) {
        shuffled.set(answer, (received - count) * POINT_BYTES);
        await heartbeat('evaluating', received, n);
      } else {
        await send({ frame: 'evaluated', evaluated: { index, points: Buffer.from(answer) } });
      }
    }
    if (shuffled) {
      // Overlap: the querier gets its F(x) back in an order it can't link to its records.
      for (const b of batches(shuffle(shuffled, POINT_BYTES), POINT_BYTES, maxBatch)) {
        await send({ frame: 'evaluated', evaluated: { index: b.index, points: b.bytes } });
      }
    }

    const sorted = evaluated.sorted(length);
    let sealed: Uint8Array = new Uint8Array(0);
    const sealedLength = columns.length > 0 ? labelLength(columns) + LABEL_TAG_BYTES : 0;
    if (columns.length > 0) {
      // One key per label: F(y) must be distinct (it is, unless the dataset has duplicate points).
      assertDistinctF(evaluated.fy);
      const plain = encodeLabels(columns, labelValues(env.db, dataset, own.generation, columns));
      const context = labelContext(labelRunContext(agreement.id, runId), columns);
      sealed = gather(encryptLabels(evaluated.fy, plain, labelLength(columns), context), sealedLength, sorted.order);
    }
    const digestBatches = [...batches(sorted.digests, length, maxBatch)];
    const labelBatches = sealedLength > 0 ? [...batches(sealed, sealedLength, maxBatch)] : [];
    if (digestBatches.length === 0) digestBatches.push({ index: 0, bytes: Buffer.alloc(0) });
    for (const b of digestBatches) {
      checkCancelled();
      await send({
        frame: 'senderDigests',
        senderDigests: {
          index: b.index,
          digests: b.bytes,
          last: b.index === digestBatches.length - 1,
          labels: labelBatches[b.index]?.bytes ?? Buffer.alloc(0),
        },
      });
    }

    const finish = await expectFrame(link, 'finish', env.peer.name);
    // A cancellation that arrived while we waited still wins over completing the run.
    checkCancelled();
    const transcriptHash = transcript.digest();
    requireField(finish.transcriptHash === transcriptHash, 'finish.transcriptHash', 'does not match the transcript this node saw');
    const weReceive = operation === 'overlap' && terms.outputs.overlap.includes(agreement.localParty);
    let resultCount: number | null = null;
    let withheld: MofangError | null = null;
    if (!finish.released) {
      withheld = new MofangError('RESULT_BELOW_MINIMUM', `the querier withheld the result: it is below the agreement's minimum of ${terms.minIntersection}`);
    } else if (weReceive) {
      requireField(
        Number.isSafeInteger(finish.count) && finish.count >= 0 && finish.count <= Math.min(n, m),
        'finish.count',
        `must be an integer from 0 to ${Math.min(n, m)}`,
      );
      try {
        checkResultReleasable(agreement, finish.count);
        resultCount = finish.count;
      } catch (err) {
        withheld = asMofangError(err);
      }
    }
    finishRun(env.db, runId, {
      status: withheld ? 'failed' : 'succeeded',
      peerSize: n,
      resultCount,
      transcriptHash,
      errorCode: withheld?.code,
      errorMessage: withheld?.message,
      stats: link.stats,
    });
    env.audit.append({
      actor,
      action: withheld ? 'run.withheld' : 'run.completed',
      subject: runId,
      details: {
        agreementId: agreement.id,
        operation,
        role: 'responder',
        released: !withheld,
        resultCount,
        keyEpoch,
        fyCached: evaluated.cached,
        labels: columns.map((c) => c.column),
        transcriptHash,
        ...link.stats,
      },
    });
    await responderReceipts(link, env, runId, transcriptHash);
    link.end();
  } catch (err) {
    const e = asMofangError(err);
    await sendAbort(link, e);
    link.end();
    if (runId && getRun(env.db, runId).status === 'running') {
      finishRun(env.db, runId, { status: 'failed', errorCode: e.code, errorMessage: e.message, stats: link.stats });
    }
    // Refusals are audited too: a query outside an agreement is evidence compliance wants.
    env.audit.append({
      actor,
      action: !runId ? 'run.refused' : e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed',
      subject: runId ?? agreementId ?? undefined,
      details: { agreementId, operation, role: 'responder', code: e.code, reason: e.message, ...link.stats },
      outsider: RESPONDER_OUTSIDER_FIELDS,
    });
  }
}
