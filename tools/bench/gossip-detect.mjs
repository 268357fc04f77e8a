#!/usr/bin/env node
// Failure-detection benchmark for @conclave/gossip over real UDP/TCP on 127.0.0.1,
// side by side with HashiCorp memberlist (Go) under the same timings
// (memberlist DefaultLocalConfig: probe 1 s, probe timeout 200 ms, gossip 100 ms,
// suspicion mult 3, push/pull 15 s).
//
// Per run: N members start, join through one seed (time until all see all), settle,
// then one member is shut down without leaving (time until all N-1 others mark it
// failed). False positives = failures declared about any other member during the run.
// Also per run, for both implementations: how many members knew the victim when it
// crashed, when the first member suspected it (its own probe failed), and the highest
// Lifeguard health score any member had between the crash and the last verdict.
//
// Usage: node tools/bench/gossip-detect.mjs [--n 20,50] [--runs 3] [--no-memberlist]
// Needs the built package (cd packages/gossip && npx tsup) and, for the baseline,
// Debian's golang-go + golang-github-hashicorp-memberlist-dev.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGossipNode } from '@conclave/gossip';

const args = process.argv.slice(2);
const arg = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const sizes = arg('n', '20,50').split(',').map(Number);
const runs = Number(arg('runs', '3'));
const withMemberlist = !args.includes('--no-memberlist');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(cond, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(5);
  }
  return true;
}

async function runConclave(n) {
  const nodes = [];
  let falsePositives = 0;
  const victimName = `m${n - 1}`;
  const failedAt = new Map();
  let tCrash = Infinity;
  let firstSuspect = Infinity;
  for (let i = 0; i < n; i++) {
    const node = await createGossipNode({ name: `m${i}`, bindAddr: '127.0.0.1', port: 0, profile: 'local' });
    node.on('fail', (m) => {
      if (m.name === victimName) failedAt.set(node.name, Date.now());
      else falsePositives++;
    });
    node.on('suspect', (m) => {
      if (m.name === victimName && Date.now() >= tCrash) firstSuspect = Math.min(firstSuspect, Date.now() - tCrash);
    });
    nodes.push(node);
  }
  const t0 = Date.now();
  await Promise.all(nodes.slice(1).map((x) => x.join([nodes[0].addr])));
  const ok = await until(() => nodes.every((x) => x.members().filter((m) => m.status === 'alive').length === n), 60_000);
  const joinMs = ok ? Date.now() - t0 : NaN;
  await sleep(2000);
  const victim = nodes[n - 1];
  const others = nodes.slice(0, n - 1);
  const knewVictim = others.filter((x) => x.member(victimName)?.status === 'alive').length;
  let maxHealth = 0;
  tCrash = Date.now();
  await victim.shutdown();
  const detected = await until(() => {
    for (const x of others) maxHealth = Math.max(maxHealth, x.healthScore());
    return failedAt.size === n - 1;
  }, 120_000);
  const detectMs = detected ? Math.max(...failedAt.values()) - tCrash : NaN;
  const firstMs = detected ? Math.min(...failedAt.values()) - tCrash : NaN;
  await Promise.all(others.map((x) => x.shutdown()));
  return { joinMs, detectMs, firstMs, falsePositives, knewVictim, suspectMs: firstSuspect, maxHealth };
}

const GO_SOURCE = String.raw`
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/memberlist"
)

type watcher struct {
	name   string
	victim string
	mu     *sync.Mutex
	dead   map[string]time.Time
	fp     *int
}

func (w *watcher) NotifyJoin(n *memberlist.Node)   {}
func (w *watcher) NotifyUpdate(n *memberlist.Node) {}
func (w *watcher) NotifyLeave(n *memberlist.Node) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n.Name == w.victim {
		if _, ok := w.dead[w.name]; !ok {
			w.dead[w.name] = time.Now()
		}
	} else {
		*w.fp++
	}
}

// suspectLog timestamps memberlist's "Suspect <victim> has failed, no acks received"
// (logged where a member's own probe of the victim failed).
type suspectLog struct {
	victim string
	mu     *sync.Mutex
	armed  *bool
	tCrash *time.Time
	first  *time.Duration
}

func (l *suspectLog) Write(p []byte) (int, error) {
	if strings.Contains(string(p), "Suspect "+l.victim+" has failed") {
		l.mu.Lock()
		if *l.armed {
			if d := time.Since(*l.tCrash); d < *l.first {
				*l.first = d
			}
		}
		l.mu.Unlock()
	}
	return len(p), nil
}

func freePort() int {
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			panic(err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		u, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			u.Close()
			return p
		}
	}
}

func main() {
	n, _ := strconv.Atoi(os.Args[1])
	victim := fmt.Sprintf("m%d", n-1)
	mu := &sync.Mutex{}
	dead := map[string]time.Time{}
	fp := 0
	armed := false
	var tCrash time.Time
	firstSuspect := time.Hour
	slog := &suspectLog{victim: victim, mu: mu, armed: &armed, tCrash: &tCrash, first: &firstSuspect}
	var list []*memberlist.Memberlist
	for i := 0; i < n; i++ {
		c := memberlist.DefaultLocalConfig()
		c.Name = fmt.Sprintf("m%d", i)
		c.BindAddr = "127.0.0.1"
		c.BindPort = freePort()
		c.AdvertisePort = c.BindPort
		c.Logger = log.New(slog, "", 0)
		c.Events = &watcher{name: c.Name, victim: victim, mu: mu, dead: dead, fp: &fp}
		m, err := memberlist.Create(c)
		if err != nil {
			panic(err)
		}
		list = append(list, m)
	}
	seed := fmt.Sprintf("127.0.0.1:%d", list[0].LocalNode().Port)
	t0 := time.Now()
	var wg sync.WaitGroup
	for _, m := range list[1:] {
		wg.Add(1)
		go func(m *memberlist.Memberlist) { defer wg.Done(); m.Join([]string{seed}) }(m)
	}
	wg.Wait()
	for {
		all := true
		for _, m := range list {
			if m.NumMembers() != n {
				all = false
			}
		}
		if all {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	joinMs := time.Since(t0).Milliseconds()
	time.Sleep(2 * time.Second)
	knew := 0
	for _, m := range list[:n-1] {
		for _, x := range m.Members() {
			if x.Name == victim {
				knew++
			}
		}
	}
	maxHealth := 0
	mu.Lock()
	tCrash = time.Now()
	armed = true
	mu.Unlock()
	list[n-1].Shutdown()
	deadline := time.Now().Add(120 * time.Second)
	for time.Now().Before(deadline) {
		for _, m := range list[:n-1] {
			if h := m.GetHealthScore(); h > maxHealth {
				maxHealth = h
			}
		}
		mu.Lock()
		c := len(dead)
		mu.Unlock()
		if c == n-1 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	var last, first time.Duration
	first = time.Hour
	for _, t := range dead {
		d := t.Sub(tCrash)
		if d > last {
			last = d
		}
		if d < first {
			first = d
		}
	}
	ok := len(dead) == n-1
	f := fp
	mu.Unlock()
	for _, m := range list[:n-1] {
		m.Shutdown()
	}
	out := map[string]interface{}{"joinMs": joinMs, "falsePositives": f, "knewVictim": knew, "maxHealth": maxHealth}
	mu.Lock()
	if firstSuspect < time.Hour {
		out["suspectMs"] = firstSuspect.Milliseconds()
	}
	mu.Unlock()
	if ok {
		out["detectMs"] = last.Milliseconds()
		out["firstMs"] = first.Milliseconds()
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`;

