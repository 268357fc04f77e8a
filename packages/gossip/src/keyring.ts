/**
 * Gossip encryption keyring: AES-GCM with a primary key (used to encrypt) and
 * secondary keys (also tried to decrypt) so keys can be rotated without a
 * split. Keys are base64 of 16, 24 or 32 bytes, as generateKey() makes them.
 * Encrypted message: version byte 1, 12-byte nonce, ciphertext, 16-byte tag.
 */
import { createRequire } from 'node:module';
import { DecryptError, KeyringError } from './errors.js';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;
/** Bytes encryption adds to a message. */
export const ENCRYPTION_OVERHEAD = 1 + NONCE + TAG;

// node:crypto is required at the first key, not imported with the package: a cluster without gossip encryption
// never needs it, and loading it costs an agent 4.8 MB of RSS on Node 24 (toolkit's lazyNode does the same for
// the agent; this package imports nothing of ours).
const nodeRequire = createRequire(import.meta.url);
let loaded: typeof import('node:crypto') | undefined;
// Kept after the first call: every encrypted packet comes through here.
const crypto = (): typeof import('node:crypto') => (loaded ??= nodeRequire('node:crypto') as typeof import('node:crypto'));

/** A new random 32-byte (AES-256) key in base64. */
export function generateKey(): string {
  return crypto().randomBytes(32).toString('base64');
}

/** Decodes and checks one base64 key. */
export function decodeKey(key: string): Buffer {
  if (typeof key !== 'string' || key.length === 0) throw new KeyringError('gossip key is empty; generate one with `conclave keygen`');
  const bytes = Buffer.from(key, 'base64');
  if (bytes.toString('base64') !== key) {
    throw new KeyringError(`gossip key "${key}" is not valid padded base64; generate one with \`conclave keygen\``);
  }
  if (bytes.length !== 16 && bytes.length !== 24 && bytes.length !== 32) {
    throw new KeyringError(`gossip key must decode to 16, 24 or 32 bytes, got ${bytes.length}`);
  }
  return bytes;
}

export class Keyring {
  /** Primary first. */
  private keys: Buffer[];

  /** @param keys base64 keys; the first is the primary. */
  constructor(keys: string[]) {
    if (keys.length === 0) throw new KeyringError('a keyring needs at least one key');
    this.keys = [];
    for (const k of keys) {
      const b = decodeKey(k);
      if (!this.keys.some((x) => x.equals(b))) this.keys.push(b);
    }
  }

  /** Adds a secondary key (decrypts, does not encrypt yet). Installing an installed key is a no-op. */
  install(key: string): void {
    const b = decodeKey(key);
    if (!this.keys.some((x) => x.equals(b))) this.keys.push(b);
  }

  /** Makes an installed key the primary. */
  use(key: string): void {
    const b = decodeKey(key);
    const i = this.keys.findIndex((x) => x.equals(b));
    if (i < 0) throw new KeyringError('the requested key is not in the keyring; install it first');
    const [k] = this.keys.splice(i, 1);
    this.keys.unshift(k!);
  }

  /** Removes a secondary key; the primary cannot be removed. */
  remove(key: string): void {
    const b = decodeKey(key);
    const i = this.keys.findIndex((x) => x.equals(b));
    if (i === 0) throw new KeyringError('removing the primary key is not allowed; use another key first');
    if (i < 0) throw new KeyringError('the requested key is not in the keyring');
    this.keys.splice(i, 1);
  }

  /** Installed keys in base64, primary first. */
  list(): string[] {
    return this.keys.map((k) => k.toString('base64'));
  }

  primary(): string {
    return this.keys[0]!.toString('base64');
  }

  encrypt(plain: Uint8Array): Uint8Array {
    const key = this.keys[0]!;
    const nonce = crypto().randomBytes(NONCE);
    const cipher = crypto().createCipheriv(algorithm(key), key, nonce);
    const body = cipher.update(plain);
    const fin = cipher.final();
    const tag = cipher.getAuthTag();
    const out = Buffer.allocUnsafe(1 + NONCE + body.length + fin.length + TAG);
    out[0] = VERSION;
    nonce.copy(out, 1);
    body.copy(out, 1 + NONCE);
    fin.copy(out, 1 + NONCE + body.length);
    tag.copy(out, out.length - TAG);
    return out;
  }

  /** Tries every key; throws DecryptError when none opens the message. */
  decrypt(data: Uint8Array): Uint8Array {
    if (data.length < ENCRYPTION_OVERHEAD) throw new DecryptError(`encrypted message too short (${data.length} bytes)`);
    if (data[0] !== VERSION) throw new DecryptError(`unsupported encryption version ${data[0]}`);
    const nonce = data.subarray(1, 1 + NONCE);
    const body = data.subarray(1 + NONCE, data.length - TAG);
    const tag = data.subarray(data.length - TAG);
    for (const key of this.keys) {
      try {
        const d = crypto().createDecipheriv(algorithm(key), key, nonce);
        d.setAuthTag(tag);
        const a = d.update(body);
        const b = d.final();
        return b.length ? Buffer.concat([a, b]) : a;
      } catch {
        // try the next key
      }
    }
    throw new DecryptError('no installed gossip key decrypts the message; the nodes use different keys');
  }
}

function algorithm(key: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  return key.length === 16 ? 'aes-128-gcm' : key.length === 24 ? 'aes-192-gcm' : 'aes-256-gcm';
}
