// consul-template's template `user` and `group`: the rendered file's owner, given as a name or a numeric id. Names
// are looked up in /etc/passwd and /etc/group, as Go's os/user does without cgo; unset means "keep the existing
// file's owner" (a new file belongs to this process's user).
import { promises as fs } from 'node:fs';

/** -1: leave as is (os.Chown's convention). */
export type OwnerId = number;

function parseId(s: string): number | undefined {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : undefined; // strconv.Atoi
}

async function lookup(file: string, name: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    // name:password:id:... in both files.
    if (fields[0] === name && fields.length >= 3) return parseId(fields[2]!);
  }
  return undefined;
}

/** A template's `user`: its uid, or -1 when unset. Throws Go's "user: unknown user <name>". */
export async function lookupUser(s: string | undefined, passwd = '/etc/passwd'): Promise<OwnerId> {
  if (s === undefined || s === '') return -1;
  const id = parseId(s) ?? (await lookup(passwd, s));
  if (id === undefined) throw new Error(`failed looking up user: user: unknown user ${s}`);
  return id;
}

/** A template's `group`: its gid, or -1 when unset. Throws Go's "group: unknown group <name>". */
export async function lookupGroup(s: string | undefined, group = '/etc/group'): Promise<OwnerId> {
  if (s === undefined || s === '') return -1;
  const id = parseId(s) ?? (await lookup(group, s));
  if (id === undefined) throw new Error(`failed looking up group: group: unknown group ${s}`);
  return id;
}

/** Chowns `path` when its owner differs from the wanted one (-1 = any); true when it did. */
export async function applyOwnership(path: string, uid: OwnerId, gid: OwnerId): Promise<boolean> {
  if (uid === -1 && gid === -1) return false;
  const st = await fs.stat(path);
  if ((uid === -1 || st.uid === uid) && (gid === -1 || st.gid === gid)) return false;
  try {
    await fs.chown(path, uid, gid);
  } catch (e) {
    throw new Error(`failed setting file ownership: ${(e as Error).message}`);
  }
  return true;
}
