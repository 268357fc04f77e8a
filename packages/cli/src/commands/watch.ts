// `conclave watch`: Consul's watch command (packages/watch has it, so `conclave-watch` runs the same code).
import { runWatchCommand } from '@conclave/watch';
import { flush, writeLine, type CliIo } from '../cli-io.js';

export async function watch(argv: string[], io: CliIo): Promise<number> {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    return await runWatchCommand(argv, {
      program: 'conclave watch',
      signal: ac.signal,
      stdout: (text) => writeLine(io.stdout, text),
      stderr: (text) => writeLine(io.stderr, text),
    });
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await flush(io);
  }
}
