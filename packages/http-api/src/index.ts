export { ApiError } from './api-error.js';
export type { AgentEndpoints, RequestContext } from './agent-endpoints.js';
