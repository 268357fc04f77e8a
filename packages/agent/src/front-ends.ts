// The agent's front ends: the HTTP API (over an ApiBackend the agent assembles) and DNS (over the catalog, or
// through a server on a client agent), each started when its port is not -1 and closed together.
import { availableParallelism } from 'node:os';
import { RequestLimits, createHttpApi, type ApiBackend, type HttpApi, type HttpApiOptions } from '@conclave/http-api';
import type { DnsDataSource, DnsReloadableOptions, DnsServer } from '@conclave/dns';
import type { Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';
import { effectiveTls } from './config/tls-config.js';
import { uiEnabled } from './config/agent-config.js';
import { certificateExpiry, serverTlsOptions } from './tls-options.js';

/** A certificate that expires sooner than this is warned about at start and on reload. */
const EXPIRY_WARNING_MS = 30 * 86_400_000;
import type { AgentMetrics } from './agent-metrics.js';

export class FrontEnds {
  private http: HttpApi | undefined;
  private https: HttpApi | undefined;
  private dns: DnsServer | undefined;
  /** The bound HTTP port (port 0 picks one), undefined while HTTP is off or not started. */
  httpPort: number | undefined;
  /** The bound HTTPS port, undefined while HTTPS is off or not started. */
  httpsPort: number | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly logger: Logger,
    private readonly metrics?: AgentMetrics,
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

  get httpsAddress(): string {
    return `${this.config.httpsAddr || this.config.clientAddr}:${this.httpsPort ?? this.config.ports.https}`;
  }

  get dnsAddress(): string {
    return `${this.config.dnsAddr || this.config.clientAddr}:${this.dns?.port ?? this.config.ports.dns}`;
  }

  /** Starts HTTP and HTTPS (each when its port is not -1) over the same backend. */
  async startHttp(backend: ApiBackend): Promise<void> {
    const cfg = this.config;
    const httpLog = this.logger.named('http');
    const limits =
      cfg.requestLimits.mode === 'disabled'
        ? undefined
        : new RequestLimits(cfg.requestLimits, (kind, method, path) =>
            httpLog.warn('Request over the rate limit', { kind, method, path, mode: cfg.requestLimits.mode }),
          );
    // The web UI's code is loaded only when it is served: an agent without -ui never imports it.
    let fallback: HttpApiOptions['fallback'];
    if (uiEnabled(cfg)) {
      const { createUiHandler } = await import('@conclave/ui');
      fallback = createUiHandler({
        dir: cfg.ui.dir || undefined,
        contentPath: cfg.ui.contentPath,
        read: (path, headers, signal) => {
          const api = this.http ?? this.https;
          return api ? api.internalGet(path, headers, signal) : Promise.reject(new Error('the HTTP API is not started'));
        },
      });
      this.logger.info('Serving the web UI', { path: cfg.ui.contentPath, dir: cfg.ui.dir || '(bundled)' });
    }
    const options = {
      fallback,
      onError: (err: unknown, method: string, url: string) => httpLog.error('Request error', { method, url, error: err }),
      logger: httpLog,
      maxConnsPerClient: cfg.httpMaxConnsPerClient,
      responseHeaders: cfg.httpResponseHeaders,
      requestLimits: limits,
      maxHeaderBytes: cfg.httpMaxHeaderBytes || undefined,
      onRequestDone: this.metrics && ((method: string, route: string, ms: number) => this.metrics!.http(method, route).add(ms)),
    };
    if (cfg.ports.http >= 0) {
      this.http = createHttpApi(backend, options);
      this.httpPort = (await this.http.listen(cfg.ports.http, cfg.httpAddr || cfg.clientAddr)).port;
      this.logger.info('Started HTTP server', { address: this.httpAddress, network: 'tcp' });
    }
    if (cfg.ports.https >= 0) {
      const settings = effectiveTls(cfg.tls, 'https');
      this.https = createHttpApi(backend, { ...options, tls: serverTlsOptions(settings, 'tls.https') });
      this.httpsPort = (await this.https.listen(cfg.ports.https, cfg.httpsAddr || cfg.clientAddr)).port;
      this.logger.info('Started HTTPS server', { address: this.httpsAddress, network: 'tcp' });
      this.warnExpiry(settings.certFile!);
    }
  }

  /** Reload: the HTTPS listener takes the certificate, key and CAs as the files now are (rotation), or keeps
   * the old ones and throws when the new files are unusable. */
  reloadTls(next: AgentConfig): void {
    if (!this.https) return;
    const settings = effectiveTls(next.tls, 'https');
    this.https.setSecureContext(serverTlsOptions(settings, 'tls.https'));
    this.logger.info('Reloaded TLS certificates', { listener: 'https', cert_file: settings.certFile });
    this.warnExpiry(settings.certFile!);
  }

  private warnExpiry(certFile: string): void {
    const expires = certificateExpiry(certFile);
    if (expires.getTime() - Date.now() < EXPIRY_WARNING_MS)
      this.logger.warn('Certificate expires soon', { cert_file: certFile, expires: expires.toISOString() });
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
      onQuery: this.metrics && ((ms) => this.metrics!.dnsDomainQuery.add(ms)),
      // Reader threads start only under load, and only over a versioned local catalog (servers, -dev).
      udpReaders: Math.max(0, Math.min(3, availableParallelism() - 1)),
    });
    this.logger.info('Started DNS server', { address: this.dnsAddress, network: 'udp+tcp' });
  }

  /** A reload: the DNS settings and the HTTP connection limit of `next` from now on (listeners stay). Throws
   * for invalid DNS settings before changing anything. */
  reload(next: Pick<AgentConfig, 'dns' | 'recursors' | 'httpMaxConnsPerClient'>): void {
    this.dns?.reload(dnsSettings(next));
    this.http?.setMaxConnsPerClient(next.httpMaxConnsPerClient);
    this.https?.setMaxConnsPerClient(next.httpMaxConnsPerClient);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.http?.close(), this.https?.close(), this.dns?.close()]);
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
