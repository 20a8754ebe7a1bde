/**
 * The querier's side of a joint PSI query (overlap or enrich): it is the PSI receiver and the party
 * that learns the result. Flow and what each side learns: docs/protocol-psi.md. The run goes
 * through the phases every run kind shares (docs/architecture.md, "How a protocol run is
 * organised"): admit and close are run-admission.ts and run-close.ts; exchange, match and release
 * are here.
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
import { checkLabelsAllowed } from '../agreements/policy.js';
import type { getAgreement } from '../agreements/store.js';
import { writeJointAttribute } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import type { RunAccept, RunFrame } from '../wire/messages.js';
import type { RunView } from './runs.js';
import { expectFrame, requireField } from './frames.js';
import { batches, digestContext, labelRunContext, POINT_BYTES, type JobHooks, type SessionEnv } from './env.js';
import { wireEpoch } from './sender-cache.js';
import type { Link } from './link.js';
import { ownSet, type OwnSet } from './own-set.js';
import { getRun } from './runs.js';
import { Transcript } from './transcript.js';
import { querierCancelCheck, receiveAccept, transcribedSend } from './run-io.js';
import { psiProgress, type PsiProgress } from './psi-progress.js';
import { admitAgreement, requireInputMinimum, startRun, type AdmittedAgreement } from './run-admission.js';
import { querierGenerationTag } from './querier-generation.js';
import { closeQuerierRun, failQuerierRun, runState, type Released, type RunState } from './run-close.js';
import { guardFingerprints, guardMatchedSets, releaseVerdict, type Matched } from './release-gate.js';
import { countMode, describeCountMode, releaseCount, type CountMode } from './count-release.js';
import { recordReleasedGroups, type GuardedGroup } from '../privacy/differencing.js';
import { refundReservation, reserveBudget } from '../privacy/ledger.js';
import { secureNoise } from './aggregate-release.js';

export interface QueryRequest {
  agreementId: string;
  operation: 'overlap' | 'enrich';
  actor: string;
  /** Enrich: the agreed label columns to receive; all of them when omitted. */
  labels?: string[];
  job?: JobHooks;
}

/** admit → exchange → match → release → close; a failure in any phase closes the run as failed. */
export async function runQuerier(env: SessionEnv, link: Link, req: QueryRequest): Promise<RunView> {
  const run = runState('querier', req.actor, { agreementId: req.agreementId, operation: req.operation });
  const q = admit(env, link, run, req);
  try {
    const exchanged = await exchange(env, link, q);
    const matched = match(q, exchanged);
    const released = await release(env, link, q, exchanged, matched);
    await closeQuerierRun(env, link, run, released);
    return getRun(env.db, q.runId);
  } catch (err) {
    throw await failQuerierRun(env, link, run, err, (e) => {
      // Stopped before the responder accepted (nothing of its data was exchanged): nothing was spent.
      if (!q.accepted) refundReservation(env.db, env.audit, q.runId, req.actor, `the run stopped before ${env.peer.name} accepted it: ${e.code}`);
    });
  }
}

/** What admission established, and the run's transcript and hooks. */
interface Query extends AdmittedAgreement {
  run: RunState;
  runId: string;
  operation: QueryRequest['operation'];
  columns: LabelColumn[];
  expectedEpoch: number;
  own: OwnSet;
  transcript: Transcript;
  send: (frame: RunFrame) => Promise<void>;
  checkCancelled: () => void;
  progress: PsiProgress;
  now: Date;
  /** Overlap: how the count is released (noisy, charged to the pair's budget, or exact); null for enrich. */
  counts: CountMode | null;
  /** The keyed fingerprints of our input set: what the differencing guard compares, never identifiers. */
  input: Float64Array;
  /** The responder accepted: its data is in play, a reservation is no longer refunded on failure. */
  accepted: boolean;
}

