import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import { freePort } from '@conclave/test-support/free-port';

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
  for (let i = 0; i < n; i++) out.push(await freePort());
  return out;
}

type Reply = Record<string, unknown>;

class Member {
  proc!: ChildProcess;
  private seq = 0;
  private waiting = new Map<number, (m: Reply) => void>();
  logs: string[] = [];
  constructor(
    readonly id: string,
    private env: Record<string, string>,
  ) {}
  async start(): Promise<void> {
    const proc = fork(bundle, [], { env: { ...process.env, ...this.env, ID: this.id }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    this.proc = proc;
    await new Promise<void>((resolve, reject) => {
      proc.on('message', (m: Reply) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'log') this.logs.push(String(m.line));
        else this.waiting.get(m.seq as number)?.(m);
      });
      // A write to the IPC channel of a process that just died fails with EPIPE; without a listener that
      // is an uncaught error. The pending asks learn of the death from 'exit' below.
      // (Only while it is the current process: a killed one may exit after its successor started.)
      proc.on('error', (e) => {
        if (this.proc === proc) this.failAsks(`ipc error: ${e.message}`);
      });
      proc.on('exit', (code, signal) => {
        if (this.proc === proc) this.failAsks(`exited (${signal ?? code})`);
        reject(new Error(`member ${this.id} exited (${signal ?? code}) before it was ready`));
      });
    });
  }
  ask(cmd: string, extra: object = {}): Promise<Reply> {
    const seq = ++this.seq;
    return new Promise((resolve) => {
      const done = (m: Reply) => {
        clearTimeout(t);
        this.waiting.delete(seq);
        resolve(m);
      };
      const t = setTimeout(() => done({ ok: false, error: 'no answer' }), 5000);
      this.waiting.set(seq, done);
      if (!this.proc.connected) return done({ ok: false, error: 'not connected' });
      // The child can die between the check above and this write: the callback gets the EPIPE.
      this.proc.send({ cmd, seq, ...extra }, (err) => {
        if (err) done({ ok: false, error: `send failed: ${err.message}` });
      });
    });
  }
  private failAsks(error: string): void {
    for (const w of [...this.waiting.values()]) w({ ok: false, error });
  }
  kill(): void {
    this.proc.kill('SIGKILL');
    this.failAsks('killed');
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
    let stop = false;
    let refresh: ReturnType<typeof setInterval> | undefined;
    try {
      const leader = async () => {
        for (let i = 0; i < 500; i++) {
          for (const m of members) if (m.alive && (await m.ask('status')).leader) return m;
          await sleep(20);
        }
        throw new Error('no leader');
      };
      const acked = new Set<string>();
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
      refresh = setInterval(async () => {
        try {
          current = await leader();
        } catch {
          /* keep the old one */
        }
      }, 50);
      // Each phase waits for writes to be acknowledged (bounded), not for a fixed time: under load a
      // fixed sleep may see no writes at all, and then the crash tests nothing.
      const progress = async (what: string, writes: number) => {
        const from = acked.size;
        await waitFor(what, () => acked.size >= from + writes, { timeoutMs: 20_000 });
      };
      await progress('writes under the first leader', 30);
      // Crash the leader mid-stream, let the others carry on, restart it from its disk.
      const victim = current;
      victim.kill();
      await waitFor('a new leader', async () => current !== victim && current.alive && (await current.ask('status')).leader === true, { timeoutMs: 20_000 });
      await progress('writes under the new leader', 20);
      await victim.start();
      await progress('writes after the old leader restarted', 10);
      // Crash a follower too.
      const follower = members.find((m) => m.alive && m !== current)!;
      follower.kill();
      await progress('writes with a follower down', 10);
      await follower.start();
      await progress('writes after the follower restarted', 10);
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
      // Also on failure: the writers must not spin on dead members after the test.
      stop = true;
      clearInterval(refresh);
      for (const m of members) m.kill();
    }
  });
});
