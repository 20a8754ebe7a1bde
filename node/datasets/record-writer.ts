/**
 * Writes the records of a staging generation in line order, committed every COMMIT_ROWS rows, with
 * a placeholder point: the hash pass (hash-pass.ts) fills the points in before the generation is
 * published.
 *
 * Rows arrive in line order and the records table is keyed by (generation, row), so every insert
 * appends to the table's b-tree; with no other index on the table that runs at ≈ 400,000 rows/s.
 * Each commit is one short transaction, so the write lock is never held while the file is read.
 *
 * The queue holds the reader's batches as they came (one string and typed arrays each) and a mask
 * of the rows to write; each row's strings are cut out of its batch only when it is inserted, so
 * they die young instead of piling up in the old generation until the commit.
 */
import type { Db } from '../store/db.js';
import { heartbeat } from './generations.js';
import type { RowBatch } from './read-rows.js';

/** Rows per write transaction. */
const COMMIT_ROWS = 1 << 16;

interface Queued {
  batch: RowBatch;
  /** 1 for each row of the batch to write. */
  write: Uint8Array;
}

export class RecordWriter {
  /** Records committed so far. */
  written = 0;
  private queue: Queued[] = [];
  private queuedRows = 0;
  private readonly commit: () => number;
  private readonly storedId: (row: number) => string;

  constructor(db: Db, generation: number, pointBytes: number) {
    const insert = db.prepare(`INSERT INTO records (generation, row, id_norm, point, attrs) VALUES (?, ?, ?, zeroblob(${pointBytes}), ?)`);
    const select = db.prepare('SELECT id_norm FROM records WHERE generation = ? AND row = ?').pluck();
    const beat = heartbeat(db, generation);
    this.commit = db.transaction(() => {
      beat();
      let n = 0;
      for (const { batch, write } of this.queue) {
        const { lines, text, ends } = batch;
        for (let i = 0; i < batch.count; i++) {
          if (write[i] === 0) continue;
          insert.run(generation, lines[i], idOf(batch, i), text.slice(ends[2 * i], ends[2 * i + 1]));
          n++;
        }
      }
      return n;
    }).immediate;
    this.storedId = (row) => select.get(generation, row) as string;
  }

  /**
   * Queues a batch (its lines after every line queued before); returns the mask the caller sets to
   * 1 for each row to write. Call `commitIfFull()` once the mask is set.
   */
  queueBatch(batch: RowBatch): Uint8Array {
    const write = new Uint8Array(batch.count);
    this.queue.push({ batch, write });
    return write;
  }

  /** Writes the queue once it holds COMMIT_ROWS rows. */
  commitIfFull(): void {
    const last = this.queue[this.queue.length - 1];
    if (last) for (let i = 0; i < last.write.length; i++) this.queuedRows += last.write[i];
    if (this.queuedRows >= COMMIT_ROWS) this.flush();
  }

  /** Writes everything queued. */
  flush(): void {
    if (this.queue.length === 0) return;
    this.written += this.commit();
    this.queue = [];
    this.queuedRows = 0;
  }

  /** The identifier of a row queued or written earlier (queued: its mask entry may still be 0). */
  idOfRow(row: number): string {
    for (let q = this.queue.length - 1; q >= 0; q--) {
      const { batch } = this.queue[q];
      if (batch.count === 0 || row < batch.lines[0]) continue;
      const i = search(batch.lines, batch.count, row);
      if (i >= 0) return idOf(batch, i);
      break;
    }
    return this.storedId(row);
  }
}

function idOf(batch: RowBatch, i: number): string {
  return batch.text.slice(i === 0 ? 0 : batch.ends[2 * i - 1], batch.ends[2 * i]);
}

/** Index of `row` in the first `count` sorted lines, or -1. */
function search(lines: Uint32Array, count: number, row: number): number {
  let lo = 0;
  let hi = count - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (lines[mid] < row) lo = mid + 1;
    else hi = mid;
  }
  return lines[lo] === row ? lo : -1;
}
