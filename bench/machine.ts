/**
 * What a benchmark's numbers depend on: the machine (CPU, cores, Node, kernel, load, source commit)
 * and whether other work is using the CPUs while it runs (the contention check).
 */
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { ROOT, runCommand } from './harness.js';
import { allCores, type LimitMeasurement } from './limit.js';

export async function machineInfo(started: Date): Promise<Record<string, unknown>> {
  const git = async (...a: string[]) => {
    try {
      const r = await runCommand('git', ['-C', ROOT, ...a], { label: 'git', timeoutMs: 10_000 });
      return r.code === 0 ? r.stdout.trim() : null;
    } catch {
      return null;
    }
  };
  const commit = process.env.MOFANG_BENCH_COMMIT ?? (await git('rev-parse', '--short', 'HEAD'));
  const dirty = process.env.MOFANG_BENCH_COMMIT ? null : await git('status', '--porcelain', '--untracked-files=no');
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    nproc: cpus().length,
    availableParallelism: availableParallelism(),
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${release()}`,
    date: started.toISOString(),
    loadStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    source: { commit, modifiedTrackedFiles: dirty == null ? null : dirty.split('\n').filter(Boolean).length },
  };
}

/** Below this share of rate × cores, all cores at once means other work is taking CPU. */
export const CONTENDED_SHARE = 0.8;

/**
 * The machine may be shared: all cores multiplying at once, compared with rate × cores. Logged and
 * recorded; a low value means other work took CPU and the times measured around it are inflated.
 */
export async function contentionCheck(limit: LimitMeasurement, when: string, log: (text: string) => void): Promise<number | null> {
  try {
    const rate = await allCores(limit.cores);
    const share = rate / limit.limitRate;
    log(
      `  all ${limit.cores} cores at once ${when}: ${Math.round(rate).toLocaleString('en-US')} mult/s (${(100 * share).toFixed(0)} % of rate × cores)${share < CONTENDED_SHARE ? ' — CONTENDED: other work is using the CPUs, times are inflated and ratios understated' : ''}`,
    );
    return rate;
  } catch {
    return null;
  }
}
