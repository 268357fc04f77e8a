// What a running agent loads of Node itself. Since Node 22 an ESM import of node:http loads undici (fetch,
// WebSocket, http2, TLS, web streams: 8–13 MB of RSS an agent never uses), so the packages take node:http from
// toolkit's nodeHttp; this keeps it so on every Node line CI runs.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { startDevAgent, type AgentProcess } from './support/agent-process.js';

let agent: AgentProcess | undefined;
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
});

describe('agent process', () => {
  it('does not load undici', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-modules-'));
    const out = join(dir, 'modules.json');
    const probe = join(dir, 'probe.mjs');
    // Preloaded into the agent: on SIGUSR2 it writes the Node built-in modules loaded so far.
    writeFileSync(
      probe,
      `import { writeFileSync } from 'node:fs';\nprocess.on('SIGUSR2', () => writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.moduleLoadList)));\n`,
    );
    agent = await startDevAgent([], { NODE_OPTIONS: `--import=${probe}` });
    // After one answered request: what serving loads, not only what starting does.
    expect((await fetch(`http://${agent.httpAddr}/v1/agent/self`)).status).toBe(200);
    agent.proc.kill('SIGUSR2');
    await waitFor('module list', async () => existsSync(out), { timeoutMs: 10000, intervalMs: 50 });
    const modules = JSON.parse(readFileSync(out, 'utf8')) as string[];
    expect(modules.some((m) => m.includes('http'))).toBe(true);
    expect(modules.filter((m) => m.includes('undici'))).toEqual([]);
  });
});
