/**
 * The responder's OPRF key and evaluated set F(y) = b·H(y).
 *
 * Within a key epoch of an agreement (terms version 2, and only where the querier may learn
 * membership anyway — see `oprfKeyEpochForRun`) the key is kept and F(y) is computed once per
 * epoch and dataset generation, then reused: repeated queries against a large partner set cost
 * only the querier's side (unbalanced PSI). Otherwise (epoch 0) every run draws a fresh key and
 * nothing is cached, so F-values of different runs can't be linked.
 *
 * Keys are secret files (mode 0600); F(y) is as sensitive as the hashed identifiers (with b it can
 * be unblinded), so its file is 0600 too. Creating and retiring keys is audited.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { digestOrder, digests, gather, type BatchMultiply } from '../../protocols/psi/index.js';
import type { Group, ScalarBytes } from '../../protocols/group/group.js';
import type { AuditLog } from '../audit/log.js';
import { assertSecretFileMode, writeFileAtomic } from '../fs/atomic-write.js';
import { digestContext } from './env.js';

export interface EvaluatedSet {
  key: ScalarBytes;
  /** F(y), in the order of the dataset's rows. */
  fy: Uint8Array;
  /** Whether F(y) came from the cache (no multiplications paid). */
  cached: boolean;
  /** Truncated digests of F(y), sorted, and the permutation that sorts them (to align labels). */
  sorted(length: number): { digests: Uint8Array; order: Uint32Array };
}

export interface EvaluateRequest {
  agreementId: string;
  runId: string;
  /** 1, 2, … for an agreement key epoch; 0 for a key of this run only. */
  epoch: number;
  generation: number;
  /** Number of records in that generation. */
  size: number;
  /** The hashed identifiers, loaded only when F(y) must be computed. */
  points: () => Uint8Array;
  multiply: BatchMultiply;
  onProgress?: (done: number, total: number) => Promise<void>;
  /** The run's link: once the querier is gone, the evaluation stops and rejects with the reason. */
  signal?: AbortSignal;
}

/** Points per multiplication call when F(y) is computed: keeps progress reports flowing. */
const CHUNK = 65_536;

interface Entry {
  fy: Uint8Array;
  sorted: Map<number, { digests: Uint8Array; order: Uint32Array }>;
}

export class SenderCache {
  private readonly memory = new Map<string, Entry>();

  constructor(
    private readonly dir: string,
    private readonly group: Group,
    private readonly audit: AuditLog,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  async evaluatedSet(o: EvaluateRequest): Promise<EvaluatedSet> {
    if (o.epoch === 0) {
      const key = this.group.randomScalar();
      const entry: Entry = { fy: await this.evaluate(key, o), sorted: new Map() };
      return this.view(key, entry, false, digestContext(o.agreementId, 0, o.runId));
    }
    const key = this.keyFor(o.agreementId, o.epoch);
    const id = `${o.agreementId}.${o.epoch}.g${o.generation}`;
    let entry = this.memory.get(id);
    let cached = true;
    if (!entry) {
      const file = join(this.dir, `${id}.fy`);
      let fy = this.readCached(file, o.size * this.group.pointBytes);
      if (!fy) {
        cached = false;
        fy = await this.evaluate(key, o);
        writeFileAtomic(file, fy, { mode: 0o600 });
      }
      entry = { fy, sorted: new Map() };
      for (const other of this.memory.keys()) if (other.startsWith(`${o.agreementId}.`)) this.memory.delete(other);
      this.memory.set(id, entry);
    }
    return this.view(key, entry, cached, digestContext(o.agreementId, o.epoch, o.runId));
  }

  private view(key: ScalarBytes, entry: Entry, cached: boolean, context: Uint8Array): EvaluatedSet {
    return {
      key,
      fy: entry.fy,
      cached,
      sorted: (length) => {
        let s = entry.sorted.get(length);
        if (!s) {
          const d = digests(entry.fy, context, length);
          const order = digestOrder(d, length);
          s = { digests: gather(d, length, order), order };
          entry.sorted.set(length, s);
        }
        return s;
      },
    };
  }

  private async evaluate(key: ScalarBytes, o: EvaluateRequest): Promise<Uint8Array> {
    const size = this.group.pointBytes;
    const points = o.points();
    const fy = new Uint8Array(points.length);
    for (let offset = 0; offset < points.length; offset += CHUNK * size) {
      fy.set(await o.multiply(key, points.subarray(offset, offset + CHUNK * size), o.signal), offset);
      await o.onProgress?.(Math.min(offset + CHUNK * size, points.length) / size, points.length / size);
    }
    return fy;
  }

  private readCached(file: string, expectedBytes: number): Uint8Array | undefined {
    if (!existsSync(file)) return undefined;
    assertSecretFileMode(file);
    const bytes = readFileSync(file);
    return bytes.length === expectedBytes ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) : undefined;
  }

  /** The epoch's key, created on first use; keys and F(y) of earlier epochs are retired. */
  private keyFor(agreementId: string, epoch: number): ScalarBytes {
    const file = join(this.dir, `${agreementId}.${epoch}.key`);
    if (!existsSync(file)) {
      try {
        writeFileAtomic(file, this.group.randomScalar(), { mode: 0o600, exclusive: true });
        this.audit.append({ actor: 'system', action: 'oprf.key_created', subject: agreementId, details: { epoch } });
        this.retireBefore(agreementId, epoch);
      } catch (err) {
        // Another process of this node created it first: use theirs.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    assertSecretFileMode(file);
    return new Uint8Array(readFileSync(file));
  }

  private retireBefore(agreementId: string, epoch: number): void {
    for (const name of readdirSync(this.dir)) {
      const m = /^(.+)\.(\d+)\.(key|g\d+\.fy)$/.exec(name);
      if (m && m[1] === agreementId && Number(m[2]) < epoch) {
        rmSync(join(this.dir, name), { force: true });
        if (m[3] === 'key') this.audit.append({ actor: 'system', action: 'oprf.key_retired', subject: agreementId, details: { epoch: Number(m[2]) } });
      }
    }
  }
}

/** The key epoch a run uses on the wire: the agreement epoch + 1, or 0 for a run-only key. */
export function wireEpoch(epoch: number | null): number {
  return epoch === null ? 0 : epoch + 1;
}
