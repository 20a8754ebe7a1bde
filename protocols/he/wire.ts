/**
 * Bytes on the wire for the homomorphic steps, and the checks at the trust boundary.
 *
 * A SEAL object travels as SEAL's own serialisation with compression *off*, compressed by us
 * (brotli, quality 1: as small as SEAL's zstd for ciphertexts, 1 ms each). SEAL's built-in
 * decompression inflates the whole stream before it checks anything: measured here, a 3 MB
 * hostile zlib stream made it allocate 4 GB and spend 10 s before failing. Ours stops at the
 * plan's size bound (`maxOutputLength`), and SEAL then only parses an uncompressed object of
 * the expected size, which it validates against the context (parms id, sizes, coefficient ranges).
 */
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { ProtocolError } from '../errors.js';

const SEAL_MAGIC = 0xa15e;
const SEAL_HEADER_BYTES = 16;
const SEAL_VERSION_MAJOR = 4;
const COMPR_NONE = 0;

/** Compresses one SEAL object saved with `ComprModeType.none`. */
export function packSeal(sealBytes: Uint8Array): Uint8Array {
  return brotliCompressSync(sealBytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_SIZE_HINT]: sealBytes.length },
  });
}

/**
 * Decompresses one SEAL object received from the peer and checks its SEAL header, without
 * letting either step exceed `maxBytes`. Throws HE_MESSAGE_INVALID naming `field`.
 */
export function unpackSeal(bytes: Uint8Array, maxBytes: number, field: string): Uint8Array {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: expected bytes`);
  if (bytes.length === 0 || bytes.length > maxBytes) {
    throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: ${bytes.length} bytes, expected 1..${maxBytes}`);
  }
  let raw: Uint8Array;
  try {
    raw = brotliDecompressSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? `inflates beyond ${maxBytes} bytes` : 'not a valid compressed object';
    throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: ${reason}`);
  }
  // SEAL's header (seal/serialization.h): magic u16, header size u8, version major u8, minor u8,
  // compression mode u8, reserved u16, total size u64, all little-endian.
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const problem =
    raw.length < SEAL_HEADER_BYTES
      ? `${raw.length} bytes is shorter than a SEAL header`
      : view.getUint16(0, true) !== SEAL_MAGIC || raw[2] !== SEAL_HEADER_BYTES
        ? 'not a SEAL object'
        : raw[3] !== SEAL_VERSION_MAJOR
          ? `SEAL serialisation version ${raw[3]}, expected ${SEAL_VERSION_MAJOR}`
          : raw[5] !== COMPR_NONE
            ? `inner SEAL compression mode ${raw[5]}; only uncompressed objects are accepted`
            : view.getBigUint64(8, true) !== BigInt(raw.length)
              ? `SEAL header declares ${view.getBigUint64(8, true)} bytes, got ${raw.length}`
              : undefined;
  if (problem) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: ${problem}`);
  return raw;
}

/** Several byte strings as one: each preceded by its length (u32, big-endian). */
export function frame(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const part of parts) {
    view.setUint32(at, part.length);
    out.set(part, at + 4);
    at += 4 + part.length;
  }
  return out;
}

/** The inverse of `frame`, requiring exactly `count` parts of at most `maxEach` bytes. */
export function unframe(bytes: Uint8Array, count: number, maxEach: number, field: string): Uint8Array[] {
  if (!(bytes instanceof Uint8Array)) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: expected bytes`);
  if (bytes.length > count * (4 + maxEach)) {
    throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: ${bytes.length} bytes exceeds ${count} × ${maxEach}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (parts.length === count) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: more than ${count} parts`);
    if (at + 4 > bytes.length) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}[${parts.length}]: truncated length`);
    const length = view.getUint32(at);
    if (length > maxEach || at + 4 + length > bytes.length) {
      throw new ProtocolError('HE_MESSAGE_INVALID', `${field}[${parts.length}]: length ${length} exceeds ${Math.min(maxEach, bytes.length - at - 4)}`);
    }
    parts.push(bytes.subarray(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (parts.length !== count) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: ${parts.length} parts, expected ${count}`);
  return parts;
}

/** Values mod t as 8-byte big-endian words (t < 2^60). */
export function encodeValues(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setBigUint64(i * 8, v));
  return out;
}

/** The inverse of `encodeValues`: exactly `count` values, each < `modulus`. */
export function decodeValues(bytes: Uint8Array, count: number, modulus: bigint, field: string): bigint[] {
  if (!(bytes instanceof Uint8Array) || bytes.length !== count * 8) {
    throw new ProtocolError('HE_MESSAGE_INVALID', `${field}: expected ${count * 8} bytes (${count} values), got ${bytes?.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, i) => {
    const v = view.getBigUint64(i * 8);
    if (v >= modulus) throw new ProtocolError('HE_MESSAGE_INVALID', `${field}[${i}]: ${v} is not below the plain modulus ${modulus}`);
    return v;
  });
}
