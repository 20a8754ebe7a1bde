/** Packed identifiers: one byte buffer and n + 1 offsets, so a batch crosses threads as two buffers. */
import { ProtocolError } from '../../protocols/errors.js';

/** The identifiers as views (no copy), for `Group.hashToGroup`. */
export function idViews(ids: Uint8Array, offsets: Uint32Array): Uint8Array[] {
  const views = new Array<Uint8Array>(offsets.length - 1);
  for (let i = 0; i < views.length; i++) views[i] = ids.subarray(offsets[i], offsets[i + 1]);
  return views;
}

/** Checks the packing: offsets non-decreasing and within `ids`. Returns the identifier count. */
export function packedCount(ids: Uint8Array, offsets: Uint32Array): number {
  if (!(ids instanceof Uint8Array)) throw new ProtocolError('PSI_INPUT_INVALID', 'ids: expected a Uint8Array of packed identifiers');
  if (!(offsets instanceof Uint32Array) || offsets.length === 0) {
    throw new ProtocolError('PSI_INPUT_INVALID', 'offsets: expected a Uint32Array of n + 1 offsets into ids');
  }
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i] < offsets[i - 1]) throw new ProtocolError('PSI_INPUT_INVALID', `offsets[${i}]: offsets must not decrease`);
  }
  if (offsets[offsets.length - 1] > ids.length) {
    throw new ProtocolError('PSI_INPUT_INVALID', `offsets[${offsets.length - 1}]: beyond the end of ids (${ids.length} bytes)`);
  }
  return offsets.length - 1;
}

/**
 * Packs strings as UTF-8 into one buffer with offsets.
 * @example const { ids, offsets } = packIds(['+8613800138000', 'alice@example.com']);
 */
export function packIds(values: readonly string[]): { ids: Uint8Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) offsets[i + 1] = bytes += Buffer.byteLength(values[i]);
  const ids = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < values.length; i++) ids.write(values[i], offsets[i]);
  return { ids: new Uint8Array(ids.buffer, ids.byteOffset, ids.length), offsets };
}
