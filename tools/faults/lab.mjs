// The fault lab: each agent in its own network namespace, joined by veth pairs to one bridge that this harness
// creates (10.77.0.0/24; the harness itself is 10.77.0.1 on the bridge). Traffic never leaves the machine.
// Everything made here is removed by destroy(), which also runs on exit, Ctrl-C and a crash of the harness.
import { execFileSync, spawnSync } from 'node:child_process';

const PREFIX = 'cnvf';
const BRIDGE = `${PREFIX}-br`;
export const HARNESS_IP = '10.77.0.1';

function run(cmd, args, { ns, input, allowFail = false } = {}) {
  const argv = ns ? ['netns', 'exec', ns, cmd, ...args] : args;
  const bin = ns ? 'ip' : cmd;
  const r = spawnSync(bin, argv, { encoding: 'utf8', input });
  if (r.status !== 0 && !allowFail) throw new Error(`${bin} ${argv.join(' ')}: ${(r.stderr || r.stdout || '').trim()}`);
  return r;
}

/** What this kernel and machine can do; a nemesis that needs a missing feature is skipped and said so. */
export function probe() {
  const features = { netns: false, nft: false, netem: false, why: [] };
  if (process.getuid?.() !== 0) features.why.push('not root: network namespaces need root');
  const ns = `${PREFIX}-probe`;
  if (run('ip', ['netns', 'add', ns], { allowFail: true }).status === 0) {
    features.netns = true;
    features.nft = run('nft', ['add', 'table', 'inet', 'probe'], { ns, allowFail: true }).status === 0;
    if (!features.nft) features.why.push('nft is missing or the kernel has no nf_tables: partitions are skipped');
    run('ip', ['link', 'add', `${PREFIX}-pv0`, 'type', 'veth', 'peer', 'name', `${PREFIX}-pv1`], { allowFail: true });
    run('ip', ['link', 'set', `${PREFIX}-pv1`, 'netns', ns], { allowFail: true });
    features.netem = run('tc', ['qdisc', 'add', 'dev', `${PREFIX}-pv1`, 'root', 'netem', 'delay', '1ms'], { ns, allowFail: true }).status === 0;
    if (!features.netem) features.why.push('tc netem is not in this kernel: delay, loss, duplication and reordering nemeses are skipped');
    run('ip', ['link', 'del', `${PREFIX}-pv0`], { allowFail: true });
    run('ip', ['netns', 'del', ns], { allowFail: true });
  } else features.why.push('cannot create network namespaces (ip netns add)');
  return features;
}

export class Lab {
  constructor() {
    this.hosts = [];
    this.destroyed = false;
    const cleanup = () => this.destroy();
    process.once('exit', cleanup);
    for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => process.exit(130));
    process.once('uncaughtException', (err) => {
      console.error(err);
      process.exit(1);
    });
    this.destroy(); // leftovers of a harness that died hard
    run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    run('ip', ['addr', 'add', `${HARNESS_IP}/24`, 'dev', BRIDGE]);
    run('ip', ['link', 'set', BRIDGE, 'up']);
  }

  /** A host: a namespace with lo and one interface on the bridge at 10.77.0.<10+i>. */
  addHost(name) {
    const i = this.hosts.length + 1;
    const ns = `${PREFIX}-${name}`;
    const ip = `10.77.0.${10 + i}`;
    const outside = `${PREFIX}-v${i}`;
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    run('ip', ['link', 'set', outside, 'master', BRIDGE]);
    run('ip', ['link', 'set', outside, 'up']);
    run('ip', ['link', 'set', 'lo', 'up'], { ns });
    run('ip', ['addr', 'add', `${ip}/24`, 'dev', 'eth0'], { ns });
    run('ip', ['link', 'set', 'eth0', 'up'], { ns });
    const host = { name, ns, ip };
    this.hosts.push(host);
    return host;
  }

  /**
   * Drops packets between `host` and the listed peers (both ways unless oneWay: then only what `host` receives
   * from them). The harness's own address is never dropped: clients keep reaching the host.
   */
  cut(host, peers, { oneWay = false } = {}) {
    const ips = peers.map((p) => p.ip).join(', ');
    if (!ips) return;
    const rules = [`table inet ${PREFIX} {`, ' chain input { type filter hook input priority 0; ip saddr { ' + ips + ' } drop; }'];
    if (!oneWay) rules.push(' chain output { type filter hook output priority 0; ip daddr { ' + ips + ' } drop; }');
    rules.push('}');
    run('nft', ['delete', 'table', 'inet', PREFIX], { ns: host.ns, allowFail: true });
    run('nft', ['-f', '-'], { ns: host.ns, input: rules.join('\n') + '\n' });
  }

  heal(host) {
    run('nft', ['delete', 'table', 'inet', PREFIX], { ns: host.ns, allowFail: true });
  }

  healAll() {
    for (const h of this.hosts) this.heal(h);
  }

  destroy() {
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of list.split('\n')) {
      const ns = line.split(' ')[0];
      if (ns && ns.startsWith(`${PREFIX}-`)) spawnSync('ip', ['netns', 'del', ns]);
    }
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
    for (const m of links.matchAll(new RegExp(`\\d+: (${PREFIX}-[\\w-]+)[@:]`, 'g'))) spawnSync('ip', ['link', 'del', m[1]]);
    this.hosts = [];
  }
}

export function sh(cmd, args) {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}
