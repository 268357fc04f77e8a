/** A file that is not valid HCL, or that hashicorp/hcl cannot decode: names the file, the line and column (when
 * known) and what is wrong, in hashicorp/hcl's words. */
export class HclError extends Error {
  override name = 'HclError';

  constructor(
    /** What is wrong, as hashicorp/hcl says it (`key 'x' expected start of object ('{') or assignment ('=')`). */
    readonly reason: string,
    /** The file (or other origin) as given to the parser. */
    readonly file: string,
    /** 1-based line and column (in characters) of the problem; undefined when there is none. */
    readonly line: number | undefined,
    readonly column: number | undefined,
    /** The error exactly as hashicorp/hcl's Decode returns it (`At 3:5: ...`), or its panic text. */
    readonly goText: string,
    /** hashicorp/hcl panics on this input instead of returning an error. */
    readonly panic = false,
  ) {
    super(`${file}${line !== undefined ? `:${line}:${column}` : ''}: ${reason}`);
  }
}
