// The `conclave` sub-commands that talk to an agent over HTTP (the `agent` command itself lives elsewhere).
// Each takes the arguments after its name and resolves to the process exit code.
import { catalog } from './catalog.js';
import { forceLeave } from './force-leave.js';
import { info } from './info.js';
import { join } from './join.js';
import { keygen } from './keygen.js';
import { kv } from './kv.js';
import { leave } from './leave.js';
import { maint } from './maint.js';
import { members } from './members.js';
import { reload } from './reload.js';
import { services } from './services.js';
import { version } from './version.js';

export { CONCLAVE_VERSION } from './version.js';

export const commands: Record<string, (argv: string[]) => Promise<number>> = {
  catalog,
  'force-leave': forceLeave,
  info,
  join,
  keygen,
  kv,
  leave,
  maint,
  members,
  reload,
  services,
  version,
  watch: (argv) => import('./watch.js').then((m) => m.watch(argv)),
};
