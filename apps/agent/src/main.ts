// The `conclave` binary: the sub-commands live in @conclave/cli; this only hands them the process's argv and io.
// Not a top-level await: a command left waiting with nothing scheduled must end the process quietly, not with 13.
import { runCli } from '@conclave/cli';

void runCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
