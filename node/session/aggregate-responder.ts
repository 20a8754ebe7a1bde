/**
 * The value holder's side of an aggregate run (docs/aggregate.md): it checks the query against
 * the agreement, reserves its own privacy budget, answers the PSI step, encrypts its agreed
 * columns in the order of its digests under a key only it holds, decrypts the querier's blinded
 * totals, adds its noise and returns them. It learns the number and sizes of the querier's groups,
 * never a result: what it decrypts is uniformly blinded. Every field the querier sends is checked
 * before use; a violation aborts the run with a catalogued code, never a crash.
 */
import { addNoise, createValueHolder, encodeResultValues, type ValueHolder } from '../../protocols/he/index.js';
import { digestLength } from '../../protocols/psi/index.js';
import { checkAggregateColumnsAllowed, checkAggregateColumnsAvailable, checkAggregateGroups } from '../agreements/aggregate-policy.js';
import { otherParty, oprfKeyEpochForRun } from '../agreements/model.js';
import { checkQueryAllowed } from '../agreements/policy.js';
import { getAgreement } from '../agreements/store.js';
import { getDataset } from '../datasets/store.js';
import { asMofangError, MofangError } from '../errors.js';
import { untrustedText } from '../text/untrusted.js';
import type { RunStart } from '../peer/wire.js';
import { reserveBudget } from '../privacy/ledger.js';
import { aggregateSetup, noiseBound, planHash } from './aggregate-plan.js';
import { responderPsi } from './aggregate-psi.js';
import { secureNoise } from './aggregate-release.js';
import { encryptedValues, readColumns } from './aggregate-values.js';
import type { SessionEnv } from './env.js';
import { expectFrame, requireField, sendAbort } from './frames.js';
import { heChunkBytes, HE_KIND, receiveHeObject, sendHeObject } from './he-frames.js';
import type { Link } from './link.js';
import { ownSetInfo } from './own-set.js';
import { checkRunRateLimits, finishRun, getRun, insertRun } from './runs.js';
import { heartbeat as beat, responderCancelCheck, responderReceipts, RESPONDER_OUTSIDER_FIELDS, transcribedSend } from './run-io.js';
import { wireEpoch } from './sender-cache.js';
import type { Transcript } from './transcript.js';
import { asPeerError } from './aggregate-errors.js';
import { phaseClock } from './phases.js';

const MAX_COLUMNS_REQUEST = 16;
const MAX_GROUPS_REQUEST = 64;

