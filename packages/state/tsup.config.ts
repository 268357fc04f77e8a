import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // msgpackr is a root dependency of the workspace; never bundle it.
  external: ['msgpackr'],
});
