// The consul-template runner: renders each template from live data, watches every dependency with
// one shared blocking query, re-renders on change (after quiescence when `wait` is set), writes only
// when the text changed (atomically), and then runs the template's command.
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { CommandResult, runCommand } from './command-runner.js';
import { ConsulTemplate, RenderResult } from './consul-template.js';
import { Dependency } from './dependency.js';
import { DependencyStore } from './dependency-store.js';
import { WatchHandle, WatchingSource, watchDependency } from './dependency-watch.js';
import { silentLogger, writeFileDurable, type Logger } from '@conclave/toolkit';
import { applyOwnership, lookupGroup, lookupUser } from './file-ownership.js';

/** Files written at once in one pass (bounded: a first pass over a thousand templates must not open a thousand). */
const WRITE_CONCURRENCY = 16;

export interface WaitSpec {
  minMs: number;
  maxMs: number;
}

export interface TemplateSpec {
  /** Path of the template file (or use `contents`). */
  source?: string;
  contents?: string;
  /** Output file; may be omitted in dry mode. */
  destination?: string;
  command?: string | string[];
  /** Default 30 s. */
  commandTimeoutMs?: number;
  perms?: number;
  backup?: boolean;
  createDestDirs?: boolean;
  /** Quiescence for this template (overrides the renderer's). */
  wait?: WaitSpec;
  leftDelimiter?: string;
  rightDelimiter?: string;
  errorOnMissingKey?: boolean;
  functionDenylist?: string[];
  /** `file` may only read below this directory (symlinks resolved), as consul-template's sandbox_path. */
  sandboxPath?: string;
  /**
   * consul-template's error_fatal / template_error_fatal: an execution or write error stops the renderer with
   * `failure` instead of being logged (data still missing is never an error). Default false here; the
   * conclave-template command defaults it to true, as consul-template does.
   */
  errorFatal?: boolean;
  /** Owner of the rendered file: a user name or uid (consul-template's `user`); unset keeps the existing owner. */
  user?: string;
  /** Group of the rendered file: a group name or gid (consul-template's `group`). */
  group?: string;
}

/**
 * What the renderer asks of de-duplication mode (DedupManager): whether this instance holds a template's lock,
 * and where the data of a complete render goes when it does.
 */
export interface DedupHooks {
  isLeader(templateId: string): boolean;
  /** The agent's raw replies for the shareable dependencies the render used, by dependency id. */
  publish(templateId: string, data: Record<string, unknown>): void;
}

/** Dependencies another instance may fetch for us (consul-template's CanShare): not files, not the local agent's node. */
export function isShareable(dep: Dependency): boolean {
  return dep.kind !== 'file' && dep.kind !== 'catalog.node' && dep.kind !== 'agent.self';
}

/** A template's identity across instances (consul-template's Template.ID): source, contents and destination. */
export function templateDedupId(source: string, contents: string, destination: string): string {
  return createHash('sha256').update(`${source}\u0000${contents}\u0000${destination}`).digest('hex');
}

/** What a pass did, for exec mode (start the child after the first complete render, reload it on change). */
export interface PassSummary {
  /** At least one file was written (its text changed) in this pass. */
  renderedAny: boolean;
  /** Every template has rendered completely at least once. */
  allComplete: boolean;
}

export type RendererEvent =
  | { type: 'render'; template: string; complete: boolean; missing: string[] }
  | { type: 'write'; template: string; destination: string; changed: boolean }
  | { type: 'command'; template: string; result: CommandResult }
  | { type: 'error'; template?: string; error: Error }
  | { type: 'watch'; dependency: string; action: 'start' | 'stop' };

export interface RendererOptions {
  source: WatchingSource;
  templates: TemplateSpec[];
  /** Print rendered text instead of writing files and never run commands (-dry). */
  dry?: boolean;
  /** Where dry-mode output goes (default process.stdout). */
  stdout?: (text: string) => void;
  /** Stop after every template has rendered completely once (-once). */
  once?: boolean;
  /** Default quiescence (-wait min:max). */
  wait?: WaitSpec;
  /** Blocking-query wait (block_query_wait, default 60 s). */
  blockQueryWaitMs?: number;
  logger?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  /** Environment for the env functions and commands. */
  env?: Record<string, string | undefined>;
  onEvent?: (e: RendererEvent) => void;
  /** Retry delay for failing queries (default exponential with jitter, 250 ms to 60 s). */
  retryDelayMs?: (failures: number) => number;
  /** Retries of a failing dependency after which the renderer gives up and stops (undefined: never). */
  maxRetries?: number;
  /** Runs after each pass that rendered something, before -once decides to stop; awaited. */
  afterPass?: (summary: PassSummary) => Promise<void> | void;
  /** De-duplication mode: templates this instance does not lead render from published data instead of queries. */
  dedup?: DedupHooks;
}

