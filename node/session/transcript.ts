/**
 * The run transcript: what each party saw, hashed so both can sign the same value in their
 * receipts. One hash per direction — frames in one direction keep their order on the stream,
 * but the interleaving of the two directions differs between the parties.
 */
import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from '../encoding/canonical-json.js';
import type { RunFrame } from '../wire/messages.js';

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
        const aggregate = s.operation === 'aggregate' && s.aggregate ? { aggregate: s.aggregate } : {};
        return void h.update(
          `start:${canonicalJson({ runId: s.runId, agreementId: s.agreementId, operation: s.operation, receiverSetSize: s.receiverSetSize, suite: s.suite, maxBatch: s.maxBatch, labelColumns: s.labelColumns ?? [], ...aggregate })}`,
        );
      }
      case 'accept':
        return void h.update(
          `accept:${canonicalJson({ senderSetSize: frame.accept.senderSetSize, digestLength: frame.accept.digestLength, keyEpoch: frame.accept.keyEpoch })}`,
        );
      case 'blinded':
      case 'evaluated': {
        const batch = frame.frame === 'blinded' ? frame.blinded : frame.evaluated;
        header.writeUInt8(frame.frame === 'blinded' ? 1 : 2, 0);
        header.writeUInt32BE(batch.index, 1);
        header.writeUInt32BE(batch.points.length, 5);
        h.update(header);
        // Shuffled aggregate runs tag each batch with its group; other runs hash as before.
        if (batch.group) h.update(`group:${batch.group}`);
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
      case 'aggregateSettings':
        return void h.update(`aggregate-settings:${frame.aggregateSettings.digest}`);
      case 'heSetup':
        return void h.update(
          `he-setup:${canonicalJson({ planDigest: frame.heSetup.planDigest, publicKeyBytes: frame.heSetup.publicKeyBytes, galoisKeysBytes: frame.heSetup.galoisKeysBytes })}`,
        );
      case 'heChunk': {
        const c = frame.heChunk;
        header.writeUInt8(c.last ? 6 : 5, 0);
        header.writeUInt32BE(c.kind, 1);
        header.writeUInt32BE(c.index, 5);
        h.update(header);
        const size = Buffer.alloc(4);
        size.writeUInt32BE(c.data.length);
        h.update(size);
        return void h.update(c.data);
      }
      case 'noisyValues':
        h.update('noisy-values:');
        return void h.update(frame.noisyValues.values);
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
