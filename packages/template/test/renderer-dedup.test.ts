// The renderer's side of de-duplication mode, with the election left out: a template this instance leads is
// rendered from its own queries and its data published; a template another instance leads is rendered from
// that data alone (no query for it reaches the agent); a change of leadership moves the queries. The KV lock and
// session (DedupManager) are exercised end to end in apps/template/test/dedup.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { Renderer, type DependencySource } from '../src/internal.js';
import { MemoryConsul } from './memory-consul.js';

const running: Renderer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

/** The source as one instance sees it, counting that instance's service queries. */
function counted(c: MemoryConsul): DependencySource & { queries: number } {
  const s = {
    queries: 0,
    fetch: (req: Parameters<DependencySource['fetch']>[0], o: Parameters<DependencySource['fetch']>[1]) => {
      if (req.path.startsWith('/v1/health/service/')) s.queries++;
      return c.fetch(req, o);
    },
  };
  return s;
}

describe('Renderer de-duplication hooks', () => {
  it('the leader queries and publishes, the follower renders from the published data; leadership moves the queries', async () => {
    const c = new MemoryConsul();
    c.register({ id: 'web1', service: 'web', node: 'node-a', address: '10.0.0.1', port: 80 });
    const dir = mkdtempSync(join(tmpdir(), 'renderer-dedup-'));
    const text = '{{range service "web"}}{{.ID}} {{.Address}}\n{{end}}{{file "' + join(dir, 'local') + '"}}';
    const leader = { a: true };
    const sources = [counted(c), counted(c)];
    const renderers: Renderer[] = [];
    for (const i of [0, 1]) {
      const r: Renderer = new Renderer({
        source: sources[i]!,
        retryDelayMs: () => 20,
        templates: [{ contents: text, destination: join(dir, `out-${i}`) }],
        dedup: {
          isLeader: () => (i === 0) === leader.a,
          // What DedupManager does through KV, straight to the other renderer (whose destination, hence id, differs).
          publish: (_id, data) => {
            const other = renderers[1 - i]!;
            other.receiveShared(other.templateIds()[0]!, structuredClone(data));
          },
        },
      });
      renderers.push(r);
      running.push(r);
    }
    for (const r of renderers) await r.start();
    const out = (i: number) => {
      try {
        return readFileSync(join(dir, `out-${i}`), 'utf8');
      } catch {
        return undefined;
      }
    };
    await waitFor('both render', async () => out(0) === 'web1 10.0.0.1\n' && out(1) === 'web1 10.0.0.1\n', { timeoutMs: 10_000 });
    expect(sources[1]!.queries).toBe(0);
    c.setCheck('web1', 'critical');
    c.register({ id: 'web2', service: 'web', node: 'node-b', address: '10.0.0.2', port: 80 });
    await waitFor('both follow', async () => out(0) === 'web2 10.0.0.2\n' && out(1) === 'web2 10.0.0.2\n', { timeoutMs: 10_000 });
    expect(sources[1]!.queries).toBe(0);
    // Leadership moves: the new leader queries, the old one stops.
    leader.a = false;
    for (const r of renderers) r.leadershipChanged(r.templateIds()[0]!);
    await waitFor('the new leader queries', async () => sources[1]!.queries > 0, { timeoutMs: 10_000 });
    const before = sources[0]!.queries;
    c.register({ id: 'web3', service: 'web', node: 'node-c', address: '10.0.0.3', port: 80 });
    await waitFor('both follow the new leader', async () => out(0)!.includes('web3') && out(1)!.includes('web3'), { timeoutMs: 10_000 });
    expect(sources[0]!.queries - before).toBeLessThanOrEqual(1); // at most the query in flight when it lost the lock
  });
});
