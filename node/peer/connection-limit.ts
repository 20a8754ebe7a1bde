/**
 * Connections per remote address, decided when the TCP connection arrives — before TLS, so a
 * stranger opening thousands of connections costs us a socket each for a moment, not a TLS
 * handshake and an HTTP/2 session each. An address may hold `perAddress` connections open and
 * open `newPerSecond` new ones a second (spending up to `newBurst` at once). Pinned partners
 * open one to four connections, so the defaults never touch them; an address over its limit is
 * refused whoever it is, since before TLS nobody has proven who they are.
 */
import { tokenBuckets } from './rate-limit.js';

export interface ConnectionLimits {
  /** Connections one remote address may hold open at once. */
  perAddress: number;
  /** New connections an address regains per second. */
  newPerSecond: number;
  /** New connections an address may open at once. */
  newBurst: number;
}

export const DEFAULT_CONNECTION_LIMITS: Readonly<ConnectionLimits> = Object.freeze({ perAddress: 32, newPerSecond: 10, newBurst: 20 });

/** Why a connection was refused, in words (they key the refusal counters and audit windows). */
export const CONNECTION_REFUSALS = Object.freeze({
  tooManyOpen: 'too many open connections from this address',
  tooManyNew: 'too many new connections from this address',
});

export type ConnectionRefusal = (typeof CONNECTION_REFUSALS)[keyof typeof CONNECTION_REFUSALS];

/**
 * @example
 * const gate = connectionGate(DEFAULT_CONNECTION_LIMITS);
 * const refusal = gate.admit(socket.remoteAddress);
 * if (refusal) socket.destroy(); else socket.once('close', () => gate.release(socket.remoteAddress));
 */
export function connectionGate(limits: ConnectionLimits, now?: () => number) {
  // Only addresses with a connection open are held, so the table is bounded by the open sockets.
  const open = new Map<string, number>();
  const arrivals = tokenBuckets({ burst: limits.newBurst, perSecond: limits.newPerSecond, now });
  return {
    /** Counts the connection in and returns null, or returns why it is refused (nothing counted). */
    admit(host: string): ConnectionRefusal | null {
      const held = open.get(host) ?? 0;
      if (held >= limits.perAddress) return CONNECTION_REFUSALS.tooManyOpen;
      if (!arrivals.take(host)) return CONNECTION_REFUSALS.tooManyNew;
      open.set(host, held + 1);
      return null;
    },
    /** An admitted connection closed. */
    release(host: string): void {
      const held = open.get(host) ?? 0;
      if (held <= 1) open.delete(host);
      else open.set(host, held - 1);
    },
    /** Connections open from `host` (tests and diagnostics). */
    openFrom(host: string): number {
      return open.get(host) ?? 0;
    },
  };
}
