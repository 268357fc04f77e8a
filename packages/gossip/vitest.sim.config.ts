import { defineConfig } from 'vitest/config';
import { conclaveAliases } from '../../vitest.aliases.js';

// `npm run sim`: the long simulation campaign (minutes), kept out of `vitest run`.
export default defineConfig({
  resolve: { alias: conclaveAliases() },
  test: { include: ['test/**/*.sim.ts'], testTimeout: 3_600_000, fileParallelism: false },
});
