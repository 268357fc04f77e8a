// Turns a Consul check definition (config `check`/`checks` entries, the agent API's check register body, or a
// service's `Check`/`Checks`) into a validated CheckDefinition, with Consul's key matching and validation rules.

import { decodeDuration, DecodeError, formatGoDuration, getField } from '@conclave/toolkit';
import {
  type CheckDefinition,
  type CheckKind,
  type CheckStatus,
  DEFAULT_OUTPUT_MAX_SIZE,
  MIN_CHECK_INTERVAL_NS,
  MIN_DEREGISTER_CRITICAL_AFTER_NS,
  isCheckStatus,
} from './check-definition.js';

export interface DecodeCheckOptions {
  /** Where the definition came from: config files (snake_case names in messages) or the HTTP API (PascalCase). */
  source: 'config' | 'api';
  /** Set when the check is part of a service definition; it overrides any `service_id` in the check. */
  serviceId?: string;
  /** The service's name, for the default check name `Service '<name>' check`. */
  serviceName?: string;
  /** Position of this check among the service's checks and how many there are, for the default ID
   * `service:<id>` (one check) or `service:<id>:<n>` (n = index + 1). */
  checkIndex?: number;
  checkCount?: number;
  /** Where the definition sits, prefixed to every message (`services[0].checks[1]`, `Check`). */
  path?: string;
  /** Lower bound for `deregister_critical_service_after`; Consul's is one minute. Tests may lower it. */
  minDeregisterCriticalAfterNs?: number;
}

export interface DecodedCheck {
  definition: CheckDefinition;
  /** Things the caller should log at warn level (clamped values, ignored keys); never fatal. */
  warnings: string[];
}

// Every key Consul's check definition knows, normalised (lower case, no underscores). Keys outside this set are
// reported as warnings for config files; the HTTP API ignores them, as Go's encoding/json does.
const KNOWN_KEYS = new Set(
  [
    'id', 'check_id', 'name', 'notes', 'service_id', 'token', 'status', 'args', 'script_args', 'script', 'interval',
    'timeout', 'ttl', 'http', 'header', 'method', 'body', 'disable_redirects', 'tls_server_name', 'tls_skip_verify',
    'tcp', 'tcp_use_tls', 'udp', 'grpc', 'grpc_use_tls', 'h2ping', 'h2ping_use_tls', 'docker_container_id', 'shell',
    'alias_node', 'alias_service', 'os_service', 'deregister_critical_service_after', 'success_before_passing',
    'failures_before_warning', 'failures_before_critical', 'output_max_size', 'namespace', 'partition', 'node',
    'service_name', 'type', 'exposed_port', 'definition', 'output', 'service_tags', 'create_index', 'modify_index',
  ].map(normalise),
);

// Mechanisms Consul has and Conclave does not run yet: refused by name, never silently treated as TTL checks.
const UNSUPPORTED: ReadonlyArray<{ snake: string; pascal: string; kind: string }> = [
  { snake: 'grpc', pascal: 'GRPC', kind: 'gRPC' },
  { snake: 'h2ping', pascal: 'H2PING', kind: 'H2PING' },
  { snake: 'udp', pascal: 'UDP', kind: 'UDP' },
  { snake: 'docker_container_id', pascal: 'DockerContainerID', kind: 'Docker' },
  { snake: 'alias_node', pascal: 'AliasNode', kind: 'alias' },
  { snake: 'alias_service', pascal: 'AliasService', kind: 'alias' },
  { snake: 'os_service', pascal: 'OSService', kind: 'OS service' },
];

/** True for a key Consul's check definition knows, in any of its spellings (`service_id`, `ServiceID`). The
 * agent's config loader refuses the others with their line; over the HTTP API they are ignored. */
export function isCheckDefinitionKey(key: string): boolean {
  return KNOWN_KEYS.has(normalise(key));
}

