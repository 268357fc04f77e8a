// What the kv sub-commands share: DATA arguments (`@file`, `-` for stdin, or the text itself), Go's strict
// base64 check, and keys given with a leading slash.
import { readFile } from 'node:fs/promises';

export async function dataFromArgs(args: string[], stdin: NodeJS.ReadableStream): Promise<{ key: string; data: Buffer }> {
  if (args.length === 0) throw new Error('Missing KEY argument');
  if (args.length > 2) throw new Error(`Too many arguments (expected 1 or 2, got ${args.length})`);
  const key = args[0]!;
  const data = args[1];
  if (data === undefined || data === '') return { key, data: Buffer.alloc(0) };
  return { key, data: await readDataArg(data, stdin) };
}

/** `@file` reads a file, `-` reads stdin, anything else is the data itself. */
export async function readDataArg(data: string, stdin: NodeJS.ReadableStream): Promise<Buffer> {
  if (data.startsWith('@')) {
    try {
      return await readFile(data.slice(1));
    } catch (err) {
      throw new Error(`Failed to read file: ${(err as Error).message}`);
    }
  }
  if (data === '-') {
    try {
      return await readAll(stdin);
    } catch (err) {
      throw new Error(`Failed to read stdin: ${(err as Error).message}`);
    }
  }
  return Buffer.from(data, 'utf8');
}

async function readAll(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

export function isStdBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

export function stripSlash(key: string): string {
  return key.startsWith('/') ? key.slice(1) : key;
}
