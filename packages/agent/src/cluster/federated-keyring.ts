// The keyring across federated datacenters, as Consul's Internal.KeyringOperation runs it on a server: the WAN
// pool's keyring first (every server of every datacenter), then the LAN pool of each datacenter — this one
// directly, the others through a `keyring` RPC to one of their servers, which runs it on its own LAN only (Consul's
// Forwarded flag). Answers are WAN, then the datacenters' LANs by name. `?local-only` (lists only) asks this
// datacenter's LAN alone. A change reaches every pool or is reported failed with every pool's errors.
import { KeyringError, type KeyringOp, type KeyringResponse } from '../gossip-keyring.js';

export interface FederatedKeyringParts {
  datacenter: string;
  /** This datacenter's LAN pool. */
  lan: (op: KeyringOp, key?: string) => Promise<KeyringResponse[]>;
  /** The WAN pool; undefined on a server that is not federated (and on clients). */
  wan?: (op: KeyringOp, key?: string) => Promise<KeyringResponse[]>;
  /** The other datacenters the WAN pool knows. */
  datacenters: () => string[];
  /** Another datacenter's LAN pool, through one of its servers. */
  remoteLan: (dc: string, op: KeyringOp, key?: string) => Promise<KeyringResponse[]>;
}

export async function federatedKeyringOperation(p: FederatedKeyringParts, op: KeyringOp, key?: string, localOnly = false): Promise<KeyringResponse[]> {
  if (localOnly && op !== 'list') throw new KeyringError('argument error: LocalOnly can only be used for List operations');
  if (localOnly || !p.wan) return p.lan(op, key);
  const out: KeyringResponse[] = [];
  const errors: string[] = [];
  const collect = async (run: () => Promise<KeyringResponse[]>) => {
    try {
      out.push(...(await run()));
    } catch (err) {
      errors.push((err as Error).message);
    }
  };
  // The WAN first, as Consul does: a key installed there before the LANs is never one a server cannot read.
  await collect(() => p.wan!(op, key));
  const others = p.datacenters().filter((dc) => dc !== p.datacenter);
  await Promise.all([collect(() => p.lan(op, key)), ...others.map((dc) => collect(() => p.remoteLan(dc, op, key)))]);
  if (errors.length > 0) throw new KeyringError(errors.join(''));
  const rank = (r: KeyringResponse) => (r.WAN ? '' : `~${r.Datacenter}`);
  return out.sort((a, b) => (rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0));
}
