import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MessageTypeName, type Message } from '../src/types.js';
import { data, Net } from './harness.js';

// etcd-style scripted tests: each testdata/*.txt is a list of commands, each followed by its expected
// output after a "----" line. Regenerate the expectations with UPDATE_TESTDATA=1 after a deliberate change.
const dir = join(dirname(fileURLToPath(import.meta.url)), 'testdata');
const update = process.env.UPDATE_TESTDATA === '1';

interface Block {
  cmd: string;
  expected: string;
}

function parse(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim() || l.startsWith('#')) continue;
    const out: string[] = [];
    if (lines[i + 1] !== '----') throw new Error(`line ${i + 2}: expected ---- after command ${l}`);
    i += 2;
    while (i < lines.length && lines[i] !== '') out.push(lines[i++]);
    blocks.push({ cmd: l, expected: out.join('\n') });
  }
  return blocks;
}

const fmt = (m: Message) =>
  `${m.from}->${m.to} ${MessageTypeName[m.type]} term=${m.term}` +
  (m.index !== undefined ? ` index=${m.index}` : '') +
  (m.logTerm !== undefined ? ` logTerm=${m.logTerm}` : '') +
  (m.entries?.length ? ` entries=${m.entries.length}` : '') +
  (m.commit !== undefined ? ` commit=${m.commit}` : '') +
  (m.reject ? ' reject' : '');

function run(net: Net | undefined, cmd: string): { net: Net | undefined; out: string } {
  const [op, ...args] = cmd.split(/\s+/);
  const lines: string[] = [];
  const deliver = (n: Net, log: boolean) => {
    n.flush();
    for (let round = 0; round < 100 && n.queue.length; round++) {
      const q = n.queue;
      n.queue = [];
      for (const m of q) {
        if (log) lines.push(fmt(m));
        n.get(m.to).step(m);
      }
      n.flush();
    }
  };
  switch (op) {
    case 'cluster': {
      const n = new Net(args);
      n.stabilize();
      return { net: n, out: 'ok' };
    }
    case 'campaign':
      net!.get(args[0]).campaign();
      break;
    case 'propose':
      net!.get(args[0]).propose(data(args[1]));
      break;
    case 'transfer':
      net!.get(args[0]).transferLeadership(args[1]);
      break;
    case 'isolate':
      net!.isolate(args[0]);
      break;
    case 'heal':
      net!.heal();
      break;
    case 'tick':
      for (let i = 0; i < Number(args[1]); i++) {
        net!.get(args[0]).tick();
        deliver(net!, false);
      }
      break;
    case 'deliver':
      // Delivers until quiet, printing every message.
      deliver(net!, true);
      return { net, out: lines.join('\n') || '(quiet)' };
    case 'stabilize':
      deliver(net!, false);
      break;
    case 'status':
      break;
    default:
      throw new Error(`unknown command ${op}`);
  }
  if (op !== 'status') {
    net!.flush(); // messages wait in the queue for deliver/stabilize
    return { net, out: 'ok' };
  }
  for (const [id, r] of net!.nodes) {
    lines.push(`${id} ${r.state} term=${r.term} lead=${r.lead || '-'} last=${r.log.lastIndex()} commit=${r.log.committed}`);
  }
  return { net, out: lines.join('\n') };
}

describe('interaction scripts (testdata/*.txt)', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.txt'))) {
    it(file, () => {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const blocks = parse(text);
      let net: Net | undefined;
      const rewritten: string[] = [];
      const header = text.split('\n').filter((l, i, a) => l.startsWith('#') && a.slice(0, i).every((x) => x.startsWith('#')));
      for (const b of blocks) {
        const r = run(net, b.cmd);
        net = r.net;
        if (update) rewritten.push(`${b.cmd}\n----\n${r.out}\n`);
        else expect(`${b.cmd}\n${r.out}`).toBe(`${b.cmd}\n${b.expected}`);
      }
      if (update) writeFileSync(path, [...header, ''].join('\n') + rewritten.join('\n'));
    });
  }
});
