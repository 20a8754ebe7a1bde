/**
 * The import progress bar on stderr: bytes-based (the row count isn't known up front), with rows
 * and rows/s. When stderr is not a terminal (CI, a log file) it stays silent until one final line.
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
  let last: ImportProgress | undefined;
  let bar: cliProgress.SingleBar | undefined;
  let finished = false;
  const rate = (rows: number) => Math.round(rows / Math.max((performance.now() - started) / 1000, 1e-3));

  return {
    update(p) {
      last = p;
      if (!stream.isTTY) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `${label} {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}`, hideCursor: true, etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.max(p.totalBytes, 1), 0, { rows: 0, rate: 0 });
      }
      bar.update(p.bytesRead, { rows: p.rowsRead, rate: rate(p.rowsRead) });
    },
    done() {
      if (finished) return;
      finished = true;
      bar?.stop();
      if (!stream.isTTY && last) {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        stream.write(`${label}: ${last.rowsRead} rows, ${(last.bytesRead / 1e6).toFixed(1)} MB read in ${seconds} s (${rate(last.rowsRead)} rows/s)\n`);
      }
    },
  };
}
