/**
 * The PSI step of an aggregate run, both roles. Its output on the querier is one mask per group
 * over the value holder's records in order π (the order of its sorted digests): mask_g[i] = 1 when
 * record i of the value holder matches a record of group g.
 *
 *   membership mode (the querier may learn membership, outputs.enrich): one OPRF over the union of
 *     the groups, answered in order, as enrich — the querier learns which of its records matched;
 *   shuffled mode: one OPRF per group, each under a fresh blinding, answered shuffled within the
 *     group, as overlap — the querier learns F(x) per group but not which x, so not which of its
 *     records matched. The value holder sees the groups' sizes only. Groups must be disjoint here
 *     (a record in two groups would show as the same F(x) in both, revealing whether it matched).
 */
import { createAsyncReceiver, createAsyncSender, digests, matchPairs, shuffle } from '../../protocols/psi/index.js';
import type { RunFrame } from '../wire/messages.js';
import { batches, digestContext, POINT_BYTES, type SessionEnv } from './env.js';
import { expectFrame, requireField } from './frames.js';
import type { Link } from './link.js';
import type { EvaluatedSet } from './sender-cache.js';
import type { Transcript } from './transcript.js';

interface StepContext {
  env: SessionEnv;
  link: Link;
  transcript: Transcript;
  send: (frame: RunFrame) => Promise<void>;
  maxBatch: number;
  checkCancelled: () => void;
  progress?: (done: number, total: number) => void;
}

/** Sends `points` (concatenated) as blinded batches of `group` and collects the evaluated answers. */
async function oprfBatches(ctx: StepContext, points: Uint8Array, group: number, onDone: (n: number) => void): Promise<Uint8Array> {
  const { env, link, transcript, maxBatch } = ctx;
  const receiver = createAsyncReceiver({ group: env.group, multiply: env.multiply });
  const fx = new Uint8Array(points.length);
  const sendAll = async () => {
    for (const b of batches(points, POINT_BYTES, maxBatch)) {
      ctx.checkCancelled();
      await ctx.send({ frame: 'blinded', blinded: { index: b.index, points: Buffer.from(await receiver.blind(b.bytes)), group } });
    }
  };
  const receiveAll = async () => {
    for (let offset = 0, index = 0; offset < fx.length; index++) {
      const batch = await expectFrame(link, 'evaluated', env.peer.name);
      transcript.add('responder', { frame: 'evaluated', evaluated: batch });
      requireField(batch.index === index && (batch.group ?? 0) === group, 'evaluated.index', `must be batch ${index} of group ${group}`);
      requireField(
        batch.points.length > 0 && batch.points.length % POINT_BYTES === 0 && batch.points.length <= maxBatch * POINT_BYTES,
        'evaluated.points',
        `must hold 1 to ${maxBatch} points of ${POINT_BYTES} bytes`,
      );
      requireField(offset + batch.points.length <= fx.length, 'evaluated.points', `more points than the ${fx.length / POINT_BYTES} sent`);
      fx.set(await receiver.finalize(batch.points), offset);
      offset += batch.points.length;
      onDone(batch.points.length / POINT_BYTES);
    }
  };
  await Promise.all([sendAll(), receiveAll()]);
  return fx;
}

/** The value holder's sorted digests, `m` of `length` bytes. */
async function receiveSenderDigests(ctx: StepContext, m: number, length: number): Promise<Uint8Array> {
  const all = new Uint8Array(m * length);
  for (let offset = 0, index = 0, last = false; !last; index++) {
    ctx.checkCancelled();
    const batch = await expectFrame(ctx.link, 'senderDigests', ctx.env.peer.name);
    ctx.transcript.add('responder', { frame: 'senderDigests', senderDigests: batch });
    requireField(batch.index === index, 'senderDigests.index', `must be ${index}`);
    requireField(
      batch.digests.length % length === 0 && batch.digests.length <= ctx.maxBatch * length,
      'senderDigests.digests',
      `must hold at most ${ctx.maxBatch} digests of ${length} bytes`,
    );
    requireField(offset + batch.digests.length <= all.length, 'senderDigests.digests', `more digests than the announced ${m}`);
    requireField(batch.labels.length === 0, 'senderDigests.labels', 'an aggregate run carries no labels');
    all.set(batch.digests, offset);
    offset += batch.digests.length;
    last = batch.last;
    if (last) requireField(offset === all.length, 'senderDigests.last', `only ${offset / length} of ${m} digests arrived`);
  }
  return all;
}

export interface QuerierPsiInput {
  /** Own points (32 bytes each, own row order). */
  points: Uint8Array;
  /** Per group, indices into `points`, ascending. */
  groups: Uint32Array[];
  membership: boolean;
  m: number;
  digestLength: number;
  keyEpoch: number;
  agreementId: string;
  runId: string;
}

export interface QuerierPsiResult {
  /** One mask of m bytes per group. */
  masks: Uint8Array[];
  /** Membership mode only: per group, the indices into `points` of its records that matched. */
  matched: Uint32Array[] | null;
}

