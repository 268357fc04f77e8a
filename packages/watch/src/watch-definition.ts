// A watch definition, parsed from Consul's parameter map: an agent config `watches` entry, or the map the `watch`
// CLI builds from its flags. Rules and messages follow Consul's watch.ParseExempt and the agent's handler checks:
// every type takes only its own keys, anything left over is "Invalid parameters", one handler at most.
import { parseGoDuration } from '@conclave/toolkit';
import { WatchConfigError } from './errors.js';

export const WATCH_TYPES = ['key', 'keyprefix', 'services', 'nodes', 'service', 'checks', 'event'] as const;
export type WatchType = (typeof WATCH_TYPES)[number];

export const CHECK_STATES = ['any', 'passing', 'warning', 'critical'] as const;
export type CheckState = (typeof CHECK_STATES)[number];

export interface HttpHandlerConfig {
  /** URL the result is sent to. */
  path: string;
  /** Default POST. */
  method: string;
  header: Record<string, string[]>;
  /** Default 10 s. */
  timeoutMs: number;
  tlsSkipVerify: boolean;
}

/** How results are handed over: `args` exec'd directly, `shell` run by `sh -c`, or an HTTP request. */
export type HandlerSpec = { kind: 'args'; args: string[] } | { kind: 'shell'; script: string } | { kind: 'http'; config: HttpHandlerConfig };

export interface WatchDefinition {
  type: WatchType;
  datacenter?: string;
  token?: string;
  stale: boolean;
  /** `key` type. */
  key?: string;
  /** `keyprefix` type. */
  prefix?: string;
  /** `service` (required) and `checks` types. */
  service?: string;
  /** `service` and `checks` types; all must match. */
  tags: string[];
  /** `service` type: only instances whose checks all pass. */
  passingOnly: boolean;
  /** `checks` type; `any` when neither state nor service is given. */
  state?: CheckState;
  /** `event` type; empty = every event. */
  name?: string;
  /** Absent when the definition has none (the CLI then prints the result once). */
  handler?: HandlerSpec;
}

export interface ParseWatchOptions {
  /** Refuse a definition without a handler ("Must define a watch handler"), as the agent does. Default true. */
  requireHandler?: boolean;
}

const TYPE_KEYS: Record<WatchType, readonly string[]> = {
  key: ['stale', 'key'],
  keyprefix: ['stale', 'prefix'],
  services: ['stale'],
  nodes: ['stale'],
  service: ['stale', 'service', 'tag', 'passingonly'],
  checks: ['stale', 'service', 'state', 'tag'],
  event: ['name'],
};

export function parseWatchDefinition(raw: unknown, options: ParseWatchOptions = {}): WatchDefinition {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new WatchConfigError(`a watch definition must be an object such as {"type": "key", "key": "app/config", "args": ["/path/handler"]}`);
  }
  const params = new Map(Object.entries(raw as Record<string, unknown>));
  const datacenter = takeString(params, 'datacenter');
  const token = takeString(params, 'token');
  const type = takeString(params, 'type');
  if (!type) throw new WatchConfigError('Watch type must be specified');
  if (!(WATCH_TYPES as readonly string[]).includes(type)) {
    throw new WatchConfigError(`Unsupported watch type: ${type} (expected one of ${WATCH_TYPES.join(', ')})`);
  }
  const watchType = type as WatchType;
  const handlerType = takeString(params, 'handler_type') ?? '';
  if (handlerType !== '' && handlerType !== 'script' && handlerType !== 'http') {
    throw new WatchConfigError(`Unsupported handler_type: ${handlerType} (expected "script" or "http")`);
  }
  let http: HttpHandlerConfig | undefined;
  if (handlerType === 'http') {
    if (!params.has('http_handler_config')) throw new WatchConfigError("Handler type 'http' requires 'http_handler_config' to be set");
    http = parseHttpHandlerConfig(params.get('http_handler_config'));
    params.delete('http_handler_config');
  }

  const def: WatchDefinition = { type: watchType, datacenter, token, stale: false, tags: [], passingOnly: false };
  const own = TYPE_KEYS[watchType];
  if (own.includes('stale')) def.stale = takeBool(params, 'stale') ?? false;
  switch (watchType) {
    case 'key':
      def.key = takeString(params, 'key');
      if (!def.key) throw new WatchConfigError('Must specify a single key to watch');
      break;
    case 'keyprefix':
      def.prefix = takeString(params, 'prefix');
      if (!def.prefix) throw new WatchConfigError('Must specify a single prefix to watch');
      break;
    case 'service':
      def.service = takeString(params, 'service');
      if (!def.service) throw new WatchConfigError('Must specify a single service to watch');
      def.tags = takeStringList(params, 'tag');
      def.passingOnly = takeBool(params, 'passingonly') ?? false;
      break;
    case 'checks': {
      def.service = takeString(params, 'service') || undefined;
      const state = takeString(params, 'state') || undefined;
      if (def.service && state) throw new WatchConfigError('Cannot specify service and state');
      if (state !== undefined && !(CHECK_STATES as readonly string[]).includes(state)) {
        throw new WatchConfigError(`Invalid check state "${state}" (expected one of ${CHECK_STATES.join(', ')})`);
      }
      if (!def.service) def.state = (state ?? 'any') as CheckState;
      def.tags = takeStringList(params, 'tag');
      break;
    }
    case 'event':
      def.name = takeString(params, 'name') || undefined;
      break;
    default:
      break;
  }

  const hasHandler = params.has('handler');
  const hasArgs = params.has('args');
  const handler = params.get('handler');
  const args = params.get('args');
  params.delete('handler');
  params.delete('args');
  if (params.size > 0) throw new WatchConfigError(`Invalid parameters: [${[...params.keys()].join(' ')}] for a "${watchType}" watch`);

  if (hasHandler && typeof handler !== 'string') throw new WatchConfigError('Watch handler must be a string');
  if (hasArgs && (!Array.isArray(args) || !args.every((a) => typeof a === 'string'))) {
    throw new WatchConfigError('Watch args must be a list of strings');
  }
  if ((hasHandler && hasArgs) || ((hasHandler || hasArgs) && handlerType === 'http')) throw new WatchConfigError('Only one watch handler allowed');
  if (http) def.handler = { kind: 'http', config: http };
  else if (hasArgs) {
    if ((args as string[]).length === 0) throw new WatchConfigError('Watch args must name a command to run');
    def.handler = { kind: 'args', args: [...(args as string[])] };
  } else if (hasHandler) {
    if ((handler as string).trim() === '') throw new WatchConfigError('Watch handler must not be empty');
    def.handler = { kind: 'shell', script: handler as string };
  }
  if (!def.handler && (options.requireHandler ?? true)) throw new WatchConfigError('Must define a watch handler');
  return def;
}

