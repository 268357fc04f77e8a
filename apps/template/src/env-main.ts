// `conclave-env`: envconsul's command line over @conclave/template. Signals go to the running command.
import { runAsProcess, runEnvCommand } from '@conclave/template';

await runAsProcess(runEnvCommand);
