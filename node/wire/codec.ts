/** The RunFrame codec taken from the loaded proto, for byte accounting and in-memory links. */
import { peerServiceDefinition } from './contract.js';
import type { RunFrame } from './messages.js';

export interface FrameCodec {
  encode(frame: RunFrame): Buffer;
  decode(bytes: Buffer): RunFrame;
  sizeOf(frame: RunFrame): number;
}

let codec: FrameCodec | undefined;

export function runFrameCodec(): FrameCodec {
  if (codec) return codec;
  const run = peerServiceDefinition().Run;
  const encode = (frame: RunFrame) => run.requestSerialize(frame);
  codec = {
    encode,
    decode: (bytes) => run.requestDeserialize(bytes),
    sizeOf: (frame) => encode(frame).length,
  };
  return codec;
}
