// The dispatcher and the argument checks that answer before any request: usage texts, exit codes, Go flag errors.
import { describe, expect, it } from 'vitest';
import { run } from './support/run.js';

describe('conclave (no command)', () => {
  it('prints the command list on stderr and exits 1 without a command, 0 with -h', async () => {
    const none = await run([]);
    expect(none.code).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`Usage: conclave [--version] [--help] <command> [<args>]

Available commands are:
    agent          Runs a Conclave agent
    acl
    catalog
    debug
    event
    exec
    force-leave
    info
    join
    keygen
    keyring
    kv
    leave
    lock
    login
    logout
    maint
    members
    monitor
    operator
    reload
    rtt
    services
    snapshot
    tls
    validate
    version
    watch
`);
    for (const flag of ['-h', '-help', '--help']) {
      const help = await run([flag]);
      expect([help.code, help.stderr]).toEqual([0, none.stderr]);
    }
  });

  it('answers --version and rejects unknown commands (also inherited object keys)', async () => {
    for (const flag of ['--version', '-version', '-v']) expect(await run([flag])).toMatchObject({ code: 0, stdout: 'Conclave v0.1.0\n' });
    for (const name of ['nope', 'toString']) {
      const res = await run([name]);
      expect(res.code).toBe(1);
      expect(res.stderr.startsWith(`Unknown command: ${name}\n\nUsage: conclave`)).toBe(true);
    }
  });
});

