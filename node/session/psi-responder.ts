/**
 * The responder's side of a joint PSI query: the PSI sender. It holds the OPRF key, learns the
 * querier's set size and — only if the agreement names it as a receiver of the overlap — the
 * count. With label columns (enrich), it seals each record's agreed labels under a key derived
 * from F(y), so the querier can open exactly the labels of matched records. Every field the
 * querier sends is checked against the agreement and the node's limits before it is used; any
 * violation aborts the run with a catalogued code, never a crash.
 *
 * Phases as for every run kind (docs/architecture.md, "How a protocol run is organised"): admit and
 * close are run-admission.ts and run-close.ts; exchange and release are here (the responder matches
 * nothing: it never learns which records matched).
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
import { checkLabelColumnsAvailable, checkLabelsAllowed, checkResultReleasable } from '../agreements/policy.js';
import { getDataset } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import type { RunFrame, RunStart } from '../wire/messages.js';
import { expectFrame, requireField } from './frames.js';
import { batches, labelRunContext, POINT_BYTES, type SessionEnv } from './env.js';
import { labelValues } from './label-source.js';
import type { Link } from './link.js';
import { ownSetInfo, type OwnSetInfo } from './own-set.js';
import { heartbeat as beat, responderCancelCheck, transcribedSend } from './run-io.js';
import { wireEpoch, type EvaluatedSet } from './sender-cache.js';
import { Transcript } from './transcript.js';
import { runAggregateResponder } from './aggregate-responder.js';
import { admitAgreement, requireInputMinimum, startRun, type AdmittedAgreement } from './run-admission.js';
import { readQuerierGeneration } from './querier-generation.js';
import { countMode, countView, describeCountMode, type CountMode } from './count-release.js';
import { reserveBudget } from '../privacy/ledger.js';
import { closeResponderRun, failResponderRun, receiveFinish, runState, type Released, type RunState } from './run-close.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_LABEL_REQUEST = 32;

/** start → admit → exchange → release → close; a failure in any phase closes the run as failed (or refused). */
export async function runResponder(env: SessionEnv, link: Link): Promise<void> {
  const run = runState('responder', `peer:${env.peer.name}`, { agreementId: null, operation: null });
  try {
    const now = env.now?.() ?? new Date();
    const start = await expectFrame(link, 'start', env.peer.name);
    const transcript = new Transcript();
    transcript.add('querier', { frame: 'start', start });
    // Aggregate runs share the stream's opening and closing; the value holder's side is its own module.
    if (start.operation === 'aggregate') return await runAggregateResponder(env, link, start, transcript);
    const r = admit(env, link, run, start, transcript, now);
    const evaluated = await exchange(env, link, r);
    await closeResponderRun(env, link, run, await release(env, link, r, evaluated));
  } catch (err) {
    await failResponderRun(env, link, run, err);
  }
}

/** What admission established, and the run's transcript and hooks. */
interface Response extends AdmittedAgreement {
  run: RunState;
  runId: string;
  operation: 'overlap' | 'enrich';
  /** Overlap: how the count is released; null for enrich. */
  counts: CountMode | null;
  /** The querier's set size. */
  n: number;
  own: OwnSetInfo;
  columns: LabelColumn[];
  maxBatch: number;
  keyEpoch: number;
  transcript: Transcript;
  send: (frame: RunFrame) => Promise<void>;
  checkCancelled: () => void;
  heartbeat: ReturnType<typeof beat>;
}

