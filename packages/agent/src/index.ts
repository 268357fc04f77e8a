export { Agent, type AgentOptions } from './agent.js';
export { startAgentLogging, type AgentLogging } from './agent-logging.js';
export { buildAgentConfig, AGENT_FLAGS, type BuiltConfig } from './config/agent-flags.js';
export { defaultConfig, type AgentConfig, type DnsSettings, type Ports, type DefinitionSource } from './config/agent-config.js';
export { ConfigError } from './config/config-error.js';
export { LocalLog, type CommandLog, type AppliedCommand } from './local-log.js';
export { decodeServiceDefinition, type DecodedService } from './service-definition.js';
export { VERSION, BUILD } from './version.js';
