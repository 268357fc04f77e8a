// A consul-template template: Go template text plus consul-template's functions. Rendering records
// which dependencies the text used and which of them are not yet known; a render with unknown
// dependencies is incomplete and yields no output (never a half-written file).
import {
  Dependency,
  agentSelfDependency,
  catalogDatacentersDependency,
  catalogNodeDependency,
  catalogNodesDependency,
  catalogServicesDependency,
  fileDependency,
  healthServiceDependency,
  kvGetDependency,
  kvListDependency,
} from './dependency.js';
import { DependencyStore } from './dependency-store.js';
import { FuncMap, FuncSpec, fn } from './func-spec.js';
import { HelperOptions, helperFuncs } from './helpers.js';
import { MissingKey } from './executor.js';
import { Template, parseTemplate } from './template.js';
import { KeyPair } from './dependency.js';
import { Scratch } from './scratch.js';
import { starGlob } from './glob-match.js';
import { resolveSandboxedPath } from './sandbox-path.js';
import { sprigClockFuncs, sprigSharedFuncs } from './sprig.js';
import { writeToFile } from './write-to-file.js';
import { sockaddr } from './sockaddr.js';
import { spewSdump, spewSprintf } from './spew.js';
import { unsupportedFuncs } from './unsupported-funcs.js';

let shared: Map<string, FuncSpec> | undefined;

/** The functions every template shares unchanged (Sprig's and the refused ones), built once. */
function sharedFuncs(): ReadonlyMap<string, FuncSpec> {
  shared ??= new Map(Object.entries({ ...unsupportedFuncs(), ...sprigSharedFuncs() }));
  return shared;
}

export interface ConsulTemplateOptions extends HelperOptions {
  leftDelim?: string;
  rightDelim?: string;
  /** consul-template's error_on_missing_key. */
  errorOnMissingKey?: boolean;
  /** Environment for `env`/`mustEnv`/`envOrDefault` (defaults to process.env). */
  env?: Record<string, string | undefined>;
  /** Names of functions to disable (function_denylist); calling one is an error. */
  functionDenylist?: string[];
  /** consul-template's sandbox_path: `file` reads only below it (symlinks resolved). */
  sandboxPath?: string;
  /** Where spew_dump / spew_printf print (default process.stdout). */
  stdout?: (s: string) => void;
  /** Extra functions (override consul-template's of the same name). */
  funcs?: FuncMap;
}

export interface RenderResult {
  /** All dependencies the template used in this pass, in first-use order. */
  used: Dependency[];
  /** Used dependencies whose value is not known yet. */
  missing: Dependency[];
  /** True when every used dependency was known: `output` is the final text. */
  complete: boolean;
  /** The rendered text; undefined when the render is incomplete. */
  output: string | undefined;
}

class DependencySet {
  readonly list: Dependency[] = [];
  private readonly ids = new Set<string>();
  add(d: Dependency): void {
    if (this.ids.has(d.id)) return;
    this.ids.add(d.id);
    this.list.push(d);
  }
}

interface RenderContext {
  store: DependencyStore;
  used: DependencySet;
  missing: DependencySet;
  scratch: Scratch;
}

export class ConsulTemplate {
  private readonly template: Template;
  private ctx: RenderContext | null = null;

  constructor(
    readonly name: string,
    text: string,
    private readonly options: ConsulTemplateOptions = {},
  ) {
    const funcs: Record<string, FuncSpec | FuncMap[string]> = Object.assign(
      sprigClockFuncs({ now: options.now, env: () => options.env ?? process.env }),
      helperFuncs(options),
      this.dataFuncs(),
      this.localFuncs(),
    );
    for (const [k, v] of Object.entries(options.funcs ?? {})) funcs[k] = v;
    const shared = sharedFuncs();
    // Globs, as consul-template (`sprig_*` denies every Sprig function); a denied function takes strings.
    for (const pattern of options.functionDenylist ?? []) {
      for (const name of [...Object.keys(funcs), ...shared.keys()]) {
        if (!starGlob(pattern, name)) continue;
        funcs[name] = fn([], () => {
          throw new Error('function is disabled');
        }, 'string');
      }
    }
    // consul-template sets missingkey=zero unless error_on_missing_key: a missing map[string]string key is "".
    const missingKey: MissingKey = options.errorOnMissingKey ? 'error' : 'zero';
    this.template = parseTemplate(name, text, {
      funcs,
      sharedFuncs: shared,
      leftDelim: options.leftDelim,
      rightDelim: options.rightDelim,
      missingKey,
    });
  }

  /** Executes the template against what `store` knows. Throws TemplateExecError on template errors. */
  render(store: DependencyStore): RenderResult {
    const ctx: RenderContext = { store, used: new DependencySet(), missing: new DependencySet(), scratch: new Scratch() };
    this.ctx = ctx;
    let text: string;
    try {
      text = this.template.execute(undefined);
    } catch (e) {
      // The dependencies used before the error still matter: the renderer keeps watching them, and an error
      // while some are missing is usually the zero value of absent data (`key` is "" on the first pass).
      if (e instanceof Error) Object.assign(e, { used: ctx.used.list, missing: ctx.missing.list });
      throw e;
    } finally {
      this.ctx = null;
    }
    const complete = ctx.missing.list.length === 0;
    return { used: ctx.used.list, missing: ctx.missing.list, complete, output: complete ? text : undefined };
  }

  private context(): RenderContext {
    if (!this.ctx) throw new Error('data functions can only run while the template renders');
    return this.ctx;
  }

