/**
 * The querier's side of an aggregate run (docs/aggregate.md): it holds the groups (its candidate
 * segments), checks the query against the agreement, reserves its privacy budget, runs the PSI
 * step to get one mask per group over the value holder's records, checks the matched sets against
 * the differencing guard (refunding its reservation when the guard refuses: nothing was released),
 * folds the value holder's ciphertexts under those masks, blinds and re-randomises the totals,
 * and — from the value holder's noisy, blinded answer — releases counts (noised here), sums,
 * means and histograms with noise scales and 95 % intervals, suppressing small groups.
 *
 * Phases as for every run kind (docs/architecture.md, "How a protocol run is organised"): admit and
 * close are run-admission.ts and run-close.ts; exchange (the PSI step), match and release (the HE
 * step, noise and suppression) are here.
 */
import { randomUUID } from 'node:crypto';
import { createAggregator, decodeResultValues, maskCount, unblind, type Aggregator, type GroupTotal } from '../../protocols/he/index.js';
import { aggregateTermsOf, checkAggregateColumnsAllowed, checkAggregateGroups } from '../agreements/aggregate-policy.js';
import type { AggregateColumn, AggregateTerms } from '../agreements/aggregate-terms.js';
import { oprfKeyEpochForRun } from '../agreements/model.js';
import { MofangError } from '../errors.js';
import { saveScoreSet, type GroupRelease, type ScoreSet } from '../scores/joint-scores.js';
import type { AggregateRequestMsg, RunAccept, RunFrame } from '../wire/messages.js';
import { recordReleasedGroups, type GuardedGroup } from '../privacy/differencing.js';
import { lossView, perQueryLoss, refundReservation, reserveBudget } from '../privacy/ledger.js';
import { asPeerError } from './aggregate-errors.js';
import { aggregateSetup, planHash, type AggregateSetup } from './aggregate-plan.js';
import { querierPsi, union } from './aggregate-psi.js';
import { releaseGroups, secureNoise } from './aggregate-release.js';
import type { JobHooks, SessionEnv } from './env.js';
import { expectFrame, requireField } from './frames.js';
import type { GroupSource } from './group-source.js';
import { heChunkBytes, HE_KIND, receiveHeObject, sendHeObject } from './he-frames.js';
import type { Link } from './link.js';
import { ownSet, type OwnSet } from './own-set.js';
import { wireEpoch } from './sender-cache.js';
import { Transcript } from './transcript.js';
import { querierCancelCheck, receiveAccept, transcribedSend } from './run-io.js';
import { phaseClock } from './phases.js';
import { admitAgreement, requireInputMinimum, startRun, type AdmittedAgreement } from './run-admission.js';
import { querierGenerationTag } from './querier-generation.js';
import { closeQuerierRun, failQuerierRun, runState, type Released, type RunState } from './run-close.js';
import { guardFingerprints, guardMatchedSets, releaseVerdict, type Matched } from './release-gate.js';

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

/** admit → exchange → match → release → close; a failure in any phase closes the run as failed. */
export async function runAggregateQuerier(env: SessionEnv, link: Link, q: AggregateQuery): Promise<ScoreSet> {
  const run = runState('querier', q.actor, { agreementId: q.agreementId, operation: 'aggregate' });
  const a = await admit(env, link, run, q);
  try {
    const exchanged = await exchange(env, link, a);
    const matched = match(a, exchanged);
    const released = await release(env, link, a, exchanged, matched);
    return (await closeQuerierRun(env, link, run, released))!;
  } catch (err) {
    throw await failQuerierRun(
      env,
      link,
      run,
      err,
      (e) => {
        // Stopped before the value holder accepted (nothing of its data was exchanged), or refused by
        // the guard before anything was released: this node spent nothing.
        if (!a.accepted || a.guardRefused) {
          const reason = a.guardRefused
            ? 'the differencing guard refused the groups before anything was released'
            : `the run stopped before ${env.peer.name} accepted it`;
          refundReservation(env.db, env.audit, a.runId, q.actor, `${reason}: ${e.code}`);
        }
      },
      // The guard's message names our group labels, which never go to the partner.
      (e) => (a.guardRefused ? new MofangError(e.code, "the querier's differencing guard refused the groups; nothing was released") : e),
    );
  }
}

/** What admission established, and the run's transcript and hooks. */
interface Admitted extends AdmittedAgreement {
  run: RunState;
  runId: string;
  query: AggregateQuery;
  now: Date;
  section: AggregateTerms;
  columns: AggregateColumn[];
  own: OwnSet;
  groups: { label: string; rows: ArrayLike<number> }[];
  /** Per group, positions in our point array. */
  indices: Uint32Array[];
  membership: boolean;
  request: AggregateRequestMsg;
  /** Per group, the keyed fingerprints of its input records (the guard's memory, never identifiers). */
  inputs: Float64Array[];
  /** Filled by release: what the guard checked, recorded for later runs on the pair. */
  guarded: GuardedGroup[];
  guardRefused: boolean;
  transcript: Transcript;
  send: (frame: RunFrame) => Promise<void>;
  checkCancelled: () => void;
  clock: ReturnType<typeof phaseClock>;
  /** The value holder accepted: its data is in play, the budget is no longer refunded. */
  accepted: boolean;
}

