/**
 * Worker thread running the reading half of an import (read-rows.ts), so that parsing and
 * normalising use one core while the import's thread writes to the database on the other.
 *
 * Flow control: at most IN_FLIGHT events are sent ahead of the import's acknowledgements, so a slow
 * database bounds the memory held in messages.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readRows, type ReadEvent, type ReadSpec } from './read-rows.js';
import { toWireError, type ReaderMessage } from './read-messages.js';

const IN_FLIGHT = 4;

const port = parentPort;
if (!port) throw new Error('node/datasets/read-worker.js must run in a worker thread');

let credits = IN_FLIGHT;
let wake: (() => void) | undefined;
port.on('message', () => {
  credits++;
  wake?.();
});

const transferables = (e: ReadEvent): ArrayBuffer[] =>
  e.type === 'rows' ? ([e.batch.lines.buffer, e.batch.ends.buffer, e.batch.hashes.buffer] as ArrayBuffer[]) : [];

try {
  for await (const event of readRows(workerData as ReadSpec)) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    port.postMessage(event satisfies ReaderMessage, transferables(event));
  }
} catch (err) {
  port.postMessage({ type: 'error', error: toWireError(err) } satisfies ReaderMessage);
}
// Done: stop listening for acknowledgements, so the thread can end.
port.removeAllListeners('message');
port.unref();
