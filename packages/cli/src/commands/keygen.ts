// `conclave keygen`: a new gossip encryption key, base64 of 32 random bytes (AES-256).
import { randomBytes } from 'node:crypto';
import { runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

export function keygen(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave keygen\n\n  Generates a new encryption key that can be used to configure the agent to encrypt traffic.',
    flags: {},
    async run(ctx) {
      ctx.out(randomBytes(32).toString('base64'));
      return 0;
    },
  });
}
