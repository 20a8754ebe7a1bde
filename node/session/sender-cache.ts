/**
 * The responder's OPRF key per agreement and key epoch, and its evaluated set F(y) = b·H(y):
 * computed once per epoch (and dataset generation), then reused, so repeated queries against a
 * large partner set cost only the querier's side (unbalanced PSI).
 *
 * Keys are secret files (mode 0600); F(y) is as sensitive as the hashed identifiers (with b it
 * can be unblinded), so its file is 0600 too. Creating and retiring keys is audited.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { digests, sortDigests, type BatchMultiply } from '../../protocols/psi/index.js';
import type { Group, ScalarBytes } from '../../protocols/group/group.js';
import type { AuditLog } from '../audit/log.js';
import type { StoredAgreement } from '../agreements/store.js';
import { assertSecretFileMode, writeFileAtomic } from '../fs/atomic-write.js';
import { digestContext } from './env.js';

const DAY_MS = 86_400_000;
export const DEFAULT_KEY_EPOCH_DAYS = 30;

export function keyEpochOf(agreement: StoredAgreement, now: Date): number {
  const days = (agreement.terms as { oprfKeyEpochDays?: number }).oprfKeyEpochDays ?? DEFAULT_KEY_EPOCH_DAYS;
  return Math.max(0, Math.floor((now.getTime() - Date.parse(agreement.terms.createdAt)) / (days * DAY_MS)));
}

export interface EpochKey {
  key: ScalarBytes;
  epoch: number;
}

interface Entry {
  fy: Uint8Array;
  sorted: Map<number, Uint8Array>;
}

/** Points per multiplication call when F(y) is computed: keeps progress reports flowing. */
const CHUNK = 65_536;

export class SenderCache {
  /** In-memory F(y) and sorted digests of the current epochs, keyed by agreement, epoch and generation. */
  private readonly memory = new Map<string, Entry>();

  constructor(private readonly dir: string, private readonly group: Group, private readonly audit: AuditLog) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** The OPRF key of the agreement's current epoch (created on first use). */
  epochKey(agreement: StoredAgreement, now: Date): EpochKey {
    const epoch = keyEpochOf(agreement, now);
    return { key: this.keyFor(agreement.id, epoch), epoch };
  }

  /**
   * Sorted truncated digests of F(y) under the epoch key. F(y) is computed once per epoch and
   * dataset generation (in chunks, reporting progress), then served from memory or its file.
   */
  async sortedDigests(o: {
    agreementId: string; epochKey: EpochKey; generation: number; points: Uint8Array; digestLength: number;
    multiply: BatchMultiply; onProgress?: (done: number, total: number) => Promise<void>;
  }): Promise<{ sorted: Uint8Array; cached: boolean }> {
    const { key, epoch } = o.epochKey;
    const id = `${o.agreementId}.${epoch}.g${o.generation}`;
    let entry = this.memory.get(id);
    let cached = true;
    if (!entry) {
      const file = join(this.dir, `${id}.fy`);
      let fy: Uint8Array | undefined;
      if (existsSync(file)) {
        assertSecretFileMode(file);
        const bytes = readFileSync(file);
        if (bytes.length === o.points.length) fy = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
      }
      if (!fy) {
        cached = false;
        fy = new Uint8Array(o.points.length);
        const step = CHUNK * this.group.pointBytes;
        for (let offset = 0; offset < o.points.length; offset += step) {
          fy.set(await o.multiply(key, o.points.subarray(offset, offset + step)), offset);
          await o.onProgress?.(Math.min(offset + step, o.points.length) / this.group.pointBytes, o.points.length / this.group.pointBytes);
        }
        writeFileAtomic(file, fy, { mode: 0o600 });
      }
      entry = { fy, sorted: new Map() };
      this.evictOthers(o.agreementId, id);
      this.memory.set(id, entry);
    }
    let sorted = entry.sorted.get(o.digestLength);
    if (!sorted) {
      sorted = sortDigests(digests(entry.fy, digestContext(o.agreementId, epoch), o.digestLength), o.digestLength);
      entry.sorted.set(o.digestLength, sorted);
    }
    return { sorted, cached };
  }

  /** The epoch's key, created on first use; keys of earlier epochs are retired. */
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

  private evictOthers(agreementId: string, keep: string): void {
    for (const id of this.memory.keys()) if (id.startsWith(`${agreementId}.`) && id !== keep) this.memory.delete(id);
  }
}