interface TemplateState {
  spec: TemplateSpec;
  /** templateDedupId. */
  id: string;
  name: string;
  tmpl: ConsulTemplate;
  deps: Set<string>;
  lastOutput: string | undefined;
  completeOnce: boolean;
  minTimer: NodeJS.Timeout | undefined;
  maxTimer: NodeJS.Timeout | undefined;
}

interface WatchState {
  dep: Dependency;
  handle: WatchHandle;
  users: Set<TemplateState>;
}

export class Renderer {
  private readonly store = new DependencyStore();
  /** The agent's reply behind each stored value, in de-duplication mode (what a lock holder publishes). */
  private readonly raw = new Map<string, unknown>();
  private readonly watches = new Map<string, WatchState>();
  private readonly templates: TemplateState[] = [];
  private readonly log: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  private stopped = false;
  private readonly dirty = new Set<TemplateState>();
  private passImmediate: NodeJS.Immediate | undefined;
  private passRunning = false;
  private passAgain = false;
  private resolveFinished!: () => void;
  /** Resolves when the renderer stops (after -once completes, or stop()). */
  readonly finished: Promise<void>;
  /** Why the renderer stopped by itself (a dependency exceeded its retries), if it did. */
  failure: Error | undefined;

  constructor(private readonly options: RendererOptions) {
    this.log = options.logger ?? silentLogger;
    this.finished = new Promise((res) => {
      this.resolveFinished = res;
    });
  }

  /** Loads and parses every template (throws on unreadable files and parse errors), then starts rendering. */
  async start(): Promise<void> {
    await this.load();
    for (const t of this.templates) this.markDirty(t);
  }

  /** Loads and parses every template without rendering (-parse-only). */
  async parseOnly(): Promise<void> {
    await this.load();
  }

  private async load(): Promise<void> {
    if (this.templates.length > 0) return;
    for (const spec of this.options.templates) {
      const text = spec.contents ?? (spec.source !== undefined ? await readFile(spec.source, 'utf8') : undefined);
      if (text === undefined) throw new Error('template: one of "source" or "contents" must be given');
      if (!this.options.dry && !spec.destination) throw new Error(`template ${spec.source ?? '(contents)'}: "destination" is required`);
      const name = spec.source ?? spec.destination ?? 'contents';
      const tmpl = new ConsulTemplate(name, text, {
        leftDelim: spec.leftDelimiter,
        rightDelim: spec.rightDelimiter,
        errorOnMissingKey: spec.errorOnMissingKey,
        functionDenylist: spec.functionDenylist,
        sandboxPath: spec.sandboxPath,
        env: this.options.env,
      });
      this.templates.push({
        spec,
        id: templateDedupId(spec.source ?? '', text, spec.destination ?? ''),
        name,
        tmpl,
        deps: new Set(),
        lastOutput: undefined,
        completeOnce: false,
        minTimer: undefined,
        maxTimer: undefined,
      });
    }
  }

  /** Stops all watches and timers. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of this.templates) {
      clearTimeout(t.minTimer);
      clearTimeout(t.maxTimer);
    }
    if (this.passImmediate) clearImmediate(this.passImmediate);
    const done = [...this.watches.values()].map((w) => {
      w.handle.stop();
      return w.handle.done;
    });
    this.watches.clear();
    await Promise.all(done);
    this.resolveFinished();
  }

  /** The templates' de-duplication ids, once started (in template order; equal templates share one). */
  templateIds(): string[] {
    return [...new Set(this.templates.map((t) => t.id))];
  }

  /** De-duplication mode: this instance took or lost a template's lock; its watches follow at the next render. */
  leadershipChanged(templateId: string): void {
    for (const t of this.templates) if (t.id === templateId) this.markDirty(t);
  }

