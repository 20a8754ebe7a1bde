/**
 * The querier's side of an aggregate run (docs/aggregate.md): it holds the groups (its candidate
 * segments), checks the query against the agreement, reserves its privacy budget, runs the PSI
 * step to get one mask per group over the value holder's records, checks the matched sets against
 * the differencing guard (refunding its reservation when the guard refuses: nothing was released), folds the value holder's ciphertexts under those masks, blinds and re-randomises the totals,
 * and — from the value holder's noisy, blinded answer — releases counts (noised here), sums,
 * means and histograms with noise scales and 95 % intervals, suppressing small groups.
 */
import { randomUUID } from 'node:crypto';
import { createAggregator, decodeResultValues, maskCount, unblind, type Aggregator } from '../../protocols/he/index.js';
import { aggregateTermsOf, checkAggregateColumnsAllowed, checkAggregateGroups } from '../agreements/aggregate-policy.js';
import { oprfKeyEpochForRun } from '../agreements/model.js';
import { checkQueryAllowed } from '../agreements/policy.js';
import { getAgreement } from '../agreements/store.js';
import { idNormsForRows } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import { saveScoreSet, type GroupRelease, type ScoreSet } from '../scores/joint-scores.js';
import type { AggregateRequestMsg } from '../peer/wire.js';
import { checkDifferencing, recordReleasedGroups, type GuardedGroup } from '../privacy/differencing.js';
import { lossView, perQueryLoss, refundReservation, reserveBudget } from '../privacy/ledger.js';
import { fingerprints } from '../privacy/set-codec.js';
import { asPeerError } from './aggregate-errors.js';
import { aggregateSetup, planHash } from './aggregate-plan.js';
import { querierPsi, union } from './aggregate-psi.js';
import { releaseGroups, secureNoise } from './aggregate-release.js';
import type { JobHooks, SessionEnv } from './env.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import type { GroupSource } from './group-source.js';
import { heChunkBytes, HE_KIND, receiveHeObject, sendHeObject } from './he-frames.js';
import type { Link } from './link.js';
import { ownSet } from './own-set.js';
import { acceptReceipt, makeReceipt } from './receipts.js';
import { checkRunRateLimits, finishRun, getRun, insertRun } from './runs.js';
import { wireEpoch } from './sender-cache.js';
import { Transcript } from './transcript.js';
import { querierCancelCheck, receiveAccept, transcribedSend } from './run-io.js';
import { phaseClock } from './phases.js';

export interface AggregateQuery {
  agreementId: string;
  columns: string[];
  histogram: boolean;
  groups: GroupSource;
  actor: string;
  job?: JobHooks;
  /** Score jobs: the formula, stored with the results (ranking happens after the run). */
  formula?: string | null;
  /** Applied to the released groups before they are stored (score jobs rank them). */
  rank?: (groups: GroupRelease[]) => GroupRelease[];
}

