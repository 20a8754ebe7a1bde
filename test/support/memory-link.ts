/**
 * Two Links joined in memory, for running both parties of a protocol in one process in tests.
 * Frames still pass through the real protobuf codec, so what the test exercises is what crosses
 * the wire.
 */
import { Duplex } from 'node:stream';
import { runFrameCodec } from '../../node/peer/codec.js';
import { duplexLink, type Link } from '../../node/session/link.js';

export function memoryLinkPair(timeoutMs = 5_000, names: [string, string] = ['a', 'b']): [Link, Link] {
  const codec = runFrameCodec();
  let a!: Duplex;
  let b!: Duplex;
  const make = (other: () => Duplex) =>
    new Duplex({
      objectMode: true,
      read() {},
      write(frame, _enc, done) {
        other().push(codec.decode(codec.encode(frame)));
        done();
      },
      final(done) {
        other().push(null);
        done();
      },
    });
  a = make(() => b);
  b = make(() => a);
  // Each link is named after the party at its far end.
  return [duplexLink(a, { timeoutMs, sizeOf: codec.sizeOf, peerName: names[1] }), duplexLink(b, { timeoutMs, sizeOf: codec.sizeOf, peerName: names[0] })];
}