function parseHttpHandlerConfig(raw: unknown): HttpHandlerConfig {
  const fail = (why: string) => new WatchConfigError(`Failed to parse 'http_handler_config': ${why}`);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail('expected an object with "path"');
  const cfg = raw as Record<string, unknown>;
  const known = new Set(['path', 'method', 'header', 'timeout', 'tls_skip_verify']);
  const unknown = Object.keys(cfg).filter((k) => !known.has(k));
  if (unknown.length > 0) throw fail(`invalid keys: ${unknown.join(', ')}`);
  const str = (k: string) => {
    const v = cfg[k];
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw fail(`'${k}' expected a string`);
    return v;
  };
  const path = str('path');
  if (path === '') throw fail("Requires 'path' to be set");
  let url: URL;
  try {
    url = new URL(path);
  } catch {
    throw fail(`'path' ${JSON.stringify(path)} is not a URL (write it as http://host:port/path)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fail(`'path' must be an http:// or https:// URL, got ${url.protocol}`);
  const timeoutText = str('timeout');
  let timeoutMs = 10_000;
  if (timeoutText !== '') {
    try {
      timeoutMs = parseGoDuration(timeoutText) / 1e6;
    } catch (e) {
      throw new WatchConfigError(`Failed to parse 'http_handler_config' timeout: ${(e as Error).message}`);
    }
  }
  if (timeoutMs <= 0) throw fail(`'timeout' must be positive, got ${timeoutText}`);
  const header: Record<string, string[]> = {};
  const rawHeader = cfg.header;
  if (rawHeader !== undefined && rawHeader !== null) {
    if (typeof rawHeader !== 'object' || Array.isArray(rawHeader)) throw fail("'header' expected a map of header names to lists of values");
    for (const [k, v] of Object.entries(rawHeader as Record<string, unknown>)) {
      const values = typeof v === 'string' ? [v] : v;
      if (!Array.isArray(values) || !values.every((x) => typeof x === 'string')) throw fail(`'header' ${k}: expected a list of strings`);
      header[k] = [...values];
    }
  }
  const skip = cfg.tls_skip_verify;
  if (skip !== undefined && typeof skip !== 'boolean') throw fail("'tls_skip_verify' expected true or false");
  return { path, method: str('method').toUpperCase() || 'POST', header, timeoutMs, tlsSkipVerify: skip === true };
}

function takeString(params: Map<string, unknown>, name: string): string | undefined {
  if (!params.has(name)) return undefined;
  const v = params.get(name);
  if (typeof v !== 'string') throw new WatchConfigError(`Expecting ${name} to be a string`);
  params.delete(name);
  return v;
}

function takeBool(params: Map<string, unknown>, name: string): boolean | undefined {
  if (!params.has(name)) return undefined;
  const v = params.get(name);
  if (typeof v !== 'boolean') throw new WatchConfigError(`Expecting ${name} to be a boolean`);
  params.delete(name);
  return v;
}

function takeStringList(params: Map<string, unknown>, name: string): string[] {
  if (!params.has(name)) return [];
  const v = params.get(name);
  params.delete(name);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) {
    v.forEach((x, i) => {
      if (typeof x !== 'string') throw new WatchConfigError(`Index ${i} of ${name} expected to be string`);
    });
    return [...(v as string[])];
  }
  throw new WatchConfigError(`Expecting ${name} to be a string or []string`);
}
