import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real crashes: each member is its own node process (this package's source bundled with esbuild, the
// toolchain tsup already uses), killed with SIGKILL in the middle of a write stream.
const here = dirname(fileURLToPath(import.meta.url));
let root: string;
let bundle: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'raft-crash-'));
  bundle = join(root, 'member.cjs');
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(here, 'crash/member.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: bundle,
    external: ['bufferutil', 'utf-8-validate', 'msgpackr-extract'],
    logLevel: 'error',
  });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    out.push((s.address() as { port: number }).port);
    await new Promise((r) => s.close(r));
  }
  return out;
}

class Member {
  proc!: ChildProcess;
  private seq = 0;
  private waiting = new Map<number, (m: Record<string, unknown>) => void>();
  logs: string[] = [];
  constructor(
    readonly id: string,
    private env: Record<string, string>,
  ) {}
  async start(): Promise<void> {
    this.proc = fork(bundle, [], { env: { ...process.env, ...this.env, ID: this.id }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve) => {
      this.proc.on('message', (m: Record<string, unknown>) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'log') this.logs.push(String(m.line));
        else this.waiting.get(m.seq as number)?.(m);
      });
    });
  }
  ask(cmd: string, extra: object = {}): Promise<Record<string, unknown>> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve({ error: 'no answer' }), 5000);
      this.waiting.set(seq, (m) => {
        clearTimeout(t);
        this.waiting.delete(seq);
        resolve(m);
      });
      if (this.proc.connected) this.proc.send({ cmd, seq, ...extra });
    });
  }
  kill(): void {
    this.proc.kill('SIGKILL');
    for (const w of this.waiting.values()) w({ ok: false, error: 'killed' });
    this.waiting.clear();
  }
  get alive(): boolean {
    return this.proc.connected && this.proc.exitCode === null && this.proc.signalCode === null;
  }
}

describe('crash test with real processes', () => {
  it('SIGKILL of the leader and of a follower mid-write loses no acknowledged write', { timeout: 60_000 }, async () => {
    const ids = ['a', 'b', 'c'];
    const ports = await freePorts(3);
    const peers = JSON.stringify(Object.fromEntries(ids.map((id, i) => [id, `127.0.0.1:${ports[i]}`])));
    const members = ids.map((id) => new Member(id, { PEERS: peers, DIR: join(root, id) }));
    await Promise.all(members.map((m) => m.start()));
    try {
      const leader = async () => {
        for (let i = 0; i < 500; i++) {
          for (const m of members) if (m.alive && (await m.ask('status')).leader) return m;
          await sleep(20);
        }
        throw new Error('no leader');
      };
      const acked = new Set<string>();
      let stop = false;
      let n = 0;
      let current = await leader();
      const writers = Array.from({ length: 8 }, async () => {
        while (!stop) {
          const k = `k${n++}`;
          const r = current.alive ? await current.ask('propose', { k }) : { ok: false };
          if (r.ok) acked.add(k);
          else await sleep(10);
        }
      });
      const refresh = setInterval(async () => {
        try {
          current = await leader();
        } catch {
          /* keep the old one */
        }
      }, 50);
      await sleep(400);
      // Crash the leader mid-stream, let the others carry on, restart it from its disk.
      const victim = current;
      victim.kill();
      await sleep(600);
      await victim.start();
      // Crash a follower too.
      await sleep(300);
      const follower = members.find((m) => m.alive && m !== current)!;
      follower.kill();
      await sleep(300);
      await follower.start();
      await sleep(400);
      stop = true;
      clearInterval(refresh);
      await Promise.all(writers);
      expect(acked.size).toBeGreaterThan(50);
      if (process.env.CRASH_VERBOSE) console.log(`acknowledged ${acked.size} writes across two crashes`);
      for (const m of members) {
        let keys: string[] | undefined;
        for (let i = 0; i < 50 && !keys; i++) {
          const r = await m.ask('dump');
          if (Array.isArray(r.keys)) keys = r.keys as string[];
          else await sleep(100);
        }
        const have = new Set(keys);
        const lost = [...acked].filter((k) => !have.has(k));
        expect(lost, `${m.id} lost acknowledged writes`).toEqual([]);
      }
    } finally {
      for (const m of members) m.kill();
    }
  });
});
