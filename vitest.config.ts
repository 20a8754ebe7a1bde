import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['node/**/*.test.ts', 'protocols/**/*.test.ts', 'adapters/**/*.test.ts', 'sdk/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start gRPC/HTTP servers on ephemeral loopback ports; files run in parallel
    // workers, which is fine because every test uses its own temp directory and port 0.
    pool: 'forks',
    // Vitest's default is one worker less than the cores: one on a 2-core CI machine, which then
    // runs file after file with the second core mostly idle (the main vitest process does little,
    // and much of a test's time is spent waiting on child processes, sockets and timers).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    setupFiles: ['test/support/yield-between-tests.ts'],
  },
});