  /**
   * De-duplication mode: the lock holder's data for a template. Values of dependencies this instance watches itself
   * stay as they are; the others are decoded when a template next uses them.
   */
  receiveShared(templateId: string, data: Record<string, unknown>): void {
    if (this.stopped) return;
    for (const [id, raw] of Object.entries(data)) {
      if (this.watches.has(id)) continue;
      this.raw.set(id, raw);
      this.store.rememberRaw(id, raw);
    }
    for (const t of this.templates) if (t.id === templateId) this.schedule(t);
  }

  /** Number of distinct dependencies being watched (one blocking query each). */
  get watchCount(): number {
    return this.watches.size;
  }

  private emit(e: RendererEvent): void {
    try {
      this.options.onEvent?.(e);
    } catch {
      // Observers must not break rendering.
    }
  }

  private schedule(t: TemplateState): void {
    if (this.stopped) return;
    const wait = t.spec.wait ?? this.options.wait;
    if (!wait || wait.minMs <= 0) {
      this.markDirty(t);
      return;
    }
    clearTimeout(t.minTimer);
    t.minTimer = setTimeout(() => this.fire(t), wait.minMs);
    if (!t.maxTimer) t.maxTimer = setTimeout(() => this.fire(t), wait.maxMs);
  }

  private fire(t: TemplateState): void {
    clearTimeout(t.minTimer);
    clearTimeout(t.maxTimer);
    t.minTimer = undefined;
    t.maxTimer = undefined;
    this.markDirty(t);
  }

  /** Queues a template for the next pass; deliveries of one event-loop turn share one pass. */
  private markDirty(t: TemplateState): void {
    if (this.stopped) return;
    this.dirty.add(t);
    if (!this.passImmediate) {
      this.passImmediate = setImmediate(() => {
        this.passImmediate = undefined;
        void this.runPass();
      });
    }
  }

  /**
   * One pass: render every dirty template, write the changed ones, then run their commands, each distinct
   * command once (two templates reloading the same service cause one reload). Passes never overlap.
   */
  private async runPass(): Promise<void> {
    if (this.stopped) return;
    if (this.passRunning) {
      this.passAgain = true;
      return;
    }
    this.passRunning = true;
    try {
      const batch = [...this.dirty];
      this.dirty.clear();
      // Render every template first, synchronously, so that all of them see the same data; then write.
      const rendered: [TemplateState, string][] = [];
      for (const t of batch) {
        const text = this.renderOne(t);
        if (this.failure) {
          await this.stop();
          return;
        }
        if (text !== undefined) rendered.push([t, text]);
      }
      const commands = new Map<string, { command: string | string[]; timeoutMs: number; templates: string[] }>();
      let renderedAny = false;
      if (this.stopped) return;
      const outcomes = await this.publishAll(rendered);
      for (const [i, [t]] of rendered.entries()) {
        if (this.stopped) return;
        const outcome = outcomes[i]!;
        let changed: boolean;
        try {
          if ('error' in outcome) throw outcome.error;
          changed = outcome.changed;
          t.completeOnce = true;
          if (changed) renderedAny = true;
        } catch (e) {
          this.emit({ type: 'error', template: t.name, error: e as Error });
          if (t.spec.errorFatal) {
            // consul-template wraps a fatal write error as "error rendering <display>".
            await this.fail(new Error(`error rendering "${t.name}" => "${t.spec.destination}": ${(e as Error).message}`));
            return;
          }
          this.log.error(`(runner) error rendering: ${t.name}: ${(e as Error).message}`);
          continue;
        }
        const cmd = t.spec.command;
        if (!changed || this.options.dry || cmd === undefined || cmd === '' || (Array.isArray(cmd) && cmd.length === 0)) continue;
        const key = JSON.stringify(cmd);
        const entry = commands.get(key);
        if (entry) {
          entry.templates.push(t.name);
          entry.timeoutMs = Math.max(entry.timeoutMs, t.spec.commandTimeoutMs ?? 30_000);
        } else commands.set(key, { command: cmd, timeoutMs: t.spec.commandTimeoutMs ?? 30_000, templates: [t.name] });
      }
      for (const c of commands.values()) await this.execute(c.command, c.timeoutMs, c.templates);
      if (rendered.length > 0 && this.options.afterPass && !this.stopped) {
        try {
          await this.options.afterPass({ renderedAny, allComplete: this.templates.every((x) => x.completeOnce) });
        } catch (e) {
          this.log.error(`(runner) ${(e as Error).message}`);
          this.emit({ type: 'error', error: e as Error });
        }
      }
      if (this.options.once && this.templates.every((x) => x.completeOnce)) await this.stop();
    } finally {
      this.passRunning = false;
      if ((this.passAgain || this.dirty.size > 0) && !this.stopped) {
        this.passAgain = false;
        void this.runPass();
      }
    }
  }

