import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  // The browser app lands in dist/web (scripts/build-app.mjs), which runs after tsup; keep clean from wiping it.
  clean: false,
  sourcemap: true,
  target: 'node20',
});
