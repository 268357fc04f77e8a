// Typed errors. Their messages follow Go's text/template wording so that users of consul-template
// recognise them, e.g. `template: haproxy.ctmpl:3:12: executing "haproxy.ctmpl" at <.Foo>: ...`.

/** The template text is malformed. `message` names the template and line, as Go does. */
export class TemplateParseError extends Error {
  override name = 'TemplateParseError';
  constructor(
    message: string,
    readonly templateName: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/** Executing the template failed. `message` names the template, line, column and the failing action. */
export class TemplateExecError extends Error {
  override name = 'TemplateExecError';
  constructor(
    message: string,
    readonly templateName: string,
  ) {
    super(message);
  }
}

/** A template function was registered or called in a way that cannot work (a programming error). */
export class TemplateFuncError extends Error {
  override name = 'TemplateFuncError';
}
