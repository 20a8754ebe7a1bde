/** One core of the all-cores limit measurement (bench/limit.ts). */
import { parentPort, workerData } from 'node:worker_threads';
import { multiplyRate, samplePoints } from './limit.js';

const points = samplePoints((workerData as { batch: number }).batch);
multiplyRate(points.subarray(0, 32_000)); // warm-up
parentPort!.on('message', () => {
  parentPort!.postMessage({ kind: 'rate', rate: multiplyRate(points) });
});
parentPort!.postMessage({ kind: 'ready' });
