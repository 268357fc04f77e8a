// `conclave tls ca create` and `conclave tls cert create`: the agent CA and the server / client / cli certificates
// with Consul's file names (consul-agent-ca.pem, dc1-server-consul-0.pem, ...), made without openssl.
// Unlike Consul, private keys are written readable by their owner only (0600).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { createAgentCa, createAgentCert, type CertRole } from '@conclave/tls';
import { dispatch, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';

const cwdOf = (io: CliIo) => io.cwd ?? process.cwd();

function caCreate(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave tls ca create [options]\n\n  Create a new consul CA:\n\n  $ conclave tls ca create\n  ==> Saved consul-agent-ca.pem\n  ==> Saved consul-agent-ca-key.pem',
    flags: {
      days: { kind: 'int', usage: 'Provide number of days the CA is valid for from now on. Defaults to 5 years.' },
      domain: { kind: 'string', usage: 'Domain of consul cluster. Only used in combination with -name-constraint. Defaults to consul.' },
      'name-constraint': { kind: 'bool', usage: 'Add name constraints for the CA: certificates for other DNS names than -domain, localhost and -additional-name-constraint are rejected.' },
      'additional-name-constraint': { kind: 'list', usage: 'Add name constraints for the CA. Can be used multiple times. Only used in combination with -name-constraint.' },
    },
    async run(ctx) {
      const domain = (ctx.flags.domain as string | undefined) ?? 'consul';
      const days = (ctx.flags.days as number | undefined) ?? 1825;
      if (days <= 0) {
        ctx.err('-days must be a positive number of days');
        return 1;
      }
      const certFile = `${domain}-agent-ca.pem`;
      const keyFile = `${domain}-agent-ca-key.pem`;
      for (const f of [certFile, keyFile]) {
        if (existsSync(resolve(cwdOf(io), f))) {
          ctx.err(`${f} already exists.`);
          return 1;
        }
      }
      const constraints = ctx.flags['name-constraint']
        ? [...((ctx.flags['additional-name-constraint'] as string[] | undefined) ?? []), domain, 'localhost']
        : undefined;
      const ca = createAgentCa({ days, nameConstraints: constraints });
      writeFileSync(resolve(cwdOf(io), certFile), ca.cert, { mode: 0o644, flag: 'wx' });
      ctx.out(`==> Saved ${certFile}`);
      writeFileSync(resolve(cwdOf(io), keyFile), ca.key, { mode: 0o600, flag: 'wx' });
      ctx.out(`==> Saved ${keyFile}`);
      return 0;
    },
  });
}

const SERVER_WARNING = `==> WARNING: Server Certificates grants authority to become a
    server and access all state in the cluster including root keys
    and all ACL tokens. Do not distribute them to production hosts
    that are not server nodes. Store them as securely as CA keys.`;

