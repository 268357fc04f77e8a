// The addresses of the members an agent last saw alive, kept in the data dir so that a restarted agent
// rejoins its cluster by itself (Serf's snapshot does this for Consul).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class KnownPeers {
  private readonly file: string;
  private last = '';

  /** An empty dir (dev mode) keeps nothing. */
  constructor(dataDir: string) {
    this.file = dataDir ? join(dataDir, 'serf', 'known-peers.json') : '';
  }

  load(): string[] {
    if (!this.file) return [];
    try {
      const list = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return Array.isArray(list) ? list.filter((a): a is string => typeof a === 'string') : [];
    } catch {
      return [];
    }
  }

  save(addresses: string[]): void {
    if (!this.file) return;
    const text = JSON.stringify([...new Set(addresses)].sort());
    if (text === this.last) return;
    this.last = text;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      writeFileSync(this.file + '.tmp', text);
      renameSync(this.file + '.tmp', this.file);
    } catch {
      // Losing this file only means a restarted agent needs -join again.
    }
  }
}
