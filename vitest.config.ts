import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['node/**/*.test.ts', 'protocols/**/*.test.ts', 'adapters/**/*.test.ts', 'sdk/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start gRPC/HTTP servers on ephemeral loopback ports; files run in parallel
    // workers, which is fine because every test uses its own temp directory and port 0.
    pool: 'forks',
    setupFiles: ['test/support/yield-between-tests.ts'],
  },
});
