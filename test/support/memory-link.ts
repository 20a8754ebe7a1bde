/**
 * Two Links joined in memory, for running both parties of a protocol in one process in tests.
 * Frames still pass through the real protobuf codec, so what the test exercises is what crosses
 * the wire.
 */
import { Duplex } from 'node:stream';
import { fromGrpcError } from '../../node/peer/status.js';
import { duplexLink, type Link } from '../../node/session/link.js';
import { runFrameCodec } from '../../node/wire/codec.js';

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
  const link = (stream: Duplex, peerName: string) =>
    // Errors are read as the gRPC link reads them, so a test sees what a real run would report.
    duplexLink(stream, { timeoutMs, sizeOf: codec.sizeOf, peerName, streamError: (err) => fromGrpcError(peerName, err) });
  return [link(a, names[1]), link(b, names[0])];
}