/** Runs the querier's PSI step. */
export async function querierPsi(ctx: StepContext, input: QuerierPsiInput): Promise<QuerierPsiResult> {
  const { m, digestLength: length } = input;
  const context = digestContext(input.agreementId, input.keyEpoch, input.runId);
  const gatherPoints = (indices: Uint32Array) => {
    const out = new Uint8Array(indices.length * POINT_BYTES);
    indices.forEach((i, k) => out.set(input.points.subarray(i * POINT_BYTES, (i + 1) * POINT_BYTES), k * POINT_BYTES));
    return out;
  };
  const total = input.membership ? union(input.groups).length : input.groups.reduce((n, g) => n + g.length, 0);
  let done = 0;
  const onDone = (n: number) => ctx.progress?.((done += n), total);

  const masks = input.groups.map(() => new Uint8Array(m));
  if (input.membership) {
    const all = union(input.groups);
    const fx = await oprfBatches(ctx, gatherPoints(all), 0, onDone);
    const senderDigests = await receiveSenderDigests(ctx, m, length);
    const pairs = matchPairs(digests(fx, context, length), senderDigests, length);
    // Position in the union → the value holder's record it matched (or −1).
    const matched = new Int32Array(all.length).fill(-1);
    pairs.receiverIndices.forEach((u, k) => (matched[u] = pairs.senderIndices[k]));
    const position = new Map<number, number>();
    all.forEach((i, u) => position.set(i, u));
    const matchedOwn = input.groups.map((group, g) =>
      group.filter((i) => {
        const s = matched[position.get(i)!];
        if (s >= 0) masks[g][s] = 1;
        return s >= 0;
      }),
    );
    return { masks, matched: matchedOwn };
  }
  const perGroup: Uint8Array[] = [];
  for (const [g, group] of input.groups.entries()) perGroup.push(await oprfBatches(ctx, gatherPoints(group), g, onDone));
  const senderDigests = await receiveSenderDigests(ctx, m, length);
  perGroup.forEach((fx, g) => {
    for (const s of matchPairs(digests(fx, context, length), senderDigests, length).senderIndices) masks[g][s] = 1;
  });
  return { masks, matched: null };
}

/** Ascending distinct indices of all groups. */
export function union(groups: readonly Uint32Array[]): Uint32Array {
  const all = new Set<number>();
  for (const g of groups) for (const i of g) all.add(i);
  return Uint32Array.from(all).sort();
}

export interface ResponderPsiInput {
  evaluated: EvaluatedSet;
  groupSizes: number[];
  membership: boolean;
  /** Points the querier sends in membership mode (its union). */
  unionSize: number;
  digestLength: number;
  heartbeat: (phase: string, done: number, total: number) => Promise<void>;
}

/** Runs the value holder's PSI step; returns the order π of its records (the sorted digests' order). */
export async function responderPsi(ctx: StepContext, input: ResponderPsiInput): Promise<Uint32Array> {
  const { env, link, transcript, maxBatch } = ctx;
  const sender = createAsyncSender({ group: env.group, multiply: env.multiply, key: input.evaluated.key });
  const receiveGroup = async (group: number, n: number, answer: (index: number, points: Uint8Array) => Promise<void>) => {
    for (let received = 0, index = 0; received < n; index++) {
      ctx.checkCancelled();
      const batch = await expectFrame(link, 'blinded', env.peer.name);
      transcript.add('querier', { frame: 'blinded', blinded: batch });
      requireField(batch.index === index && (batch.group ?? 0) === group, 'blinded.index', `must be batch ${index} of group ${group}`);
      const count = batch.points.length / POINT_BYTES;
      requireField(Number.isInteger(count) && count >= 1 && count <= maxBatch, 'blinded.points', `must hold 1 to ${maxBatch} points of ${POINT_BYTES} bytes`);
      requireField(received + count <= n, 'blinded.points', `more points than the ${n} announced for group ${group}`);
      await answer(index, await sender.evaluate(batch.points));
      received += count;
    }
  };
  if (input.membership) {
    await receiveGroup(0, input.unionSize, (index, points) => ctx.send({ frame: 'evaluated', evaluated: { index, points: Buffer.from(points), group: 0 } }));
  } else {
    for (const [g, n] of input.groupSizes.entries()) {
      const answers = new Uint8Array(n * POINT_BYTES);
      let at = 0;
      await receiveGroup(g, n, async (_, points) => {
        answers.set(points, at);
        at += points.length;
        await input.heartbeat('evaluating', at / POINT_BYTES, n);
      });
      // The querier gets this group's F(x) in an order it cannot link to its records.
      for (const b of batches(shuffle(answers, POINT_BYTES), POINT_BYTES, maxBatch)) {
        await ctx.send({ frame: 'evaluated', evaluated: { index: b.index, points: b.bytes, group: g } });
      }
    }
  }
  const sorted = input.evaluated.sorted(input.digestLength);
  const digestBatches = [...batches(sorted.digests, input.digestLength, maxBatch)];
  if (digestBatches.length === 0) digestBatches.push({ index: 0, bytes: Buffer.alloc(0) });
  for (const b of digestBatches) {
    ctx.checkCancelled();
    await ctx.send({
      frame: 'senderDigests',
      senderDigests: { index: b.index, digests: b.bytes, last: b.index === digestBatches.length - 1, labels: Buffer.alloc(0) },
    });
  }
  return sorted.order;
}
