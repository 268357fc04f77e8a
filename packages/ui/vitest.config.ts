import { defineConfig } from 'vitest/config';
import { conclaveAliases } from '../../vitest.aliases.js';

export default defineConfig({
  resolve: { alias: conclaveAliases() },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60000, hookTimeout: 60000 },
});
