import type { CheckDefinition } from './check-definition.js';
import type { CheckResult, ProbeOptions } from './check-result.js';
import { runHttpCheck } from './http-check.js';
import { runScriptCheck } from './script-check.js';
import { runTcpCheck } from './tcp-check.js';

/** Runs one interval check (script, http or tcp) once. TTL checks have nothing to run: they are fed by updates. */
export function runCheck(def: CheckDefinition, opts: ProbeOptions = {}): Promise<CheckResult> {
  switch (def.kind) {
    case 'script':
      return runScriptCheck(def, opts);
    case 'http':
      return runHttpCheck(def, opts);
    case 'tcp':
      return runTcpCheck(def, opts);
    case 'ttl':
      throw new TypeError(`check "${def.id}" is a TTL check; it is updated with pass/warn/fail/update, not run`);
  }
}
