// etcd 3.4 (Debian's etcd-server) under the same harness, in the same namespaces, for the side-by-side
// recovery figures: its v3 JSON gateway gives the register workload the same three operations (put, a
// linearizable range, a transaction comparing mod_revision).
import { join } from 'node:path';
import { http } from './http.mjs';

const b64 = (s) => Buffer.from(s).toString('base64');

export class EtcdCluster {
  constructor(lab, { servers }) {
    this.lab = lab;
    this.kind = 'etcd';
    this.servers = Array.from({ length: servers }, (_, i) => ({ ...lab.addHost(`s${i + 1}`), port: 2379, proc: undefined, log: '' }));
    this.clients = [];
  }

  endpoints() {
    return this.servers;
  }

  start(h) {
    const initial = this.servers.map((s) => `${s.name}=http://${s.ip}:2380`).join(',');
    // etcd's defaults (heartbeat 100 ms, election timeout 1000 ms) are Conclave's at raft_multiplier 1.
    const argv = ['etcd', '--name', h.name, '--data-dir', join(h.dir, 'etcd'), '--listen-peer-urls', `http://${h.ip}:2380`, '--initial-advertise-peer-urls', `http://${h.ip}:2380`, '--listen-client-urls', `http://${h.ip}:2379`, '--advertise-client-urls', `http://${h.ip}:2379`, '--initial-cluster', initial, '--initial-cluster-state', 'new', '--log-level', 'warn', '--logger', 'zap'];
    h.log = '';
    h.proc = this.lab.spawnIn(h, argv);
    const keep = (d) => (h.log = (h.log + d).slice(-20_000));
    h.proc.stdout.on('data', keep);
    h.proc.stderr.on('data', keep);
  }

  startAll() {
    for (const s of this.servers) this.start(s);
  }

  alive(h) {
    return h.proc && h.proc.exitCode === null && h.proc.signalCode === null;
  }

  kill(h) {
    h.proc?.kill('SIGKILL');
  }

  async call(h, path, body, timeoutMs = 2000) {
    const r = await http(h, 'POST', `/v3/${path}`, JSON.stringify(body), timeoutMs);
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${r.text}`);
    return JSON.parse(r.text);
  }

  async leaderSeenBy(s) {
    const st = await this.call(s, 'maintenance/status', {}, 1000);
    return st.leader && st.leader !== '0' ? st.leader : undefined;
  }

  async leader() {
    for (const s of this.servers) {
      try {
        const st = await this.call(s, 'maintenance/status', {}, 1000);
        if (st.leader && st.leader === st.header.member_id) return s;
      } catch {}
    }
    return undefined;
  }

  async kvPut(h, key, value) {
    await this.call(h, 'kv/put', { key: b64(`faults/${key}`), value: b64(value) });
    return true;
  }

  async kvGet(h, key, { consistent = true } = {}) {
    const r = await this.call(h, 'kv/range', { key: b64(`faults/${key}`), serializable: !consistent }, 5000);
    const kv = r.kvs?.[0];
    return kv ? { value: Buffer.from(kv.value ?? '', 'base64').toString(), index: Number(kv.mod_revision) } : null;
  }

  async kvCas(h, key, index, value) {
    const k = b64(`faults/${key}`);
    const r = await this.call(h, 'kv/txn', { compare: [{ key: k, target: 'MOD', result: 'EQUAL', mod_revision: String(index) }], success: [{ request_put: { key: k, value: b64(value) } }] });
    return r.succeeded === true;
  }
}
