// `conclave-template`: consul-template's command line over @conclave/template. SIGINT/SIGTERM stop it cleanly.
import { runTemplateCommand } from '@conclave/template';

const ac = new AbortController();
process.on('SIGINT', () => ac.abort()).on('SIGTERM', () => ac.abort());
process.exitCode = await runTemplateCommand(process.argv.slice(2), { signal: ac.signal });
