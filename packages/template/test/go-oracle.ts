// Builds tools/go-template (Go's real text/template) once and renders cases with it.
// If Go is not installed this throws: the conformance suite must fail, not skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ConformanceCase {
  name: string;
  template: string;
  data?: unknown;
  tname?: string;
  leftDelim?: string;
  rightDelim?: string;
  missingKey?: 'default' | 'zero' | 'error';
}

export interface GoResult {
  output?: string;
  error?: string;
}

const toolDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../tools/go-template');

export class GoOracle {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  static build(): GoOracle {
    const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error('the Go toolchain is required for the conformance suite: install golang-go (apt-get install -y golang-go)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'conclave-go-template-'));
    const bin = join(dir, 'go-template');
    execFileSync('go', ['build', '-o', bin, 'main.go'], {
      cwd: toolDir,
      env: {
        ...process.env,
        // A build cache shared between runs: the first build compiles the standard library, later ones link.
        GOCACHE: join(tmpdir(), 'conclave-go-template-cache'),
        GOPATH: join(dir, 'gopath'),
        GOTOOLCHAIN: 'local',
        GO111MODULE: 'off',
        GOFLAGS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
    return new GoOracle(dir, bin);
  }

  render(cases: ConformanceCase[]): GoResult[] {
    const out = execFileSync(this.bin, [], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 64 << 20 });
    const results = JSON.parse(out) as GoResult[];
    if (results.length !== cases.length) throw new Error(`go-template returned ${results.length} results for ${cases.length} cases`);
    return results;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
