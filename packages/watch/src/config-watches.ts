// The agent's `watches` config entries: all parsed up front (one bad entry fails the load with its origin, as
// Consul's "Failed to parse watch"), then each started with its own handler against the agent's HTTP API. The
// agent stops the set on shutdown and starts a new one on reload.
import type { ConsulClient } from '@conclave/client';
import { silentLogger, type Logger, type RetryDelay } from '@conclave/toolkit';
import { WatchConfigError } from './errors.js';
import { handlerFor } from './handler-for.js';
import { parseWatchDefinition, type WatchDefinition } from './watch-definition.js';
import { startWatch, type RunningWatch } from './watch-runner.js';

export interface WatchSource {
  raw: unknown;
  /** Where the entry came from (a config file), for error messages. */
  origin?: string;
}

export function parseConfigWatches(sources: readonly WatchSource[]): WatchDefinition[] {
  return sources.map((s, i) => {
    try {
      return parseWatchDefinition(s.raw);
    } catch (err) {
      if (!(err instanceof WatchConfigError)) throw err;
      const where = s.origin ? `${s.origin}: ` : '';
      throw new WatchConfigError(`${where}Failed to parse watch ${i + 1} (${JSON.stringify(s.raw)}): ${err.message}`);
    }
  });
}

export interface WatchSet {
  readonly watches: readonly RunningWatch[];
  /** Resolves when every watch has stopped. */
  readonly done: Promise<void>;
  stop(): void;
}

export interface StartWatchesOptions {
  client: ConsulClient;
  logger?: Logger;
  retryDelay?: RetryDelay;
}

export function startWatches(definitions: readonly WatchDefinition[], options: StartWatchesOptions): WatchSet {
  const logger = options.logger ?? silentLogger;
  // Check every definition before starting any, so a refusal leaves nothing running.
  for (const def of definitions) {
    if (!def.handler) throw new WatchConfigError(`a ${def.type} watch from the config has no handler: give it "args" or an http handler`);
  }
  const controller = new AbortController();
  const watches = definitions.map((def) => {
    if (def.handler!.kind === 'shell') {
      logger.warn("The 'handler' field in watches has been deprecated and replaced with the 'args' field. See https://www.consul.io/docs/agent/watches.html");
    }
    return startWatch(def, { client: options.client, handler: handlerFor(def.handler!, { logger }), logger, retryDelay: options.retryDelay, signal: controller.signal });
  });
  return {
    watches,
    done: Promise.all(watches.map((w) => w.done)).then(() => undefined),
    stop: () => controller.abort(),
  };
}
