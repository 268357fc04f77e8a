// `conclave members`, catalog listings and service registration against an in-process dev agent: Consul's
// columnized tables, filters and exit codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from './support/run.js';

let agent: TestAgent;
let member: { Addr: string; Port: number; Tags: Record<string, string> };

beforeAll(async () => {
  agent = await startAgent('node-one');
  [member] = (await (await fetch(`http://${agent.httpAddr}/v1/agent/members`)).json()) as Array<typeof member>;
});
afterAll(() => agent?.stop());

describe('members', () => {
  it('prints the standard table, columns padded to the widest cell plus two spaces', async () => {
    const res = await agent.run(['members']);
    expect(res.code).toBe(0);
    const addr = `${member.Addr}:${member.Port}`;
    const w = Math.max('Address'.length, addr.length);
    const pad = (s: string, n: number) => s + ' '.repeat(n - s.length) + '  ';
    const build = member.Tags.build!.split(':')[0]!;
    expect(res.stdout).toBe(
      pad('Node', 8) + pad('Address', w) + pad('Status', 6) + pad('Type', 6) + pad('Build', Math.max(5, build.length)) + 'Protocol  DC   Partition  Segment\n' +
        pad('node-one', 8) + pad(addr, w) + pad('alive', 6) + pad('server', 6) + pad(build, Math.max(5, build.length)) + `${pad(member.Tags.vsn!, 8)}dc1  default    <all>\n`,
    );
  });

  it('-detailed prints the sorted tags', async () => {
    const res = await agent.run(['members', '-detailed']);
    const [header, row] = res.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^Node {6}Address +Status {2}Tags$/);
    const tags = row!.split(/\s+/)[3]!.split(',');
    expect(tags).toEqual([...tags].sort());
    expect(tags).toContain('role=consul');
    expect(tags).toContain('segment=<all>');
  });

  it('-status filters by a regexp; no match exits 2 with no output', async () => {
    expect((await agent.run(['members', '-status', 'alive'])).stdout).toContain('node-one');
    expect(await agent.run(['members', '-status', 'failed|left'])).toMatchObject({ code: 2, stdout: '', stderr: '' });
  });
});

describe('services and catalog', () => {
  it('registers a service from flags, lists it with tags and nodes, and deregisters it', async () => {
    expect(await agent.run(['services', 'register', '-name', 'web', '-port', '80', '-tag', 'v2', '-tag', 'blue'])).toMatchObject({
      code: 0,
      stdout: 'Registered service: web\n',
    });
    const deadline = Date.now() + 10_000;
    let listed = '';
    while (!listed.includes('web') && Date.now() < deadline) listed = (await agent.run(['catalog', 'services'])).stdout;
    expect(listed).toBe('consul\nweb\n');
    expect((await agent.run(['catalog', 'services', '-tags'])).stdout).toBe('consul      \nweb         blue,v2\n');
    const nodes = await agent.run(['catalog', 'nodes', '-service', 'web']);
    expect(nodes.stdout).toMatch(/^Node {6}ID {8}Address {4}DC\nnode-one {2}[0-9a-f]{8} {2}127\.0\.0\.1 {2}dc1\n$/);
    expect((await agent.run(['catalog', 'datacenters'])).stdout).toBe('dc1\n');
    expect(await agent.run(['services', 'deregister', '-id', 'web'])).toMatchObject({ code: 0, stdout: 'Deregistered service: web\n' });
  });

  it('says so on stderr, exit 0, when nothing matches', async () => {
    expect(await agent.run(['catalog', 'nodes', '-service', 'nothing'])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'No nodes match the given query - try expanding your search.\n',
    });
  });
});
