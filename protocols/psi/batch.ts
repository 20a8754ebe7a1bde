/** Entry checks shared by the PSI steps: a batch is a concatenation of fixed-length items. */
import { ProtocolError } from '../errors.js';

/** Number of `itemLength`-byte items in `bytes`; throws PSI_INPUT_INVALID naming `field` otherwise. */
export function itemCount(bytes: Uint8Array, itemLength: number, field: string): number {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtocolError('PSI_INPUT_INVALID', `${field}: expected bytes`);
  }
  if (bytes.length % itemLength !== 0) {
    throw new ProtocolError('PSI_INPUT_INVALID', `${field}: length ${bytes.length} is not a multiple of ${itemLength}`);
  }
  return bytes.length / itemLength;
}