async function admit(env: SessionEnv, link: Link, run: RunState, q: AggregateQuery): Promise<Admitted> {
  const now = env.now?.() ?? new Date();
  const admitted = admitAgreement(env, run, now);
  const { agreement, terms, dataset } = admitted;
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
  requireInputMinimum(all.length, terms, 'the groups hold fewer records than');

  // The differencing guard compares matched sets, known after the PSI step (checked at release).
  const inputs = groups.map((g) => guardFingerprints(env, dataset, g.rows));

  const runId = randomUUID();
  startRun(env, link, run, {
    id: runId,
    jobId: q.job?.jobId,
    dataset,
    localSize: all.length,
    details: { groups: groups.length, grouping: q.groups.grouping, columns: q.columns, histogram: q.histogram, membership },
    reserve: () => reserveBudget(env.db, env.audit, { agreement, runId, role: 'querier', actor: q.actor, now }),
  });
  const transcript = new Transcript();
  return {
    ...admitted,
    run,
    runId,
    query: q,
    now,
    section,
    columns,
    own,
    groups,
    indices,
    membership,
    request: {
      columns: q.columns,
      histogram: q.histogram,
      groupSizes: indices.map((g) => g.length),
      membership,
      maxGroupsPerRecord,
      unionSize: membership ? all.length : 0,
    },
    inputs,
    guarded: [],
    guardRefused: false,
    transcript,
    clock: phaseClock(link),
    send: transcribedSend(link, transcript, 'querier'),
    checkCancelled: querierCancelCheck(q.job),
    accepted: false,
  };
}

interface Exchanged {
  accept: RunAccept;
  setup: AggregateSetup;
  /** Per group, one byte per value-holder record in its digest order: 1 where it matched. */
  masks: Uint8Array[];
  /** Membership mode only: per group, the positions in our point array of its records that matched. */
  matchedOwn: Uint32Array[] | null;
}

/** start/accept, the shared settings' digest both ways, then the PSI step. */
async function exchange(env: SessionEnv, link: Link, a: Admitted): Promise<Exchanged> {
  const { send, transcript, request, membership } = a;
  const maxBatch = env.limits.maxBatch;
  const sent = membership ? request.unionSize : request.groupSizes.reduce((n, g) => n + g, 0);
  await send({
    frame: 'start',
    start: {
      runId: a.runId,
      agreementId: a.agreement.id,
      operation: 'aggregate',
      receiverSetSize: sent,
      suite: env.group.suite,
      maxBatch,
      labelColumns: [],
      aggregate: request,
      querierGeneration: querierGenerationTag(env.guardKey(), env.peer.nodeId, a.dataset, a.own.generation),
    },
  });
  const expectedEpoch = wireEpoch(oprfKeyEpochForRun(a.terms, 'aggregate', a.agreement.localParty, a.now));
  const { accept, m, length } = await receiveAccept(link, env, transcript, { sent, minSetSize: 1, expectedEpoch });
  a.accepted = true;
  a.run.peerSize = m;

  const setup = aggregateSetup(a.agreement, request, a.columns, m, { runId: a.runId, psiSuite: env.group.suite });
  await send({ frame: 'aggregateSettings', aggregateSettings: { digest: setup.digest } });
  const theirs = await expectFrame(link, 'aggregateSettings', env.peer.name);
  transcript.add('responder', { frame: 'aggregateSettings', aggregateSettings: theirs });
  requireField(
    theirs.digest === setup.digest,
    'aggregateSettings.digest',
    'differs from the settings this node derived from the agreement, the query and the partner set size',
  );

  const { masks, matched } = await querierPsi(
    { env, link, transcript, send, maxBatch, checkCancelled: a.checkCancelled, progress: (done, total) => a.query.job?.progress('exchange', done, total) },
    { points: a.own.points, groups: a.indices, membership, m, digestLength: length, keyEpoch: accept.keyEpoch, agreementId: a.agreement.id, runId: a.runId },
  );
  a.clock.psiDone();
  return { accept, setup, masks, matchedOwn: matched };
}

/** Each group's matched records of the value holder (its masks) and their count. */
function match(a: Admitted, x: Exchanged): Matched {
  return {
    agreement: a.agreement,
    runId: a.runId,
    operation: 'aggregate',
    dataset: a.dataset,
    groups: a.groups.map((g, i) => ({
      label: g.label,
      inputSize: g.rows.length,
      count: maskCount(x.masks[i]),
      ownIndices: x.matchedOwn?.[i] ?? null,
      partnerMask: x.masks[i],
    })),
  };
}

