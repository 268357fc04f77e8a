// The fault lab: each agent in its own network namespace, joined by veth pairs to one bridge that this harness
// creates (10.77.<id>.0/24; the harness itself is 10.77.<id>.1 on the bridge). Traffic never leaves the machine.
// `--lab <id>` gives a run its own prefix and subnet, so two campaigns on one machine do not tear down each
// other's lab. Everything made here — processes, namespaces, links, tmpfs mounts, the temp directory — is
// removed by destroy(), which also runs on exit, Ctrl-C and a crash of the harness.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FAKETIME_LIB = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1'].find((p) => existsSync(p));

function run(cmd, args, { ns, input, allowFail = false } = {}) {
  const argv = ns ? ['netns', 'exec', ns, cmd, ...args] : args;
  const bin = ns ? 'ip' : cmd;
  const r = spawnSync(bin, argv, { encoding: 'utf8', input });
  if (r.status !== 0 && !allowFail) throw new Error(`${bin} ${argv.join(' ')}: ${(r.stderr || r.stdout || r.error?.message || '').trim()}`);
  return r;
}

/** What this kernel and machine can do; a nemesis that needs a missing feature is skipped and said so. */
export function probe(id = 0) {
  const prefix = `cnf${id}`;
  const features = { root: process.getuid?.() === 0, netns: false, nft: false, netem: false, tmpfs: false, faketime: !!FAKETIME_LIB, dmDelay: false, why: {} };
  if (!features.root) features.why.netns = 'not root: network namespaces need root';
  const ns = `${prefix}-probe`;
  if (features.root && run('ip', ['netns', 'add', ns], { allowFail: true }).status === 0) {
    features.netns = true;
    features.nft = run('nft', ['add', 'table', 'inet', 'probe'], { ns, allowFail: true }).status === 0;
    if (!features.nft) features.why.nft = 'nft is missing or the kernel has no nf_tables';
    run('ip', ['link', 'add', `${prefix}-pv0`, 'type', 'veth', 'peer', 'name', `${prefix}-pv1`], { allowFail: true });
    run('ip', ['link', 'set', `${prefix}-pv1`, 'netns', ns], { allowFail: true });
    features.netem = run('tc', ['qdisc', 'add', 'dev', `${prefix}-pv1`, 'root', 'netem', 'delay', '1ms'], { ns, allowFail: true }).status === 0;
    if (!features.netem) features.why.netem = 'tc netem is not in this kernel (sch_netem)';
    run('ip', ['link', 'del', `${prefix}-pv0`], { allowFail: true });
    run('ip', ['netns', 'del', ns], { allowFail: true });
  } else if (features.root) features.why.netns = 'cannot create network namespaces (ip netns add failed)';
  if (features.root) {
    const dir = mkdtempSync(join(tmpdir(), 'conclave-faults-probe-'));
    features.tmpfs = run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'probe', dir], { allowFail: true }).status === 0;
    if (features.tmpfs) run('umount', [dir], { allowFail: true });
    else features.why.tmpfs = 'cannot mount a tmpfs';
    rmSync(dir, { recursive: true, force: true });
  }
  if (!features.faketime) features.why.faketime = 'libfaketime is not installed (Debian package libfaketime)';
  const targets = run('dmsetup', ['targets'], { allowFail: true });
  features.dmDelay = targets.status === 0 && /^delay\b/m.test(targets.stdout);
  features.why.dmDelay = features.dmDelay ? 'dm-delay is available but a slow-disk nemesis on it is not written yet' : 'the device-mapper delay target (dm-delay) is not available here';
  return features;
}

