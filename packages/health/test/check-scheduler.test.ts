import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@conclave/test-support/wait-for';
import {
  CheckScheduler,
  TtlCheckNotFoundError,
  type CheckDefinition,
  type CheckStatus,
  type CriticalTooLongEvent,
} from '@conclave/health';
import { alive } from './support/wait-for.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'conclave-sched-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Update {
  id: string;
  status: CheckStatus;
  output: string;
}

function def(over: Partial<CheckDefinition> & Pick<CheckDefinition, 'id' | 'kind'>): CheckDefinition {
  return {
    name: over.id,
    notes: '',
    status: 'critical',
    timeoutNs: 0,
    tlsSkipVerify: false,
    disableRedirects: false,
    tcpUseTls: false,
    deregisterCriticalServiceAfterNs: 0,
    successBeforePassing: 0,
    failuresBeforeWarning: 0,
    failuresBeforeCritical: 0,
    outputMaxSize: 4096,
    ...over,
  };
}

function recorder(): { updates: Update[]; scheduler: (extra?: object) => CheckScheduler } {
  const updates: Update[] = [];
  return {
    updates,
    scheduler: (extra = {}) =>
      new CheckScheduler({
        onUpdate: (id, status, output) => updates.push({ id, status, output }),
        immediateFirstRun: true,
        ...extra,
      }),
  };
}

