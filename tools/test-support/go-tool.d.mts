export interface GoTool {
  /** The built binary. */
  bin: string;
  /** Runs the binary with `input` as JSON on stdin and parses its JSON stdout. */
  runJson(input: unknown): unknown;
  /** Removes the build directory. */
  dispose(): void;
}

/** Builds tools/<name>/main.go with the local Go toolchain (throws without one). */
export declare function buildGoTool(name: string): GoTool;
