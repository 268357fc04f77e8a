// The typed form of a Consul check definition, after decoding and validation. Durations are nanoseconds, as Go's
// time.Duration, so `formatGoDuration` prints them exactly as Consul does (`"10s"`).

/** The states a check itself can be in (`maintenance` exists only as an aggregate). */
export type CheckStatus = 'passing' | 'warning' | 'critical';

/** The mechanisms Conclave runs. Consul's `Type` field uses the same words. */
export type CheckKind = 'script' | 'http' | 'tcp' | 'ttl';

export const CHECK_STATUSES: readonly CheckStatus[] = ['passing', 'warning', 'critical'];

export function isCheckStatus(value: unknown): value is CheckStatus {
  return value === 'passing' || value === 'warning' || value === 'critical';
}

/** Consul's default for `check_output_max_size` / per-check `output_max_size`. */
export const DEFAULT_OUTPUT_MAX_SIZE = 4096;
/** Consul's `checks.MinInterval`: shorter intervals risk fork-bombing the host, so they are raised to this. */
export const MIN_CHECK_INTERVAL_NS = 1e9;
/** Consul's `check_deregister_interval_min`: `deregister_critical_service_after` is raised to at least this. */
export const MIN_DEREGISTER_CRITICAL_AFTER_NS = 60e9;
/** Script checks without `timeout`. */
export const DEFAULT_SCRIPT_TIMEOUT_NS = 30e9;
/** HTTP and TCP checks without `timeout`. */
export const DEFAULT_NETWORK_TIMEOUT_NS = 10e9;

export interface CheckDefinition {
  /** CheckID; defaults to the name, or `service:<id>[:<n>]` for a service's checks. */
  id: string;
  name: string;
  notes: string;
  /** The service this check belongs to, if any. */
  serviceId?: string;
  /** Initial status; `critical` unless the definition says otherwise. */
  status: CheckStatus;
  kind: CheckKind;
  /** Script check: argv, executed directly (no shell). */
  args?: string[];
  /** Legacy script check (`script`, removed in Consul 1.1): run with `/bin/sh -c`. Only set when `args` is not. */
  script?: string;
  /** Nanoseconds between runs (script/http/tcp); at least 1s. */
  intervalNs?: number;
  /** Nanoseconds before a run is abandoned; 0 means the kind's default (30s script, 10s http/tcp). */
  timeoutNs: number;
  /** TTL check: nanoseconds without an update before the check turns critical. Never clamped. */
  ttlNs?: number;
  http?: string;
  /** HTTP method; GET when absent. */
  method?: string;
  header?: Record<string, string[]>;
  body?: string;
  tlsSkipVerify: boolean;
  tlsServerName?: string;
  disableRedirects: boolean;
  /** TCP check target, `host:port`. */
  tcp?: string;
  tcpUseTls: boolean;
  /** 0 when not set; otherwise at least one minute (Consul's minimum). */
  deregisterCriticalServiceAfterNs: number;
  successBeforePassing: number;
  failuresBeforeWarning: number;
  failuresBeforeCritical: number;
  /** Bytes of output kept; 4096 unless set. */
  outputMaxSize: number;
}
