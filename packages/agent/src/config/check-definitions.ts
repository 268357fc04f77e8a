// What the agent checks of its service, check and watch definitions when it starts, done up front and without
// side effects, every problem collected: `conclave validate` prints them, and `conclave agent` refuses to start
// (and a reload to apply) before anything is registered or listening.
import { assertScriptChecksAllowed, decodeCheckDefinition, ScriptChecksDisabledError } from '@conclave/health';
import { DecodeError } from '@conclave/toolkit';
import { decodeServiceDefinition } from '../service-definition.js';
import type { AgentConfig, DefinitionSource } from './agent-config.js';

export async function checkDefinitions(cfg: AgentConfig): Promise<string[]> {
  const problems: string[] = [];
  const policy = { source: 'config' as const, enableScriptChecks: cfg.enableScriptChecks, enableLocalScriptChecks: cfg.enableLocalScriptChecks };
  const at = (def: DefinitionSource, fallback: string) => `${def.origin}: ${def.path ?? fallback}`;
  const serviceIds = new Set<string>();
  for (const def of cfg.services) {
    collect(problems, def.origin, at(def, 'service'), () => {
      const decoded = decodeServiceDefinition(def.raw, { source: 'config', path: at(def, 'service') });
      for (const check of decoded.checks) assertScriptChecksAllowed(check, policy);
      serviceIds.add(decoded.service.ID);
    });
  }
  for (const def of cfg.checks) {
    collect(problems, def.origin, at(def, 'check'), () => {
      const { definition } = decodeCheckDefinition(def.raw, { source: 'config', path: at(def, 'check') });
      if (definition.serviceId && !serviceIds.has(definition.serviceId)) {
        throw new DecodeError(`${at(def, 'check')}: ServiceID "${definition.serviceId}" does not exist`);
      }
      assertScriptChecksAllowed(definition, policy);
    });
  }
  if (cfg.watches.length > 0) {
    const { parseWatchDefinition, WatchConfigError } = await import('@conclave/watch');
    cfg.watches.forEach((def, i) => {
      const where = at(def, `watches[${i}]`);
      try {
        parseWatchDefinition(def.raw);
      } catch (err) {
        if (!(err instanceof WatchConfigError)) throw err;
        problems.push(`${where}: Failed to parse watch: ${err.message}`);
      }
    });
  }
  return problems;
}

/** Runs one definition's checks; a refusal becomes a problem, prefixed with where it is unless it says so. */
function collect(problems: string[], origin: string, where: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof DecodeError) && !(err instanceof ScriptChecksDisabledError)) throw err;
    problems.push(err.message.startsWith(origin) ? err.message : `${where}: ${err.message}`);
  }
}