export async function runAggregateQuerier(env: SessionEnv, link: Link, q: AggregateQuery): Promise<ScoreSet> {
  const now = env.now?.() ?? new Date();
  const agreement = getAgreement(env.db, q.agreementId);
  const terms = agreement.terms;
  const dataset = terms.parties[agreement.localParty].dataset;
  checkQueryAllowed(agreement, { operation: 'aggregate', localRole: 'querier', peerNodeId: env.peer.nodeId, localDataset: dataset, now });
  checkRunRateLimits(env.db, agreement, env.limits, now);
  const section = aggregateTermsOf(agreement);
  const columns = checkAggregateColumnsAllowed(agreement, q.columns, q.histogram);
  const own = ownSet(env.db, env.group, dataset);
  const groups = await q.groups.groups(env.db, dataset, own.generation);
  checkAggregateGroups(
    agreement,
    groups.map((g) => g.rows.length),
  );
  const membership = terms.outputs.enrich.includes(agreement.localParty);

  // Rows → positions in our point array.
  const position = new Map<number, number>();
  own.rows.forEach((row, i) => position.set(row, i));
  const indices = groups.map((g) =>
    Uint32Array.from(g.rows, (row) => {
      const i = position.get(row);
      if (i === undefined) throw new MofangError('INTERNAL', `group '${g.label}': row ${row} is not in dataset ${dataset}`);
      return i;
    }),
  );
  const all = union(indices);
  const maxGroupsPerRecord = maxMultiplicity(indices, own.rows.length);
  if (!membership && maxGroupsPerRecord > 1) {
    throw new MofangError(
      'OPERATION_NOT_ALLOWED',
      `agreement ${agreement.id}: the groups overlap; without membership (outputs.enrich) an aggregate query needs disjoint groups`,
    );
  }
  if (all.length < terms.minIntersection)
    throw new MofangError('INPUT_BELOW_MINIMUM', `the groups hold fewer records than the agreement's minimum of ${terms.minIntersection}`);

  // The differencing guard compares matched sets, known after the PSI step (checked there).
  const key = env.guardKey();
  const inputs = groups.map((g) => fingerprints(key, idNormsForRows(env.db, dataset, g.rows)));

  const runId = randomUUID();
  const sent = membership ? all.length : indices.reduce((n, g) => n + g.length, 0);
  insertRun(env.db, {
    id: runId,
    jobId: q.job?.jobId,
    agreementId: agreement.id,
    operation: 'aggregate',
    role: 'querier',
    peerNodeId: env.peer.nodeId,
    dataset,
    localSize: all.length,
    startedAt: now,
  });
  try {
    reserveBudget(env.db, env.audit, { agreement, runId, role: 'querier', actor: q.actor, now });
  } catch (err) {
    finishRun(env.db, runId, { status: 'failed', errorCode: asMofangError(err).code, errorMessage: asMofangError(err).message, stats: link.stats });
    throw err;
  }
  env.audit.append({
    actor: q.actor,
    action: 'run.started',
    subject: runId,
    details: {
      agreementId: agreement.id,
      operation: 'aggregate',
      role: 'querier',
      peer: env.peer.nodeId,
      dataset,
      localSize: all.length,
      groups: groups.length,
      grouping: q.groups.grouping,
      columns: q.columns,
      histogram: q.histogram,
      membership,
      jobId: q.job?.jobId ?? null,
    },
  });

  const transcript = new Transcript();
  const clock = phaseClock(link);
  const send = transcribedSend(link, transcript, 'querier');
  const checkCancelled = querierCancelCheck(q.job);
  const request: AggregateRequestMsg = {
    columns: q.columns,
    histogram: q.histogram,
    groupSizes: indices.map((g) => g.length),
    membership,
    maxGroupsPerRecord,
    unionSize: membership ? all.length : 0,
  };
  let aggregator: Aggregator | null = null;
  let accepted = false;
  let guardRefused = false;
  let peerSize: number | null = null;
  try {
    const maxBatch = env.limits.maxBatch;
    await send({
      frame: 'start',
      start: {
        runId,
        agreementId: agreement.id,
        operation: 'aggregate',
        receiverSetSize: sent,
        suite: env.group.suite,
        maxBatch,
        labelColumns: [],
        aggregate: request,
      },
    });
    const expectedEpoch = wireEpoch(oprfKeyEpochForRun(terms, 'aggregate', agreement.localParty, now));
    const { accept, m, length } = await receiveAccept(link, env, transcript, { sent, minSetSize: 1, expectedEpoch });
    accepted = true;
    peerSize = m;

    const setup = aggregateSetup(agreement, request, columns, m, { runId, psiSuite: env.group.suite });
    await send({ frame: 'aggregateSettings', aggregateSettings: { digest: setup.digest } });
    const theirs = await expectFrame(link, 'aggregateSettings', env.peer.name);
    transcript.add('responder', { frame: 'aggregateSettings', aggregateSettings: theirs });
    requireField(
      theirs.digest === setup.digest,
      'aggregateSettings.digest',
      'differs from the settings this node derived from the agreement, the query and the partner set size',
    );

    const { masks, matched } = await querierPsi(
      { env, link, transcript, send, maxBatch, checkCancelled, progress: (done, total) => q.job?.progress('exchange', done, total) },
      { points: own.points, groups: indices, membership, m, digestLength: length, keyEpoch: accept.keyEpoch, agreementId: agreement.id, runId },
    );
    clock.psiDone();
    const counts = masks.map(maskCount);
    // Groups below minIntersection are withheld (releaseGroups); the others must pass the guard.
    const guarded: GuardedGroup[] = groups.map((g, i) => ({
      label: g.label,
      input: inputs[i],
      matched: matched
        ? fingerprints(
            key,
            idNormsForRows(
              env.db,
              dataset,
              Array.from(matched[i], (p) => own.rows[p]),
            ),
          )
        : null,
      count: counts[i],
    }));
    try {
      checkDifferencing(
        env.db,
        agreement,
        guarded.filter((g) => g.count >= terms.minIntersection),
        now,
      );
    } catch (err) {
      guardRefused = true;
      throw err;
    }
    // Drawn now, not when the reply arrives: the sampler's time must not depend on it.
    const noise = env.noise ?? secureNoise;
    const countNoise = counts.map(() => noise(setup.countNoise));

    const heSetup = await expectFrame(link, 'heSetup', env.peer.name);
    transcript.add('responder', { frame: 'heSetup', heSetup });
    requireField(heSetup.planDigest === planHash(setup.plan), 'heSetup.planDigest', 'is not the plan this node derived');
    requireField(
      Number.isSafeInteger(heSetup.publicKeyBytes) && heSetup.publicKeyBytes >= 1 && heSetup.publicKeyBytes <= setup.plan.bytes.publicKeyMax,
      'heSetup.publicKeyBytes',
      `must be 1 to ${setup.plan.bytes.publicKeyMax}`,
    );
    requireField(heSetup.galoisKeysBytes === 0, 'heSetup.galoisKeysBytes', 'must be 0: this plan needs no Galois keys');
    const peer = { name: env.peer.name, sender: 'responder' as const };
    const publicKey = await receiveHeObject(link, peer, transcript, {
      kind: HE_KIND.publicKey,
      index: 0,
      maxBytes: heSetup.publicKeyBytes,
      what: 'the public key',
    });
    requireField(publicKey.length === heSetup.publicKeyBytes, 'heChunk', `the public key must be the announced ${heSetup.publicKeyBytes} bytes`);
    try {
      aggregator = await createAggregator({ plan: setup.plan, publicKey, masks });
      for (let i = 0; i < setup.plan.ciphertexts; i++) {
        checkCancelled();
        aggregator.absorb(
          await receiveHeObject(link, peer, transcript, {
            kind: HE_KIND.ciphertext,
            index: i,
            maxBytes: setup.plan.bytes.ciphertextMax,
            what: `ciphertext ${i}`,
          }),
        );
        q.job?.progress('aggregating', i + 1, setup.plan.ciphertexts);
      }
    } catch (err) {
      throw asPeerError(err);
    }
    const { result, blinding } = aggregator.finish();
    aggregator.dispose();
    aggregator = null;
    await sendHeObject(send, HE_KIND.result, 0, result, heChunkBytes(env.limits.maxMessageBytes));
    const reply = await expectFrame(link, 'noisyValues', env.peer.name);
    transcript.add('responder', { frame: 'noisyValues', noisyValues: reply });
    let values: bigint[];
    try {
      values = decodeResultValues(setup.plan, reply.values);
    } catch (err) {
      throw asPeerError(err);
    }
    const totals = unblind(setup.plan, blinding, values, counts);
    let released = releaseGroups({
      setup,
      groups: groups.map((g) => ({ label: g.label, inputSize: g.rows.length })),
      counts,
      totals,
      minGroupSize: section.minGroupSize,
      minIntersection: terms.minIntersection,
      countNoise,
    });
    if (q.rank) released = q.rank(released);
    checkCancelled();

    const transcriptHash = transcript.digest();
    await link.send({ frame: 'finish', finish: { released: true, count: 0, transcriptHash } });
    const peerReceipt = await expectFrame(link, 'receipt', env.peer.name);
    acceptReceipt(env.db, env.audit, env.peer, { runId, transcriptHash }, peerReceipt);
    const spent = lossView(perQueryLoss(agreement));
    const set = env.db.transaction(() => {
      const stored = saveScoreSet(env.db, {
        runId,
        agreementId: agreement.id,
        jobId: q.job?.jobId ?? null,
        dataset,
        grouping: q.groups.grouping,
        columns: q.columns,
        histogram: q.histogram,
        formula: q.formula ?? null,
        mechanism: section.mechanism,
        epsilon: spent.epsilon,
        delta: spent.delta,
        membership,
        createdAt: now.toISOString(),
        groups: released,
      });
      recordReleasedGroups(
        env.db,
        agreement,
        runId,
        released.filter((g) => !g.suppressed).map((g) => ({ index: g.index, ...guarded[g.index] })),
        now,
      );
      finishRun(env.db, runId, { status: 'succeeded', peerSize, resultCount: null, transcriptHash, stats: link.stats });
      return stored;
    })();
    env.audit.append({
      actor: q.actor,
      action: 'run.completed',
      subject: runId,
      details: {
        agreementId: agreement.id,
        operation: 'aggregate',
        role: 'querier',
        groups: groups.length,
        suppressed: released.filter((g) => g.suppressed).length,
        epsilon: spent.epsilon,
        delta: spent.delta,
        mechanism: section.mechanism,
        keyEpoch: accept.keyEpoch,
        transcriptHash,
        ...link.stats,
        phases: clock.phases(),
      },
    });
    await link.send({ frame: 'receipt', receipt: makeReceipt(env.identity, env.audit, runId, transcriptHash) });
    link.end();
    await link.closed();
    return set;
  } catch (err) {
    const e = asMofangError(err);
    aggregator?.dispose();
    if (getRun(env.db, runId).status === 'running') {
      // The guard's message names our group labels, which never go to the partner.
      await sendAbort(link, guardRefused ? new MofangError(e.code, "the querier's differencing guard refused the groups; nothing was released") : e);
      link.end();
      await link.closed();
      finishRun(env.db, runId, { status: 'failed', peerSize, errorCode: e.code, errorMessage: e.message, stats: link.stats });
      // Stopped before the value holder accepted (nothing of its data was exchanged), or refused by
      // the guard before anything was released: this node spent nothing.
      if (!accepted || guardRefused) {
        const reason = guardRefused
          ? 'the differencing guard refused the groups before anything was released'
          : `the run stopped before ${env.peer.name} accepted it`;
        refundReservation(env.db, env.audit, runId, q.actor, `${reason}: ${e.code}`);
      }
      env.audit.append({
        actor: q.actor,
        action: e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed',
        subject: runId,
        details: { agreementId: agreement.id, operation: 'aggregate', role: 'querier', code: e.code, reason: e.message, ...link.stats },
        outsider: ['reason'],
      });
    }
    throw e;
  }
}

/** The largest number of groups any one record is in. */
function maxMultiplicity(groups: readonly Uint32Array[], n: number): number {
  const seen = new Uint8Array(n);
  let max = 0;
  for (const g of groups) for (const i of g) max = Math.max(max, ++seen[i]);
  return max;
}