function buildMemberlist() {
  const gocode = '/usr/share/gocode';
  if (!existsSync(join(gocode, 'src/github.com/hashicorp/memberlist'))) return { error: 'golang-github-hashicorp-memberlist-dev is not installed' };
  if (spawnSync('go', ['version']).status !== 0) return { error: 'go is not installed' };
  const dir = mkdtempSync(join(tmpdir(), 'memberlist-bench-'));
  writeFileSync(join(dir, 'main.go'), GO_SOURCE);
  const bin = join(dir, 'bench');
  try {
    execFileSync('go', ['build', '-o', bin, 'main.go'], {
      cwd: dir,
      env: { ...process.env, GO111MODULE: 'off', GOPATH: `${dir}/gopath:${gocode}`, GOFLAGS: '', GOCACHE: join(dir, 'cache') },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  } catch (e) {
    return { error: `go build failed: ${String(e.stderr ?? e.message).slice(0, 400)}` };
  }
  const version = spawnSync('dpkg-query', ['-W', '-f=${Version}', 'golang-github-hashicorp-memberlist-dev']).stdout?.toString() || '?';
  return { bin, version };
}

function runMemberlist(bin, n) {
  const out = execFileSync(bin, [String(n)], { encoding: 'utf8', timeout: 300_000 });
  const r = JSON.parse(out.trim().split('\n').pop());
  return {
    joinMs: r.joinMs,
    detectMs: r.detectMs ?? NaN,
    firstMs: r.firstMs ?? NaN,
    falsePositives: r.falsePositives,
    knewVictim: r.knewVictim,
    suspectMs: r.suspectMs ?? NaN,
    maxHealth: r.maxHealth,
  };
}

const stats = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return 'n/a';
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const s = [...v].sort((a, b) => a - b);
  // The median too: one straggler (a member that missed every broadcast) moves the mean by seconds.
  const median = s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  const f = (x) => (x / 1000).toFixed(2);
  return `${f(mean)} s (${f(s[0])}–${f(s[s.length - 1])}, med ${f(median)})`;
};

const ml = withMemberlist ? buildMemberlist() : { error: 'skipped (--no-memberlist)' };
console.log(`load average at the start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
if (ml.error) console.error(`memberlist baseline: ${ml.error}`);
const rows = [];
for (const n of sizes) {
  const impls = [['@conclave/gossip', (k) => runConclave(k)]];
  if (ml.bin) impls.push([`memberlist ${ml.version} (Go)`, async (k) => runMemberlist(ml.bin, k)]);
  for (const [name, fn] of impls) {
    const res = [];
    for (let r = 0; r < runs; r++) {
      res.push(await fn(n));
      process.stderr.write('.');
    }
    rows.push({
      impl: name,
      N: n,
      runs,
      'all see all after join': stats(res.map((x) => x.joinMs)),
      'knew victim': res.map((x) => x.knewVictim).join('/'),
      'first suspects': stats(res.map((x) => x.suspectMs)),
      'first marks failed': stats(res.map((x) => x.firstMs)),
      'all N-1 mark failed': stats(res.map((x) => x.detectMs)),
      'false positives': res.reduce((a, x) => a + x.falsePositives, 0),
      'max health score': Math.max(...res.map((x) => x.maxHealth)),
    });
  }
}
process.stderr.write('\n');
console.log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log('Failure detection on 127.0.0.1, memberlist DefaultLocalConfig timings (mean, min–max, median)');
console.table(rows);
