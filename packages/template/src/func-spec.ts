// How functions are described to the template engine. Go functions have typed parameters, and
// text/template checks arguments against them; a FuncSpec carries the same information.

/**
 * Parameter types:
 * - `any`: Go's interface{}; a missing value arrives as null.
 * - `value`: Go's reflect.Value; a missing value arrives as undefined (builtins such as eq, len, index).
 * - `string`, `int`, `float64`, `bool`: the argument must have that Go type.
 */
export type ArgType = 'any' | 'value' | 'string' | 'int' | 'float64' | 'bool';

export interface FuncSpec {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: (...args: any[]) => unknown;
  /** Fixed parameters. */
  params: ArgType[];
  /** Type of the trailing variadic parameter, if the function is variadic. */
  variadic?: ArgType;
}

/** A template function: a FuncSpec, or a plain function (treated as variadic `any`). Throwing = Go's error return. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TemplateFunc = FuncSpec | ((...args: any[]) => unknown);

export type FuncMap = Record<string, TemplateFunc>;

export function toFuncSpec(f: TemplateFunc): FuncSpec {
  if (typeof f === 'function') return { fn: f, params: [], variadic: 'any' };
  return f;
}

/** Shorthand for declaring a typed function. */
export function fn(
  params: ArgType[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  impl: (...args: any[]) => unknown,
  variadic?: ArgType,
): FuncSpec {
  return variadic ? { fn: impl, params, variadic } : { fn: impl, params };
}

export function goTypeOfArg(t: ArgType): string {
  switch (t) {
    case 'any':
      return 'interface {}';
    case 'value':
      return 'reflect.Value';
    default:
      return t;
  }
}
