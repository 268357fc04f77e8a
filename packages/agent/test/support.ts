// Shared pieces for the agent's unit tests: a logger that keeps its lines, a fake RPC client.
import { createLogger, type RootLogger } from '@conclave/toolkit';

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
