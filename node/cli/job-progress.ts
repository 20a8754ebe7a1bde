/**
 * The job progress bar on stderr, fed by the job row (records processed / total, rate, ETA) as
 * the runner — this process or the node's — writes it. Silent but for a final line when stderr
 * is not a terminal.
 */
import cliProgress from 'cli-progress';
import type { JobView } from '../jobs/store.js';

export function jobProgress(stream: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr): { update(job: JobView): void; done(job: JobView): void } {
  let bar: cliProgress.SingleBar | undefined;
  return {
    update(job) {
      if (!stream.isTTY || job.progress.total === 0) return;
      const fields = {
        phase: job.phase ?? job.status,
        rate: Math.round(job.progress.rate ?? 0),
        eta: job.progress.etaSeconds === null ? '?' : `${Math.round(job.progress.etaSeconds)}s`,
      };
      if (!bar) {
        bar = new cliProgress.SingleBar(
          { stream, format: `${job.kind} {bar} {percentage}% | {value}/{total} records | {rate}/s | ETA {eta} | {phase}`, hideCursor: true },
          cliProgress.Presets.shades_classic,
        );
        bar.start(job.progress.total, job.progress.done, fields);
      }
      bar.setTotal(job.progress.total);
      bar.update(job.progress.done, fields);
    },
    done(job) {
      bar?.stop();
      const seconds = job.startedAt && job.finishedAt ? ((Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000).toFixed(1) : '?';
      if (!stream.isTTY) stream.write(`job ${job.id}: ${job.status} after ${seconds} s (attempt ${job.attempt})\n`);
    },
  };
}
