/**
 * The hash pass: the second phase of an import. Once every row of a staging generation is stored,
 * its identifiers are hashed to the group on all cores (CryptoPool) and the points written back,
 * all before the generation is published, so a dataset is never visible without its points.
 *
 * Memory stays bounded: identifiers are read in row order, CHUNK_ROWS at a time, packed into one
 * reused buffer; at most IN_FLIGHT chunks are being hashed while the next is read and the last is
 * written back, which keeps every worker busy.
 */
import type { CryptoPool } from '../crypto-pool/pool.js';
import { MofangError } from '../errors.js';
import type { Db } from '../store/db.js';
import { heartbeat } from './generations.js';

/** Rows read, hashed and written back together (one write transaction per chunk). */
const CHUNK_ROWS = 8192;
/** Chunks being hashed at once. */
const IN_FLIGHT = 3;

export interface HashPassOptions {
  generation: number;
  /** Domain-separation tag (store.ts `pointDst`). */
  dst: Uint8Array;
  pool: CryptoPool;
  /** Called after each chunk is written, with the rows hashed so far; throwing aborts the pass. */
  onChunk?: (hashed: number) => void;
}

interface Chunk {
  rows: Uint32Array;
  count: number;
  points: Promise<Uint8Array>;
}

/** Hashes every record of the generation; returns how many. */
export async function hashPass(db: Db, options: HashPassOptions): Promise<number> {
  const { generation, dst, pool } = options;
  const select = db.prepare('SELECT row, id_norm FROM records WHERE generation = ? AND row > ? ORDER BY row LIMIT ?').raw();
  const update = db.prepare('UPDATE records SET point = ? WHERE generation = ? AND row = ?');
  const beat = heartbeat(db, generation);
  const size = pool.pointBytes;
  const writeBack = db.transaction((rows: Uint32Array, count: number, points: Uint8Array) => {
    beat();
    for (let i = 0; i < count; i++) {
      const point = Buffer.from(points.buffer, points.byteOffset + i * size, size);
      if (update.run(point, generation, rows[i]).changes !== 1)
        throw new MofangError('INTERNAL', `generation ${generation}: row ${rows[i]} vanished during the hash pass`);
    }
  }).immediate;

  let packed: Buffer = Buffer.allocUnsafe(CHUNK_ROWS * 32);
  const offsets = new Uint32Array(CHUNK_ROWS + 1);
  let after = -1;
  let hashed = 0;

  /** The next chunk of identifiers, packed, with its hashing started; undefined at the end. */
  const next = (): Chunk | undefined => {
    const records = select.all(generation, after, CHUNK_ROWS) as [number, string][];
    if (records.length === 0) return undefined;
    const rows = new Uint32Array(records.length);
    let bytes = 0;
    for (let i = 0; i < records.length; i++) {
      const [row, id] = records[i];
      rows[i] = row;
      // A UTF-16 code unit takes at most 3 bytes of UTF-8.
      if (bytes + 3 * id.length > packed.length) packed = grow(packed, bytes + 3 * id.length);
      bytes += packed.write(id, bytes);
      offsets[i + 1] = bytes;
    }
    after = rows[records.length - 1];
    // The pool copies its inputs before it returns, so `packed` and `offsets` can be refilled at once.
    const points = pool.hashToGroup(dst, packed.subarray(0, bytes), offsets.subarray(0, records.length + 1));
    points.catch(() => undefined); // awaited below, in order; don't report it unhandled meanwhile
    return { rows, count: records.length, points };
  };

  const inFlight: Chunk[] = [];
  for (let done = false; ; ) {
    if (!done) {
      const chunk = next();
      if (chunk) inFlight.push(chunk);
      else done = true;
      if (!done && inFlight.length < IN_FLIGHT) continue;
    }
    const chunk = inFlight.shift();
    if (!chunk) break;
    writeBack(chunk.rows, chunk.count, await chunk.points);
    hashed += chunk.count;
    options.onChunk?.(hashed);
  }
  return hashed;
}

function grow(buffer: Buffer, needed: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(needed, 2 * buffer.length));
  buffer.copy(bigger);
  return bigger;
}
