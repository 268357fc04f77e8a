// Script handlers with real processes: stdin is the JSON + newline, CONSUL_INDEX is set, output is captured (last
// 4 KB) and logged, a failing or missing command is logged and never thrown.
import { createLogger } from '@conclave/toolkit';
import { describe, expect, it } from 'vitest';
import { handlerFor, parseWatchDefinition, runScript, scriptHandler } from '../src/internal.js';

const collect = () => {
  const lines: string[] = [];
  return { lines, logger: createLogger({ level: 'debug', name: 'watch', write: (l) => lines.push(l) }) };
};

describe('runScript', () => {
  it('execs args directly with the result on stdin and CONSUL_INDEX in the environment', async () => {
    const r = await runScript({ args: ['/bin/sh', '-c', 'cat; printf "index=%s" "$CONSUL_INDEX"'] }, 42n, [{ Key: 'a', Flags: 0 }]);
    expect(r.exitCode).toBe(0);
    expect(r.output).toBe('[{"Key":"a","Flags":0}]\nindex=42');
  });

  it('runs a shell string with sh -c and passes null for a missing key', async () => {
    const r = await runScript({ script: 'read line; echo "got:$line"; echo "args:$#"' }, 7n, null);
    expect(r.output).toBe('got:null\nargs:0\n');
  });

  it('runs shell strings with $SHELL, or /bin/sh when it is unset', async () => {
    const { SHELL: _unset, ...noShell } = process.env;
    expect((await runScript({ script: 'echo "$0"' }, 1n, null, { env: noShell })).output).toBe('/bin/sh\n');
    expect((await runScript({ script: 'echo "$0"' }, 1n, null, { env: { ...noShell, SHELL: '/bin/bash' } })).output).toBe('/bin/bash\n');
  });

  it('hands over uint64 fields exactly', async () => {
    const r = await runScript({ script: 'cat' }, 1n, { Key: 'lock', Flags: '16210313421097356768' });
    expect(r.output).toBe('{"Key":"lock","Flags":16210313421097356768}\n');
  });

  it('keeps only the last 4 KB of output', async () => {
    const r = await runScript({ script: "head -c 10000 /dev/zero | tr '\\0' a; printf END" }, 1n, null);
    expect(r.outputBytes).toBe(10003);
    expect(r.output).toHaveLength(4096);
    expect(r.output.endsWith('aaaEND')).toBe(true);
  });

  it('does not fail when the handler ignores a large input', async () => {
    const big = Array.from({ length: 20000 }, (_, i) => ({ Key: `k/${i}`, Value: 'x'.repeat(40) }));
    const r = await runScript({ args: ['/bin/true'] }, 1n, big);
    expect(r).toMatchObject({ exitCode: 0, error: undefined });
  });

  it('reports a command that cannot start', async () => {
    const r = await runScript({ args: ['/nonexistent/handler'] }, 1n, null);
    expect(r.exitCode).not.toBe(0);
    expect(r.error?.message).toContain('ENOENT');
  });

  it('is killed when the watch stops', async () => {
    const controller = new AbortController();
    const run = runScript({ script: 'exec sleep 30' }, 1n, null, {}, controller.signal);
    setTimeout(() => controller.abort(), 50);
    const r = await run;
    expect(r.signal).toBe('SIGTERM');
  });
});

describe('scriptHandler', () => {
  it('logs the output at debug after a successful run', async () => {
    const { lines, logger } = collect();
    await scriptHandler({ script: 'echo hello' }, { logger })(3n, null, new AbortController().signal);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/\[DEBUG\] watch: Watch handler output: handler="echo hello" index=3 output="hello\\n"$/);
  });

  it('logs a non-zero exit with the output and does not throw', async () => {
    const { lines, logger } = collect();
    await scriptHandler({ args: ['/bin/sh', '-c', 'echo broken >&2; exit 4'] }, { logger })(5n, [], new AbortController().signal);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('[ERROR] watch: Failed to run watch handler');
    expect(lines[0]).toContain('error="exit status 4"');
    expect(lines[0]).toContain('output="broken\\n"');
  });

  it('says how much output was cut', async () => {
    const { lines, logger } = collect();
    await scriptHandler({ script: 'head -c 5000 /dev/zero | tr "\\0" b; exit 1' }, { logger })(1n, null, new AbortController().signal);
    expect(lines[0]).toContain('Captured 4096 of 5000 bytes');
  });

  it('logs a missing command', async () => {
    const { lines, logger } = collect();
    await scriptHandler({ args: ['/nonexistent/handler'] }, { logger })(1n, null, new AbortController().signal);
    expect(lines[0]).toContain('Failed to run watch handler');
    expect(lines[0]).toContain('ENOENT');
  });

  it('is what handlerFor builds from a config definition', async () => {
    const { lines, logger } = collect();
    const def = parseWatchDefinition({ type: 'nodes', handler: 'printf "%s" "$CONSUL_INDEX"' });
    await handlerFor(def.handler!, { logger })(99n, [], new AbortController().signal);
    expect(lines[0]).toContain('output=99');
  });
});
