// SHA-256 of a short string as base64: how token secrets are keyed (the state stores digests, never secrets) and
// the first step of every request with ACLs on. crypto.hash (Node ≥ 20.12) is one call into C++; createHash builds
// a stream object per digest and cost three times as much on that path.
// node:crypto is loaded at the first digest, not with the package (lazy-node.ts).
import { lazyNode } from './lazy-node.js';

type OneShot = (algorithm: string, data: string, encoding: 'base64') => string;
let oneShot: OneShot | null | undefined;

export function sha256Base64(text: string): string {
  if (oneShot === undefined) oneShot = (lazyNode.crypto() as { hash?: OneShot }).hash ?? null;
  return oneShot !== null ? oneShot('sha256', text, 'base64') : lazyNode.crypto().createHash('sha256').update(text).digest('base64');
}
