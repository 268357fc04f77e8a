// hashicorp/hcl 1.0.0's own hcl.Decode (tools/go-hcl, built against Debian's golang-github-hashicorp-hcl-dev),
// answering cases: what Consul's config.Parse gets from a file, or the error, or the panic.
import { buildGoTool, type GoTool } from '@conclave/test-support/go-tool';
import { HclError, parseHcl } from '../src/index.js';

export interface GoDecodeResult {
  value?: unknown;
  error?: string;
  panic?: string;
}

/** @conclave/hcl's answer in the oracle's terms: the data, the error as Go words it, or the panic. */
export function conclaveDecode(src: Uint8Array): GoDecodeResult {
  try {
    return { value: parseHcl(src).root };
  } catch (err) {
    if (!(err instanceof HclError)) throw err;
    return err.panic ? { panic: err.goText } : { error: err.goText };
  }
}

export class GoHcl {
  private constructor(private readonly tool: GoTool) {}

  static build(): GoHcl {
    return new GoHcl(buildGoTool('go-hcl', { debianPackages: [{ importPath: 'github.com/hashicorp/hcl', debian: 'golang-github-hashicorp-hcl-dev' }] }));
  }

  decode(sources: Array<string | Uint8Array>): GoDecodeResult[] {
    const cases = sources.map((src, i) =>
      typeof src === 'string' ? { name: String(i), src } : { name: String(i), srcBase64: Buffer.from(src).toString('base64') },
    );
    return this.tool.runJson(cases) as GoDecodeResult[];
  }

  dispose(): void {
    this.tool.dispose();
  }
}
