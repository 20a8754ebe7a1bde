/**
 * The value holder's side of an aggregate run (docs/aggregate.md): it checks the query against
 * the agreement, reserves its own privacy budget, answers the PSI step, encrypts its agreed
 * columns in the order of its digests under a key only it holds, decrypts the querier's blinded
 * totals, adds its noise and returns them. It learns the number and sizes of the querier's groups,
 * never a result: what it decrypts is uniformly blinded. Every field the querier sends is checked
 * before use; a violation aborts the run with a catalogued code, never a crash.
 *
 * Phases as for every run kind (docs/architecture.md, "How a protocol run is organised"): admit and
 * close are run-admission.ts and run-close.ts; the exchange (PSI step, then HE step) and the
 * release (the querier's finish) are here. The value holder matches nothing: it never learns which
 * records matched.
 */
import { addNoise, createValueHolder, encodeResultValues } from '../../protocols/he/index.js';
import { digestLength } from '../../protocols/psi/index.js';
import { checkAggregateColumnsAllowed, checkAggregateColumnsAvailable, checkAggregateGroups } from '../agreements/aggregate-policy.js';
import type { AggregateColumn } from '../agreements/aggregate-terms.js';
import { otherParty, oprfKeyEpochForRun } from '../agreements/model.js';
import { getDataset } from '../datasets/store.js';
import { untrustedText } from '../text/untrusted.js';
import type { AggregateRequestMsg, RunFrame, RunStart } from '../wire/messages.js';
import { reserveBudget } from '../privacy/ledger.js';
import { aggregateSetup, noiseBound, planHash, type AggregateSetup } from './aggregate-plan.js';
import { responderPsi } from './aggregate-psi.js';
import { secureNoise } from './aggregate-release.js';
import { encryptedValues, readColumns } from './aggregate-values.js';
import type { SessionEnv } from './env.js';
import { expectFrame, requireField } from './frames.js';
import { heChunkBytes, HE_KIND, receiveHeObject, sendHeObject } from './he-frames.js';
import type { Link } from './link.js';
import { ownSetInfo, type OwnSetInfo } from './own-set.js';
import { heartbeat as beat, responderCancelCheck, transcribedSend } from './run-io.js';
import { wireEpoch, type EvaluatedSet } from './sender-cache.js';
import type { Transcript } from './transcript.js';
import { asPeerError } from './aggregate-errors.js';
import { phaseClock } from './phases.js';
import { admitAgreement, requireInputMinimum, startRun, type AdmittedAgreement } from './run-admission.js';
import { readQuerierGeneration } from './querier-generation.js';
import { closeResponderRun, failResponderRun, receiveFinish, runState, type RunState } from './run-close.js';

const MAX_COLUMNS_REQUEST = 16;
const MAX_GROUPS_REQUEST = 64;

/**
 * Called by the responder dispatcher after it read and recorded a start frame of operation
 * 'aggregate'. admit → exchange (PSI step, HE step) → release → close; a failure in any phase
 * closes the run as failed (or refused).
 */
export async function runAggregateResponder(env: SessionEnv, link: Link, start: RunStart, transcript: Transcript): Promise<void> {
  const run = runState('responder', `peer:${env.peer.name}`, { agreementId: untrustedText(start.agreementId, 64), operation: 'aggregate' });
  try {
    const now = env.now?.() ?? new Date();
    const r = admit(env, link, run, start, transcript, now);
    const { evaluated, order } = await psiStep(env, link, r);
    await heStep(env, link, r, order);
    const { transcriptHash } = await receiveFinish(env, link, transcript, r.checkCancelled);
    await closeResponderRun(env, link, run, {
      transcriptHash,
      withheld: null,
      resultCount: null,
      details: {
        groups: r.request.groupSizes.length,
        columns: r.request.columns,
        histogram: r.request.histogram,
        membership: r.membership,
        keyEpoch: r.keyEpoch,
        fyCached: evaluated.cached,
      },
      phases: r.clock.phases,
    });
  } catch (err) {
    await failResponderRun(env, link, run, err);
  }
}

/** What admission established, and the run's transcript and hooks. */
interface Response extends AdmittedAgreement {
  runId: string;
  request: AggregateRequestMsg;
  /** The querier's set size: its union (membership) or the sum of its groups. */
  n: number;
  membership: boolean;
  columns: AggregateColumn[];
  own: OwnSetInfo;
  setup: AggregateSetup;
  maxBatch: number;
  keyEpoch: number;
  transcript: Transcript;
  send: (frame: RunFrame) => Promise<void>;
  checkCancelled: () => void;
  heartbeat: ReturnType<typeof beat>;
  clock: ReturnType<typeof phaseClock>;
}

