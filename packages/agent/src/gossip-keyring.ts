// The gossip keyring, cluster-wide (Consul's /v1/operator/keyring and `consul keyring`): an operation is a gossip
// query that every member answers after applying it to its own keyring, with the keys it then holds; the asker
// counts keys per member, as Serf's key manager does. Each member keeps its keyring in
// <data_dir>/serf/local.keyring (Serf's file: a JSON array of base64 keys, primary first), so a restarted agent
// comes back with the keys the cluster moved to, not the `encrypt` it was first started with.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GossipNode } from '@conclave/gossip';
import { RefusedError, writeFileDurableSync, type Logger } from '@conclave/toolkit';
import { ConfigError } from './config/config-error.js';

export const KEYRING_QUERY = '_conclave-keyring';

export type KeyringOp = 'list' | 'install' | 'use' | 'remove';

/** One pool's answer, Consul's api.KeyringResponse. */
export interface KeyringResponse {
  WAN: boolean;
  Datacenter: string;
  Segment: string;
  Messages: Record<string, string>;
  Keys: Record<string, number>;
  PrimaryKeys: Record<string, number>;
  NumNodes: number;
}

interface MemberAnswer {
  keys: string[];
  error?: string;
}

/** Answered 500 with Consul's text by the HTTP API. */
export class KeyringError extends RefusedError {
  override name = 'KeyringError';
}

/** The LAN pool's keyring file, and the WAN pool's (Consul's serf/remote.keyring, on servers). */
export const LAN_KEYRING = 'local.keyring';
export const WAN_KEYRING = 'remote.keyring';

export function keyringFile(dataDir: string, file = LAN_KEYRING): string {
  return join(dataDir, 'serf', file);
}

/**
 * The WAN pool's keys at start: its own keyring file when there is one, else the LAN pool's keys (Consul writes
 * both files from `encrypt`; a server upgraded from a version without WAN keyring operations starts from its
 * LAN keyring), which are then persisted. Undefined: no encryption.
 */
export function wanStartupKeys(lanKeys: string[] | undefined, dataDir: string, dev: boolean): string[] | undefined {
  if (dev || dataDir === '') return lanKeys;
  const file = keyringFile(dataDir, WAN_KEYRING);
  if (existsSync(file)) {
    let keys: unknown;
    try {
      keys = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: not a keyring file (a JSON array of base64 keys): ${(err as Error).message}`);
    }
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string'))
      throw new ConfigError(`${file}: not a keyring file (a JSON array of base64 keys)`);
    return keys as string[];
  }
  if (!lanKeys || lanKeys.length === 0) return undefined;
  writeFileDurableSync(file, JSON.stringify(lanKeys), { mode: 0o600 });
  return lanKeys;
}

/**
 * The keys gossip starts with: the persisted keyring when there is one (Consul: "using keyring" over -encrypt),
 * else `encrypt`, which is then persisted. Undefined: no encryption.
 */
export function startupKeys(encrypt: string, dataDir: string, dev: boolean, logger: Logger): string[] | undefined {
  if (dev || dataDir === '') return encrypt ? [encrypt] : undefined;
  const file = keyringFile(dataDir);
  if (existsSync(file)) {
    let keys: unknown;
    try {
      keys = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${file}: not a keyring file (a JSON array of base64 keys): ${(err as Error).message}`);
    }
    if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => typeof k !== 'string'))
      throw new ConfigError(`${file}: not a keyring file (a JSON array of base64 keys)`);
    if (encrypt && encrypt !== keys[0]) logger.warn('LAN keyring exists but -encrypt given, using keyring', { keyring: file });
    return keys as string[];
  }
  if (!encrypt) return undefined;
  writeFileDurableSync(file, JSON.stringify([encrypt]), { mode: 0o600 });
  return [encrypt];
}

/** Makes this member answer keyring queries: apply the operation, persist the keyring, answer with the keys. */
export function answerKeyringQueries(node: GossipNode, dataDir: string | undefined, logger: Logger, file = LAN_KEYRING): void {
  node.onQuery(KEYRING_QUERY, (payload, from) => {
    let answer: MemberAnswer;
    try {
      const { op, key } = JSON.parse(Buffer.from(payload).toString('utf8')) as { op: KeyringOp; key?: string };
      if (op === 'install') node.installKey(key ?? '');
      else if (op === 'use') node.useKey(key ?? '');
      else if (op === 'remove') node.removeKey(key ?? '');
      else if (op !== 'list') throw new Error(`unknown keyring operation ${String(op)}`);
      if (op !== 'list') {
        logger.info('Keyring changed', { operation: op, requested_by: from });
        if (dataDir) writeFileDurableSync(keyringFile(dataDir, file), JSON.stringify(node.listKeys()), { mode: 0o600 });
      }
      answer = { keys: node.listKeys() };
    } catch (err) {
      answer = { keys: safeKeys(node), error: (err as Error).message };
    }
    return Buffer.from(JSON.stringify(answer));
  });
}

function safeKeys(node: GossipNode): string[] {
  try {
    return node.listKeys();
  } catch {
    return [];
  }
}

/**
 * Runs an operation on every member and answers as Consul: a list gives the key counts; a change throws
 * KeyringError ("N/M nodes reported failure" and each member's message) unless every member applied it.
 */
export async function keyringOperation(node: GossipNode, datacenter: string, op: KeyringOp, key?: string, timeoutMs = 10_000, wan = false): Promise<KeyringResponse[]> {
  const r = await node.query(KEYRING_QUERY, JSON.stringify({ op, key }), { timeoutMs });
  const out: KeyringResponse = { WAN: wan, Datacenter: datacenter, Segment: '', Messages: {}, Keys: {}, PrimaryKeys: {}, NumNodes: r.asked };
  let failed = 0;
  for (const [member, raw] of r.responses) {
    let answer: MemberAnswer;
    try {
      answer = JSON.parse(Buffer.from(raw).toString('utf8')) as MemberAnswer;
    } catch {
      answer = { keys: [], error: 'unreadable answer' };
    }
    if (answer.error) {
      failed++;
      out.Messages[member] = answer.error;
    }
    for (const k of answer.keys ?? []) out.Keys[k] = (out.Keys[k] ?? 0) + 1;
    if (answer.keys?.[0]) out.PrimaryKeys[answer.keys[0]] = (out.PrimaryKeys[answer.keys[0]] ?? 0) + 1;
  }
  const pool = wan ? 'WAN' : `${datacenter} (LAN)`;
  if (failed > 0) throw new KeyringError(describe(pool, `${failed}/${r.asked} nodes reported failure`, out.Messages));
  if (r.responses.size < r.asked) throw new KeyringError(describe(pool, `${r.responses.size}/${r.asked} nodes reported success`, out.Messages));
  return [out];
}

/** go-multierror's text, as Consul's keyring errors read. */
function describe(pool: string, summary: string, messages: Record<string, string>): string {
  const lines = [`${pool} error: ${summary}`, ...Object.entries(messages).map(([node, m]) => `${node}: ${m}`)];
  return `${lines.length} error${lines.length === 1 ? '' : 's'} occurred:\n${lines.map((l) => `\t* ${l}`).join('\n')}\n\n`;
}
