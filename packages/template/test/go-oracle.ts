// Go's real text/template (tools/go-template), built once, rendering cases.
import { buildGoTool, type GoTool } from '@conclave/test-support/go-tool';

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

export class GoOracle {
  private constructor(private readonly tool: GoTool) {}

  static build(): GoOracle {
    return new GoOracle(buildGoTool('go-template'));
  }

  render(cases: ConformanceCase[]): GoResult[] {
    const results = this.tool.runJson(cases) as GoResult[];
    if (results.length !== cases.length) throw new Error(`go-template returned ${results.length} results for ${cases.length} cases`);
    return results;
  }

  dispose(): void {
    this.tool.dispose();
  }
}
