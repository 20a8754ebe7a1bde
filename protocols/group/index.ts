/**
 * The prime-order group for the DH-OPRF protocols. `defaultGroup()` is the native X25519 backend;
 * `createNobleX25519Group()` is its pure-JS reference twin (same suite, same bytes).
 */
import type { Group } from './group.js';
import { createSodiumX25519Group } from './x25519-sodium.js';

export type { Group, PointBytes, RandomBytes, ScalarBytes } from './group.js';
export { defaultRandomBytes } from './random.js';
export { createSodiumX25519Group } from './x25519-sodium.js';
export { createNobleX25519Group } from './x25519-noble.js';
export { POINT_BYTES, X25519_SUITE } from './x25519-encoding.js';

let shared: Group | undefined;

/** The process-wide native backend (stateless apart from scratch buffers; safe to share). */
export function defaultGroup(): Group {
  shared ??= createSodiumX25519Group();
  return shared;
}
