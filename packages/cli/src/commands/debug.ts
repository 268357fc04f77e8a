// `conclave debug`: a time-bounded capture of what an operator is asked for when something is wrong, as Consul's
// `consul debug`: the agent's self (with secrets redacted), host, members, a metrics snapshot per interval, and the
// agent's log at debug level for the whole duration — into `<output>/` and then `<output>.tar.gz`.
import { mkdirSync, rmSync, writeFileSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { formatGoDuration, parseGoDuration, writeTar } from '@conclave/toolkit';
import { CLIENT_FLAGS, runCommand } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { CONCLAVE_VERSION } from '../version.js';

const TARGETS = ['agent', 'host', 'members', 'metrics', 'logs'] as const;
type Target = (typeof TARGETS)[number];

/** Keys whose values are secrets: replaced by "hidden" wherever they appear in what is captured. */
const SECRET = /token|encrypt|secret|password|private|key_?file|keyfile|^key$/i;

export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET.test(k) && (typeof v === 'string' || typeof v === 'number') && v !== '' ? 'hidden' : redact(v);
    return out;
  }
  return value;
}

const usage = `
Usage: conclave debug [options]

  Monitors a Consul agent for the specified period of time, recording
  information about the agent, cluster, and environment to an archive
  written to the current directory.

  The archive contains the agent's self (configuration with secrets
  redacted), host, members, metrics at every interval and the agent's
  log at debug level. It is gzipped tar, ready to attach to an issue.

    $ conclave debug -duration 1m -interval 15s
`;

export function debug(argv: string[], io: CliIo): Promise<number> {
  return runCommand(argv, io, {
    usage,
    flags: {
      ...CLIENT_FLAGS,
      duration: { kind: 'string', usage: 'The total time to record information. Defaults to 2m.' },
      interval: { kind: 'string', usage: 'The interval in which to capture dynamic information such as metrics. Defaults to 30s.' },
      capture: { kind: 'list', usage: `One or more types of information to capture (${TARGETS.join(', ')}); default all. pprof is accepted and not captured.` },
      output: { kind: 'string', usage: 'The path to the compressed archive that will be created. Defaults to consul-debug-<timestamp>.' },
      archive: { kind: 'bool', usage: 'Boolean value for if the files should be archived and compressed. Defaults to true.' },
    },
    async run(ctx) {
      let durationMs: number;
      let intervalMs: number;
      try {
        durationMs = parseGoDuration((ctx.flags.duration as string | undefined) ?? '2m') / 1e6;
        intervalMs = parseGoDuration((ctx.flags.interval as string | undefined) ?? '30s') / 1e6;
      } catch (err) {
        ctx.err(`Capture validation failed: ${(err as Error).message}`);
        return 1;
      }
      if (intervalMs < 1000) return fail(ctx, 'Capture validation failed: interval must be at least one second');
      if (durationMs < intervalMs) return fail(ctx, 'Capture validation failed: duration must be longer than interval');
      const asked = ((ctx.flags.capture as string[] | undefined) ?? []).filter((t) => t !== 'pprof');
      const unknown = asked.find((t) => !(TARGETS as readonly string[]).includes(t));
      if (unknown) return fail(ctx, `Capture validation failed: target '${unknown}' not found`);
      const targets = new Set<Target>(asked.length > 0 ? (asked as Target[]) : TARGETS);
      const cwd = io.cwd ?? process.cwd();
      const output = resolve(cwd, (ctx.flags.output as string | undefined) ?? `consul-debug-${Math.floor(Date.now() / 1000)}`);
      const archive = ctx.flags.archive !== false;
      if (existsSync(output) || (archive && existsSync(`${output}.tar.gz`))) return fail(ctx, `Capture validation failed: output directory already exists: ${output}`);

      const client = ctx.client();
      let self: Record<string, unknown>;
      try {
        self = (await client.query<Record<string, unknown>>('agent/self')).body ?? {};
      } catch (err) {
        return fail(ctx, `Error querying target agent: ${(err as Error).message}`);
      }
      mkdirSync(output, { recursive: true });
      const save = (name: string, value: unknown) => {
        mkdirSync(join(output, name, '..'), { recursive: true });
        writeFileSync(join(output, name), typeof value === 'string' ? value : JSON.stringify(value, null, 2) + '\n');
      };
      const errors: string[] = [];
      const fetchJson = async (path: string, params?: Record<string, string>) => (await client.query<unknown>(path, params)).body;
      ctx.out('==> Starting debugger and capturing static information...');
      const agentVersion = ((self.Config as Record<string, unknown> | undefined)?.Version as string | undefined) ?? '';
      ctx.out(`     Agent Version: '${agentVersion}'`);
      ctx.out(`          Interval: '${formatGoDuration(intervalMs * 1e6)}'`);
      ctx.out(`          Duration: '${formatGoDuration(durationMs * 1e6)}'`);
      ctx.out(`            Output: '${archive ? `${output}.tar.gz` : output}'`);
      ctx.out(`           Capture: '${[...targets].join(', ')}'`);
      if (targets.has('agent')) save('agent.json', redact(self));
      for (const [target, path] of [['host', 'agent/host'], ['members', 'agent/members']] as const) {
        if (!targets.has(target)) continue;
        try {
          save(`${target}.json`, redact(await fetchJson(path)));
        } catch (err) {
          errors.push(`${target}: ${(err as Error).message}`);
        }
      }

      ctx.out('==> Beginning capture interval ' + new Date().toISOString() + ' (0)');
      const ac = new AbortController();
      const lines: string[] = [];
      const logs = targets.has('logs')
        ? client.agent.monitor((line) => lines.push(line), { logLevel: 'DEBUG', signal: ac.signal }).catch((err: Error) => {
            if (!ac.signal.aborted) errors.push(`logs: ${err.message}`);
          })
        : Promise.resolve();
      const started = Date.now();
      for (let i = 0; ; i++) {
        if (targets.has('metrics')) {
          try {
            save(join(String(Math.floor(Date.now() / 1000)), 'metrics.json'), await fetchJson('agent/metrics'));
          } catch (err) {
            errors.push(`metrics: ${(err as Error).message}`);
          }
        }
        const next = started + (i + 1) * intervalMs;
        if (next > started + durationMs) break;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
        ctx.out(`==> Capture interval ${new Date().toISOString()} (${i + 1})`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, started + durationMs - Date.now())));
      ac.abort();
      await logs;
      if (targets.has('logs')) save('consul.log', lines.join('\n') + (lines.length ? '\n' : ''));
      save('index.json', {
        Version: 2,
        AgentVersion: agentVersion,
        ConclaveVersion: CONCLAVE_VERSION,
        Interval: formatGoDuration(intervalMs * 1e6),
        Duration: formatGoDuration(durationMs * 1e6),
        Targets: [...targets],
        Errors: errors,
      });
      for (const e of errors) ctx.err(`[WARN] ${e}`);
      if (archive) {
        const files = listFiles(output).map((f) => [relative(resolve(output, '..'), f), readFileSync(f)] as const);
        writeFileSync(`${output}.tar.gz`, gzipSync(writeTar(files, Math.floor(Date.now() / 1000))));
        rmSync(output, { recursive: true, force: true });
      }
      ctx.out(`Saved debug archive: ${archive ? `${output}.tar.gz` : output}`);
      return 0;
    },
  });
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}

function fail(ctx: { err(text: string): void }, text: string): number {
  ctx.err(text);
  return 1;
}
