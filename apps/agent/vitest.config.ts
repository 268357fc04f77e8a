import { defineConfig } from 'vitest/config';

// End-to-end tests: they start the built `conclave` binary as a process, one file at a time.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000, fileParallelism: false },
});
