// The `conclave` sub-commands by name. Each module is imported only when its command runs, so `conclave kv get`
// loads neither the agent nor the snapshot reader, and starts in a fraction of the agent's time.
import type { Command } from './command.js';

export type CommandLoader = () => Promise<Command>;

/** The commands that talk to an agent over HTTP (or need none: keygen, validate, version); `agent` is listed apart
 * in the usage text. */
export const HTTP_COMMANDS: Record<string, CommandLoader> = {
  acl: () => import('./commands/acl.js').then((m) => m.acl),
  catalog: () => import('./commands/catalog.js').then((m) => m.catalog),
  debug: () => import('./commands/debug.js').then((m) => m.debug),
  event: () => import('./commands/event.js').then((m) => m.event),
  exec: () => import('./commands/exec.js').then((m) => m.exec),
  'force-leave': () => import('./commands/force-leave.js').then((m) => m.forceLeave),
  info: () => import('./commands/info.js').then((m) => m.info),
  join: () => import('./commands/join.js').then((m) => m.join),
  keyring: () => import('./commands/keyring.js').then((m) => m.keyring),
  keygen: () => import('./commands/keygen.js').then((m) => m.keygen),
  kv: () => import('./commands/kv.js').then((m) => m.kv),
  leave: () => import('./commands/leave.js').then((m) => m.leave),
  login: () => import('./commands/login.js').then((m) => m.login),
  logout: () => import('./commands/logout.js').then((m) => m.logout),
  lock: () => import('./commands/lock.js').then((m) => m.lock),
  maint: () => import('./commands/maint.js').then((m) => m.maint),
  members: () => import('./commands/members.js').then((m) => m.members),
  monitor: () => import('./commands/monitor.js').then((m) => m.monitor),
  operator: () => import('./commands/operator.js').then((m) => m.operator),
  reload: () => import('./commands/reload.js').then((m) => m.reload),
  rtt: () => import('./commands/rtt.js').then((m) => m.rtt),
  services: () => import('./commands/services.js').then((m) => m.services),
  snapshot: () => import('./commands/snapshot.js').then((m) => m.snapshot),
  tls: () => import('./commands/tls.js').then((m) => m.tls),
  validate: () => import('./commands/validate.js').then((m) => m.validate),
  version: () => import('./commands/version.js').then((m) => m.version),
  watch: () => import('./commands/watch.js').then((m) => m.watch),
};

export const AGENT_COMMAND: CommandLoader = () => import('./commands/agent.js').then((m) => m.agent);
