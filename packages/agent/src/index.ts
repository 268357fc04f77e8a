export { Agent, type AgentOptions } from './agent.js';
export { startAgentLogging, type AgentLogging } from './agent-logging.js';
export {
  buildAgentConfig,
  checkDefinitions,
  loadAgentConfig,
  AGENT_FLAGS,
  defaultConfig,
  ConfigError,
  type BuiltConfig,
  type AgentConfig,
  type DnsSettings,
  type Ports,
  type DefinitionSource,
} from './config.js';
export { LocalLog, type CommandLog, type AppliedCommand } from './local-log.js';
export { decodeServiceDefinition, type DecodedService } from './service-definition.js';
export { VERSION, BUILD } from './version.js';
