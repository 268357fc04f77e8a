// The addresses of the members an agent last saw alive, kept in the data dir so that a restarted agent
// rejoins its cluster by itself (Serf's snapshot does this for Consul), and whether the agent then left the
// cluster gracefully: an agent that left does not rejoin on its own unless told to (`-rejoin`,
// `rejoin_after_leave`), like Serf replaying a `leave` line of its snapshot.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurableSync } from '@conclave/toolkit';

export interface KnownPeersSnapshot {
  /** `host:port` gossip addresses of the members last seen alive. */
  peers: string[];
  /** True when the agent left gracefully after seeing them (and has not joined anyone since). */
  left: boolean;
}

/** The WAN pool's file beside the LAN's (Consul keeps serf/remote.snapshot beside serf/local.snapshot). */
export const WAN_PEERS_FILE = 'known-peers-wan.json';

export class KnownPeers {
  private readonly file: string;
  private current: KnownPeersSnapshot;
  private readonly atStart: KnownPeersSnapshot;
  private last = '';
  /** Set by recordLeave: later membership changes of this run (the leave itself, shutdown) are not recorded. */
  private frozen = false;

  /** An empty dir (dev mode) keeps nothing. `file`: the LAN pool's by default, WAN_PEERS_FILE for the WAN's. */
  constructor(dataDir: string, file = 'known-peers.json') {
    this.file = dataDir ? join(dataDir, 'serf', file) : '';
    this.current = this.read();
    this.atStart = this.current;
  }

  /** What the data dir held when the agent started (whatever this run has recorded since). */
  load(): KnownPeersSnapshot {
    return { peers: [...this.atStart.peers], left: this.atStart.left };
  }

  /** Records the members now alive, other than this agent. While a recorded leave stands, an agent that has
   * joined no one yet (an empty list) keeps the leave and the old list. */
  save(peers: string[]): void {
    if (this.frozen) return;
    if (this.current.left && peers.length === 0) return;
    this.write({ peers: [...new Set(peers)].sort(), left: false });
  }

  /** The agent is leaving gracefully: remember it, with the members it knew (`-rejoin` uses them). */
  recordLeave(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.write({ peers: this.current.peers, left: true });
  }

  private write(snapshot: KnownPeersSnapshot): void {
    this.current = snapshot;
    if (!this.file) return;
    const text = JSON.stringify(snapshot);
    if (text === this.last) return;
    this.last = text;
    try {
      writeFileDurableSync(this.file, text);
    } catch {
      // Losing this file only means a restarted agent needs -join again.
    }
  }

  private read(): KnownPeersSnapshot {
    if (!this.file) return { peers: [], left: false };
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return { peers: [], left: false };
    }
    // Before leaves were recorded the file was a bare list of addresses.
    const list = Array.isArray(doc) ? doc : isRecord(doc) && Array.isArray(doc.peers) ? doc.peers : [];
    const peers = list.filter((a): a is string => typeof a === 'string');
    const left = isRecord(doc) && doc.left === true;
    this.last = JSON.stringify({ peers, left });
    return { peers, left };
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
