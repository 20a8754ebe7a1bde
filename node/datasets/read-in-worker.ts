/**
 * `readRows` in a worker thread (read-worker.ts): same events, same errors, while this thread is
 * free to write the rows to the database.
 */
import { Worker } from 'node:worker_threads';
import { compiledScript } from '../crypto-pool/compiled-script.js';
import { MofangError } from '../errors.js';
import { fromWireError, type ReaderMessage } from './read-messages.js';
import type { ReadEvent, ReadSpec } from './read-rows.js';

/**
 * The reader allocates a few short-lived strings and objects per row; with V8's default young
 * generation, rows still in flight survive into the old generation and garbage collection took
 * ≈ 45 % of the thread. A larger young generation (its memory is reused) halved the reader's CPU
 * time per row (docs/benchmarks.md, "Import").
 */
const YOUNG_GENERATION_MB = 96;

type Inbox = ReaderMessage | { type: 'exit'; code: number } | { type: 'crash'; message: string };

/**
 * @example for await (const event of readRowsInWorker(spec)) …  // breaking out terminates the worker
 */
export async function* readRowsInWorker(spec: ReadSpec): AsyncGenerator<ReadEvent> {
  const worker = new Worker(compiledScript('node/datasets/read-worker.ts'), {
    workerData: spec,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  const inbox: Inbox[] = [];
  let wake: (() => void) | undefined;
  const deliver = (m: Inbox) => {
    inbox.push(m);
    wake?.();
    wake = undefined;
  };
  worker.on('message', deliver);
  worker.on('error', (err) => deliver({ type: 'crash', message: err.message }));
  worker.on('exit', (code) => deliver({ type: 'exit', code }));
  try {
    for (;;) {
      while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      const m = inbox.shift() as Inbox;
      if (m.type === 'error') throw fromWireError(m.error);
      if (m.type === 'crash' || m.type === 'exit') {
        const why = m.type === 'crash' ? `an uncaught error (${m.message})` : `exit code ${m.code}`;
        throw new MofangError('INTERNAL', `the import's reader thread stopped before the end of the file: ${why}`);
      }
      worker.postMessage('ack');
      yield m;
      if (m.type === 'end') return;
    }
  } finally {
    await worker.terminate();
  }
}
