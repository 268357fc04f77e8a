#!/usr/bin/env node
// Memory per KV key: a state machine holding --keys entries of --value bytes (applied as Raft would, one
// kv.set each), RSS and V8 heap after a full GC, per key; and the time a read of one key and a prefix list
// take with that many keys next to with 1,000 (CPU time of the reads, not wall time, so machine load adds
// little). In-process: the agent's HTTP and Raft cost no more per key than this table does.
// Usage: node --expose-gc tools/bench/kv-memory.mjs [--keys 1000000] [--value 100] [--order sequential|random] (sequential ids still interleave across 1,000 prefixes)
import { loadavg } from 'node:os';
import { StateMachine } from '@conclave/state';
import { opt } from './lib.mjs';

if (typeof global.gc !== 'function') throw new Error('run with node --expose-gc');
const keys = Number(opt('keys', '1000000'));
const valueBytes = Number(opt('value', '100'));
const order = opt('order', 'sequential');

function fill(n) {
  const sm = new StateMachine();
  const ids = Array.from({ length: n }, (_, i) => i);
  if (order === 'random') for (let i = n - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [ids[i], ids[j]] = [ids[j], ids[i]]; }
  const value = Buffer.alloc(valueBytes, 'v');
  const t0 = process.cpuUsage();
  // A value of its own per key, as values decoded from Raft entries are (a shared one would hide their cost).
  for (let i = 0; i < n; i++) sm.apply({ type: "kv.set", Key: `app/${String(ids[i] % 1000).padStart(3, "0")}/key-${String(ids[i]).padStart(8, "0")}`, Value: new Uint8Array(value), Flags: "0" }, i + 1);
  const cpu = process.cpuUsage(t0);
  return { sm, fillCpuS: (cpu.user + cpu.system) / 1e6 };
}

function readCpuUs(sm, n) {
  const t0 = process.cpuUsage();
  const reps = 20000;
  for (let i = 0; i < reps; i++) sm.kv.get(`app/${String(i % 1000).padStart(3, '0')}/key-${String((i * 7919) % n).padStart(8, '0')}`);
  const get = process.cpuUsage(t0);
  const t1 = process.cpuUsage();
  for (let i = 0; i < 200; i++) sm.kv.list(`app/${String(i % 1000).padStart(3, '0')}/`);
  const list = process.cpuUsage(t1);
  return { getUs: (get.user + get.system) / reps, listUs: (list.user + list.system) / 200 };
}

const mem = () => {
  global.gc();
  global.gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, ext: m.external + m.arrayBuffers };
};
const base = mem();
const small = fill(1000);
const smallReads = readCpuUs(small.sm, 1000);
small.sm = undefined;
const before = mem();
const big = fill(keys);
const after = mem();
const bigReads = readCpuUs(big.sm, keys);
const per = (k) => ((after[k] - before[k]) / keys).toFixed(0);
console.log(`\n${keys} KV entries of ${valueBytes} bytes (${order} order), node ${process.version}; load average ${loadavg()[0].toFixed(2)}\n`);
console.log('| RSS MB (whole process) | RSS per key B | V8 heap per key B | buffers per key B | fill CPU s |');
console.log('|--:|--:|--:|--:|--:|');
console.log(`| ${(after.rss / 2 ** 20).toFixed(0)} | ${per('rss')} | ${per('heap')} | ${per('ext')} | ${big.fillCpuS.toFixed(1)} |`);
console.log('\n| keys | get one key, CPU µs | list a prefix of ~N/1000 keys, CPU µs |');
console.log('|--:|--:|--:|');
console.log(`| 1,000 | ${smallReads.getUs.toFixed(2)} | ${smallReads.listUs.toFixed(1)} |`);
console.log(`| ${keys.toLocaleString('en')} | ${bigReads.getUs.toFixed(2)} | ${bigReads.listUs.toFixed(1)} |`);
void base;
