// `conclave validate FILE_OR_DIRECTORY...`: reads a configuration exactly as `conclave agent` would (the same
// loader: JSON and HCL files, every key, the service, check and watch definitions) without starting anything,
// prints every problem and exits 1, or prints "Configuration is valid!" (Consul's words) and exits 0.
import { FlagError } from '@conclave/client';
import { runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

export function validate(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: `
Usage: conclave validate [options] FILE_OR_DIRECTORY...

  Performs a thorough sanity test on Conclave (Consul) configuration files. For each file or directory given,
  the validate command parses the contents just as the "conclave agent" command would, and catches any errors.

  This is useful to do a test of the configuration only, without actually starting the agent. This performs all
  of the validation the agent would, so this should be given the complete set of configuration files that are
  going to be loaded by the agent. Every problem found is listed.

  Returns 0 if the configuration is valid, or 1 if there are problems.

      $ conclave validate /etc/conclave.d
`,
    flags: {
      'config-format': { kind: 'string', usage: "Config files are in this format irrespective of their extension. Must be 'hcl' or 'json'." },
      quiet: { kind: 'bool', usage: 'When given, a successful run will produce no output.' },
    },
    async run(ctx) {
      if (ctx.args.length === 0) {
        ctx.err('Must specify at least one config file or directory');
        return 1;
      }
      const { ConfigError, loadAgentConfig } = await import('@conclave/agent/config');
      const argv = ctx.args.flatMap((path) => ['-config-file', path]);
      const format = ctx.flags['config-format'] as string | undefined;
      if (format !== undefined) argv.push('-config-format', format);
      let warnings: string[];
      try {
        ({ warnings } = await loadAgentConfig(argv));
      } catch (err) {
        if (!(err instanceof ConfigError) && !(err instanceof FlagError)) throw err;
        const problems = err instanceof ConfigError ? err.problems : [err.message];
        ctx.err(
          problems.length === 1
            ? `Config validation failed: ${problems[0]}`
            : `Config validation failed: ${problems.length} errors occurred:\n${problems.map((p) => `\t* ${p}`).join('\n')}`,
        );
        return 1;
      }
      if (!ctx.flags.quiet) {
        for (const w of warnings) ctx.err(w);
        ctx.out('Configuration is valid!');
      }
      return 0;
    },
  });
}