/** Scripts read these files while tests change them: replace atomically so a run never sees a half-written one. */
function setState(file: string, text: string): void {
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

function runs(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').length : 0;
}

function timeoutCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

describe('CheckScheduler with interval checks', () => {
  it('reports only changes of status or output', async () => {
    const counter = join(dir, 'runs-change');
    const state = join(dir, 'state-change');
    setState(state, '0 fine');
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(
      def({
        id: 'db',
        kind: 'script',
        script: `printf x >> ${counter}; read code msg < ${state}; echo "$msg"; exit $code`,
        intervalNs: 10e6,
      }),
    );
    await waitFor('five runs', () => runs(counter) >= 5, { timeoutMs: 10_000 });
    expect(updates).toEqual([{ id: 'db', status: 'passing', output: 'fine\n' }]);
    setState(state, '0 still fine');
    await waitFor('the output change', () => updates.length === 2, { timeoutMs: 10_000 });
    expect(updates[1]).toEqual({ id: 'db', status: 'passing', output: 'still fine\n' });
    setState(state, '2 broken');
    await waitFor('the status change', () => updates.length === 3, { timeoutMs: 10_000 });
    expect(updates[2]).toEqual({ id: 'db', status: 'critical', output: 'broken\n' });
    expect(s.get('db')).toMatchObject({ status: 'critical', output: 'broken\n' });
    expect(s.get('db')!.criticalSince).toBeTypeOf('number');
    const seen = runs(counter);
    await waitFor('more runs', () => runs(counter) >= seen + 3, { timeoutMs: 10_000 });
    expect(updates).toHaveLength(3);
    await s.stop();
  });

  it('never overlaps runs of one check', async () => {
    const lock = join(dir, 'lock');
    const counter = join(dir, 'runs-overlap');
    const { updates, scheduler } = recorder();
    const s = scheduler();
    // Exits 3 (critical) if another run holds the lock.
    s.add(
      def({
        id: 'slow',
        kind: 'script',
        script: `mkdir ${lock} || exit 3; sleep 0.05; printf x >> ${counter}; rmdir ${lock}`,
        intervalNs: 1e6,
      }),
    );
    await waitFor('four runs', () => runs(counter) >= 4, { timeoutMs: 10_000 });
    await s.stop();
    expect(updates).toEqual([{ id: 'slow', status: 'passing', output: '' }]);
  });

  it('waits random * interval before the first run, then the interval', async () => {
    const counter = join(dir, 'runs-random');
    const { updates, scheduler } = recorder();
    let calls = 0;
    const s = scheduler({
      immediateFirstRun: false,
      random: () => {
        calls++;
        return 0;
      },
    });
    s.add(def({ id: 'r', kind: 'script', script: `printf x >> ${counter}`, intervalNs: 3600e9 }));
    await waitFor('the first run', () => updates.length === 1, { timeoutMs: 10_000 });
    expect(calls).toBe(1);
    expect(runs(counter)).toBe(1);
    await s.stop();
  });

  it('applies flap damping to run results', async () => {
    const state = join(dir, 'state-flap');
    const counter = join(dir, 'runs-flap');
    setState(state, '2');
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(
      def({
        id: 'flappy',
        kind: 'script',
        script: `printf x >> ${counter}; exit $(cat ${state})`,
        intervalNs: 5e6,
        status: 'passing',
        successBeforePassing: 3,
        failuresBeforeCritical: 3,
        failuresBeforeWarning: 3,
      }),
    );
    // Counters start at their thresholds, so the first failure is reported at once.
    await waitFor('the first failure', () => updates.length === 1, { timeoutMs: 10_000 });
    expect(updates[0]!.status).toBe('critical');
    setState(state, '0');
    const at = runs(counter);
    await waitFor('passing after three successes', () => updates.length === 2, { timeoutMs: 10_000 });
    expect(updates[1]!.status).toBe('passing');
    // The write above may land during a run, so two or three runs passed before passing was reported.
    expect(runs(counter) - at).toBeGreaterThanOrEqual(2);
    await s.stop();
  });

  it('runs HTTP and TCP checks', async () => {
    let code = 200;
    const server = http.createServer((_req, res) => res.writeHead(code).end(`code ${code}`));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(def({ id: 'web', kind: 'http', http: `http://127.0.0.1:${port}/`, intervalNs: 5e6 }));
    s.add(def({ id: 'port', kind: 'tcp', tcp: `127.0.0.1:${port}`, intervalNs: 5e6 }));
    await waitFor('both checks passing', () => updates.length === 2, { timeoutMs: 10_000 });
    expect(updates).toContainEqual({ id: 'web', status: 'passing', output: `HTTP GET http://127.0.0.1:${port}/: 200 OK Output: code 200` });
    expect(updates).toContainEqual({ id: 'port', status: 'passing', output: `TCP connect 127.0.0.1:${port}: Success` });
    code = 429;
    await waitFor('web warning', () => updates.some((u) => u.id === 'web' && u.status === 'warning'), { timeoutMs: 10_000 });
    code = 503;
    await waitFor('web critical', () => updates.some((u) => u.id === 'web' && u.status === 'critical'), { timeoutMs: 10_000 });
    await s.stop();
    await new Promise((r) => server.close(r));
  });
});

describe('CheckScheduler with TTL checks', () => {
  it('expires to critical, and pass/warn/fail/update set status and output', async () => {
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 30e6 }));
    await waitFor('expiry', () => updates.length === 1, { timeoutMs: 10_000 });
    expect(updates[0]).toEqual({ id: 'hb', status: 'critical', output: 'TTL expired' });
    expect(s.updateTtl('hb', 'passing', 'alive')).toBe('alive');
    expect(updates[1]).toEqual({ id: 'hb', status: 'passing', output: 'alive' });
    await waitFor('second expiry', () => updates.length === 3, { timeoutMs: 10_000 });
    expect(updates[2]).toEqual({
      id: 'hb',
      status: 'critical',
      output: 'TTL expired (last output before timeout follows): alive',
    });
    s.updateTtl('hb', 'warning', 'degraded');
    expect(updates[3]).toEqual({ id: 'hb', status: 'warning', output: 'degraded' });
    await s.stop();
  });

  it('each update restarts the TTL', async () => {
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 1000e6, status: 'passing' }));
    for (let i = 0; i < 60; i++) {
      s.updateTtl('hb', 'passing', 'ok');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(updates).toEqual([{ id: 'hb', status: 'passing', output: 'ok' }]);
    await s.stop();
  });

  it('cuts long output as Consul does and refuses non-TTL checks', async () => {
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 3600e9, outputMaxSize: 10 }));
    expect(s.updateTtl('hb', 'passing', 'abcdefghijklmnop')).toBe('abcdefghij ... (captured 10 of 16 bytes)');
    expect(updates[0]!.output).toBe('abcdefghij ... (captured 10 of 16 bytes)');
    s.add(def({ id: 'tcp', kind: 'tcp', tcp: '127.0.0.1:1', intervalNs: 3600e9 }));
    expect(() => s.updateTtl('tcp', 'passing', '')).toThrow(TtlCheckNotFoundError);
    expect(() => s.updateTtl('nope', 'passing', '')).toThrow('CheckID "nope" does not have associated TTL');
    await s.stop();
  });

  it('does not report an update that changes nothing', async () => {
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 3600e9 }));
    s.updateTtl('hb', 'passing', 'same');
    s.updateTtl('hb', 'passing', 'same');
    expect(updates).toHaveLength(1);
    await s.stop();
  });
});

