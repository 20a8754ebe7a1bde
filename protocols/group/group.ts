/**
 * The prime-order group used by the DH-OPRF protocols, behind one interface so that a native
 * backend (hot loop) and a pure-JS reference backend can be swapped and cross-checked.
 *
 * Everything that crosses a boundary is bytes: points and scalars are fixed-length byte strings,
 * and batches are concatenations (`n * pointBytes`), so no per-element JS objects are created in
 * the hot path.
 */

/** A group element in its canonical wire encoding. */
export type PointBytes = Uint8Array;
/** A scalar in the backend's encoding (for X25519: the clamped little-endian representative). */
export type ScalarBytes = Uint8Array;
/** Cryptographically secure random bytes; injectable so tests are deterministic. */
export type RandomBytes = (length: number) => Uint8Array;

export interface Group {
  /** Backend name, for logs and benchmarks (e.g. `x25519-sodium`). */
  readonly backend: string;
  /**
   * Identifies the group, encoding and hash-to-group; peers must agree on it before a run
   * (two backends that are byte-identical share one suite id).
   */
  readonly suite: string;
  /** Length of one encoded point. */
  readonly pointBytes: number;
  /** Length of one encoded scalar. */
  readonly scalarBytes: number;

  /**
   * Hashes each identifier (already normalised, UTF-8) to a point, domain-separated by `dst`.
   * Throws `PSI_INPUT_INVALID` naming the identifier in the ≈ 2^-252 case where it hashes to the identity.
   */
  hashToGroup(dst: Uint8Array, ids: readonly Uint8Array[]): Uint8Array;

  /** A random non-zero scalar usable as a sender (OPRF) key. */
  randomScalar(rng?: RandomBytes): ScalarBytes;

  /** A random blinding scalar together with its inverse (both usable by `multiply`). */
  randomInvertibleScalar(rng?: RandomBytes): { scalar: ScalarBytes; inverse: ScalarBytes };

  /**
   * Multiplies every point of a batch by `scalar`. Points received from a peer are validated:
   * an invalid or low-order point throws `PSI_POINT_INVALID` naming its index in the batch.
   */
  multiply(scalar: ScalarBytes, points: Uint8Array): Uint8Array;
}
