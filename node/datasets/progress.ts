/**
 * The import progress bars on stderr: one for reading (bytes-based, as the row count isn't known up
 * front, with rows and rows/s), then one for the hash pass (identifiers hashed, ids/s). When stderr
 * is not a terminal (CI, a log file) it stays silent until one final line.
 */
import cliProgress from 'cli-progress';
import type { ImportProgress } from './import.js';

export interface ProgressReporter {
  /** Pass as `onProgress`. */
  update: (p: ImportProgress) => void;
  /** Stops the bar; call on success and failure alike. */
  done: () => void;
}

/**
 * @example
 * const progress = progressReporter();
 * try { await importDataset(db, { ...options, onProgress: progress.update }); } finally { progress.done(); }
 */
export function progressReporter(options: { stream?: NodeJS.WritableStream & { isTTY?: boolean }; label?: string } = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  const label = options.label ?? 'import';
  const started = performance.now();
  let hashStarted: number | undefined;
  let last: ImportProgress | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let barPhase: 'read' | 'hash' | undefined;
  let finished = false;
  const seconds = (from: number, to = performance.now()) => Math.max((to - from) / 1000, 1e-3);
  const rate = (n: number, from: number) => Math.round(n / seconds(from));

  const startBar = (phase: 'read' | 'hash', total: number) => {
    bar?.stop();
    const format =
      phase === 'read'
        ? `${label} {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`
        : `${label} hash {bar} {percentage}% | {value}/{total} ids | {rate} ids/s | ETA {eta_formatted}`;
    bar = new cliProgress.SingleBar({ stream, format, hideCursor: true, etaBuffer: 50 }, cliProgress.Presets.shades_classic);
    bar.start(Math.max(total, 1), 0, { rows: 0, rate: 0 });
    barPhase = phase;
  };

  return {
    update(p) {
      const hashing = p.phase === 'hash';
      if (hashing && hashStarted === undefined) hashStarted = performance.now();
      last = p;
      if (!stream.isTTY) return;
      if (hashing) {
        if (barPhase !== 'hash') startBar('hash', p.toHash ?? 0);
        bar?.update(p.hashed ?? 0, { rate: rate(p.hashed ?? 0, hashStarted as number) });
      } else {
        if (barPhase !== 'read') startBar('read', p.totalBytes);
        bar?.update(p.bytesRead, { rows: p.rowsRead, rate: rate(p.rowsRead, started) });
      }
    },
    done() {
      if (finished) return;
      finished = true;
      bar?.stop();
      if (!stream.isTTY && last) {
        const readSeconds = seconds(started, hashStarted);
        const bytes = last.phase === 'hash' ? last.totalBytes : last.bytesRead;
        let line = `${label}: ${last.rowsRead} rows, ${(bytes / 1e6).toFixed(1)} MB read in ${readSeconds.toFixed(1)} s (${Math.round(last.rowsRead / readSeconds)} rows/s)`;
        if (hashStarted !== undefined) {
          line += `; ${last.hashed ?? 0} ids hashed in ${seconds(hashStarted).toFixed(1)} s (${rate(last.hashed ?? 0, hashStarted)} ids/s)`;
        }
        stream.write(`${line}\n`);
      }
    },
  };
}