/** Called by the responder dispatcher after it read and recorded a start frame of operation 'aggregate'. */
export async function runAggregateResponder(env: SessionEnv, link: Link, start: RunStart, transcript: Transcript): Promise<void> {
  const actor = `peer:${env.peer.name}`;
  let runId: string | null = null;
  let holder: ValueHolder | null = null;
  const agreementId = untrustedText(start.agreementId, 64);
  try {
    const now = env.now?.() ?? new Date();
    const req = start.aggregate;
    requireField(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(start.runId), 'start.runId', 'must be a lower-case UUID');
    requireField(start.suite === env.group.suite, 'start.suite', `must be ${env.group.suite}`);
    requireField(Number.isInteger(start.maxBatch) && start.maxBatch >= 1, 'start.maxBatch', 'must be a positive integer');
    requireField(req != null, 'start.aggregate', 'is required for an aggregate run');
    requireField(
      Array.isArray(req!.columns) && req!.columns.length >= 1 && req!.columns.length <= MAX_COLUMNS_REQUEST,
      'start.aggregate.columns',
      `must list 1 to ${MAX_COLUMNS_REQUEST} columns`,
    );
    requireField(
      Array.isArray(req!.groupSizes) && req!.groupSizes.length >= 1 && req!.groupSizes.length <= MAX_GROUPS_REQUEST,
      'start.aggregate.groupSizes',
      `must list 1 to ${MAX_GROUPS_REQUEST} groups`,
    );
    requireField(
      req!.groupSizes.every((n) => Number.isSafeInteger(n) && n >= 1 && n <= env.limits.maxSetSize),
      'start.aggregate.groupSizes',
      `each must be an integer from 1 to ${env.limits.maxSetSize}`,
    );
    const request = req!;
    const k = request.groupSizes.length;
    requireField(
      Number.isInteger(request.maxGroupsPerRecord) && request.maxGroupsPerRecord >= 1 && request.maxGroupsPerRecord <= k,
      'start.aggregate.maxGroupsPerRecord',
      `must be an integer from 1 to ${k}`,
    );
    const sent = request.groupSizes.reduce((a, b) => a + b, 0);
    if (request.membership) {
      requireField(
        Number.isSafeInteger(request.unionSize) && request.unionSize >= Math.max(...request.groupSizes) && request.unionSize <= sent,
        'start.aggregate.unionSize',
        `must be from the largest group to the sum of the group sizes (${sent})`,
      );
      requireField(start.receiverSetSize === request.unionSize, 'start.receiverSetSize', 'must equal aggregate.unionSize in membership mode');
    } else {
      // Disjoint groups: a record in two groups would reveal whether it matched (aggregate-psi.ts).
      requireField(
        request.maxGroupsPerRecord === 1 && request.unionSize === 0,
        'start.aggregate',
        'shuffled mode needs disjoint groups (maxGroupsPerRecord 1, unionSize 0)',
      );
      requireField(start.receiverSetSize === sent, 'start.receiverSetSize', 'must equal the sum of the group sizes');
    }
    requireField(start.receiverSetSize <= env.limits.maxSetSize, 'start.receiverSetSize', `must be at most ${env.limits.maxSetSize}`);

    const agreement = getAgreement(env.db, agreementId);
    const terms = agreement.terms;
    const dataset = terms.parties[agreement.localParty].dataset;
    checkQueryAllowed(agreement, { operation: 'aggregate', localRole: 'responder', peerNodeId: env.peer.nodeId, localDataset: dataset, now });
    checkRunRateLimits(env.db, agreement, env.limits, now);
    const querier = otherParty(agreement.localParty);
    const membership = terms.outputs.enrich.includes(querier);
    requireField(
      request.membership === membership,
      'start.aggregate.membership',
      `must be ${membership}: the agreement ${membership ? 'grants' : 'does not grant'} the querier membership`,
    );
    const columns = checkAggregateColumnsAllowed(agreement, request.columns, request.histogram);
    const info = getDataset(env.db, dataset);
    checkAggregateColumnsAvailable(agreement, info.columns);
    checkAggregateGroups(agreement, request.groupSizes);
    if (start.receiverSetSize < terms.minIntersection)
      throw new MofangError('INPUT_BELOW_MINIMUM', `the querier's set is smaller than the agreement's minimum of ${terms.minIntersection}`);
    const own = ownSetInfo(env.db, env.group, dataset);
    const m = own.size;
    if (m < terms.minIntersection)
      throw new MofangError('INPUT_BELOW_MINIMUM', `the value holder's dataset is smaller than the agreement's minimum of ${terms.minIntersection}`);
    // The plan (and its overflow bound) before anything is reserved or sent: HE_OVERFLOW refuses here.
    const setup = aggregateSetup(agreement, request, columns, m, { runId: start.runId, psiSuite: env.group.suite });
    const maxBatch = Math.min(start.maxBatch, env.limits.maxBatch);
    const keyEpoch = wireEpoch(oprfKeyEpochForRun(terms, 'aggregate', querier, now));

    insertRun(env.db, {
      id: start.runId,
      agreementId: agreement.id,
      operation: 'aggregate',
      role: 'responder',
      peerNodeId: env.peer.nodeId,
      dataset,
      localSize: m,
      startedAt: now,
    });
    runId = start.runId;
    // Both nodes keep a ledger: ours is charged before any of our data is touched.
    reserveBudget(env.db, env.audit, { agreement, runId, role: 'responder', actor, now });
    env.audit.append({
      actor,
      action: 'run.started',
      subject: runId,
      details: {
        agreementId: agreement.id,
        operation: 'aggregate',
        role: 'responder',
        peer: env.peer.nodeId,
        dataset,
        localSize: m,
        peerSize: start.receiverSetSize,
        groups: k,
        columns: request.columns,
        histogram: request.histogram,
        membership,
        keyEpoch,
      },
    });

    const clock = phaseClock(link);
    const send = transcribedSend(link, transcript, 'responder');
    const checkCancelled = responderCancelCheck(env, runId);
    const heartbeat = beat(link, env.limits);
    const length = digestLength(start.receiverSetSize, m);
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

    // Both sides derived the same settings, or neither goes on.
    const theirs = await expectFrame(link, 'aggregateSettings', env.peer.name);
    transcript.add('querier', { frame: 'aggregateSettings', aggregateSettings: theirs });
    requireField(
      theirs.digest === setup.digest,
      'aggregateSettings.digest',
      'differs from the settings this node derived from the agreement, the query and its set size',
    );
    await send({ frame: 'aggregateSettings', aggregateSettings: { digest: setup.digest } });

    const ctx = { env, link, transcript, send, maxBatch, checkCancelled };
    const order = await responderPsi(ctx, {
      evaluated,
      groupSizes: request.groupSizes,
      membership,
      unionSize: request.unionSize,
      digestLength: length,
      heartbeat,
    });
    clock.psiDone();

    const values = encryptedValues(readColumns(env.db, own.generation, columns), columns, setup.encrypted, order);
    holder = await createValueHolder(setup.plan);
    const chunkBytes = heChunkBytes(env.limits.maxMessageBytes);
    await send({ frame: 'heSetup', heSetup: { planDigest: planHash(setup.plan), publicKeyBytes: holder.publicKey.length, galoisKeysBytes: 0 } });
    await sendHeObject(send, HE_KIND.publicKey, 0, holder.publicKey, chunkBytes);
    let index = 0;
    for (const ciphertext of holder.encrypt(values)) {
      checkCancelled();
      await sendHeObject(send, HE_KIND.ciphertext, index++, ciphertext, chunkBytes);
    }
    // Our noise is drawn before the totals arrive, so the sampler's running time is not tied to
    // the reply (docs/privacy.md), and goes on before the querier can see any total.
    const noise = env.noise ?? secureNoise;
    const eta = setup.encrypted.flatMap((e) => request.groupSizes.map(() => boundedSample(noise, e.noise)));
    const result = await receiveHeObject(link, { name: env.peer.name, sender: 'querier' }, transcript, {
      kind: HE_KIND.result,
      index: 0,
      maxBytes: setup.plan.bytes.resultMax,
      what: 'the result ciphertexts',
    });
    let blinded: bigint[];
    try {
      blinded = holder.decrypt(result);
    } catch (err) {
      throw asPeerError(err);
    }
    await send({ frame: 'noisyValues', noisyValues: { values: Buffer.from(encodeResultValues(setup.plan, addNoise(setup.plan, blinded, eta))) } });
    holder.dispose();
    holder = null;

    const finish = await expectFrame(link, 'finish', env.peer.name);
    checkCancelled();
    const transcriptHash = transcript.digest();
    requireField(finish.transcriptHash === transcriptHash, 'finish.transcriptHash', 'does not match the transcript this node saw');
    finishRun(env.db, runId, { status: 'succeeded', peerSize: start.receiverSetSize, resultCount: null, transcriptHash, stats: link.stats });
    env.audit.append({
      actor,
      action: 'run.completed',
      subject: runId,
      details: {
        agreementId: agreement.id,
        operation: 'aggregate',
        role: 'responder',
        groups: k,
        columns: request.columns,
        histogram: request.histogram,
        membership,
        keyEpoch,
        fyCached: evaluated.cached,
        transcriptHash,
        ...link.stats,
        phases: clock.phases(),
      },
    });
    await responderReceipts(link, env, runId, transcriptHash);
    link.end();
  } catch (err) {
    const e = asMofangError(err);
    holder?.dispose();
    await sendAbort(link, e);
    link.end();
    if (runId && getRun(env.db, runId).status === 'running') {
      finishRun(env.db, runId, { status: 'failed', errorCode: e.code, errorMessage: e.message, stats: link.stats });
    }
    env.audit.append({
      actor,
      action: !runId ? 'run.refused' : e.code === 'JOB_CANCELLED' ? 'run.cancelled' : 'run.failed',
      subject: runId ?? agreementId,
      details: { agreementId, operation: 'aggregate', role: 'responder', code: e.code, reason: e.message, ...link.stats },
      outsider: RESPONDER_OUTSIDER_FIELDS,
    });
  }
}

/** One sample within the plan's headroom (a sample beyond it is astronomically rare; drawn again). */
function boundedSample(noise: (p: Parameters<typeof noiseBound>[0]) => bigint, params: Parameters<typeof noiseBound>[0]): bigint {
  const bound = noiseBound(params);
  for (;;) {
    const eta = noise(params);
    if (eta <= bound && -eta <= bound) return eta;
  }
}
