// The `conclave` command line: `conclave <command> [args]` → the command's exit code. `conclave agent ...` runs an
// agent; every other sub-command talks to one over HTTP. The binary is a few lines around this function.
import { processIo, type CliIo } from './cli-io.js';
import { AGENT_COMMAND, HTTP_COMMANDS } from './command-table.js';
import { CONCLAVE_VERSION } from './version.js';

function usage(names: string[]): string {
  return `Usage: conclave [--version] [--help] <command> [<args>]

Available commands are:
    agent          Runs a Conclave agent
    ${names.sort().join('\n    ')}
`;
}

/** Runs one `conclave` invocation (argv without the program name); never rejects: an unexpected error exits 1. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    return await dispatchCommand([...argv], io);
  } catch (err) {
    io.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function dispatchCommand(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'agent') return (await AGENT_COMMAND())(rest, io);
  if (name === undefined || name === '-h' || name === '-help' || name === '--help') {
    io.stderr.write(usage(Object.keys(HTTP_COMMANDS)));
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-version' || name === '-v') {
    io.stdout.write(`Conclave v${CONCLAVE_VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(HTTP_COMMANDS, name) ? HTTP_COMMANDS[name] : undefined;
  if (!load) {
    io.stderr.write(`Unknown command: ${name}\n\n${usage(Object.keys(HTTP_COMMANDS))}`);
    return 1;
  }
  return (await load())(rest, io);
}