describe('version and keygen', () => {
  it('prints the version, as text or JSON, and refuses other formats', async () => {
    expect(await run(['version'])).toEqual(
      expect.objectContaining({
        code: 0,
        stdout:
          'Conclave v0.1.0\nProtocol 2 spoken by default, understands 2 to 3 (agent will automatically use protocol >2 when speaking to compatible agents)\n',
      }),
    );
    const json = await run(['version', '-format', 'json']);
    expect(json.stdout).toBe('{\n   "Version": "0.1.0",\n   "Revision": "",\n   "Prerelease": "",\n   "RPC": {\n      "Default": 2,\n      "Min": 2,\n      "Max": 3\n   }\n}\n');
    expect(await run(['version', '-format=xml'])).toMatchObject({ code: 1, stderr: 'Unknown format: xml\n' });
  });

  it('keygen prints 32 random bytes in base64', async () => {
    const a = await run(['keygen']);
    const b = await run(['keygen']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    expect(Buffer.from(a.stdout.trim(), 'base64')).toHaveLength(32);
    expect(a.stdout).not.toBe(b.stdout);
  });
});

describe('flag and argument errors', () => {
  it('an undefined flag prints Go\'s message and the usage, exit 1; -h prints the usage, exit 0', async () => {
    const bad = await run(['kv', 'get', '-nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^flag provided but not defined: -nope\nUsage: conclave kv get \[options\] \[KEY_OR_PREFIX\]\n/);
    expect(bad.stderr).toContain('  -detailed\n');
    const help = await run(['kv', 'get', '-h']);
    expect(help.code).toBe(0);
    expect(help.stderr).toBe(bad.stderr.slice(bad.stderr.indexOf('Usage:')));
  });

  it('sub-command groups list their sub-commands: exit 1 when missing or unknown, 0 with -h', async () => {
    const usage = 'Usage: conclave kv <subcommand> [options] [args]\n\n  Interact with the key-value store\n\nSubcommands:\n    delete\n    export\n    get\n    import\n    put\n';
    expect(await run(['kv'])).toMatchObject({ code: 1, stderr: usage });
    expect(await run(['kv', 'frob'])).toMatchObject({ code: 1, stderr: usage });
    expect(await run(['kv', '-h'])).toMatchObject({ code: 0, stderr: usage });
    expect((await run(['operator', 'raft'])).stderr).toContain('    list-peers\n    remove-peer\n');
  });

  it.each([
    [['kv', 'get'], 'Error! Missing KEY argument\n'],
    [['kv', 'get', 'a', 'b'], 'Too many arguments (expected 1, got 2)\n'],
    [['kv', 'put'], 'Error! Missing KEY argument\n'],
    [['kv', 'put', 'a', 'b', 'c'], 'Error! Too many arguments (expected 1 or 2, got 3)\n'],
    [['kv', 'put', '-cas', 'a', 'b'], 'Must specify -modify-index with -cas!\n'],
    [['kv', 'put', '-acquire', 'a'], 'Error! Missing -session (required with -acquire and -release)\n'],
    [['kv', 'put', '-base64', 'a', 'not base64!'], 'Error! Cannot base 64 decode data: illegal base64 data\n'],
    [['kv', 'put', 'a', '@/nonexistent/file'], "Error! Failed to read file: ENOENT: no such file or directory, open '/nonexistent/file'\n"],
    [['kv', 'delete'], 'Error! Missing KEY argument\n'],
    [['kv', 'delete', '-modify-index', '3', 'a'], 'Cannot specify -modify-index without -cas!\n'],
    [['kv', 'delete', '-cas', 'a'], 'Cannot delete a key that does not exist. Provide a -modify-index greater than than 0.\n'],
    [['kv', 'delete', '-recurse', '-cas', '-modify-index', '2', 'a'], 'Cannot specify both -cas and -recurse!\n'],
    [['kv', 'import'], 'Error! Missing DATA argument\n'],
    [['kv', 'import', ''], 'Error! Empty DATA argument\n'],
    [['kv', 'import', '{"not": "a list"}'], 'Cannot unmarshal data: expected a JSON array of {"key", "flags", "value"} entries\n'],
    [['kv', 'export', 'a', 'b'], 'Too many arguments (expected 1, got 2)\n'],
    [['lock', 'prefix'], 'Key prefix and child command must be specified\n'],
    [['lock', '-n', '0', 'prefix', 'true'], 'Lock holder limit must be positive\n'],
    [['lock', '-timeout', 'soon', 'prefix', 'true'], 'invalid value "soon" for flag -timeout: parse error\n'],
    [['event'], 'Event name must be specified\n'],
    [['event', '-name', 'x', '-tag', 'a'], 'Cannot provide tag filter without service filter.\n'],
    [['maint', '-enable', '-disable'], 'Only one of -enable or -disable may be provided\n'],
    [['maint', '-reason', 'r'], 'Reason may only be provided with -enable\n'],
    [['members', '-status', '('], expect.stringMatching(/^Failed to compile status regexp: /)],
    [['operator', 'raft', 'remove-peer'], 'Error removing peer: Must specify either -id or -address\n'],
    [['snapshot', 'inspect'], 'Missing FILE argument\n'],
    [['services', 'register'], 'Service registration requires at least one argument or flags.\n'],
    [['services', 'deregister'], 'Service deregistration requires at least one argument or -id.\n'],
  ])('%j → exit 1: %s', async (argv, stderr) => {
    const res = await run(argv as string[]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toEqual(stderr);
  });

  it('checks unsigned flags as Go parses them', async () => {
    const res = await run(['kv', 'put', '-flags', '-1', 'a']);
    expect(res.code).toBe(1);
    expect(res.stderr.split('\n')[0]).toBe('invalid value "-1" for flag -flags: parse error');
    expect((await run(['kv', 'put', '-flags', '18446744073709551616', 'a'])).stderr.split('\n')[0]).toBe(
      'invalid value "18446744073709551616" for flag -flags: parse error',
    );
  });

  it('reports an unreachable agent with exit 1', async () => {
    const env = { CONSUL_HTTP_ADDR: '127.0.0.1:1' };
    const get = await run(['kv', 'get', 'a'], { env });
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/^Error querying Consul agent: .*connection refused\n$/);
    const members = await run(['members'], { env });
    expect(members.code).toBe(1);
    expect(members.stderr).toMatch(/^Error retrieving members: /);
    const monitor = await run(['monitor'], { env });
    expect([monitor.code, monitor.stdout]).toEqual([1, '']);
    expect(monitor.stderr).toMatch(/^Error starting monitor: .*connection refused\n$/);
  });

  it('reports a bad CONSUL_HTTP_ADDR from the injected environment', async () => {
    const res = await run(['members'], { env: { CONSUL_HTTP_ADDR: 'ftp://x' } });
    expect(res).toMatchObject({ code: 1, stderr: 'Error retrieving members: Unknown protocol scheme: ftp\n' });
  });

  it('agent: a configuration error is printed with ==> and exits 1', async () => {
    const res = await run(['agent', '-bootstrap-expect', 'x']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^==> invalid value "x" for flag -bootstrap-expect/);
  });
});
