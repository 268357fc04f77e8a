import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/env-main.ts'],
  format: ['esm'],
  clean: true,
  sourcemap: true,
  target: 'node20',
  banner: { js: '#!/usr/bin/env node' },
});
