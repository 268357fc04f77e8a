// The public face of the language: parse text once, execute it against data many times.
import { builtinFuncs } from './builtins.js';
import { TemplateExecError, TemplateFuncError, TemplateParseError } from './errors.js';
import { ExecEnv, Executor, MissingKey } from './executor.js';
import { FuncMap, FuncSpec, toFuncSpec } from './func-spec.js';
import { goQuote } from '@conclave/toolkit';
import { ParsedTree, parseTrees } from './parser.js';

export interface TemplateOptions {
  /** Functions callable from the template, in addition to Go's builtins (which they may override). */
  funcs?: FuncMap;
  leftDelim?: string;
  rightDelim?: string;
  /** Go's missingkey option: "default" prints <no value>, "zero" yields nil, "error" fails. */
  missingKey?: MissingKey;
  /** Maximum nesting of {{template}} calls before failing (Go allows 100000; JS stacks are smaller). Default 200. */
  maxDepth?: number;
  /**
   * A large, validated function table shared by many templates (consul-template's Sprig functions), consulted
   * after `funcs` and the builtins: copying it into every template cost more than parsing the template.
   */
  sharedFuncs?: ReadonlyMap<string, FuncSpec>;
}

const IDENT = /^[\p{L}_][\p{L}\p{Nd}_]*$/u;

export class Template {
  private readonly trees: Map<string, ParsedTree>;
  private readonly funcs: Map<string, FuncSpec>;
  private readonly env: ExecEnv;

  /** Use parseTemplate(). */
  constructor(
    readonly name: string,
    text: string,
    options: TemplateOptions = {},
  ) {
    const shared = options.sharedFuncs;
    this.funcs = new Map(Object.entries(builtinFuncs()));
    for (const [fname, f] of Object.entries(options.funcs ?? {})) {
      if (!IDENT.test(fname)) throw new TemplateFuncError(`function name ${goQuote(fname)} is not a valid identifier`);
      this.funcs.set(fname, toFuncSpec(f));
    }
    try {
      this.trees = parseTrees(name, text, {
        leftDelim: options.leftDelim,
        rightDelim: options.rightDelim,
        hasFunction: (n) => this.funcs.has(n) || shared?.has(n) === true,
      });
    } catch (e) {
      if (e instanceof RangeError) throw new TemplateParseError(`template: ${name}: template nesting is too deep to parse`, name, 0);
      throw e;
    }
    this.env = {
      lookup: (n) => this.trees.get(n),
      func: (n) => this.funcs.get(n) ?? shared?.get(n),
      missingKey: options.missingKey ?? 'default',
      maxDepth: options.maxDepth ?? 200,
    };
  }

  /** Renders the main template with `data` as dot. Throws TemplateExecError with Go's message on failure. */
  execute(data?: unknown): string {
    return this.executeTemplate(this.name, data);
  }

  /** Renders one of the associated templates ({{define}}/{{block}}) by name. */
  executeTemplate(name: string, data?: unknown): string {
    const tree = this.trees.get(name);
    if (!tree) throw new TemplateExecError(`template: no template ${goQuote(name)} associated with template ${goQuote(this.name)}`, this.name);
    try {
      return new Executor(this.env, name, data).run(tree, data);
    } catch (e) {
      // Deeply recursive templates can exhaust the JavaScript stack before maxDepth: report, don't crash.
      if (e instanceof RangeError && /call stack/i.test(e.message)) {
        throw new TemplateExecError(`template: ${name}: exceeded maximum template depth (stack exhausted)`, name);
      }
      throw e;
    }
  }

  /** Names of all templates defined in this set, sorted. */
  templateNames(): string[] {
    return [...this.trees.keys()].sort();
  }

  hasTemplate(name: string): boolean {
    return this.trees.has(name);
  }
}

/** Parses `text` as a Go template named `name`. Throws TemplateParseError with Go's message on bad syntax. */
export function parseTemplate(name: string, text: string, options?: TemplateOptions): Template {
  return new Template(name, text, options);
}
