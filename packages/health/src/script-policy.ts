// Script checks run arbitrary commands as the agent's user. Consul made them opt-in (0.9, hashicorp/consul#3087)
// after check registration over HTTP was chained into remote code execution; `enable_local_script_checks`
// (hashicorp/consul#4711) allows them from config files only. Same defaults and words here.

import { RefusedError } from '@conclave/toolkit';
import type { CheckDefinition } from './check-definition.js';

/** Consul's exact refusal for a script check registered over the HTTP API. */
export const REMOTE_SCRIPT_CHECKS_DISABLED =
  "Scripts are disabled on this agent from remote calls; to enable, configure 'enable_script_checks' to true";

/** Consul's refusal for a script check in a config file. */
export const LOCAL_SCRIPT_CHECKS_DISABLED =
  "Scripts are disabled on this agent; to enable, configure 'enable_script_checks' or " +
  "'enable_local_script_checks' to true";

/** A script check the agent's configuration does not allow. Over HTTP Consul answers it with status 500. */
export class ScriptChecksDisabledError extends RefusedError {
  override name = 'ScriptChecksDisabledError';
  constructor(
    message: string,
    readonly checkId: string,
  ) {
    super(message);
  }
}

export interface ScriptCheckPolicy {
  source: 'config' | 'api';
  /** `enable_script_checks` / `-enable-script-checks`: script checks from anywhere, including the HTTP API. */
  enableScriptChecks: boolean;
  /** `enable_local_script_checks` / `-enable-local-script-checks`: script checks from config files only. */
  enableLocalScriptChecks: boolean;
}

/** Throws ScriptChecksDisabledError when `def` is a script check its source may not register; other kinds pass. */
export function assertScriptChecksAllowed(def: Pick<CheckDefinition, 'id' | 'kind'>, policy: ScriptCheckPolicy): void {
  if (def.kind !== 'script') return;
  if (policy.source === 'api') {
    if (!policy.enableScriptChecks) throw new ScriptChecksDisabledError(REMOTE_SCRIPT_CHECKS_DISABLED, def.id);
    return;
  }
  // enable_script_checks implies enable_local_script_checks, as in Consul's config builder.
  if (!policy.enableScriptChecks && !policy.enableLocalScriptChecks) {
    throw new ScriptChecksDisabledError(`${LOCAL_SCRIPT_CHECKS_DISABLED} (check "${def.id}")`, def.id);
  }
}
