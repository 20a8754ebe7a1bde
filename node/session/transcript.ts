/**
 * The run transcript: what each party saw, hashed so both can sign the same value in their
 * receipts. One hash per direction — frames in one direction keep their order on the stream,
 * but the interleaving of the two directions differs between the parties.
 */
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../encoding/canonical-json.js';
import type { RunFrame } from '../peer/wire.js';

export class Transcript {
  private readonly fromQuerier: Hash = createHash('sha256');
  private readonly fromResponder: Hash = createHash('sha256');

  /** Adds a frame sent by `sender`; finish, receipt and abort frames are not part of it. */
  add(sender: 'querier' | 'responder', frame: RunFrame): void {
    const h = sender === 'querier' ? this.fromQuerier : this.fromResponder;
    const header = Buffer.alloc(9);
    switch (frame.frame) {
      case 'start': {
        const s = frame.start;
        return void h.update(`start:${canonicalJson({ runId: s.runId, agreementId: s.agreementId, operation: s.operation, receiverSetSize: s.receiverSetSize, suite: s.suite, maxBatch: s.maxBatch, labelColumns: s.labelColumns ?? [] })}`);
      }
      case 'accept':
        return void h.update(`accept:${canonicalJson({ senderSetSize: frame.accept.senderSetSize, digestLength: frame.accept.digestLength, keyEpoch: frame.accept.keyEpoch })}`);
      case 'blinded':
      case 'evaluated': {
        const batch = frame.frame === 'blinded' ? frame.blinded : frame.evaluated;
        header.writeUInt8(frame.frame === 'blinded' ? 1 : 2, 0);
        header.writeUInt32BE(batch.index, 1);
        header.writeUInt32BE(batch.points.length, 5);
        h.update(header);
        return void h.update(batch.points);
      }
      case 'senderDigests': {
        const batch = frame.senderDigests;
        header.writeUInt8(batch.last ? 4 : 3, 0);
        header.writeUInt32BE(batch.index, 1);
        header.writeUInt32BE(batch.digests.length, 5);
        h.update(header);
        h.update(batch.digests);
        const labels = batch.labels ?? Buffer.alloc(0);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(labels.length);
        h.update(size);
        return void h.update(labels);
      }
      default:
        return;
    }
  }

  digest(): string {
    const q = this.fromQuerier.copy().digest();
    const r = this.fromResponder.copy().digest();
    return createHash('sha256').update('mofang/v1/transcript').update(q).update(r).digest('hex');
  }
}