function certCreate(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage: 'Usage: conclave tls cert create [options]\n\n  Create a new certificate\n\n  $ conclave tls cert create -server\n  ==> Using consul-agent-ca.pem and consul-agent-ca-key.pem\n  ==> Saved dc1-server-consul-0.pem\n  ==> Saved dc1-server-consul-0-key.pem',
    flags: {
      ca: { kind: 'string', usage: 'Provide path to the ca. Defaults to #DOMAIN#-agent-ca.pem.' },
      key: { kind: 'string', usage: 'Provide path to the key. Defaults to #DOMAIN#-agent-ca-key.pem.' },
      server: { kind: 'bool', usage: 'Generate server certificate.' },
      client: { kind: 'bool', usage: 'Generate client certificate.' },
      cli: { kind: 'bool', usage: 'Generate cli certificate.' },
      node: { kind: 'string', usage: 'With -server: an additional DNS name <node>.server.<datacenter>.<domain>.' },
      days: { kind: 'int', usage: 'Provide number of days the certificate is valid for from now on. Defaults to 1 year.' },
      dc: { kind: 'string', usage: 'Provide the datacenter. Matters only for -server certificates. Defaults to dc1.' },
      domain: { kind: 'string', usage: 'Provide the domain. Matters only for -server certificates.' },
      'additional-dnsname': { kind: 'list', usage: 'Provide an additional dnsname for Subject Alternative Names. localhost is always included. This flag may be provided multiple times.' },
      'additional-ipaddress': { kind: 'list', usage: 'Provide an additional ipaddress for Subject Alternative Names. 127.0.0.1 is always included. This flag may be provided multiple times.' },
    },
    async run(ctx) {
      const f = ctx.flags;
      const roles = (['server', 'client', 'cli'] as const).filter((r) => f[r] === true);
      if (roles.length !== 1) {
        ctx.err('Please provide either -server, -client, or -cli');
        return 1;
      }
      const role: CertRole = roles[0]!;
      const node = (f.node as string | undefined) ?? '';
      if (node !== '' && role !== 'server') {
        ctx.err('-node requires -server');
        return 1;
      }
      const ips = ((f['additional-ipaddress'] as string[] | undefined) ?? []).map((s) => s.trim()).filter((s) => s !== '');
      const badIp = ips.find((ip) => isIP(ip) === 0);
      if (badIp !== undefined) {
        ctx.err(`-additional-ipaddress: "${badIp}" is not an IP address`);
        return 1;
      }
      const domain = (f.domain as string | undefined) ?? 'consul';
      const dc = (f.dc as string | undefined) ?? 'dc1';
      const days = (f.days as number | undefined) ?? 365;
      const caFile = ((f.ca as string | undefined) ?? '#DOMAIN#-agent-ca.pem').replace('#DOMAIN#', domain);
      const keyFile = ((f.key as string | undefined) ?? '#DOMAIN#-agent-ca-key.pem').replace('#DOMAIN#', domain);
      if (caFile === '') return fail(ctx, 'Please provide the ca');
      if (keyFile === '') return fail(ctx, 'Please provide the key');
      const prefix = `${dc}-${role}-${domain}`;
      let index = 0;
      const taken = (i: number) => existsSync(resolve(cwdOf(io), `${prefix}-${i}.pem`)) || existsSync(resolve(cwdOf(io), `${prefix}-${i}-key.pem`));
      while (taken(index)) {
        if (++index > 10_000) return fail(ctx, "Could not find a filename that doesn't already exist");
      }
      let caPem: string;
      let keyPem: string;
      try {
        caPem = readFileSync(resolve(cwdOf(io), caFile), 'utf8');
      } catch (err) {
        return fail(ctx, `Error reading CA: ${(err as Error).message}`);
      }
      try {
        keyPem = readFileSync(resolve(cwdOf(io), keyFile), 'utf8');
      } catch (err) {
        return fail(ctx, `Error reading CA key: ${(err as Error).message}`);
      }
      if (role === 'server') ctx.out(SERVER_WARNING);
      ctx.out(`==> Using ${caFile} and ${keyFile}`);
      let pair;
      try {
        pair = createAgentCert({
          role,
          ca: { cert: caPem, key: keyPem },
          datacenter: dc,
          domain,
          node: node || undefined,
          days,
          additionalDnsNames: (f['additional-dnsname'] as string[] | undefined) ?? [],
          additionalIpAddresses: ips,
        });
      } catch (err) {
        return fail(ctx, (err as Error).message);
      }
      const certName = `${prefix}-${index}.pem`;
      const keyName = `${prefix}-${index}-key.pem`;
      writeFileSync(resolve(cwdOf(io), certName), pair.cert, { mode: 0o644, flag: 'wx' });
      ctx.out(`==> Saved ${certName}`);
      writeFileSync(resolve(cwdOf(io), keyName), pair.key, { mode: 0o600, flag: 'wx' });
      ctx.out(`==> Saved ${keyName}`);
      return 0;
    },
  });
}

function fail(ctx: { err(text: string): void }, text: string): number {
  ctx.err(text);
  return 1;
}

export const tls = dispatch('tls', 'This command has subcommands for interacting with Consul TLS.', {
  ca: dispatch('tls ca', 'This command has subcommands for interacting with Certificate Authorities.', { create: caCreate }),
  cert: dispatch('tls cert', 'This command has subcommands for interacting with certificates.', { create: certCreate }),
});