/** Every field of the querier's start, checked before use, then the agreement and both inputs. */
function admit(env: SessionEnv, link: Link, run: RunState, start: RunStart, transcript: Transcript, now: Date): Response {
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
  const operation = start.operation as 'overlap' | 'enrich';
  run.operation = operation;
  // Peer text until the agreement is found: made safe before it is looked up, echoed or audited.
  run.agreementId = untrustedText(start.agreementId, 64);

  const admitted = admitAgreement(env, run, now);
  const { agreement, terms, dataset } = admitted;
  if (operation !== 'enrich' && start.labelColumns.length > 0) throw new MofangError('OPERATION_NOT_ALLOWED', 'labels are delivered by enrich only');
  const columns: LabelColumn[] = checkLabelsAllowed(agreement, start.labelColumns);
  if (columns.length > 0) checkLabelColumnsAvailable(agreement, getDataset(env.db, dataset).columns);
  const n = start.receiverSetSize;
  requireInputMinimum(n, terms, "the querier's set is smaller than");
  const own = ownSetInfo(env.db, env.group, dataset);
  requireInputMinimum(own.size, terms, "the responder's dataset is smaller than");
  // A cached epoch key only where the querier may learn membership anyway (docs/protocol-psi.md).
  const keyEpoch = wireEpoch(oprfKeyEpochForRun(terms, operation, otherParty(agreement.localParty), now));
  run.peerSize = n;
  // Our own policy and ledger decide too: exact counts only while our policy allows them, noisy
  // ones charged to our ledger of the pair (a refusal is the answer the querier gets).
  const counts = operation === 'overlap' ? countMode(agreement, env.policy) : null;
  startRun(env, link, run, {
    id: start.runId,
    dataset,
    localSize: own.size,
    details: { peerSize: n, keyEpoch, labels: columns.map((c) => c.column), ...(counts ? describeCountMode(counts) : {}) },
    querier: { agreement, size: n, generation: readQuerierGeneration(start.querierGeneration) },
    ...(counts && !counts.exact
      ? { reserve: () => reserveBudget(env.db, env.audit, { agreement, runId: start.runId, role: 'responder', actor: run.actor, now, operation: 'overlap' }) }
      : {}),
  });
  return {
    ...admitted,
    run,
    runId: start.runId,
    operation,
    counts,
    n,
    own,
    columns,
    maxBatch: Math.min(start.maxBatch, env.limits.maxBatch),
    keyEpoch,
    transcript,
    send: transcribedSend(link, transcript, 'responder'),
    checkCancelled: responderCancelCheck(env, start.runId),
    heartbeat: beat(link, env.limits),
  };
}

/** F(y) (cached within a key epoch), accept, the querier's points evaluated, then our sorted digests and sealed labels. */
async function exchange(env: SessionEnv, link: Link, r: Response): Promise<EvaluatedSet> {
  const { send, checkCancelled, heartbeat, n, maxBatch, transcript, columns } = r;
  const m = r.own.size;
  const length = digestLength(n, m);
  const evaluated = await env.senderCache.evaluatedSet({
    agreementId: r.agreement.id,
    runId: r.runId,
    epoch: r.keyEpoch,
    generation: r.own.generation,
    size: m,
    points: r.own.points,
    multiply: env.multiply,
    onProgress: (done, total) => heartbeat('own-set', done, total),
    signal: link.signal,
  });
  await send({ frame: 'accept', accept: { senderSetSize: m, digestLength: length, keyEpoch: r.keyEpoch } });

  const sender = createAsyncSender({ group: env.group, multiply: env.multiply, key: evaluated.key });
  const shuffled = r.operation === 'overlap' ? new Uint8Array(n * POINT_BYTES) : null;
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
    const plain = encodeLabels(columns, labelValues(env.db, r.dataset, r.own.generation, columns));
    const context = labelContext(labelRunContext(r.agreement.id, r.runId), columns);
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
  return evaluated;
}

/** The querier's finish: withheld by it, or released — with the count, if the agreement gives it to us. */
async function release(env: SessionEnv, link: Link, r: Response, evaluated: EvaluatedSet): Promise<Released> {
  const { agreement, terms, n } = r;
  const m = r.own.size;
  const { finish, transcriptHash } = await receiveFinish(env, link, r.transcript, r.checkCancelled);
  const weReceive = r.operation === 'overlap' && terms.outputs.overlap.includes(agreement.localParty);
  let resultCount: number | null = null;
  let withheld: MofangError | null = null;
  if (!finish.released) {
    withheld = new MofangError(
      'RESULT_BELOW_MINIMUM',
      `the querier withheld the result: it is below the agreement's minimum of ${terms.minIntersection}, or its differencing guard refused the query`,
    );
  } else if (weReceive) {
    requireField(
      Number.isSafeInteger(finish.count) && finish.count >= 0 && finish.count <= Math.min(n, m),
      'finish.count',
      `must be an integer from 0 to ${Math.min(n, m)}`,
    );
    try {
      // A noisy count may fall below the minimum: the querier decided on the exact one.
      if (r.counts?.exact !== false) checkResultReleasable(agreement, finish.count);
      resultCount = finish.count;
    } catch (err) {
      withheld = asMofangError(err);
    }
  }
  const count = resultCount !== null && r.counts ? countView(resultCount, r.counts, Math.min(n, m)) : null;
  return {
    transcriptHash,
    withheld,
    resultCount,
    details: {
      released: !withheld,
      resultCount,
      ...(count ? { count } : {}),
      keyEpoch: r.keyEpoch,
      fyCached: evaluated.cached,
      labels: r.columns.map((c) => c.column),
    },
  };
}