/**
 * The gate on the matched groups, then the HE step (the value holder's ciphertexts folded under
 * the masks, its noisy blinded answer) and the released numbers: noised counts, sums, means,
 * histograms, small groups suppressed. Stores nothing itself: close commits the score set.
 */
async function release(env: SessionEnv, link: Link, a: Admitted, x: Exchanged, matched: Matched): Promise<Released<ScoreSet>> {
  const refused = releaseVerdict(matched);
  if (refused) throw refused;
  const { agreement, section } = a;
  try {
    a.guarded = guardMatchedSets(env, { dataset: a.dataset, ownRows: a.own.rows, inputs: a.inputs, now: a.now }, matched);
  } catch (err) {
    a.guardRefused = true;
    throw err;
  }
  const { setup } = x;
  const counts = matched.groups.map((g) => g.count);
  // Drawn now, not when the reply arrives: the sampler's time must not depend on it.
  const noise = env.noise ?? secureNoise;
  const countNoise = counts.map(() => noise(setup.countNoise));
  const totals = await heTotals(env, link, a, x, counts);
  let released = releaseGroups({
    setup,
    groups: a.groups.map((g) => ({ label: g.label, inputSize: g.rows.length })),
    counts,
    totals,
    minGroupSize: section.minGroupSize,
    minIntersection: a.terms.minIntersection,
    countNoise,
  });
  if (a.query.rank) released = a.query.rank(released);
  a.checkCancelled();

  const transcriptHash = a.transcript.digest();
  await link.send({ frame: 'finish', finish: { released: true, count: 0, transcriptHash } });
  const spent = lossView(perQueryLoss(agreement));
  const q = a.query;
  return {
    transcriptHash,
    withheld: null,
    resultCount: null,
    details: {
      groups: a.groups.length,
      suppressed: released.filter((g) => g.suppressed).length,
      epsilon: spent.epsilon,
      delta: spent.delta,
      mechanism: section.mechanism,
      keyEpoch: x.accept.keyEpoch,
    },
    phases: a.clock.phases,
    commit: () => {
      const stored = saveScoreSet(env.db, {
        runId: a.runId,
        agreementId: agreement.id,
        jobId: q.job?.jobId ?? null,
        dataset: a.dataset,
        grouping: q.groups.grouping,
        columns: q.columns,
        histogram: q.histogram,
        formula: q.formula ?? null,
        mechanism: section.mechanism,
        epsilon: spent.epsilon,
        delta: spent.delta,
        membership: a.membership,
        createdAt: a.now.toISOString(),
        groups: released,
      });
      recordReleasedGroups(
        env.db,
        agreement,
        a.runId,
        released.filter((g) => !g.suppressed).map((g) => ({ index: g.index, ...a.guarded[g.index] })),
        a.now,
      );
      return stored;
    },
  };
}

/** The HE step: fold the value holder's ciphertexts under our masks, send the blinded result, unblind its noisy reply. */
async function heTotals(env: SessionEnv, link: Link, a: Admitted, x: Exchanged, counts: number[]): Promise<GroupTotal[]> {
  const { setup } = x;
  const { transcript } = a;
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
  let aggregator: Aggregator | null = null;
  try {
    try {
      aggregator = await createAggregator({ plan: setup.plan, publicKey, masks: x.masks });
      for (let i = 0; i < setup.plan.ciphertexts; i++) {
        a.checkCancelled();
        aggregator.absorb(
          await receiveHeObject(link, peer, transcript, {
            kind: HE_KIND.ciphertext,
            index: i,
            maxBytes: setup.plan.bytes.ciphertextMax,
            what: `ciphertext ${i}`,
          }),
        );
        a.query.job?.progress('aggregating', i + 1, setup.plan.ciphertexts);
      }
    } catch (err) {
      throw asPeerError(err);
    }
    const { result, blinding } = aggregator.finish();
    aggregator.dispose();
    aggregator = null;
    await sendHeObject(a.send, HE_KIND.result, 0, result, heChunkBytes(env.limits.maxMessageBytes));
    const reply = await expectFrame(link, 'noisyValues', env.peer.name);
    transcript.add('responder', { frame: 'noisyValues', noisyValues: reply });
    let values: bigint[];
    try {
      values = decodeResultValues(setup.plan, reply.values);
    } catch (err) {
      throw asPeerError(err);
    }
    return unblind(setup.plan, blinding, values, counts);
  } finally {
    aggregator?.dispose();
  }
}

/** The largest number of groups any one record is in. */
function maxMultiplicity(groups: readonly Uint32Array[], n: number): number {
  const seen = new Uint8Array(n);
  let max = 0;
  for (const g of groups) for (const i of g) max = Math.max(max, ++seen[i]);
  return max;
}
