// The environment consul-template gives its exec child and commands (config/env.go Env() plus the runner's
// childEnv): the parent's variables filtered by allowlist then denylist (Go globs), or none when pristine;
// then `custom` ("K=V" entries, which win), starting with the agent settings the runner exports.
import type { ExecEnvSpec } from './template-config.js';
import { pathMatch } from './glob-match.js';

export function execEnvironment(parent: Record<string, string | undefined>, spec: ExecEnvSpec | undefined, runnerVars: Record<string, string>): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  if (!spec?.pristine) {
    for (const [k, v] of Object.entries(parent)) {
      if (v === undefined) continue;
      if (spec?.allowlist?.length && !spec.allowlist.some((p) => pathMatch(p, k))) continue;
      if (spec?.denylist?.some((p) => pathMatch(p, k))) continue;
      out[k] = v;
    }
  }
  const custom = [...Object.entries(runnerVars).map(([k, v]) => `${k}=${v}`), ...(spec?.custom ?? [])];
  for (const kv of custom) {
    const eq = kv.indexOf('=');
    if (eq <= 0) continue;
    out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}
