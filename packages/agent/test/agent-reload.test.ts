// A -dev agent in this process, reloaded with a changed configuration: the log level goes to the root logger,
// the running configuration takes the reloadable settings, and the others are answered as needing a restart
// (the built binary's SIGHUP and `conclave reload` are tested in apps/agent).
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, keptTickObject } from '@conclave/toolkit';
import { Agent } from '../src/agent.js';
import { defaultConfig, type AgentConfig } from '../src/config/agent-config.js';

let agent: Agent | undefined;
afterEach(async () => {
  await agent?.shutdown();
  agent = undefined;
});

function devConfig(over: Partial<AgentConfig> = {}): AgentConfig {
  const base = defaultConfig('reload-node');
  return { ...base, dev: true, server: true, bootstrap: true, bindAddr: '127.0.0.1', ports: { ...base.ports, http: 0, dns: -1, serfLan: 0 }, ...over };
}

describe('Agent.start', () => {
  // First in this file: the keeper is process-wide, and the file's other tests start agents too.
  it('keeps a nextTick queue entry alive for the process (toolkit tick-object-shape.ts)', async () => {
    expect(keptTickObject()).toBeUndefined();
    agent = await Agent.start(devConfig(), createLogger('error', 'agent', () => {}));
    await new Promise((r) => setImmediate(r));
    expect((keptTickObject() as { callback?: unknown } | undefined)?.callback).toBeTypeOf('function');
  });
});

describe('Agent.reload', () => {
  it('sets the log level on the logger, applies node meta and names what needs a restart', async () => {
    let next = devConfig();
    const lines: string[] = [];
    const logger = createLogger('info', 'agent', (line) => void lines.push(line));
    agent = await Agent.start(next, logger, { reloadConfig: () => next });
    next = devConfig({ logLevel: 'debug', nodeMeta: { rack: 'r1' }, datacenter: 'dc9', ports: { ...next.ports, server: 18300 } });
    expect(await agent.reload()).toEqual({ restartRequired: ['datacenter', 'ports.server'] });
    expect(logger.level).toBe('debug');
    expect(lines.join('\n')).toMatch(/\[INFO\]  agent: Updating log level: from=info to=debug/);
    expect(agent.identity.meta).toEqual({ 'consul-network-segment': '', rack: 'r1' });
    // Reloading the same files again changes nothing more, and still names the settings that wait for a restart.
    expect(await agent.reload()).toEqual({ restartRequired: ['datacenter', 'ports.server'] });
    expect(lines.filter((l) => l.includes('Updating log level'))).toHaveLength(1);
  });
});