function admit(env: SessionEnv, link: Link, run: RunState, req: QueryRequest): Query {
  const now = env.now?.() ?? new Date();
  const admitted = admitAgreement(env, run, now);
  const { agreement, terms, dataset } = admitted;
  const columns = req.operation === 'enrich' ? checkLabelsAllowed(agreement, req.labels ?? (terms.labels ?? []).map((l) => l.column)) : [];
  const expectedEpoch = wireEpoch(oprfKeyEpochForRun(terms, req.operation, agreement.localParty, now));
  const own = ownSet(env.db, env.group, dataset);
  const n = own.rows.length;
  requireInputMinimum(n, terms, `dataset ${dataset} has fewer records than`);
  const counts = req.operation === 'overlap' ? countMode(agreement, env.policy) : null;
  const input = guardFingerprints(env, dataset, own.rows);
  const runId = randomUUID();
  startRun(env, link, run, {
    id: runId,
    jobId: req.job?.jobId,
    dataset,
    localSize: n,
    details: counts ? describeCountMode(counts) : {},
    // Noisy overlap counts spend the pair's budget, reserved before anything is sent.
    ...(counts && !counts.exact
      ? { reserve: () => reserveBudget(env.db, env.audit, { agreement, runId, role: 'querier', actor: req.actor, now, operation: 'overlap' }) }
      : {}),
  });
  const transcript = new Transcript();
  return {
    ...admitted,
    run,
    runId,
    operation: req.operation,
    columns,
    expectedEpoch,
    own,
    transcript,
    send: transcribedSend(link, transcript, 'querier'),
    checkCancelled: querierCancelCheck(req.job),
    progress: psiProgress(req.job, n),
    now,
    counts,
    input,
    accepted: false,
  };
}

interface Exchanged {
  accept: RunAccept;
  m: number;
  length: number;
  /** F(x) of our points, in our row order. */
  fx: Uint8Array;
  senderDigests: Uint8Array;
  /** Enrich with labels: one sealed label per responder digest. */
  sealed: Uint8Array;
}

