/**
 * Preloaded with `node --import` into the CLI processes the benchmark starts (imports, queries):
 * at exit it prints the process's peak RSS and CPU time on stderr, where bench/harness.ts picks it up.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  try {
    const u = process.resourceUsage();
    writeSync(2, `\nMOFANG_BENCH_MAXRSS_KB=${u.maxRSS} MOFANG_BENCH_CPU_US=${u.userCPUTime + u.systemCPUTime}\n`);
  } catch {
    /* stderr closed */
  }
});
