// `conclave-template`: consul-template's command line over @conclave/template. Every signal consul-template
// watches is handed to the command: the kill signal (SIGINT) stops, the reload signal (SIGHUP) reloads, the
// rest go to the -exec child. Listening for SIGUSR1 also keeps Node's inspector from starting on it.
import { runAsProcess, runTemplateCommand } from '@conclave/template';

await runAsProcess(runTemplateCommand);
