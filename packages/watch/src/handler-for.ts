// Builds the handler a definition names: script (`args` or `handler`) or HTTP.
import { httpHandler } from './http-handler.js';
import type { Logger } from '@conclave/toolkit';
import { scriptHandler, type ScriptHandlerOptions } from './script-handler.js';
import type { HandlerSpec } from './watch-definition.js';
import type { WatchHandler } from './watch-handler.js';

export function handlerFor(spec: HandlerSpec, options: ScriptHandlerOptions & { logger?: Logger } = {}): WatchHandler {
  switch (spec.kind) {
    case 'args':
      return scriptHandler({ args: spec.args }, options);
    case 'shell':
      return scriptHandler({ script: spec.script }, options);
    case 'http':
      return httpHandler(spec.config, { logger: options.logger });
  }
}