export class Lab {
  constructor(id = 0) {
    this.prefix = `cnf${id}`;
    this.net = `10.77.${id}`;
    this.harnessIp = `${this.net}.1`;
    this.bridge = `${this.prefix}-br`;
    this.hosts = [];
    this.procs = new Set();
    this.mounts = [];
    this.blocks = new Set(); // "fromIp>toIp": packets from → to are dropped (at `to`'s input hook)
    const cleanup = () => this.destroy();
    process.once('exit', cleanup);
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => process.exit(130));
    process.once('uncaughtException', (err) => {
      console.error(err);
      process.exit(1);
    });
    this.destroy(); // leftovers of a harness with the same id that died hard
    this.root = mkdtempSync(join(tmpdir(), `conclave-faults-${id}-`));
    run('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${this.harnessIp}/24`, 'dev', this.bridge]);
    run('ip', ['link', 'set', this.bridge, 'up']);
  }

  /** A host: a namespace with lo and one interface on the bridge at 10.77.<id>.<10+i>. */
  addHost(name) {
    const i = this.hosts.length + 1;
    const ns = `${this.prefix}-${name}`;
    const ip = `${this.net}.${10 + i}`;
    const outside = `${this.prefix}-v${i}`;
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    run('ip', ['link', 'set', outside, 'master', this.bridge]);
    run('ip', ['link', 'set', outside, 'up']);
    run('ip', ['link', 'set', 'lo', 'up'], { ns });
    run('ip', ['addr', 'add', `${ip}/24`, 'dev', 'eth0'], { ns });
    run('ip', ['link', 'set', 'eth0', 'up'], { ns });
    const host = { name, ns, ip, dir: join(this.root, name) };
    mkdirSync(host.dir, { recursive: true });
    this.hosts.push(host);
    return host;
  }

  /** Gives a host's directory its own small tmpfs (the full-disk nemesis fills it). */
  tmpfs(host, sizeMb) {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, `${this.prefix}-${host.name}`, host.dir]);
    this.mounts.push(host.dir);
  }

  /** Starts a process inside a host's namespace; destroy() kills it. */
  spawnIn(host, argv, env = {}) {
    const p = spawn('ip', ['netns', 'exec', host.ns, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.procs.add(p);
    p.once('exit', () => this.procs.delete(p));
    return p;
  }

  /** Drops every packet from `from` to `to` (one way); apply() makes the current set of drops real. */
  block(from, to) {
    this.blocks.add(`${from.ip}>${to.ip}`);
  }

  /** Both ways between every member of a and every member of b. */
  split(a, b) {
    for (const x of a) for (const y of b) if (x !== y) (this.block(x, y), this.block(y, x));
  }

  /** Writes each host's nft table from the drop set: one input chain per host, so one-way drops compose. */
  apply() {
    for (const h of this.hosts) {
      const from = [...this.blocks].filter((b) => b.endsWith(`>${h.ip}`)).map((b) => b.split('>')[0]);
      run('nft', ['delete', 'table', 'inet', this.prefix], { ns: h.ns, allowFail: true });
      if (from.length === 0) continue;
      const rules = `table inet ${this.prefix} {\n chain input { type filter hook input priority 0; ip saddr { ${from.join(', ')} } drop; }\n}\n`;
      run('nft', ['-f', '-'], { ns: h.ns, input: rules });
    }
  }

  healAll() {
    this.blocks.clear();
    this.apply();
  }

  destroy() {
    for (const p of this.procs) p.kill('SIGKILL');
    this.procs.clear();
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of list.split('\n')) {
      const ns = line.split(' ')[0];
      if (!ns || !ns.startsWith(`${this.prefix}-`)) continue;
      // Processes left in a namespace by a harness that died hard (a namespace's deletion does not end them).
      const pids = (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {}
      }
      spawnSync('ip', ['netns', 'del', ns]);
    }
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
    for (const m of links.matchAll(new RegExp(`\\d+: (${this.prefix}-[\\w-]+)[@:]`, 'g'))) spawnSync('ip', ['link', 'del', m[1]]);
    const mounts = spawnSync('findmnt', ['-rn', '-o', 'SOURCE,TARGET'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of mounts.split('\n')) {
      const [src, target] = line.split(' ');
      if (src?.startsWith(`${this.prefix}-`)) spawnSync('umount', ['-l', target]);
    }
    this.mounts = [];
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.hosts = [];
  }
}
