/**
 * Per-service TTLs as Consul's `dns_config.service_ttl`: exact names win, then the longest matching
 * `prefix*` wildcard (`*` alone matches every service), else the default of 0.
 */
export class ServiceTtlTable {
  private readonly exact = new Map<string, number>();
  private prefixes: Array<[string, number]> = [];

  set(pattern: string, ttlSeconds: number): void {
    const key = pattern.toLowerCase();
    if (key.endsWith('*')) {
      this.prefixes = this.prefixes.filter(([p]) => p !== key.slice(0, -1));
      this.prefixes.push([key.slice(0, -1), ttlSeconds]);
      this.prefixes.sort((a, b) => b[0].length - a[0].length);
    } else {
      this.exact.set(key, ttlSeconds);
    }
  }

  /** TTL in seconds for a (lower-case) service name. */
  ttlFor(service: string): number {
    const exact = this.exact.get(service);
    if (exact !== undefined) return exact;
    for (const [prefix, ttl] of this.prefixes) if (service.startsWith(prefix)) return ttl;
    return 0;
  }
}
