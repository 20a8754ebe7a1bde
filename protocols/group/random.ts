/** The default randomness source: libsodium's CSPRNG (getrandom(2) on Linux). */
import { ProtocolError } from '../errors.js';
import type { RandomBytes } from './group.js';
import { sodium } from './sodium.js';

export const defaultRandomBytes: RandomBytes = (length) => {
  const out = new Uint8Array(length);
  sodium.randombytes_buf(out);
  return out;
};

/**
 * Draws `length` bytes from an injected source and checks it kept its contract: a short read
 * would silently weaken keys and shuffles.
 */
export function drawRandom(rng: RandomBytes, length: number): Uint8Array {
  const bytes = rng(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    throw new ProtocolError('PSI_INPUT_INVALID', `rng: asked for ${length} bytes, got ${bytes?.length}`);
  }
  return bytes;
}