  /**
   * Writes a pass's files, up to WRITE_CONCURRENCY at a time: each write waits for its own fsyncs, so one file's
   * disk wait no longer delays the next (a change that touches two templates wrote them one after the other).
   * Outcomes come back in template order.
   */
  private async publishAll(rendered: [TemplateState, string][]): Promise<({ changed: boolean } | { error: unknown })[]> {
    const outcomes: ({ changed: boolean } | { error: unknown })[] = new Array(rendered.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < rendered.length && !this.stopped) {
        const i = next++;
        const [t, text] = rendered[i]!;
        try {
          outcomes[i] = { changed: await this.publish(t, text) };
        } catch (e) {
          outcomes[i] = { error: e };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, rendered.length) }, worker));
    return outcomes;
  }

  private onValue(w: WatchState, value: unknown, raw: unknown): void {
    if (this.stopped || this.watches.get(w.dep.id) !== w) return;
    const known = this.store.has(w.dep);
    const stored = this.store.remember(w.dep, value);
    // The replies are kept only for de-duplication mode's publishing (they would double the memory otherwise).
    if (this.options.dedup) {
      if (stored) this.raw.set(w.dep.id, raw);
      else this.raw.delete(w.dep.id);
    }
    if (!stored && !known) return; // still nothing usable (key absent): nothing changed for templates
    this.log.debug(`(view) ${w.dep.id} received data`);
    for (const t of w.users) this.schedule(t);
  }

  private ensureWatched(t: TemplateState, used: Dependency[]): void {
    // De-duplication: a template another instance leads gets its shareable data from that instance, not the agent.
    const dedup = this.options.dedup;
    const deps = dedup && !dedup.isLeader(t.id) ? used.filter((d) => !isShareable(d)) : used;
    const now = new Set(deps.map((d) => d.id));
    for (const dep of deps) {
      let w = this.watches.get(dep.id);
      if (!w) {
        const state: WatchState = { dep, users: new Set(), handle: undefined as unknown as WatchHandle };
        this.watches.set(dep.id, state);
        state.handle = watchDependency(dep, this.options.source, (v, raw) => this.onValue(state, v, raw), {
          waitMs: this.options.blockQueryWaitMs ?? 60_000,
          retryDelayMs: this.options.retryDelayMs,
          onError: (d, e, failures) => {
            const max = this.options.maxRetries;
            if (max !== undefined && failures > max) {
              // consul-template's view gives up and the runner exits with the error.
              this.log.error(`(view) ${d.id}: ${e.message} (exceeded maximum retries)`);
              this.emit({ type: 'error', error: e });
              if (!this.failure) this.failure = new Error(`${d.id}: ${e.message} (exceeded maximum retries)`);
              void this.stop();
              return;
            }
            this.log.warn(`(view) ${d.id}: ${e.message} (retry attempt ${failures})`);
            this.emit({ type: 'error', error: e });
          },
        });
        this.emit({ type: 'watch', dependency: dep.id, action: 'start' });
        w = state;
      }
      w.users.add(t);
    }
    for (const id of t.deps) {
      if (now.has(id)) continue;
      const w = this.watches.get(id);
      if (!w) continue;
      w.users.delete(t);
      if (w.users.size === 0) {
        w.handle.stop();
        this.watches.delete(id);
        // A follower keeps rendering from the last value until the lock holder's data replaces it.
        if (!dedup) {
          this.store.forget(w.dep);
          this.raw.delete(id);
        }
        this.emit({ type: 'watch', dependency: id, action: 'stop' });
      }
    }
    t.deps = now;
  }

  /** Renders one template against the current data; the text when complete, else undefined. */
  private renderOne(t: TemplateState): string | undefined {
    this.log.debug(`(runner) checking template ${t.name}`);
    let r: RenderResult;
    try {
      r = t.tmpl.render(this.store);
    } catch (e) {
      const partial = e as Error & { used?: Dependency[]; missing?: Dependency[] };
      if (partial.used) this.ensureWatched(t, partial.used);
      if (partial.missing && partial.missing.length > 0) {
        // Data still on its way: the error comes from zero values standing in for it; render again on arrival.
        this.log.debug(`(runner) ${t.name}: ${partial.message} (while waiting for ${partial.missing.length} dependencies)`);
        this.emit({ type: 'render', template: t.name, complete: false, missing: partial.missing.map((d) => d.id) });
        return undefined;
      }
      this.emit({ type: 'error', template: t.name, error: e as Error });
      // consul-template: fatal errors end the runner, wrapped with the template's source; others are logged.
      if (t.spec.errorFatal) this.failure ??= new Error(`${t.name}: ${(e as Error).message}`);
      else this.log.error(`(runner) ${t.name}: ${(e as Error).message}`);
      return undefined;
    }
    this.ensureWatched(t, r.used);
    this.emit({ type: 'render', template: t.name, complete: r.complete, missing: r.missing.map((d) => d.id) });
    if (!r.complete) {
      this.log.debug(`(runner) ${t.name}: missing data for ${r.missing.length} dependencies`);
      return undefined;
    }
    const dedup = this.options.dedup;
    if (dedup?.isLeader(t.id)) {
      const data: Record<string, unknown> = {};
      for (const d of r.used) if (isShareable(d) && this.raw.has(d.id)) data[d.id] = this.raw.get(d.id);
      dedup.publish(t.id, data);
    }
    return r.output;
  }

  /** Stops the renderer because of a fatal error; `finished` resolves with `failure` set. */
  private async fail(e: Error): Promise<void> {
    this.failure ??= e;
    await this.stop();
  }

  private async publish(t: TemplateState, text: string): Promise<boolean> {
    if (this.options.dry) {
      if (text === t.lastOutput) return false;
      t.lastOutput = text;
      const out = this.options.stdout ?? ((s: string) => void process.stdout.write(s));
      out(`> ${t.spec.destination ?? t.name}\n${text}`);
      return true;
    }
    const dst = t.spec.destination!;
    const uid = await lookupUser(t.spec.user);
    const gid = await lookupGroup(t.spec.group);
    // The rewritten file is a new one: without user/group it keeps the old file's owner, as consul-template's does.
    const before = uid === -1 && gid === -1 ? await stat(dst).catch(() => undefined) : undefined;
    let changed = await writeFileDurable(dst, text, {
      mode: t.spec.perms,
      backup: t.spec.backup,
      createDirs: t.spec.createDestDirs,
      skipUnchanged: true,
    });
    if (before && changed) {
      await applyOwnership(dst, before.uid, before.gid).catch((e: Error) => this.log.warn(`(runner) could not preserve the owner of ${dst}: ${e.message}`));
    }
    else if (await applyOwnership(dst, uid, gid)) changed = true; // an owner change alone is a render too
    t.lastOutput = text;
    this.emit({ type: 'write', template: t.name, destination: dst, changed });
    if (changed) this.log.info(`(runner) rendered "${t.name}" => "${dst}"`);
    else this.log.debug(`(runner) ${t.name}: ${dst} is already up to date`);
    return changed;
  }

  private async execute(command: string | string[], timeoutMs: number, templates: string[]): Promise<void> {
    const env = { ...process.env, ...(this.options.env ?? {}) } as NodeJS.ProcessEnv;
    const result = await runCommand(command, { timeoutMs, env });
    for (const name of templates) this.emit({ type: 'command', template: name, result });
    const what = `command "${result.command}" (for ${templates.map((n) => `"${n}"`).join(', ')})`;
    if (result.error) this.log.error(`(runner) ${what} could not start: ${result.error}`);
    else if (result.timedOut) this.log.error(`(runner) ${what} timed out after ${timeoutMs} ms and was killed`);
    else if (result.exitCode !== 0) this.log.error(`(runner) ${what} exited with status ${result.exitCode ?? result.signal}: ${result.output.trim()}`);
    else this.log.info(`(runner) ${what} succeeded`);
  }
}
