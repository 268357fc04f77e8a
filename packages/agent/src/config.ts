// @conclave/agent/config: the agent's configuration loader alone, without the agent (no servers, no protocol
// code), for the commands that read a configuration without running one: `conclave validate` and `conclave
// services register`.
export { buildAgentConfig, loadAgentConfig, AGENT_FLAGS, type BuiltConfig } from './config/agent-flags.js';
export { checkDefinitions } from './config/check-definitions.js';
export { defaultConfig, type AgentConfig, type DnsSettings, type Ports, type DefinitionSource } from './config/agent-config.js';
export { ConfigError } from './config/config-error.js';
