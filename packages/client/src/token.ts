// The ACL token sent as X-Consul-Token. Explicit options (the CLI's -token-file, -token) beat the environment
// (CONSUL_HTTP_TOKEN_FILE, CONSUL_HTTP_TOKEN); within each, a token file beats a token, as in Consul's api package.
import { readFileSync } from 'node:fs';
import { ConsulConfigError } from './errors.js';

export interface TokenSources {
  token?: string;
  tokenFile?: string;
}

export function resolveToken(options: TokenSources = {}, env: Record<string, string | undefined> = process.env): string | undefined {
  if (options.tokenFile) return readTokenFile(options.tokenFile);
  if (options.token) return options.token;
  if (env.CONSUL_HTTP_TOKEN_FILE) return readTokenFile(env.CONSUL_HTTP_TOKEN_FILE);
  if (env.CONSUL_HTTP_TOKEN) return env.CONSUL_HTTP_TOKEN;
  return undefined;
}

function readTokenFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConsulConfigError(`Error loading token file ${path} : ${(err as Error).message}`);
  }
  const token = text.trim();
  return token === '' ? undefined : token;
}
