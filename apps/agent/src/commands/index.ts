// The `conclave` sub-commands that talk to an agent over HTTP (the `agent` command itself lives elsewhere).
// Each takes the arguments after its name and resolves to the process exit code.
import { catalog } from './catalog.js';
import { event } from './event.js';
import { forceLeave } from './force-leave.js';
import { info } from './info.js';
import { join } from './join.js';
import { keygen } from './keygen.js';
import { kv } from './kv.js';
import { leave } from './leave.js';
import { lock } from './lock.js';
import { maint } from './maint.js';
import { members } from './members.js';
import { operator } from './operator.js';
import { reload } from './reload.js';
import { services } from './services.js';
import { snapshot } from './snapshot.js';
import { version } from './version.js';

export { CONCLAVE_VERSION } from './version.js';

export const commands: Record<string, (argv: string[]) => Promise<number>> = {
  catalog,
  event,
  'force-leave': forceLeave,
  info,
  join,
  keygen,
  kv,
  leave,
  lock,
  maint,
  members,
  operator,
  reload,
  services,
  snapshot,
  version,
  watch: (argv) => import('./watch.js').then((m) => m.watch(argv)),
};