/** start/accept, the OPRF of our points, then the responder's sorted digests (and sealed labels). */
async function exchange(env: SessionEnv, link: Link, q: Query): Promise<Exchanged> {
  const { send, progress, checkCancelled, transcript } = q;
  const n = q.own.rows.length;
  const maxBatch = env.limits.maxBatch;
  await send({
    frame: 'start',
    start: {
      runId: q.runId,
      agreementId: q.agreement.id,
      operation: q.operation,
      receiverSetSize: n,
      suite: env.group.suite,
      maxBatch,
      labelColumns: q.columns.map((c) => c.column),
      querierGeneration: querierGenerationTag(env.guardKey(), env.peer.nodeId, q.dataset, q.own.generation),
    },
  });
  const { accept, m, length } = await receiveAccept(link, env, transcript, {
    sent: n,
    minSetSize: 0,
    expectedEpoch: q.expectedEpoch,
    onProgress: progress.peer,
  });
  q.run.peerSize = m;
  q.accepted = true;
  progress.accepted(m);

  const receiver = createAsyncReceiver({ group: env.group, multiply: env.multiply });
  const fx = new Uint8Array(n * POINT_BYTES);
  const sendBlinded = async () => {
    for (const b of batches(q.own.points, POINT_BYTES, maxBatch)) {
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
  const sealedLength = q.columns.length > 0 ? labelLength(q.columns) + LABEL_TAG_BYTES : 0;
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
  return { accept, m, length, fx, senderDigests, sealed };
}

/** Our digests against the responder's: the count, and for enrich which of our records matched. */
function match(q: Query, x: Exchanged): Matched & { pairs: MatchPairs | null } {
  const mine = digests(x.fx, digestContext(q.agreement.id, x.accept.keyEpoch, q.runId), x.length);
  const pairs = q.operation === 'enrich' ? matchPairs(mine, x.senderDigests, x.length) : null;
  const count = pairs ? pairs.receiverIndices.length : matchCount(mine, x.senderDigests, x.length);
  const group = { label: q.dataset, inputSize: q.own.rows.length, count, ownIndices: pairs?.receiverIndices ?? null, partnerMask: null };
  return { agreement: q.agreement, runId: q.runId, operation: q.operation, dataset: q.dataset, groups: [group], pairs };
}

/**
 * The gate on the matched result (the agreement's minimum, then the differencing guard against
 * what the data pair released before), the count as released (noisy unless the terms and policy
 * allow exact), then `finish` (released or withheld, and the released count if the responder
 * receives it); enrich opens and stores the labels only after that.
 */
async function release(env: SessionEnv, link: Link, q: Query, x: Exchanged, matched: ReturnType<typeof match>): Promise<Released> {
  const { agreement, terms, columns } = q;
  const count = matched.groups[0].count;
  let withheld = releaseVerdict(matched);
  let guarded: GuardedGroup[] = [];
  if (!withheld) {
    try {
      guarded = guardMatchedSets(env, { dataset: q.dataset, ownRows: q.own.rows, inputs: [q.input], now: q.now }, matched);
    } catch (err) {
      withheld = asMofangError(err);
      // Refused before anything was released: this node spent nothing.
      refundReservation(env.db, env.audit, q.runId, q.run.actor, `the differencing guard refused the query before anything was released: ${withheld.code}`);
    }
  }
  q.checkCancelled();
  // Drawn whether or not it is released: the sampler's time must not depend on the outcome.
  const released = q.counts ? releaseCount(count, q.counts, Math.min(q.own.rows.length, x.m), env.noise ?? secureNoise) : null;
  const responderReceives = q.operation === 'overlap' && terms.outputs.overlap.includes(agreement.localParty === 'proposer' ? 'acceptor' : 'proposer');
  const transcriptHash = q.transcript.digest();
  await link.send({ frame: 'finish', finish: { released: !withheld, count: responderReceives && !withheld && released ? released.value : 0, transcriptHash } });

  const attribute = q.operation === 'enrich' ? terms.enrichAttribute! : null;
  const { pairs } = matched;
  if (pairs && !withheld) {
    let labels: LabelValue[][] = [];
    try {
      labels = openLabels({ agreement, runId: q.runId, columns, fx: x.fx, pairs, sealed: x.sealed });
    } catch (err) {
      // Labels that do not open mean a broken or cheating partner. We fail here, but finish the
      // run normally with the partner: an abort now would tell it which of its labels (and so
      // which of its records) matched ours.
      withheld = new MofangError('PEER_MESSAGE_INVALID', `sealed labels from ${env.peer.name} do not open: ${asMofangError(err).message}; nothing was stored`);
    }
    if (!withheld) {
      try {
        storeEnrichResult(env, {
          dataset: q.dataset,
          own: q.own,
          matched: pairs.receiverIndices,
          attribute: attribute!,
          agreement,
          runId: q.runId,
          columns,
          labels,
        });
      } catch (err) {
        // E.g. a re-import during the run: finish with the partner all the same, store nothing.
        withheld = asMofangError(err);
      }
    }
  }
  // Enrich releases membership, not a count: its result count stays the exact number it wrote.
  const resultCount = withheld ? null : released ? released.value : count;
  return {
    transcriptHash,
    withheld,
    resultCount,
    attribute: withheld ? null : attribute,
    details: {
      released: !withheld,
      resultCount,
      ...(released && !withheld ? { count: released } : {}),
      attribute: withheld ? null : attribute,
      labels: columns.map((c) => c.column),
      keyEpoch: x.accept.keyEpoch,
    },
    // What the guard checked, remembered for later runs on the pair once the release is stored.
    ...(withheld
      ? {}
      : {
          commit: () =>
            recordReleasedGroups(
              env.db,
              agreement,
              q.runId,
              guarded.map((g, index) => ({ index, ...g })),
              q.now,
            ),
        }),
  };
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
