export interface GoTool {
  /** The built binary. */
  bin: string;
  /** Runs the binary with `input` as JSON on stdin and parses its JSON stdout. */
  runJson(input: unknown): unknown;
  /** Removes the build directory. */
  dispose(): void;
}

export interface GoToolOptions {
  /** Debian Go library packages the tool imports (built from /usr/share/gocode); the build throws naming the
   * package to install when one is missing. */
  debianPackages?: Array<{ importPath: string; debian: string }>;
}

/** Where Debian installs Go library sources. */
export declare const DEBIAN_GOCODE: string;

/** Builds tools/<name>/main.go with the local Go toolchain (throws without one). */
export declare function buildGoTool(name: string, options?: GoToolOptions): GoTool;
