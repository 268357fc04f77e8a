// The `conclave` command: `conclave agent ...` runs an agent; every other sub-command talks to one over HTTP.

function usage(names: string[]): string {
  return `Usage: conclave [--version] [--help] <command> [<args>]

Available commands are:
    agent          Runs a Conclave agent
    ${names.sort().join('\n    ')}
`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  // Each process loads only what it runs: the agent for `conclave agent` (a long-lived process whose memory
  // counts), the HTTP sub-commands otherwise (they start in a fraction of the agent's time).
  if (name === 'agent') return (await import('@conclave/agent')).runAgentCommand(rest);
  const { commands, CONCLAVE_VERSION } = await import('./commands/index.js');
  if (name === undefined || name === '-h' || name === '-help' || name === '--help') {
    process.stderr.write(usage(Object.keys(commands)));
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-version' || name === '-v') {
    process.stdout.write(`Conclave v${CONCLAVE_VERSION}\n`);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command: ${name}\n\n${usage(Object.keys(commands))}`);
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
