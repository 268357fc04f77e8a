/**
 * Where gossip reports what it does. A structural interface, so an
 * application passes its own logger as it is (anything with these four
 * methods); values go in `fields`, not in the message, so they stay
 * searchable. Without one, nothing is logged.
 */
export interface GossipLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const drop = (): void => {};

/** The default: a library stays quiet unless its embedder asks. */
export const silentLogger: GossipLogger = { debug: drop, info: drop, warn: drop, error: drop };
