// Conclave under the harness: servers (each in its namespace, its data directory on its own small tmpfs so the
// full-disk nemesis can fill it, its wall clock under libfaketime when installed so the clock nemeses can move
// it) and one client agent in its own namespace, which clients also send their requests through.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FAKETIME_LIB } from './lab.mjs';
import { http } from './http.mjs';

const bin = fileURLToPath(new URL('../../apps/agent/bin/conclave.js', import.meta.url));

export class ConclaveCluster {
  constructor(lab, { servers, clientAgents = 1, features }) {
    this.lab = lab;
    this.kind = 'conclave';
    this.features = features;
    this.servers = Array.from({ length: servers }, (_, i) => this.host(`s${i + 1}`, true));
    this.clients = Array.from({ length: clientAgents }, (_, i) => this.host(`c${i + 1}`, false));
    this.extra = 0;
  }

  host(name, server) {
    const h = { ...this.lab.addHost(name), server, proc: undefined, log: '', clockFile: join(this.lab.root, `${name}.faketime`) };
    if (this.features.tmpfs) this.lab.tmpfs(h, 128);
    writeFileSync(h.clockFile, '+0\n');
    return h;
  }

  /** Every address a client may send a request to: each server and each client agent. */
  endpoints() {
    return [...this.servers, ...this.clients];
  }

  start(h, { bootstrap = true } = {}) {
    const joins = this.servers.filter((o) => o !== h).flatMap((o) => ['-retry-join', o.ip]);
    const role = h.server ? ['-server', ...(bootstrap ? ['-bootstrap-expect', String(this.servers.length)] : [])] : [];
    const argv = [process.execPath, bin, 'agent', ...role, '-node', h.name, '-bind', h.ip, '-client', h.ip, '-data-dir', join(h.dir, 'data'), '-raft-multiplier', '1', '-retry-interval', '1s', '-dns-port', '-1', '-log-level', process.env.FAULTS_LOG_LEVEL ?? 'warn', ...joins];
    // The wall clock is moved by rewriting clockFile (re-read at most every second); the monotonic clock, which
    // Node's timers run on, is left alone: a jump of the wall clock must not be able to stall the event loop.
    const env = FAKETIME_LIB && h.server ? { LD_PRELOAD: FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE: h.clockFile, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' } : {};
    h.log = '';
    h.proc = this.lab.spawnIn(h, argv, env);
    const keep = (d) => (h.log = (h.log + d).slice(-20_000));
    h.proc.stdout.on('data', keep);
    h.proc.stderr.on('data', keep);
  }

  startAll() {
    for (const h of this.endpoints()) this.start(h);
  }

  alive(h) {
    return h.proc && h.proc.exitCode === null && h.proc.signalCode === null;
  }

  kill(h) {
    h.proc?.kill('SIGKILL');
  }

  async leader() {
    for (const s of this.servers) {
      try {
        const r = await http(s, 'GET', '/v1/status/leader', undefined, 1000);
        const addr = JSON.parse(r.text);
        if (addr) return this.servers.find((x) => addr.startsWith(`${x.ip}:`));
      } catch {}
    }
    return undefined;
  }

  /** The leader as one server sees it (undefined when it knows none). */
  async leaderSeenBy(s) {
    const r = await http(s, 'GET', '/v1/status/leader', undefined, 1000);
    return JSON.parse(r.text) || undefined;
  }

  /** After the run: every clock back to the real time, every disk's filler gone. */
  resetClock(h) {
    writeFileSync(h.clockFile, '+0\n');
  }

  freeDisk(h) {
    rmSync(join(h.dir, 'filler'), { force: true });
  }

  /** Adds a server after the cluster formed (membership change): it joins by gossip and autopilot makes it a voter. */
  addServer() {
    const h = this.host(`s${this.servers.length + 1 + this.extra++}`, true);
    this.servers.push(h);
    this.start(h, { bootstrap: false });
    return h;
  }

  /** Graceful leave (PUT /v1/agent/leave): the leader removes it from the Raft configuration. */
  async removeServer(h) {
    await http(h, 'PUT', '/v1/agent/leave', '', 10_000).catch(() => undefined);
    this.kill(h);
    this.servers = this.servers.filter((s) => s !== h);
  }

  /** Voters in the Raft configuration as the leader sees them. */
  async voters() {
    const lead = await this.leader();
    for (const s of lead ? [lead] : []) {
      try {
        const r = await http(s, 'GET', '/v1/operator/raft/configuration', undefined, 1000);
        if (r.status === 200) return JSON.parse(r.text).Servers.filter((x) => x.Voter).map((x) => x.Node);
      } catch {}
    }
    return undefined;
  }

  // ---- the register workload's view of the KV store (etcd-cluster.mjs has the same three)

  /** true once acknowledged; throws when the outcome is unknown. */
  async kvPut(h, key, value) {
    const r = await http(h, 'PUT', `/v1/kv/faults/${key}`, value);
    if (r.status === 200 && r.text === 'true') return true;
    throw new Error(`put: ${r.status} ${r.text}`);
  }

  /** A ?consistent read: {value, index} or null when the key is absent; throws when it got no answer. */
  async kvGet(h, key, { consistent = true } = {}) {
    const r = await http(h, 'GET', `/v1/kv/faults/${key}${consistent ? '?consistent' : ''}`, undefined, 5000);
    if (r.status === 404) return null;
    if (r.status !== 200) throw new Error(`get: ${r.status} ${r.text}`);
    const e = JSON.parse(r.text)[0];
    return { value: Buffer.from(e.Value ?? '', 'base64').toString(), index: e.ModifyIndex };
  }

  /** true or false when the server answered; throws when the outcome is unknown. */
  async kvCas(h, key, index, value) {
    const r = await http(h, 'PUT', `/v1/kv/faults/${key}?cas=${index}`, value);
    if (r.status === 200 && (r.text === 'true' || r.text === 'false')) return r.text === 'true';
    throw new Error(`cas: ${r.status} ${r.text}`);
  }
}
