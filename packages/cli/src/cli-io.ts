// Where a command reads and writes. The binary passes the process's streams and environment; tests pass their own,
// so every command runs in-process and its output and exit code can be checked without spawning `conclave`.

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Read by `kv put KEY -`, `kv import -` and `lock -pass-stdin`. */
  stdin: NodeJS.ReadableStream;
  /** CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN, ... and SHELL (for `lock`). */
  env: Record<string, string | undefined>;
  /** Where relative file names resolve (`tls ca create` writes there); default the process's. */
  cwd?: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

// A reader that goes away (`conclave kv get -recurse x | head -1`) must not crash the command with EPIPE.
const guarded = new WeakSet<NodeJS.WritableStream>();
function guardPipe(stream: NodeJS.WritableStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

/** Writes the text (or bytes, unchanged) and a newline. */
export function writeLine(stream: NodeJS.WritableStream, text: string | Buffer): void {
  guardPipe(stream);
  if (typeof text === 'string') stream.write(text + '\n');
  else {
    stream.write(text);
    stream.write('\n');
  }
}

/** Pipes are asynchronous in Node: wait until everything written has been handed to the OS. */
export function flush(io: CliIo): Promise<void> {
  const drain = (s: NodeJS.WritableStream) =>
    new Promise<void>((resolve) => {
      s.write('', () => resolve());
    });
  return Promise.all([drain(io.stdout), drain(io.stderr)]).then(() => undefined);
}
