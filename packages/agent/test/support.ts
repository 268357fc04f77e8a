// Shared pieces for the agent's unit tests: a logger that keeps its lines, a fake RPC client, the problems a
// configuration is refused for.
import { createLogger, type RootLogger } from '@conclave/toolkit';
import { buildAgentConfig, loadAgentConfig } from '../src/config/agent-flags.js';
import { ConfigError } from '../src/config/config-error.js';

export function memoryLogger(lines: string[] = []): RootLogger {
  return createLogger('debug', 'test', (line) => void lines.push(line));
}

export interface RpcCall {
  address: string;
  method: string;
  args: unknown;
}

/** An RpcClient stand-in: `answer` decides each call (return a value or throw). */
export function fakeRpc(answer: (call: RpcCall) => unknown) {
  const calls: RpcCall[] = [];
  return {
    calls,
    async call(address: string, method: string, args: unknown, _timeoutMs: number): Promise<unknown> {
      const c = { address, method, args };
      calls.push(c);
      return answer(c);
    },
  };
}

/** The problems `conclave agent <argv>` is refused for: the files and flags, and with `definitions` the service,
 * check and watch definitions too. Fails the test when the configuration is accepted. */
export async function configProblems(argv: string[], { definitions = false } = {}): Promise<string[]> {
  try {
    if (definitions) await loadAgentConfig(argv, 'h');
    else buildAgentConfig(argv, 'h');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('the configuration was accepted');
}
