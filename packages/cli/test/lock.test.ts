// `conclave lock` in-process against a dev agent: the child runs while the lock (or a semaphore slot) is held,
// its output reaches the injected stdout, a failed child is reported as Consul's lock does, and the keys are gone afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsulClient, KeyLock } from '@conclave/client';
import { startAgent, type TestAgent } from './support/run.js';

let agent: TestAgent;
let client: ConsulClient;

beforeAll(async () => {
  agent = await startAgent();
  client = new ConsulClient({ address: agent.httpAddr, env: {} });
});
afterAll(async () => {
  client?.close();
  await agent?.stop();
});

describe('lock', () => {
  it('runs the child under the lock, reports its failure as Consul does (exit 0; 2 with -child-exit-code), and removes the lock key', async () => {
    const res = await agent.run(['lock', 'jobs/report', 'echo held; exit 3']);
    expect(res).toMatchObject({ code: 0, stdout: 'held\n', stderr: 'Error running handler: exit status 3\n' });
    expect((await agent.run(['lock', '-child-exit-code', 'jobs/report', 'exit 3'])).code).toBe(2);
    expect((await client.kv.keys('jobs/')).body).toEqual([]);
  });

  it('-shell=false runs the arguments directly; -verbose narrates on stderr', async () => {
    const res = await agent.run(['lock', '-shell=false', '-verbose', 'jobs/direct', '/bin/echo', 'a', 'b']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('a b\n');
    expect(res.stderr).toBe('Setting up lock at path: jobs/direct/.lock\nAttempting lock acquisition\nStarting handler\nChild exited with code 0\n');
  });

  it('-n > 1 takes a semaphore slot and cleans the prefix up', async () => {
    const res = await agent.run(['lock', '-n', '2', 'jobs/pool', 'echo slot']);
    expect(res).toMatchObject({ code: 0, stdout: 'slot\n' });
    expect((await client.kv.keys('jobs/pool/')).body).toEqual([]);
  });

  it('gives up after -timeout while another session holds the lock, without running the child', async () => {
    const session = await client.session.create({ Name: 'holder', LockDelay: '0s' });
    const held = new KeyLock(client, 'jobs/busy/.lock');
    expect(await held.acquire(session)).toBe(true);
    const res = await agent.run(['lock', '-timeout', '300ms', 'jobs/busy', 'echo should not run']);
    expect(res).toMatchObject({ code: 1, stdout: '', stderr: 'Shutdown triggered or timeout during lock acquisition\n' });
    await held.release(session);
  });
});
