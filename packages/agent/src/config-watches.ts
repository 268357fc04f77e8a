// The config file's `watches`, run against this agent's own HTTP API; (re)started on start and on reload.
// The watch and client code is loaded only when the configuration has watches.
import type { ConsulClient } from '@conclave/client';
import type { WatchSet } from '@conclave/watch';
import type { Logger } from '@conclave/toolkit';
import type { AgentConfig } from './config/agent-config.js';

export class ConfigWatches {
  private watches: WatchSet | undefined;
  private client: ConsulClient | undefined;
  private stopped = false;

  constructor(
    /** host:port of this agent's HTTP API, undefined while HTTP is off. */
    private readonly httpAddress: () => string | undefined,
    private readonly logger: Logger,
  ) {}

  /** Replaces the running watches. An invalid definition throws before anything stops (at start the agent
   * exits naming the file; a reload is refused). */
  async apply(definitions: AgentConfig['watches']): Promise<void> {
    if (definitions.length === 0) {
      this.watches?.stop();
      this.watches = undefined;
      return;
    }
    const [{ parseConfigWatches, startWatches }, { ConsulClient }] = await Promise.all([import('@conclave/watch'), import('@conclave/client')]);
    const defs = parseConfigWatches(definitions);
    this.watches?.stop();
    this.watches = undefined;
    const address = this.httpAddress();
    if (defs.length === 0 || address === undefined || this.stopped) return;
    this.client ??= new ConsulClient({ address, env: {} });
    this.watches = startWatches(defs, { client: this.client, logger: this.logger.named('watch') });
    this.logger.info('Started watches', { count: defs.length });
  }

  stop(): void {
    this.stopped = true;
    this.watches?.stop();
    this.client?.close();
  }
}
