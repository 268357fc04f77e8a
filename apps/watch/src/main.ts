// `conclave-watch`: the watch command as its own binary (same flags as `conclave watch` / `consul watch`).
import { runWatchCommand } from '@conclave/watch';

const ac = new AbortController();
process.on('SIGINT', () => ac.abort()).on('SIGTERM', () => ac.abort());
process.exitCode = await runWatchCommand(process.argv.slice(2), { program: 'conclave-watch', signal: ac.signal });
