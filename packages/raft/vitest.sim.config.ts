import { defineConfig } from 'vitest/config';
import { conclaveAliases } from '../../vitest.aliases.js';

// Long simulation campaigns, run by `npm run sim` (test/sim-cli.mjs), never by `npm test`.
export default defineConfig({
  resolve: { alias: conclaveAliases() },
  test: { include: ['test/**/*.sim.ts'], testTimeout: 24 * 3600 * 1000, reporters: ['dot'] },
});
