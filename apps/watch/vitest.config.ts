import { defineConfig } from 'vitest/config';

// End-to-end tests: the built conclave-watch against a built conclave agent -dev, one file at a time.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000, fileParallelism: false },
});
