export { createUiHandler, bundledUiDir, normalizeContentPath, CONTENT_SECURITY_POLICY } from './ui-handler.js';
export type { UiHandler, UiHandlerOptions } from './ui-handler.js';
export { MAX_WATCHES } from './ui-stream.js';
export type { ApiReader, ApiReply } from './ui-stream.js';
