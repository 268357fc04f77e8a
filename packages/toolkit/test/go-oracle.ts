// Go's own ParseDuration, Duration.String, ParseBool, SplitHostPort, json string encoding and regexp (tools/go-toolkit),
// built once, answering cases.
import { buildGoTool, type GoTool } from '@conclave/test-support/go-tool';

export type GoOp = 'parseDuration' | 'formatDuration' | 'parseBool' | 'splitHostPort' | 'jsonString' | 'jsonStringNoHTML';
export interface GoResult {
  output?: string;
  error?: string;
}

export class GoOracle {
  private constructor(private readonly tool: GoTool) {}

  static build(): GoOracle {
    return new GoOracle(buildGoTool('go-toolkit'));
  }

  run(op: GoOp, inputs: string[]): GoResult[] {
    return this.tool.runJson(inputs.map((input) => ({ op, input }))) as GoResult[];
  }

  /** regexp.MatchString ("true"/"false") or ReplaceAllString, after regexp.Compile (whose error is the error). */
  regexp(cases: { op: 'regexpMatch' | 'regexpReplaceAll'; pattern: string; input: string; repl?: string }[]): GoResult[] {
    return this.tool.runJson(cases) as GoResult[];
  }

  dispose(): void {
    this.tool.dispose();
  }
}
