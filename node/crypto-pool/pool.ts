/**
 * CryptoPool: the node's group operations (hash-to-group, scalar multiplication) on every core.
 *
 * A call is one batch — points or packed identifiers in one typed array, never an object per
 * element. The pool cuts it into jobs of at most a few thousand elements, copies each job's slice
 * into a fresh buffer that is transferred to a worker (the caller's arrays are never detached, and
 * may be reused as soon as the call returns its promise), and writes each result, transferred back,
 * at its place in one output: the output is in input order whatever order the jobs finish in.
 *
 * Workers run `defaultGroup()` (the native backend) from the compiled `dist/` scripts. Small
 * batches run in the calling thread, where handing them to a thread would cost more than it saves
 * (INLINE_BELOW).
 *
 * Failures: an element error (PSI_POINT_INVALID, …) rejects the call with the error the inline
 * call on the whole batch would throw — same class, code and message, index counted in the whole
 * batch. A worker that dies rejects the calls it was working on and is replaced.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Group } from '../../protocols/group/group.js';
import { defaultGroup } from '../../protocols/group/index.js';
import { compiledScript } from './compiled-script.js';
import { fromWire, type FromWorker, type Job, type ToWorker } from './protocol.js';
import { idViews, packedCount } from './views.js';

export type PoolOperation = Job['type'];

export interface CryptoPoolOptions {
  /** Worker threads; default `os.availableParallelism()`. 0 runs every call in the calling thread. */
  threads?: number;
  /**
   * Batches with fewer elements than this run in the calling thread. Defaults: INLINE_BELOW.
   * Set 0 to send every non-empty batch to the workers (tests of the threaded path use it).
   */
  inlineBelow?: Partial<Record<PoolOperation, number>>;
  /** Largest job handed to one worker, in elements. Defaults: JOB_ELEMENTS. */
  jobElements?: Partial<Record<PoolOperation, number>>;
}

/**
 * Below these sizes a batch runs inline. Measured on the 2-core machine (docs/benchmarks.md,
 * "Import"): the hand-off to a warm worker and back costs ≈ 0.05–0.1 ms, about one hash-to-group or
 * two to three multiplications. On idle cores two workers win from a handful of elements; on a busy
 * machine they barely win at all (128 ids: 11.6 ms pooled, 12.1 ms inline). At these sizes the
 * hand-off is under 10 % of the inline cost, so small batches lose little either way.
 */
const INLINE_BELOW: Readonly<Record<PoolOperation, number>> = Object.freeze({ hashToGroup: 16, multiply: 48 });
/** Jobs of ≈ 0.1–0.2 s: long enough that messaging is noise, short enough to balance the cores. */
const JOB_ELEMENTS: Readonly<Record<PoolOperation, number>> = Object.freeze({ hashToGroup: 2048, multiply: 4096 });

const WORKER_SCRIPT = 'node/crypto-pool/worker.ts';

interface Call {
  operation: PoolOperation;
  out: Uint8Array;
  /** Jobs not yet finished. */
  remaining: number;
  settled: boolean;
  resolve: (out: Uint8Array) => void;
  reject: (err: Error) => void;
}

interface Queued {
  call: Call;
  /** Index of the job's first element in the call's batch. */
  start: number;
  job: Job;
  transfer: ArrayBuffer[];
}

interface Slot {
  index: number;
  worker: Worker;
  /** The job the worker is computing. */
  busy: Queued | undefined;
  /** Set once the worker has loaded and reported its suite. */
  ready: boolean;
}

export class CryptoPool {
  readonly threads: number;
  /** Suite of the group every operation uses (the workers' is checked against it). */
  readonly suite: string;
  readonly pointBytes: number;
  private readonly group: Group = defaultGroup();
  private readonly inlineBelow: Record<PoolOperation, number>;
  private readonly jobElements: Record<PoolOperation, number>;
  private readonly script: string | undefined;
  private slots: Slot[] = [];
  private readonly queue: Queued[] = [];
  private nextJobId = 1;
  private closed = false;
  private readonly computed: Record<PoolOperation, number> = { hashToGroup: 0, multiply: 0 };
  /** Set when workers cannot start (missing or stale dist/); every later call fails with it. */
  private broken: Error | undefined;