/** Decodes and validates one check definition; throws DecodeError naming the field and the problem. */
export function decodeCheckDefinition(raw: unknown, opts: DecodeCheckOptions): DecodedCheck {
  const d = new FieldReader(raw, opts);
  const warnings: string[] = [];
  const api = opts.source === 'api';

  if (!api) {
    for (const key of Object.keys(d.obj)) {
      if (!KNOWN_KEYS.has(normalise(key))) warnings.push(`${d.where(key)}: unknown check field ignored`);
    }
  }

  // Identity: the service context wins over what the check says, as Consul does for service definitions.
  const serviceId = opts.serviceId ?? (d.string('service_id', 'ServiceID') || undefined);
  let name = d.string('name', 'Name');
  if (!name && opts.serviceId !== undefined) name = `Service '${opts.serviceName ?? opts.serviceId}' check`;
  if (!name) {
    throw new DecodeError(
      api && !opts.path ? 'Missing check name' : `${d.where('name')}: missing check name (every check needs a name)`,
    );
  }
  let id = d.string('id', 'ID', 'check_id', 'CheckID');
  if (!id && opts.serviceId !== undefined) {
    id = `service:${opts.serviceId}`;
    if ((opts.checkCount ?? 1) > 1) id += `:${(opts.checkIndex ?? 0) + 1}`;
  }
  if (!id) id = name;

  const statusRaw = d.string('status', 'Status');
  let status: CheckStatus = 'critical';
  if (statusRaw) {
    if (!isCheckStatus(statusRaw)) {
      if (api && opts.serviceId !== undefined) {
        throw new DecodeError("Status for checks must 'passing', 'warning', 'critical'");
      }
      throw new DecodeError(
        api && !opts.path
          ? 'Bad check status'
          : `${d.where('status')}: bad check status "${statusRaw}"; use passing, warning or critical`,
      );
    }
    status = statusRaw;
  }

  for (const u of UNSUPPORTED) {
    const v = d.raw(u.snake, u.pascal);
    if (v !== undefined && v !== null && v !== '' && v !== false) {
      throw d.invalid(
        `${d.label(u.snake, u.pascal)} is set, but ${u.kind} checks are not supported by Conclave; ` +
          `use args (script), http, tcp or ttl`,
      );
    }
  }

  let args = d.stringArray('args', 'Args', 'script_args', 'ScriptArgs');
  if (args && args.length === 0) args = undefined;
  let script = d.string('script', 'Script') || undefined;
  if (args && script) {
    warnings.push(`${d.where('script')}: both args and script are set; running args, ignoring script`);
    script = undefined;
  }
  const http = d.string('http', 'HTTP') || undefined;
  const tcp = d.string('tcp', 'TCP') || undefined;
  let intervalNs = d.duration('interval', 'Interval');
  const timeoutNs = d.duration('timeout', 'Timeout');
  const ttlNs = d.duration('ttl', 'TTL');

  const mechanisms: string[] = [];
  if (args || script) mechanisms.push(args ? d.label('args', 'Args') : d.label('script', 'Script'));
  if (http) mechanisms.push(d.label('http', 'HTTP'));
  if (tcp) mechanisms.push(d.label('tcp', 'TCP'));
  if (mechanisms.length > 1) {
    throw d.invalid(
      `a check runs exactly one mechanism, but ${mechanisms.join(' and ')} are both set; ` +
        `split them into separate checks`,
    );
  }
  const intervalCheck = mechanisms.length === 1;

  // Consul's CheckType.Validate, in its order and words.
  if (intervalNs > 0 && ttlNs > 0) throw d.invalid('Interval and TTL cannot both be specified');
  if (intervalCheck && intervalNs <= 0) {
    throw d.invalid('Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or OSService checks');
  }
  if (!intervalCheck && ttlNs <= 0) throw d.invalid('TTL must be > 0 for TTL checks');
  const outputMaxSizeRaw = d.integer('output_max_size', 'OutputMaxSize');
  if (outputMaxSizeRaw < 0) throw d.invalid('MaxOutputMaxSize must be positive');

  const kind: CheckKind = args || script ? 'script' : http ? 'http' : tcp ? 'tcp' : 'ttl';

  if (intervalCheck && intervalNs < MIN_CHECK_INTERVAL_NS) {
    warnings.push(
      `check "${id}" has interval ${formatGoDuration(intervalNs)} below the minimum of ` +
        `${formatGoDuration(MIN_CHECK_INTERVAL_NS)}; using ${formatGoDuration(MIN_CHECK_INTERVAL_NS)}`,
    );
    intervalNs = MIN_CHECK_INTERVAL_NS;
  }

  let deregisterNs = d.duration('deregister_critical_service_after', 'DeregisterCriticalServiceAfter');
  const minDeregister = opts.minDeregisterCriticalAfterNs ?? MIN_DEREGISTER_CRITICAL_AFTER_NS;
  if (deregisterNs < 0) deregisterNs = 0;
  if (deregisterNs > 0 && deregisterNs < minDeregister) {
    warnings.push(
      `check "${id}" has deregister_critical_service_after ${formatGoDuration(deregisterNs)} below the minimum ` +
        `of ${formatGoDuration(minDeregister)}; using ${formatGoDuration(minDeregister)}`,
    );
    deregisterNs = minDeregister;
  }
  if (deregisterNs > 0 && serviceId === undefined) {
    warnings.push(`check "${id}" has deregister_critical_service_after but no service; it will never deregister`);
  }

  const failuresBeforeCritical = d.count('failures_before_critical', 'FailuresBeforeCritical');
  // Unset (0) means "same as failures_before_critical", as Consul's StatusHandler documents.
  const failuresBeforeWarning = d.count('failures_before_warning', 'FailuresBeforeWarning') || failuresBeforeCritical;

  const definition: CheckDefinition = {
    id,
    name,
    notes: d.string('notes', 'Notes'),
    status,
    kind,
    timeoutNs: timeoutNs > 0 ? timeoutNs : 0,
    tlsSkipVerify: d.bool('tls_skip_verify', 'TLSSkipVerify'),
    disableRedirects: d.bool('disable_redirects', 'DisableRedirects'),
    tcpUseTls: d.bool('tcp_use_tls', 'TCPUseTLS'),
    deregisterCriticalServiceAfterNs: deregisterNs,
    successBeforePassing: d.count('success_before_passing', 'SuccessBeforePassing'),
    failuresBeforeWarning,
    failuresBeforeCritical,
    outputMaxSize: outputMaxSizeRaw > 0 ? outputMaxSizeRaw : DEFAULT_OUTPUT_MAX_SIZE,
  };
  if (serviceId !== undefined) definition.serviceId = serviceId;
  if (kind === 'ttl') definition.ttlNs = ttlNs;
  else definition.intervalNs = intervalNs;
  if (args) definition.args = args;
  if (script) definition.script = script;
  if (http) {
    definition.http = http;
    const method = d.string('method', 'Method');
    if (method) definition.method = method;
    const header = d.header('header', 'Header');
    if (header) definition.header = header;
    const body = d.string('body', 'Body');
    if (body) definition.body = body;
  }
  if (tcp) definition.tcp = tcp;
  const tlsServerName = d.string('tls_server_name', 'TLSServerName');
  if (tlsServerName) definition.tlsServerName = tlsServerName;
  return { definition, warnings };
}

