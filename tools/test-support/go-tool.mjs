// The Go reference programs in tools/ (go-template: text/template; go-toolkit: durations, ParseBool,
// SplitHostPort, JSON strings; go-hcl: hashicorp/hcl) are built once per test file with Debian's Go, offline, in
// GOPATH mode: the standard library, plus Debian's Go library packages under /usr/share/gocode for a tool that
// asks for them. Without Go (or a library a tool needs) this throws: a conformance test must fail, not skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TOOLS = fileURLToPath(new URL('..', import.meta.url));

/** Where Debian installs Go library sources (golang-*-dev packages). */
export const DEBIAN_GOCODE = '/usr/share/gocode';

/** Builds tools/<name>/main.go; returns the binary, a JSON-over-stdin runner and a cleanup. */
export function buildGoTool(name, options = {}) {
  const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(`the Go toolchain is required for the tests that compare with tools/${name}: install golang-go (apt-get install -y golang-go)`);
  }
  for (const need of options.debianPackages ?? []) {
    if (!existsSync(join(DEBIAN_GOCODE, 'src', need.importPath))) {
      throw new Error(`tools/${name} needs the Go package ${need.importPath}: install ${need.debian} (apt-get install -y ${need.debian})`);
    }
  }
  const dir = mkdtempSync(join(tmpdir(), `conclave-${name}-`));
  const bin = join(dir, name);
  execFileSync('go', ['build', '-o', bin, 'main.go'], {
    cwd: join(TOOLS, name),
    env: {
      ...process.env,
      // A build cache shared between runs and tools: the first build compiles the standard library, later ones link.
      GOCACHE: join(tmpdir(), 'conclave-go-cache'),
      GOPATH: [join(dir, 'gopath'), ...(options.debianPackages?.length ? [DEBIAN_GOCODE] : [])].join(':'),
      GOTOOLCHAIN: 'local',
      GO111MODULE: 'off',
      GOFLAGS: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
  return {
    bin,
    runJson: (input) => JSON.parse(execFileSync(bin, [], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 })),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