  /** Records a dependency use and returns its value, or `fallback` (and marks it missing) when unknown. */
  private recall<T>(dep: Dependency, fallback: T, accept: (v: unknown) => { ok: boolean; value: T }): T {
    const ctx = this.context();
    ctx.used.add(dep);
    const r = ctx.store.recall(dep);
    if (r.ok) {
      const a = accept(r.value);
      if (a.ok) return a.value;
    }
    ctx.missing.add(dep);
    return fallback;
  }

  private dataFuncs(): Record<string, FuncSpec> {
    const self = this;
    const asIs = <T>(v: unknown) => ({ ok: true, value: v as T });
    const lsLike = (filter: (p: KeyPair) => boolean, emptyIsSafe: boolean) => (s: string) => {
      if (s.length === 0) return [];
      const dep = kvListDependency(s);
      return self.recall<KeyPair[]>(dep, [], (v) => {
        const result = ((v ?? []) as KeyPair[]).filter(filter);
        return { ok: result.length > 0 || emptyIsSafe, value: result };
      });
    };
    const lsFilter = (p: KeyPair) => p.Key !== '' && !p.Key.includes('/');
    const treeFilter = (p: KeyPair) => {
      const parts = p.Key.split('/');
      return parts[parts.length - 1] !== '';
    };
    return {
      service: fn(
        [],
        (...s: string[]) => {
          if (s.length === 0 || s[0] === '') return [];
          return self.recall(healthServiceDependency(s.join('|')), [], asIs);
        },
        'string',
      ),
      services: fn([], (...s: string[]) => self.recall(catalogServicesDependency(s.join('')), [], asIs), 'string'),
      key: fn(['string'], (s: string) => {
        if (s.length === 0) return '';
        return self.recall(kvGetDependency(s, true), '', (v) => ({ ok: true, value: v === null ? '' : (v as string) }));
      }),
      keyExists: fn(['string'], (s: string) => {
        if (s.length === 0) return false;
        return self.recall(kvGetDependency(s, false), false, (v) => ({ ok: true, value: v !== null && v !== undefined }));
      }),
      keyOrDefault: fn(['string', 'string'], (s: string, def: string) => {
        if (s.length === 0) return def;
        return self.recall(kvGetDependency(s, false), def, (v) => ({ ok: true, value: v === null || v === '' ? def : (v as string) }));
      }),
      ls: fn(['string'], lsLike(lsFilter, true)),
      safeLs: fn(['string'], lsLike(lsFilter, false)),
      tree: fn(['string'], lsLike(treeFilter, true)),
      safeTree: fn(['string'], lsLike(treeFilter, false)),
      nodes: fn([], (...s: string[]) => self.recall(catalogNodesDependency(s.join('')), [], asIs), 'string'),
      node: fn(
        [],
        (...s: string[]) => {
          let spec = s.join('');
          if (spec === '' || spec.startsWith('@') || spec.startsWith('?')) {
            // The local node: its name comes from /v1/agent/self, itself a dependency.
            const local = self.recall<string | null>(agentSelfDependency(), null, asIs);
            if (local === null) return null;
            spec = local + spec;
          }
          return self.recall(catalogNodeDependency(spec), null, asIs);
        },
        'string',
      ),
      datacenters: fn(
        [],
        (...i: boolean[]) => {
          if (i.length > 1) throw new Error(`datacenters: wrong number of arguments, expected 0 or 1, but got ${i.length}`);
          return self.recall(catalogDatacentersDependency(i[0] === true), [], asIs);
        },
        'bool',
      ),
      file: fn(['string'], (s: string) => {
        if (s.length === 0) return '';
        const path = resolveSandboxedPath(self.options.sandboxPath ?? '', s.trim());
        return self.recall(fileDependency(path), '', (v) => ({ ok: true, value: v === null ? '' : (v as string) }));
      }),
    };
  }

  private localFuncs(): Record<string, FuncSpec> {
    const env = (): Record<string, string | undefined> => this.options.env ?? process.env;
    return {
      scratch: fn([], () => this.context().scratch),
      env: fn(['string'], (s: string) => env()[s] ?? ''),
      mustEnv: fn(['string'], (s: string) => {
        const v = env()[s] ?? '';
        if (v === '') throw new Error(`required environment variable ${s} is empty`);
        return v;
      }),
      envOrDefault: fn(['string', 'string'], (s: string, def: string) => {
        const v = env()[s];
        return v === undefined ? def : v;
      }),
      writeToFile: fn(['string', 'string', 'string', 'string'], writeToFile, 'string'),
      sockaddr: fn([], (...args: string[]) => sockaddr(args), 'string'),
      spew_sdump: fn([], (...args: unknown[]) => spewSdump(args), 'any'),
      spew_dump: fn([], (...args: unknown[]) => {
        (this.options.stdout ?? ((x: string) => void process.stdout.write(x)))(spewSdump(args));
        return '';
      }, 'any'),
      spew_sprintf: fn(['string'], (f: string, ...args: unknown[]) => spewSprintf(f, args), 'any'),
      spew_printf: fn(['string'], (f: string, ...args: unknown[]) => {
        (this.options.stdout ?? ((x: string) => void process.stdout.write(x)))(spewSprintf(f, args));
        return '';
      }, 'any'),
      executeTemplate: fn(
        ['string'],
        (name: string, ...data: unknown[]) => {
          if (data.length > 1) throw new Error(`executeTemplate: wrong number of arguments, expected 1 or 2, but got ${data.length + 1}`);
          // The same render context stays active, so dependencies used inside are recorded too.
          return this.template.executeTemplate(name, data.length === 1 ? data[0] : undefined);
        },
        'any',
      ),
    };
  }
}

/** Parses a consul-template template. Throws TemplateParseError with Go's message on bad syntax. */
export function parseConsulTemplate(name: string, text: string, options?: ConsulTemplateOptions): ConsulTemplate {
  return new ConsulTemplate(name, text, options);
}
