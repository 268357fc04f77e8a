// @conclave/cli: the `conclave` sub-commands. Binaries call runCli with the process's io; tests pass their own.
export { runCli } from './run-cli.js';
export { processIo, type CliIo } from './cli-io.js';
export { CONCLAVE_VERSION } from './version.js';