  /**
   * @example
   * const pool = new CryptoPool();
   * try { const points = await pool.hashToGroup(dst, ids, offsets); } finally { await pool.close(); }
   */
  constructor(options: CryptoPoolOptions = {}) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 0) throw new RangeError(`threads: expected a non-negative integer, got ${threads}`);
    this.threads = threads;
    this.suite = this.group.suite;
    this.pointBytes = this.group.pointBytes;
    this.inlineBelow = { ...INLINE_BELOW, ...options.inlineBelow };
    this.jobElements = { ...JOB_ELEMENTS, ...options.jobElements };
    for (const size of Object.values(this.jobElements)) {
      if (!Number.isInteger(size) || size < 1) throw new RangeError(`jobElements: expected positive integers, got ${size}`);
    }
    // Resolved now, so a missing build fails here rather than at the first large batch.
    this.script = threads > 0 ? compiledScript(WORKER_SCRIPT) : undefined;
  }

  /**
   * Multiplies every point by `scalar` (Group.multiply, on all cores). When `signal` aborts, the
   * call rejects with its reason and its jobs not yet handed to a worker are dropped (a job in a
   * worker runs to its end: at most one per thread, ≈ 0.1–0.2 s).
   * @throws PSI_POINT_INVALID naming the index of the first invalid point in `points`.
   */
  async multiply(scalar: Uint8Array, points: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    signal?.throwIfAborted();
    this.assertOpen();
    // Whole-call checks (scalar, batch length) exactly as the group makes them, on an empty batch;
    // a batch that is not whole points is left to the group, which rejects it before any work.
    this.group.multiply(scalar, new Uint8Array(0));
    const n = points.length / this.pointBytes;
    if (!Number.isInteger(n) || this.runsInline('multiply', n)) return this.inline('multiply', n, () => this.group.multiply(scalar, points));
    const size = this.pointBytes;
    return this.submit(
      'multiply',
      n,
      (id, start, end) => {
        const slice = copy(points, start * size, end * size);
        return { job: { type: 'multiply', id, scalar: copy(scalar), points: slice }, transfer: [slice.buffer] };
      },
      signal,
    );
  }

  /**
   * Group.hashToGroup over identifiers packed in one buffer: identifier i is
   * `ids[offsets[i] .. offsets[i+1])`, so `offsets` has n + 1 entries (see `packIds`).
   */
  async hashToGroup(dst: Uint8Array, ids: Uint8Array, offsets: Uint32Array): Promise<Uint8Array> {
    this.assertOpen();
    this.group.hashToGroup(dst, []); // checks dst as the group does
    const n = packedCount(ids, offsets);
    if (this.runsInline('hashToGroup', n)) return this.inline('hashToGroup', n, () => this.group.hashToGroup(dst, idViews(ids, offsets)));
    return this.submit('hashToGroup', n, (id, start, end) => {
      const base = offsets[start];
      const slice = copy(ids, base, offsets[end]);
      const rebased = new Uint32Array(end - start + 1);
      for (let i = 0; i < rebased.length; i++) rebased[i] = offsets[start + i] - base;
      return { job: { type: 'hashToGroup', id, dst: copy(dst), ids: slice, offsets: rebased }, transfer: [slice.buffer, rebased.buffer] };
    });
  }

  /** Elements computed since the pool started, per operation, by the workers and inline. */
  elementsComputed(): Readonly<Record<PoolOperation, number>> {
    return { ...this.computed };
  }

  /** Terminates the workers. Pending calls are rejected; later calls throw. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('crypto pool closed while the call was running');
    for (const q of this.queue.splice(0)) this.fail(q.call, err);
    for (const slot of this.slots) if (slot.busy) this.fail(slot.busy.call, err);
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  /** TEST-ONLY: makes one worker exit while it works, to exercise crash recovery. */
  crashWorkerForTestsOnly(slot = 0, code = 70): void {
    this.startWorkers();
    this.slots[slot].worker.postMessage({ type: 'exitForTestsOnly', code } satisfies ToWorker);
  }

  private inline(operation: PoolOperation, n: number, compute: () => Uint8Array): Uint8Array {
    const out = compute();
    this.computed[operation] += n;
    return out;
  }

  private runsInline(operation: PoolOperation, n: number): boolean {
    return this.threads === 0 || n === 0 || n < this.inlineBelow[operation];
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('crypto pool is closed');
    if (this.broken) throw this.broken;
  }

  /**
   * Splits n elements into jobs (at least one per thread when there is enough work) and queues them.
   * `slice` builds job `id` for elements [start, end) from copies of the caller's arrays.
   */
  private submit(
    operation: PoolOperation,
    n: number,
    slice: (id: number, start: number, end: number) => { job: Job; transfer: ArrayBuffer[] },
    signal?: AbortSignal,
  ): Promise<Uint8Array> {
    this.startWorkers();
    const per = Math.min(this.jobElements[operation], Math.ceil(n / this.threads));
    let onAbort: (() => void) | undefined;
    const result = new Promise<Uint8Array>((resolve, reject) => {
      const call: Call = { operation, out: new Uint8Array(n * this.pointBytes), remaining: 0, settled: false, resolve, reject };
      for (let start = 0; start < n; start += per) {
        const end = Math.min(n, start + per);
        this.queue.push({ call, start, ...slice(this.nextJobId++, start, end) });
        call.remaining++;
      }
      onAbort = () => {
        this.fail(call, signal?.reason as Error);
        // Dropped now, not when a worker would reach them: the queue is the work still to do.
        for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].call === call) this.queue.splice(i, 1);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatch();
    });
    if (signal && onAbort) {
      const listener = onAbort;
      const forget = () => signal.removeEventListener('abort', listener);
      result.then(forget, forget);
    }
    return result;
  }

  private startWorkers(): void {
    if (this.slots.length > 0 || this.threads === 0) return;
    for (let i = 0; i < this.threads; i++) this.slots.push(this.spawn(i));
  }

  private spawn(index: number): Slot {
    const worker = new Worker(this.script as string);
    // Idle workers must not keep the process alive; a worker with a job does (see dispatch).
    worker.unref();
    const slot: Slot = { index, worker, busy: undefined, ready: false };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    // 'error' (an exception the worker did not catch) is always followed by 'exit'.
    worker.on('error', () => undefined);
    worker.on('exit', (code) => this.onExit(slot, code));
    return slot;
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      while (!slot.busy && this.queue.length > 0) {
        const next = this.queue.shift() as Queued;
        if (next.call.settled) continue; // another job of the call failed
        try {
          slot.worker.postMessage(next.job satisfies ToWorker, next.transfer);
        } catch (err) {
          this.fail(next.call, err as Error); // e.g. a buffer that cannot be cloned
          continue;
        }
        slot.busy = next;
        slot.worker.ref();
      }
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if (m.type === 'ready') {
      slot.ready = true;
      if (m.suite !== this.suite) {
        this.breakPool(
          new Error(`crypto pool: the worker runs group suite ${m.suite}, this process ${this.suite}: dist/ is stale, rebuild it (npm run build)`),
        );
      }
      return;
    }
    const done = slot.busy;
    if (!done || done.job.id !== m.id) return; // a job of a pool that was closed meanwhile
    slot.busy = undefined;
    const { call } = done;
    if (m.type === 'failed') this.fail(call, fromWire(m.error, done.start));
    else {
      this.computed[call.operation] += m.out.length / this.pointBytes;
      if (!call.settled) {
        call.out.set(m.out, done.start * this.pointBytes);
        if (--call.remaining === 0) {
          call.settled = true;
          call.resolve(call.out);
        }
      }
    }
    if (this.queue.length === 0) slot.worker.unref();
    this.dispatch();
  }

  private onExit(slot: Slot, code: number): void {
    if (this.closed || this.slots[slot.index] !== slot) return;
    const lost = slot.busy;
    if (!slot.ready) {
      // Died before it loaded: a broken build or environment, which a new worker would repeat.
      this.breakPool(new Error(`crypto pool: a worker failed to start (exit code ${code}); check that dist/ is built (npm run build)`));
      return;
    }
    if (lost) {
      this.fail(
        lost.call,
        new Error(
          `crypto pool: worker ${slot.index} exited (code ${code}) during a ${lost.call.operation} batch; the call was abandoned and the worker replaced`,
        ),
      );
    }
    this.slots[slot.index] = this.spawn(slot.index);
    this.dispatch();
  }

  private fail(call: Call, err: Error): void {
    if (call.settled) return;
    call.settled = true;
    call.reject(err);
  }

  private breakPool(err: Error): void {
    this.broken = err;
    for (const q of this.queue.splice(0)) this.fail(q.call, err);
    for (const slot of this.slots) if (slot.busy) this.fail(slot.busy.call, err);
    const slots = this.slots;
    this.slots = [];
    void Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * A copy in a buffer of its own, which can be transferred. (Not `.slice()`: on a Buffer that is a
 * view of the same memory, and transferring its buffer would detach the caller's.)
 */
function copy(bytes: Uint8Array, start = 0, end = bytes.length): Uint8Array<ArrayBuffer> {
  return new Uint8Array(bytes.subarray(start, end));
}
