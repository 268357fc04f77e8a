// The Go reference programs in tools/ (go-template: text/template; go-toolkit: durations, ParseBool,
// SplitHostPort, JSON strings, regexp; go-bexpr: ?filter; go-hcl: hashicorp/hcl; go-x509: crypto/x509; go-sprig:
// Sprig, go-spew, yaml.v2 and BurntSushi/toml as consul-template registers them) are built
// once per test file with Debian's Go, offline, in GOPATH mode: the standard library plus the Go libraries Debian
// installs under /usr/share/gocode. Without Go (or a library a tool names in debianPackages) this throws: a
// conformance test must fail, not skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
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
      // Debian's golang-*-dev packages (go-bexpr, hcl) live under /usr/share/gocode/src.
      GOPATH: [join(dir, 'gopath'), DEBIAN_GOCODE].join(delimiter),
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
