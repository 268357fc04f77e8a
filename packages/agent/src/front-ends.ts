// The agent's front ends: the HTTP API (over an ApiBackend the agent assembles) and DNS (over the catalog, or
// through a server on a client agent), each started when its port is not -1 and closed together.
import { createHttpApi, type ApiBackend, type HttpApi } from '@conclave/http-api';
import type { DnsDataSource, DnsReloadableOptions, DnsServer } from '@conclave/dns';
import type { Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';

export class FrontEnds {
  private http: HttpApi | undefined;
  private dns: DnsServer | undefined;
  /** The bound HTTP port (port 0 picks one), undefined while HTTP is off or not started. */
  httpPort: number | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
  ) {}

  /** The HTTP listener as this process reaches it (forwarded requests and config watches use it). */
  loopback(): { host: string; port: number } | undefined {
    const host = this.config.httpAddr || this.config.clientAddr;
    const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    return this.httpPort === undefined ? undefined : { host: h, port: this.httpPort };
  }

  get httpAddress(): string {
    return `${this.config.httpAddr || this.config.clientAddr}:${this.httpPort ?? this.config.ports.http}`;
  }

  get dnsAddress(): string {
    return `${this.config.dnsAddr || this.config.clientAddr}:${this.dns?.port ?? this.config.ports.dns}`;
  }

  async startHttp(backend: ApiBackend): Promise<void> {
    const cfg = this.config;
    if (cfg.ports.http < 0) return;
    const httpLog = this.logger.named('http');
    this.http = createHttpApi(backend, {
      onError: (err, method, url) => httpLog.error('Request failed', { method, url, error: err }),
      maxConnsPerClient: cfg.httpMaxConnsPerClient,
    });
    this.httpPort = (await this.http.listen(cfg.ports.http, cfg.httpAddr || cfg.clientAddr)).port;
    this.logger.info('Started HTTP server', { address: this.httpAddress, network: 'tcp' });
  }

  async startDns(source: () => Promise<DnsDataSource>): Promise<void> {
    const cfg = this.config;
    if (cfg.ports.dns < 0) return;
    // Loaded only when DNS is enabled (-dns-port -1 turns it off).
    const { createDnsServer } = await import('@conclave/dns');
    this.dns = await createDnsServer({
      source: await source(),
      host: cfg.dnsAddr || cfg.clientAddr,
      port: cfg.ports.dns,
      domain: cfg.domain,
      ...dnsSettings(cfg),
      logger: this.logger.named('dns'),
    });
    this.logger.info('Started DNS server', { address: this.dnsAddress, network: 'udp+tcp' });
  }

  /** A reload: the DNS settings and the HTTP connection limit of `next` from now on (listeners stay). Throws
   * for invalid DNS settings before changing anything. */
  reload(next: Pick<AgentConfig, 'dns' | 'recursors' | 'httpMaxConnsPerClient'>): void {
    this.dns?.reload(dnsSettings(next));
    this.http?.setMaxConnsPerClient(next.httpMaxConnsPerClient);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.http?.close(), this.dns?.close()]);
  }
}

/** dns_config and recursors as the DNS server takes them, at start and on reload. */
function dnsSettings(cfg: Pick<AgentConfig, 'dns' | 'recursors'>): DnsReloadableOptions {
  return {
    recursors: cfg.recursors,
    recursorTimeoutMs: cfg.dns.recursorTimeoutMs,
    recursorStrategy: cfg.dns.recursorStrategy,
    nodeTtl: cfg.dns.nodeTtlSeconds,
    serviceTtl: cfg.dns.serviceTtlSeconds,
    onlyPassing: cfg.dns.onlyPassing,
    udpAnswerLimit: cfg.dns.udpAnswerLimit,
    aRecordLimit: cfg.dns.aRecordLimit,
    enableTruncate: cfg.dns.enableTruncate,
  };
}