/** Every field of the querier's start and request, checked before use, then the agreement, both inputs, the plan and our budget. */
function admit(env: SessionEnv, link: Link, run: RunState, start: RunStart, transcript: Transcript, now: Date): Response {
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

  const admitted = admitAgreement(env, run, now);
  const { agreement, terms, dataset } = admitted;
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
  const n = start.receiverSetSize;
  requireInputMinimum(n, terms, "the querier's set is smaller than");
  const own = ownSetInfo(env.db, env.group, dataset);
  requireInputMinimum(own.size, terms, "the value holder's dataset is smaller than");
  // The plan (and its overflow bound) before anything is reserved or sent: HE_OVERFLOW refuses here.
  const setup = aggregateSetup(agreement, request, columns, own.size, { runId: start.runId, psiSuite: env.group.suite });
  const maxBatch = Math.min(start.maxBatch, env.limits.maxBatch);
  const keyEpoch = wireEpoch(oprfKeyEpochForRun(terms, 'aggregate', querier, now));
  const runId = start.runId;
  run.peerSize = n;
  startRun(env, link, run, {
    id: runId,
    dataset,
    localSize: own.size,
    details: { peerSize: n, groups: k, columns: request.columns, histogram: request.histogram, membership, keyEpoch },
    querier: { agreement, size: n, generation: readQuerierGeneration(start.querierGeneration) },
    // Both nodes keep a ledger: ours is charged before any of our data is touched.
    reserve: () => reserveBudget(env.db, env.audit, { agreement, runId, role: 'responder', actor: run.actor, now }),
  });
  return {
    ...admitted,
    runId,
    request,
    n,
    membership,
    columns,
    own,
    setup,
    maxBatch,
    keyEpoch,
    transcript,
    clock: phaseClock(link),
    send: transcribedSend(link, transcript, 'responder'),
    checkCancelled: responderCancelCheck(env, runId),
    heartbeat: beat(link, env.limits),
  };
}

/** F(y), accept, the shared settings' digest both ways, then the PSI step; returns the order π of our records. */
async function psiStep(env: SessionEnv, link: Link, r: Response): Promise<{ evaluated: EvaluatedSet; order: Uint32Array }> {
  const { send, transcript, setup } = r;
  const m = r.own.size;
  const length = digestLength(r.n, m);
  const evaluated = await env.senderCache.evaluatedSet({
    agreementId: r.agreement.id,
    runId: r.runId,
    epoch: r.keyEpoch,
    generation: r.own.generation,
    size: m,
    points: r.own.points,
    multiply: env.multiply,
    onProgress: (done, total) => r.heartbeat('own-set', done, total),
    signal: link.signal,
  });
  await send({ frame: 'accept', accept: { senderSetSize: m, digestLength: length, keyEpoch: r.keyEpoch } });

  // Both sides derived the same settings, or neither goes on.
  const theirs = await expectFrame(link, 'aggregateSettings', env.peer.name);
  transcript.add('querier', { frame: 'aggregateSettings', aggregateSettings: theirs });
  requireField(
    theirs.digest === setup.digest,
    'aggregateSettings.digest',
    'differs from the settings this node derived from the agreement, the query and its set size',
  );
  await send({ frame: 'aggregateSettings', aggregateSettings: { digest: setup.digest } });

  const ctx = { env, link, transcript, send, maxBatch: r.maxBatch, checkCancelled: r.checkCancelled };
  const order = await responderPsi(ctx, {
    evaluated,
    groupSizes: r.request.groupSizes,
    membership: r.membership,
    unionSize: r.request.unionSize,
    digestLength: length,
    heartbeat: r.heartbeat,
  });
  r.clock.psiDone();
  return { evaluated, order };
}

/** Our columns encrypted in order π under a key only we hold; the querier's blinded totals decrypted and noised. */
async function heStep(env: SessionEnv, link: Link, r: Response, order: Uint32Array): Promise<void> {
  const { send, setup } = r;
  const values = encryptedValues(readColumns(env.db, r.own.generation, r.columns), r.columns, setup.encrypted, order);
  const holder = await createValueHolder(setup.plan);
  try {
    const chunkBytes = heChunkBytes(env.limits.maxMessageBytes);
    await send({ frame: 'heSetup', heSetup: { planDigest: planHash(setup.plan), publicKeyBytes: holder.publicKey.length, galoisKeysBytes: 0 } });
    await sendHeObject(send, HE_KIND.publicKey, 0, holder.publicKey, chunkBytes);
    let index = 0;
    for (const ciphertext of holder.encrypt(values)) {
      r.checkCancelled();
      await sendHeObject(send, HE_KIND.ciphertext, index++, ciphertext, chunkBytes);
    }
    // Our noise is drawn before the totals arrive, so the sampler's running time is not tied to
    // the reply (docs/privacy.md), and goes on before the querier can see any total.
    const noise = env.noise ?? secureNoise;
    const eta = setup.encrypted.flatMap((e) => r.request.groupSizes.map(() => boundedSample(noise, e.noise)));
    const result = await receiveHeObject(link, { name: env.peer.name, sender: 'querier' }, r.transcript, {
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
  } finally {
    holder.dispose();
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
