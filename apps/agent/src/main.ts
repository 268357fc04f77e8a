// The `conclave` command: `conclave agent ...` runs an agent; every other sub-command talks to one over HTTP.
import { commands, CONCLAVE_VERSION } from './commands/index.js';

const USAGE = `Usage: conclave [--version] [--help] <command> [<args>]

Available commands are:
    agent          Runs a Conclave agent
    ${Object.keys(commands).sort().join('\n    ')}
`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '-help' || name === '--help') {
    process.stderr.write(USAGE);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-version' || name === '-v') {
    process.stdout.write(`Conclave v${CONCLAVE_VERSION}\n`);
    return 0;
  }
  // The agent is loaded only for `conclave agent`: the other commands start in a fraction of the time.
  if (name === 'agent') return (await import('@conclave/agent')).runAgentCommand(rest);
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command: ${name}\n\n${USAGE}`);
    return 1;
  }
  return command(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
