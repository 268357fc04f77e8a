// The `watch` CLI's flags as Consul's parameter map (command/watch), so the CLI and config files share one parser.
// The handler comes from the positional arguments: joined and run by `sh -c` with -shell (the default), exec'd
// directly with -shell=false.
import { goBoolErrorText, parseGoBool } from '@conclave/toolkit';
import { WatchConfigError } from './errors.js';

export interface CliWatchFlags {
  type?: string;
  key?: string;
  prefix?: string;
  service?: string;
  tag?: string[];
  /** Go bool text or a boolean (`-passingonly`, `-passingonly=true`, `-passingonly false`). */
  passingonly?: string | boolean;
  state?: string;
  name?: string;
  datacenter?: string;
  token?: string;
  stale?: boolean;
  /** Default true. */
  shell?: boolean;
  /** Positional arguments: the handler command. */
  args: string[];
}

export function watchParamsFromCli(flags: CliWatchFlags): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  if (!flags.type) throw new WatchConfigError('Watch type must be specified');
  params.type = flags.type;
  if (flags.datacenter) params.datacenter = flags.datacenter;
  if (flags.token) params.token = flags.token;
  if (flags.key) params.key = flags.key;
  if (flags.prefix) params.prefix = flags.prefix;
  if (flags.service) params.service = flags.service;
  const tags = (flags.tag ?? []).filter((t) => t !== '');
  if (tags.length === 1) params.tag = tags[0];
  else if (tags.length > 1) params.tag = tags;
  if (flags.stale) params.stale = true;
  if (flags.state) params.state = flags.state;
  if (flags.name) params.name = flags.name;
  if (flags.passingonly !== undefined && flags.passingonly !== '') {
    const v = flags.passingonly;
    const b = typeof v === 'boolean' ? v : parseGoBool(v);
    if (b === undefined) throw new WatchConfigError(`Failed to parse passingonly flag: ${goBoolErrorText(v as string)}`);
    params.passingonly = b;
  }
  if (flags.args.length > 0) {
    if (flags.shell ?? true) params.handler = flags.args.join(' ');
    else params.args = [...flags.args];
  }
  return params;
}

/**
 * Consul's -passingonly takes a value (`-passingonly true`); ours is also a presence flag (`-passingonly ./failover.sh`).
 * Before flag parsing, `-passingonly <go-bool>` becomes `-passingonly=<go-bool>` so both spellings work.
 */
export function joinPassingOnlyValue(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const next = argv[i + 1];
    if ((arg === '-passingonly' || arg === '--passingonly') && next !== undefined && parseGoBool(next) !== undefined) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
