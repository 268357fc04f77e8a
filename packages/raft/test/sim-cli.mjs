#!/usr/bin/env node
// npm run sim -w @conclave/raft -- --seeds 100000 [--start 1]   long campaign
// npm run sim -w @conclave/raft -- --seed 1234                   replay one seed with a long trace
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`--${name} needs a non-negative integer, got ${args[i + 1]}`);
    process.exit(2);
  }
  return v;
};
const seed = opt('seed');
const env = { ...process.env };
if (seed !== undefined) {
  env.SIM_START = String(seed);
  env.SIM_SEEDS = '1';
  env.SIM_VERBOSE = '1';
} else {
  env.SIM_START = String(opt('start') ?? 1);
  env.SIM_SEEDS = String(opt('seeds') ?? 1000);
}
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.sim.config.ts', '--silent=false'], { cwd: pkg, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
