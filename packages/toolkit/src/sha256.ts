// SHA-256 of a short string as base64: how token secrets are keyed (the state stores digests, never secrets) and
// the first step of every request with ACLs on. crypto.hash (Node ≥ 20.12) is one call into C++; createHash builds
// a stream object per digest and cost three times as much on that path.
import * as crypto from 'node:crypto';

const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash;

export function sha256Base64(text: string): string {
  return oneShot ? oneShot('sha256', text, 'base64') : crypto.createHash('sha256').update(text).digest('base64');
}