describe('CheckScheduler deregister_critical_service_after', () => {
  it('reports a service whose check stayed critical too long, once per service per round', async () => {
    const events: CriticalTooLongEvent[] = [];
    const { scheduler } = recorder();
    const s = scheduler({ reapIntervalMs: 10, onCriticalTooLong: (e: CriticalTooLongEvent) => events.push(e) });
    const common = { kind: 'ttl' as const, ttlNs: 3600e9, deregisterCriticalServiceAfterNs: 30e6 };
    s.add(def({ id: 'web-1', serviceId: 'web', ...common }));
    s.add(def({ id: 'web-2', serviceId: 'web', ...common }));
    s.add(def({ id: 'api-1', serviceId: 'api', status: 'passing', ...common }));
    await waitFor('three reap reports', () => events.length >= 3, { timeoutMs: 10_000 });
    expect(events.every((e) => e.serviceId === 'web' && e.checkId === 'web-1' && e.criticalForMs > 30)).toBe(true);
    await s.stop();
  });

  it('a check that recovers is not reported', async () => {
    const events: CriticalTooLongEvent[] = [];
    const { scheduler } = recorder();
    const s = scheduler({ reapIntervalMs: 10, onCriticalTooLong: (e: CriticalTooLongEvent) => events.push(e) });
    s.add(def({ id: 'a', serviceId: 'a', kind: 'ttl', ttlNs: 3600e9, deregisterCriticalServiceAfterNs: 40e6 }));
    s.add(def({ id: 'b', serviceId: 'b', kind: 'ttl', ttlNs: 3600e9, deregisterCriticalServiceAfterNs: 40e6 }));
    s.updateTtl('a', 'passing', 'back');
    await waitFor('reports for b', () => events.length >= 2, { timeoutMs: 10_000 });
    expect(events.map((e) => e.serviceId)).toEqual(events.map(() => 'b'));
    await s.stop();
  });
});

describe('CheckScheduler lifecycle', () => {
  it('stop kills running scripts and leaves no timers or processes', async () => {
    const pids = join(dir, 'pids-stop');
    const timersBefore = timeoutCount();
    const { updates, scheduler } = recorder();
    const s = scheduler({ reapIntervalMs: 10 });
    s.add(
      def({
        id: 'hang',
        kind: 'script',
        serviceId: 'svc',
        deregisterCriticalServiceAfterNs: 3600e9,
        script: `sleep 30 & echo "$$ $!" > ${pids}.tmp; mv ${pids}.tmp ${pids}; wait`,
        intervalNs: 10e6,
      }),
    );
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 3600e9 }));
    await waitFor('the script to start', () => existsSync(pids), { timeoutMs: 10_000 });
    const [shell, child] = readFileSync(pids, 'utf8').trim().split(' ').map(Number);
    await s.stop();
    expect(updates).toEqual([]);
    // The script was reaped before stop resolved; its background child, reaped by init, may still be
    // finishing its exit in the kernel: poll for its death, with a bound.
    expect(alive(shell!)).toBe(false);
    await waitFor(`process ${child} to die`, () => !alive(child!), { timeoutMs: 5000 });
    // No more timers than before: one left over from an earlier test may have fired meanwhile (seen under load).
    expect(timeoutCount()).toBeLessThanOrEqual(timersBefore);
    expect(s.ids()).toEqual([]);
    expect(() => s.add(def({ id: 'late', kind: 'ttl', ttlNs: 1e9 }))).toThrow('stopped');
    await s.stop();
  });

  it('remove stops one check; add with the same ID replaces it', async () => {
    const { updates, scheduler } = recorder();
    const s = scheduler();
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 3600e9 }));
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 3600e9, outputMaxSize: 3 }));
    expect(s.updateTtl('hb', 'passing', 'abcdef')).toBe('abc ... (captured 3 of 6 bytes)');
    await s.remove('hb');
    await s.remove('hb');
    expect(() => s.updateTtl('hb', 'passing', '')).toThrow(TtlCheckNotFoundError);
    expect(updates).toHaveLength(1);
    await s.stop();
  });

  it('refuses a definition without a period', async () => {
    const s = recorder().scheduler();
    expect(() => s.add(def({ id: 'x', kind: 'tcp', tcp: '127.0.0.1:1' }))).toThrow('needs a positive intervalNs');
    expect(() => s.add(def({ id: 'y', kind: 'ttl', ttlNs: 0 }))).toThrow('needs a positive ttlNs');
    expect(s.ids()).toEqual([]);
    await s.stop();
  });

  it('keeps going when the update handler throws', async () => {
    const seen: string[] = [];
    const s = new CheckScheduler({
      onUpdate: (id, status) => {
        seen.push(`${id}:${status}`);
        throw new Error('handler broke');
      },
    });
    s.add(def({ id: 'hb', kind: 'ttl', ttlNs: 3600e9 }));
    s.updateTtl('hb', 'passing', '1');
    s.updateTtl('hb', 'warning', '2');
    expect(seen).toEqual(['hb:passing', 'hb:warning']);
    await s.stop();
  });
});
