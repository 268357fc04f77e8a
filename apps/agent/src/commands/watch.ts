// `conclave watch`: Consul's watch command (packages/watch has it, so `conclave-watch` runs the same code).
import { runWatchCommand } from '@conclave/watch';
import { flush } from './common.js';

export async function watch(argv: string[]): Promise<number> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    return await runWatchCommand(argv, { program: 'conclave watch', signal: ac.signal });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await flush();
  }
}
