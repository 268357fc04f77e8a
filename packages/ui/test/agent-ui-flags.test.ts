// The agent's switches for the UI, on the built binary: -ui=false serves nothing (the /v1 API's 404 for `/`
// and /ui/), -ui-dir serves a custom build under -ui-content-path as it is.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevAgent, type DevAgent } from './support/dev-agent.js';

const dir = mkdtempSync(join(tmpdir(), 'conclave-ui-dir-'));
const agents: DevAgent[] = [];
afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('agent UI switches', () => {
  it('-ui=false: no UI, `/` and /ui/ are the API\'s 404', async () => {
    const a = await startDevAgent(['-ui=false']);
    agents.push(a);
    for (const path of ['/', '/ui/', '/v1/internal/ui/stream?watch=/v1/kv/x']) {
      const r = await fetch(`${a.base}${path}`, { redirect: 'manual' });
      expect(r.status, path).toBe(404);
      expect(await r.text()).toBe('Invalid URL path: not a recognized HTTP API endpoint');
    }
    // The summary endpoints are part of the API, served with or without the UI.
    expect((await fetch(`${a.base}/v1/internal/ui/services`)).status).toBe(200);
  });

  it('-ui-dir and -ui-content-path: a custom build at another path', async () => {
    writeFileSync(join(dir, 'index.html'), '<html>consul ui</html>');
    const a = await startDevAgent(['-ui-dir', dir, '-ui-content-path', '/console/']);
    agents.push(a);
    const root = await fetch(`${a.base}/`, { redirect: 'manual' });
    expect(root.status).toBe(301);
    expect(root.headers.get('location')).toBe('/console/');
    expect(await (await fetch(`${a.base}/console/services/web`)).text()).toBe('<html>consul ui</html>');
    expect((await fetch(`${a.base}/ui/`)).status).toBe(404);
  });
});
