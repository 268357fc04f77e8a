// consul-template's sandbox_path check for `file` (resolveSandboxedPath): with a sandbox, both paths are
// cleaned and their symlinks resolved, and the target must lie inside the sandbox; the resolved path is read.
// Without one, the path is only cleaned. Synchronous because template functions are.
import { realpathSync } from 'node:fs';
import { normalize, relative, sep } from 'node:path';

function evalSymlinks(p: string): string {
  try {
    return realpathSync(normalize(p));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Go's wording: "lstat /a/b: no such file or directory".
    throw new Error(`lstat ${normalize(p)}: ${code === 'ENOENT' ? 'no such file or directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
}

export function resolveSandboxedPath(sandbox: string, path: string): string {
  if (sandbox === '') return normalize(path);
  let box: string;
  try {
    box = evalSymlinks(sandbox);
  } catch (e) {
    throw new Error(`failed to resolve sandbox path: ${(e as Error).message}`);
  }
  let target: string;
  try {
    target = evalSymlinks(path);
  } catch (e) {
    throw new Error(`failed to resolve target path: ${(e as Error).message}`);
  }
  const rel = relative(box, target);
  if (rel === '..' || rel.startsWith('..' + sep)) throw new Error(`'${path}' is outside of sandbox`);
  return target;
}
