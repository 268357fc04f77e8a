import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KnownPeers } from '../src/cluster/known-peers.js';

function dataDir(): string {
  return mkdtempSync(join(tmpdir(), 'conclave-known-peers-'));
}

describe('KnownPeers', () => {
  it('gives a restarted agent the members it last saw alive (a crash records no leave)', () => {
    const dir = dataDir();
    const run1 = new KnownPeers(dir);
    expect(run1.load()).toEqual({ peers: [], left: false });
    run1.save(['127.0.0.1:8302', '127.0.0.1:8301', '127.0.0.1:8302']);
    expect(new KnownPeers(dir).load()).toEqual({ peers: ['127.0.0.1:8301', '127.0.0.1:8302'], left: false });
  });

  it('remembers a graceful leave with the members known before it, and ignores what the leave itself changes', () => {
    const dir = dataDir();
    const run1 = new KnownPeers(dir);
    run1.save(['127.0.0.1:8301', '127.0.0.1:8302']);
    run1.recordLeave();
    run1.save([]); // membership events while leaving and shutting down
    expect(new KnownPeers(dir).load()).toEqual({ peers: ['127.0.0.1:8301', '127.0.0.1:8302'], left: true });
  });

  it('keeps the leave while the restarted agent has joined no one, and clears it once it has', () => {
    const dir = dataDir();
    const run1 = new KnownPeers(dir);
    run1.save(['127.0.0.1:8301']);
    run1.recordLeave();
    const run2 = new KnownPeers(dir);
    run2.save([]);
    expect(new KnownPeers(dir).load()).toEqual({ peers: ['127.0.0.1:8301'], left: true });
    run2.save(['127.0.0.1:9301']);
    // What run2 started with does not change under it; the next run sees the new cluster and no leave.
    expect(run2.load()).toEqual({ peers: ['127.0.0.1:8301'], left: true });
    expect(new KnownPeers(dir).load()).toEqual({ peers: ['127.0.0.1:9301'], left: false });
  });

  it('reads the older bare-list file as peers without a leave', () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'serf'));
    writeFileSync(join(dir, 'serf', 'known-peers.json'), JSON.stringify(['127.0.0.1:8301', 7]));
    expect(new KnownPeers(dir).load()).toEqual({ peers: ['127.0.0.1:8301'], left: false });
  });

  it('treats an unreadable or malformed file as no known peers', () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'serf'));
    writeFileSync(join(dir, 'serf', 'known-peers.json'), '{not json');
    expect(new KnownPeers(dir).load()).toEqual({ peers: [], left: false });
    writeFileSync(join(dir, 'serf', 'known-peers.json'), JSON.stringify({ peers: 'x', left: 'yes' }));
    expect(new KnownPeers(dir).load()).toEqual({ peers: [], left: false });
  });

  it('keeps nothing on disk without a data dir (-dev)', () => {
    const peers = new KnownPeers('');
    peers.save(['127.0.0.1:8301']);
    peers.recordLeave();
    expect(new KnownPeers('').load()).toEqual({ peers: [], left: false });
  });

  it('writes the peers and the leave flag as JSON', () => {
    const dir = dataDir();
    new KnownPeers(dir).save(['127.0.0.1:8301']);
    expect(JSON.parse(readFileSync(join(dir, 'serf', 'known-peers.json'), 'utf8'))).toEqual({ peers: ['127.0.0.1:8301'], left: false });
  });
});
