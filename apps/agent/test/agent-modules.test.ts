// What a running agent loads of Node itself. Since Node 22 an ESM import of node:http loads undici (fetch,
// WebSocket, http2, TLS, web streams: 8–13 MB of RSS an agent never uses), so the packages take node:http from
// toolkit's nodeHttp; this keeps it so on every Node line CI runs.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@conclave/test-support/wait-for';
import { startDevAgent, type AgentProcess } from './support/agent-process.js';
import { allocate, startClusterAgent, stopAgent, type ClusterAgent } from './support/cluster.js';

let agent: AgentProcess | undefined;
let cluster: ClusterAgent[] = [];
afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await Promise.all(cluster.map((a) => stopAgent(a, 'SIGKILL')));
  cluster = [];
});

describe('agent process', () => {
  it('does not load undici', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-modules-'));
    const out = join(dir, 'modules.json');
    const probe = join(dir, 'probe.mjs');
    // Preloaded into the agent: on SIGUSR2 it writes the Node built-in modules loaded so far.
    writeFileSync(
      probe,
      // Written aside and renamed: the test must never read a half-written file.
      `import { renameSync, writeFileSync } from 'node:fs';\nprocess.on('SIGUSR2', () => { writeFileSync(${JSON.stringify(out + '.tmp')}, JSON.stringify(process.moduleLoadList)); renameSync(${JSON.stringify(out + '.tmp')}, ${JSON.stringify(out)}); });\n`,
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

  // A client agent of a cluster without TLS talks to its servers over the plain RPC protocol: neither ws nor
  // Node's tls, https, http2 (the HTTPS API's) or zlib is loaded (on Node 24 they cost it about 10 MB of RSS; docs/benchmarks.md).
  // Nor is crypto (4.8 MB more on Node 24), without gossip encryption or ACL tokens: its node ID comes from
  // toolkit's randomUuid. (child_process is loaded: net's first listen loads cluster, which requires it.)
  it('client agent of a plain cluster: no ws, tls, https, http2, zlib or crypto', async () => {
    const root = mkdtempSync(join(tmpdir(), 'conclave-modules-client-'));
    const out = join(root, 'modules.json');
    const probe = join(root, 'probe.mjs');
    // On SIGUSR2: the built-in modules loaded so far and the CommonJS files required (ws is CommonJS).
    writeFileSync(
      probe,
      `import { renameSync, writeFileSync } from 'node:fs';\nimport { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n` +
        `process.on('SIGUSR2', () => { writeFileSync(${JSON.stringify(out + '.tmp')}, JSON.stringify({ builtins: process.moduleLoadList, files: Object.keys(require.cache) })); renameSync(${JSON.stringify(out + '.tmp')}, ${JSON.stringify(out)}); });\n`,
    );
    try {
      const s = await allocate('mod-s1', true, root);
      const c = await allocate('mod-c1', false, root);
      cluster.push(await startClusterAgent(s, ['-bootstrap-expect', '1']));
      const client = await startClusterAgent(c, ['-retry-join', `127.0.0.1:${s.ports.serf}`, '-retry-interval', '1s'], { NODE_OPTIONS: `--import=${probe}` });
      cluster.push(client);
      // A forwarded read and a write through the servers: the RPC connection is up and used.
      await waitFor('the client forwards', async () => (await fetch(`http://${client.httpAddr}/v1/kv/modules?consistent`)).status === 404, { timeoutMs: 30_000, intervalMs: 100 });
      expect((await fetch(`http://${client.httpAddr}/v1/kv/modules`, { method: 'PUT', body: 'x' })).status).toBe(200);
      client.proc.kill('SIGUSR2');
      await waitFor('module list', async () => existsSync(out), { timeoutMs: 10000, intervalMs: 50 });
      const { builtins, files } = JSON.parse(readFileSync(out, 'utf8')) as { builtins: string[]; files: string[] };
      expect(builtins).toContain('NativeModule net');
      expect(builtins.filter((m) => /^NativeModule (tls|_tls_wrap|https|http2|internal\/http2\/core|zlib|crypto)$/.test(m))).toEqual([]);
      expect(files.filter((f) => /[\\/]node_modules[\\/]ws[\\/]/.test(f))).toEqual([]);
    } finally {
      await Promise.all(cluster.map((a) => stopAgent(a, 'SIGKILL')));
      cluster = [];
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);
});
