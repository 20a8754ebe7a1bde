/**
 * A CryptoPool worker: runs batched group operations on the native backend for the pool's thread.
 * One job at a time; the result's buffer is transferred back.
 */
import { parentPort } from 'node:worker_threads';
import type { Group } from '../../protocols/group/group.js';
import { defaultGroup } from '../../protocols/group/index.js';
import { toWire, type FromWorker, type Job, type ToWorker } from './protocol.js';
import { idViews } from './views.js';

const port = parentPort;
if (!port) throw new Error('node/crypto-pool/worker.js must run in a worker thread');
const group = defaultGroup();

const reply = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  if (message.type === 'exitForTestsOnly') process.exit(message.code);
  try {
    const out = run(group, message);
    // Group results own their buffer; transfer it rather than copy (a view of a larger buffer is copied).
    const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    reply({ type: 'done', id: message.id, out: owned }, [owned.buffer as ArrayBuffer]);
  } catch (err) {
    reply({ type: 'failed', id: message.id, error: toWire(err, failingElement(group, message)) });
  }
});
reply({ type: 'ready', suite: group.suite });

function run(g: Group, job: Job): Uint8Array {
  if (job.type === 'multiply') return g.multiply(job.scalar, job.points);
  return g.hashToGroup(job.dst, idViews(job.ids, job.offsets));
}

/**
 * After a failed job: the first element that fails on its own, which is the one the batch call
 * stopped at (both backends process elements in order). Only runs on the error path.
 */
function failingElement(g: Group, job: Job): number | undefined {
  const n = job.type === 'multiply' ? job.points.length / g.pointBytes : job.offsets.length - 1;
  for (let i = 0; i < n; i++) {
    try {
      if (job.type === 'multiply') g.multiply(job.scalar, job.points.subarray(i * g.pointBytes, (i + 1) * g.pointBytes));
      else g.hashToGroup(job.dst, [job.ids.subarray(job.offsets[i], job.offsets[i + 1])]);
    } catch {
      return i;
    }
  }
  return undefined;
}