function normalise(key: string): string {
  return key.replace(/_/g, '').toLowerCase();
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'the string' : `a ${typeof value}`} ${JSON.stringify(value)}`;
}

/** Reads typed fields from the raw object and words messages for the definition's source. */
class FieldReader {
  readonly obj: Record<string, unknown>;

  constructor(
    raw: unknown,
    private readonly opts: DecodeCheckOptions,
  ) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new DecodeError(`${opts.path ?? 'check'}: expected a check definition object, got ${describe(raw)}`);
    }
    this.obj = raw as Record<string, unknown>;
  }

  /** The field's name as the user wrote it in this source (`interval` in config files, `Interval` over HTTP). */
  label(snake: string, pascal: string): string {
    return this.opts.source === 'config' ? snake : pascal;
  }

  where(snake: string, pascal?: string): string {
    const name = pascal ? this.label(snake, pascal) : snake;
    return this.opts.path ? `${this.opts.path}.${name}` : name;
  }

  /** A validation failure, worded as Consul's agent answers it (`Invalid check: ...` over HTTP). */
  invalid(message: string): DecodeError {
    if (this.opts.path) return new DecodeError(`${this.opts.path}: ${message}`);
    return new DecodeError(this.opts.source === 'api' ? `Invalid check: ${message}` : `check: ${message}`);
  }

  raw(snake: string, pascal: string, ...aliases: string[]): unknown {
    return getField(this.obj, pascal, snake, ...aliases);
  }

  private typeError(snake: string, pascal: string, expected: string, value: unknown): DecodeError {
    return new DecodeError(`${this.where(snake, pascal)}: expected ${expected}, got ${describe(value)}`);
  }

  string(snake: string, pascal: string, ...aliases: string[]): string {
    const v = this.raw(snake, pascal, ...aliases);
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') throw this.typeError(snake, pascal, 'a string', v);
    return v;
  }

  stringArray(snake: string, pascal: string, ...aliases: string[]): string[] | undefined {
    const v = this.raw(snake, pascal, ...aliases);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw this.typeError(snake, pascal, 'an array of strings such as ["/usr/local/bin/check", "-x"]', v);
    }
    return [...(v as string[])];
  }

  bool(snake: string, pascal: string): boolean {
    const v = this.raw(snake, pascal);
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw this.typeError(snake, pascal, 'true or false', v);
    return v;
  }

  duration(snake: string, pascal: string): number {
    const v = this.raw(snake, pascal);
    if (v === undefined || v === null || v === '') return 0;
    return decodeDuration(v, this.where(snake, pascal));
  }

  integer(snake: string, pascal: string): number {
    const v = this.raw(snake, pascal);
    if (v === undefined || v === null) return 0;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw this.typeError(snake, pascal, 'an integer', v);
    return v;
  }

  count(snake: string, pascal: string): number {
    const n = this.integer(snake, pascal);
    if (n < 0) throw new DecodeError(`${this.where(snake, pascal)}: must be 0 or more, got ${n}`);
    return n;
  }

  header(snake: string, pascal: string): Record<string, string[]> | undefined {
    const v = this.raw(snake, pascal);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      throw this.typeError(snake, pascal, 'an object of header names to arrays of values', v);
    }
    const out: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(v as Record<string, unknown>)) {
      if (!Array.isArray(values) || values.some((x) => typeof x !== 'string')) {
        throw new DecodeError(
          `${this.where(snake, pascal)}.${name}: expected an array of strings such as ["value"], got ${describe(values)}`,
        );
      }
      out[name] = [...(values as string[])];
    }
    return out;
  }
}
