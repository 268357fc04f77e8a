// /v1/kv: values as Buffers, Flags as exact uint64 bigints.
import type { ConsulHttp } from './consul-http.js';
import { ConsulDecodeError } from './errors.js';
import type { QueryOptions, QueryResult, WriteOptions } from './query.js';
import { toUint64 } from './uint64.js';

export interface KVPair {
  Key: string;
  /** uint64, exact. */
  Flags: bigint;
  /** null when the key holds no bytes (Consul's `"Value": null`). */
  Value: Buffer | null;
  CreateIndex: number;
  ModifyIndex: number;
  LockIndex: number;
  Session?: string;
}

export interface KVPutOptions extends WriteOptions {
  flags?: bigint | number | string;
  /** Check-and-set: 0 = only if absent, N = only if ModifyIndex is N. */
  cas?: bigint | number;
  acquire?: string;
  release?: string;
}

export interface KVDeleteOptions extends WriteOptions {
  recurse?: boolean;
  cas?: bigint | number;
}

export class KvApi {
  constructor(private readonly http: ConsulHttp) {}

  /** One key; `body` is null when it does not exist (the index still tells when it changes). */
  async get(key: string, options?: QueryOptions): Promise<QueryResult<KVPair | null>> {
    const res = await this.http.read<unknown>(`kv/${key}`, undefined, options, { nullOn404: true });
    if (res.body === null) return { ...res, body: null };
    const pairs = decodePairs(res.body);
    return { ...res, body: pairs[0] ?? null };
  }

  /** Every key starting with `prefix` (a string prefix: `foo` matches `foo1`); [] when none. */
  async list(prefix: string, options?: QueryOptions): Promise<QueryResult<KVPair[]>> {
    const res = await this.http.read<unknown>(`kv/${prefix}`, { recurse: true }, options, { nullOn404: true });
    return { ...res, body: res.body === null ? [] : decodePairs(res.body) };
  }

  /** Key names under `prefix`; with a separator, cut after the first separator past the prefix. [] when none. */
  async keys(prefix: string, separator?: string, options?: QueryOptions): Promise<QueryResult<string[]>> {
    const res = await this.http.read<unknown>(`kv/${prefix}`, { keys: true, separator: separator || undefined }, options, { nullOn404: true });
    if (res.body === null) return { ...res, body: [] };
    if (!Array.isArray(res.body) || !res.body.every((k) => typeof k === 'string')) {
      throw new ConsulDecodeError('kv keys response is not a list of strings');
    }
    return { ...res, body: res.body as string[] };
  }

  /** Writes the value; false when a cas/acquire condition did not hold. */
  async put(key: string, value: string | Uint8Array | null, options: KVPutOptions = {}): Promise<boolean> {
    const params = {
      flags: options.flags === undefined ? undefined : toUint64(options.flags, 'flags').toString(),
      cas: options.cas === undefined ? undefined : toUint64(options.cas, 'cas').toString(),
      acquire: options.acquire,
      release: options.release,
    };
    const body = value === null ? undefined : value;
    return decodeBool(await this.http.write('PUT', `kv/${key}`, params, body ?? '', options), 'kv put');
  }

  /** Deletes the key (or the whole prefix with `recurse`); false when a cas did not hold. */
  async delete(key: string, options: KVDeleteOptions = {}): Promise<boolean> {
    const params = {
      recurse: options.recurse === true,
      cas: options.cas === undefined ? undefined : toUint64(options.cas, 'cas').toString(),
    };
    const res = await this.http.write('DELETE', `kv/${key}`, params, undefined, options);
    return res === undefined ? true : decodeBool(res, 'kv delete');
  }
}

function decodeBool(body: unknown, what: string): boolean {
  if (typeof body === 'boolean') return body;
  if (body === 'true' || body === 'false') return body === 'true';
  throw new ConsulDecodeError(`${what} response is ${JSON.stringify(body)}, expected true or false`);
}

export function decodePairs(body: unknown): KVPair[] {
  if (!Array.isArray(body)) throw new ConsulDecodeError('kv response is not a list');
  return body.map((raw: unknown) => {
    if (!raw || typeof raw !== 'object') throw new ConsulDecodeError('kv entry is not an object');
    const e = raw as Record<string, unknown>;
    if (typeof e.Key !== 'string') throw new ConsulDecodeError('kv entry has no Key');
    const pair: KVPair = {
      Key: e.Key,
      Flags: decodeFlags(e.Flags),
      Value: typeof e.Value === 'string' ? Buffer.from(e.Value, 'base64') : null,
      CreateIndex: Number(e.CreateIndex ?? 0),
      ModifyIndex: Number(e.ModifyIndex ?? 0),
      LockIndex: Number(e.LockIndex ?? 0),
    };
    if (typeof e.Session === 'string' && e.Session !== '') pair.Session = e.Session;
    return pair;
  });
}

function decodeFlags(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') {
    try {
      return toUint64(v, 'Flags');
    } catch (err) {
      throw new ConsulDecodeError((err as Error).message);
    }
  }
  throw new ConsulDecodeError(`kv Flags ${JSON.stringify(v)} is not a number`);
}
