// consul-template's writeToFile: `content | writeToFile path user group perms [flags]` writes (or appends to)
// a file while the template renders and yields "". As consul-template: missing parent directories are
// created, a symlinked parent directory or final component is refused (no redirection of the write),
// "append" and "newline" flags, owner by name or id (chown only when given), perms as octal.
import { closeSync, constants, fchmodSync, fchownSync, lstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { execFileSync } from 'node:child_process';

/** os/user's Lookup then LookupGroup, falling back to a numeric id as consul-template does. */
function lookupId(kind: 'passwd' | 'group', name: string): number {
  try {
    return Number(execFileSync('getent', [kind, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(':')[2]);
  } catch {
    if (/^[0-9]+$/.test(name)) return Number(name);
    throw new Error(kind === 'passwd' ? `user: unknown user ${name}` : `group: unknown group ${name}`);
  }
}

export function writeToFile(path: string, user: string, group: string, permissions: string, ...args: string[]): string {
  if (args.length < 1 || args.length > 2) throw new Error(`writeToFile: wrong number of arguments, expected 5 or 6, but got ${args.length + 4}`);
  const flags = args.length === 2 ? args[0]! : '';
  const content = args[args.length - 1]!;
  if (!/^[0-7]+$/.test(permissions)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(permissions)}: invalid syntax`);
  const perm = parseInt(permissions, 8);
  const clean = normalize(path);
  const dir = dirname(clean);
  mkdirSync(dir, { recursive: true });
  if (lstatSync(dir).isSymbolicLink()) throw new Error(`writeToFile: refusing to write through symlinked directory in path "${path}"`);
  const target = join(dir, basename(clean));
  try {
    if (lstatSync(target).isSymbolicLink()) throw new Error(`writeToFile: refusing to write to symlink "${path}"`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const append = flags.includes('append');
  const mode = (append ? constants.O_APPEND | constants.O_WRONLY : constants.O_RDWR | constants.O_TRUNC) | constants.O_CREAT | constants.O_NOFOLLOW;
  const fd = openSync(target, mode, perm);
  try {
    writeSync(fd, flags.includes('newline') ? content + '\n' : content);
    // On the open descriptor, so that a path swapped after the open cannot redirect ownership or mode.
    if (user !== '' || group !== '') fchownSync(fd, user === '' ? process.getuid!() : lookupId('passwd', user), group === '' ? process.getgid!() : lookupId('group', group));
    fchmodSync(fd, perm);
  } finally {
    closeSync(fd);
  }
  return '';
}
