/**
 * The machine's limit for DH-OPRF PSI, measured in the same run as the protocol: native X25519
 * scalar multiplications per second (libsodium `crypto_scalarmult` through the group backend the
 * node uses, `defaultGroup().multiply`, which also validates each point as the node does) on one
 * core, and — for information — the aggregate rate with one worker thread per core.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { defaultGroup } from '../protocols/group/index.js';

export interface LimitMeasurement {
  backend: string;
  batch: number;
  /** Best of the repetitions, multiplications per second on one core. */
  perCoreRate: number;
  perCoreRuns: number[];
  cores: number;
  /** perCoreRate × cores: the limit the ratios use. */
  limitRate: number;
  /** Measured with `cores` worker threads at once (informational: shows whether cores scale). */
  allCoresRate: number | null;
}

/** Points to multiply: hashes of random identifiers (valid subgroup points). */
export function samplePoints(count: number): Uint8Array {
  const group = defaultGroup();
  const ids: Uint8Array[] = [];
  for (let i = 0; i < count; i++) ids.push(Buffer.from(`bench-limit-${i}-${Math.random()}`));
  return group.hashToGroup(Buffer.from('mofang/bench/limit'), ids);
}

/** Multiplications per second over one batch of `points` (one call, like a node's batch loop). */
export function multiplyRate(points: Uint8Array): number {
  const group = defaultGroup();
  const scalar = group.randomScalar();
  const started = performance.now();
  group.multiply(scalar, points);
  return (points.length / group.pointBytes / (performance.now() - started)) * 1000;
}

export async function measureLimit(batch = 20_000, repetitions = 5): Promise<LimitMeasurement> {
  const group = defaultGroup();
  const points = samplePoints(batch);
  multiplyRate(points.subarray(0, 1000 * group.pointBytes)); // warm-up
  const perCoreRuns: number[] = [];
  for (let i = 0; i < repetitions; i++) perCoreRuns.push(multiplyRate(points));
  const perCoreRate = Math.max(...perCoreRuns);
  const cores = availableParallelism();
  let allCoresRate: number | null = null;
  try {
    allCoresRate = await allCores(cores, batch);
  } catch {
    allCoresRate = null;
  }
  return { backend: group.backend, batch, perCoreRate, perCoreRuns, cores, limitRate: perCoreRate * cores, allCoresRate };
}

/**
 * `cores` workers prepare their points, then multiply at the same time; the sum of their rates.
 * Well below perCoreRate × cores means the cores do not scale or someone else is using them.
 */
export async function allCores(cores: number, batch = 20_000): Promise<number> {
  const url = new URL('./limit-worker.js', import.meta.url);
  const workers = Array.from({ length: cores }, () => new Worker(url, { workerData: { batch } }));
  try {
    await Promise.all(workers.map((w) => once(w, 'ready')));
    const rates = Promise.all(workers.map((w) => once(w, 'rate') as Promise<{ rate: number }>));
    for (const w of workers) w.postMessage('go');
    return (await rates).reduce((sum, m) => sum + m.rate, 0);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function once(w: Worker, kind: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { kind: string }) => {
      if (m.kind !== kind) return;
      w.off('message', onMessage);
      resolve(m);
    };
    w.on('message', onMessage);
    w.once('error', reject);
  });
}

/**
 * Scalar multiplications of one DH-OPRF PSI run: the receiver blinds and unblinds its n points,
 * the sender evaluates the n blinded points and its own m (skipped when F(y) is cached).
 */
export function protocolMultiplications(n: number, m: number, senderCached: boolean): number {
  return 2 * n + n + (senderCached ? 0 : m);
}
