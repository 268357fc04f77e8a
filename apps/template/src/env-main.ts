// `conclave-env`: envconsul's command line over @conclave/template. Signals go to the running command.
import { MONITORED_SIGNALS, runEnvCommand } from '@conclave/template';

process.exitCode = await runEnvCommand(process.argv.slice(2), {
  onSignal(listener) {
    for (const sig of MONITORED_SIGNALS) process.on(sig, listener);
    return () => {
      for (const sig of MONITORED_SIGNALS) process.off(sig, listener);
    };
  },
});
