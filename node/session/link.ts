/**
 * A Link carries the frames of one protocol run between two parties. The session code only
 * sees this interface; the gRPC stream is one implementation, an in-memory pair serves tests.
 * Both count messages and wire bytes for the audit record of the run.
 */
import type { Readable, Writable } from 'node:stream';
import { MofangError } from '../errors.js';
import type { RunFrame } from '../wire/messages.js';
import { fromPeerCode } from '../wire/peer-code.js';

export interface LinkStats {
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface Link {
  send(frame: RunFrame): Promise<void>;
  /** The next frame; rejects with PEER_UNREACHABLE after `timeoutMs` of silence or when the link closes. */
  receive(): Promise<RunFrame>;
  /** Ends our side of the link (half-close); the peer may still be sending. */
  end(): void;
  /** Resolves once the peer has ended its side too (or the link failed), so nothing we sent is cut off. */
  closed(): Promise<void>;
  /**
   * Aborted, with the link's error as reason, once the link can carry nothing more (the peer hung
   * up, cancelled or vanished): local work for the run is pointless from then on, and stops.
   */
  readonly signal: AbortSignal;
  readonly stats: LinkStats;
}

export interface LinkOptions {
  timeoutMs: number;
  /** Exact wire size of a frame, for the stats. */
  sizeOf: (frame: RunFrame) => number;
  /** Frames buffered before reading from the peer pauses (receive-side backpressure). */
  highWaterMark?: number;
  /** For error messages: which peer said or did what. */
  peerName: string;
  /** Our error for one the stream emits (the gRPC link reads the peer's status and coded details). */
  streamError: (err: Error) => MofangError;
}

/** What a Link uses of an object-mode duplex stream of frames (a gRPC bidi call, either side). */
export type FrameStream = Pick<Readable, 'on' | 'off' | 'pause' | 'resume' | 'isPaused'> &
  Pick<Writable, 'writableEnded'> & {
    write(frame: RunFrame): boolean;
    end(): void;
  };

/** Adapts an object-mode duplex stream (a gRPC bidi call, either side) to a Link. */
export function duplexLink(stream: FrameStream, options: LinkOptions): Link {
  const queue: RunFrame[] = [];
  const waiters: { resolve: (f: RunFrame) => void; reject: (e: Error) => void }[] = [];
  const highWaterMark = options.highWaterMark ?? 64;
  let closed: Error | null = null;
  const aborted = new AbortController();
  let markClosed!: () => void;
  const whenClosed = new Promise<void>((resolve) => (markClosed = resolve));
  const stats: LinkStats = { messagesSent: 0, messagesReceived: 0, bytesSent: 0, bytesReceived: 0 };

  stream.on('data', (frame: RunFrame) => {
    stats.messagesReceived++;
    stats.bytesReceived += options.sizeOf(frame);
    const waiter = waiters.shift();
    if (waiter) return waiter.resolve(frame);
    queue.push(frame);
    if (queue.length >= highWaterMark) stream.pause();
  });
  const fail = (err: Error) => {
    markClosed();
    if (closed) return;
    // A peer that aborted and hung up: its reason, not the hang-up, is why we stop (a send in
    // progress would otherwise report only the closed stream).
    const abort = queue.find((f) => f.frame === 'abort');
    closed = abort && abort.frame === 'abort' ? fromPeerCode(options.peerName, abort.abort.code, abort.abort.message) : err;
    for (const w of waiters.splice(0)) w.reject(err);
    aborted.abort(closed);
  };
  // grpc-js tells a server call that its client cancelled, disconnected or was lost to keepalive
  // with 'cancelled' (then 'close'); a cancelled HTTP/2 stream usually ends its readable side
  // first, which fails the link as a hang-up.
  stream.on('cancelled', () => fail(new MofangError('PEER_UNREACHABLE', 'the peer cancelled the run or its connection was lost')));
  stream.on('end', () => fail(new MofangError('PEER_UNREACHABLE', 'the peer closed the stream before the run finished')));
  stream.on('error', (err: Error) => fail(options.streamError(err)));
  stream.on('close', () => fail(new MofangError('PEER_UNREACHABLE', 'the stream to the peer closed')));

  return {
    stats,
    signal: aborted.signal,
    async send(frame) {
      if (closed) throw closed;
      stats.messagesSent++;
      stats.bytesSent += options.sizeOf(frame);
      if (!stream.write(frame)) await onceDrained(stream, () => closed);
    },
    receive() {
      const next = queue.shift();
      if (next) {
        if (queue.length < highWaterMark / 2 && stream.isPaused()) stream.resume();
        return Promise.resolve(next);
      }
      if (closed) return Promise.reject(closed);
      return new Promise<RunFrame>((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(entry);
          if (i >= 0) waiters.splice(i, 1);
          reject(new MofangError('PEER_UNREACHABLE', `the peer sent nothing for ${options.timeoutMs} ms`));
        }, options.timeoutMs);
        const entry = {
          resolve: (f: RunFrame) => (clearTimeout(timer), resolve(f)),
          reject: (e: Error) => (clearTimeout(timer), reject(e)),
        };
        waiters.push(entry);
      });
    },
    end() {
      if (!stream.writableEnded) stream.end();
    },
    closed() {
      return Promise.race([whenClosed, new Promise<void>((resolve) => setTimeout(resolve, options.timeoutMs).unref())]);
    },
  };
}

/**
 * Waits until the peer reads again. No timer of its own: a silent peer is caught by the receive
 * timeout (a run always waits on a frame from the peer while it sends), which ends the stream.
 */
function onceDrained(stream: FrameStream, why: () => Error | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => (cleanup(), resolve());
    // The link's own close handler ran first: it knows whether the peer aborted, and why.
    const onClose = () => (cleanup(), reject(why() ?? new MofangError('PEER_UNREACHABLE', 'the stream to the peer closed')));
    const cleanup = () => {
      stream.off('drain', onDrain);
      stream.off('close', onClose);
    };
    stream.on('drain', onDrain);
    stream.on('close', onClose);
  });
}
