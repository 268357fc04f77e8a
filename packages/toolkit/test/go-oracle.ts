// Builds tools/go-toolkit (Go's own ParseDuration, Duration.String, ParseBool, SplitHostPort, json string encoding)
// once and answers cases with it. If Go is not installed this throws: the conformance tests must fail, not skip.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type GoOp = 'parseDuration' | 'formatDuration' | 'parseBool' | 'splitHostPort' | 'jsonString' | 'jsonStringNoHTML';
export interface GoResult {
  output?: string;
  error?: string;
}

const toolDir = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../tools/go-toolkit');

export class GoOracle {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
  ) {}

  static build(): GoOracle {
    const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error('the Go toolchain is required for the toolkit conformance tests: install golang-go (apt-get install -y golang-go)');
    }
    const dir = mkdtempSync(join(tmpdir(), 'conclave-go-toolkit-'));
    const bin = join(dir, 'go-toolkit');
    execFileSync('go', ['build', '-o', bin, 'main.go'], {
      cwd: toolDir,
      env: {
        ...process.env,
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

  run(op: GoOp, inputs: string[]): GoResult[] {
    const out = execFileSync(this.bin, [], { input: JSON.stringify(inputs.map((input) => ({ op, input }))), encoding: 'utf8' });
    return JSON.parse(out) as GoResult[];
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
